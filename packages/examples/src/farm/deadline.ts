/**
 * The farm's per-task deadline: how long a worker may take to answer one task before the pool
 * takes the task back and hands it to another worker (the pool option `redispatchAfterMs`, which
 * counts from the moment the task is handed to the worker, not from when it was queued). It is
 * derived from the tasks measured so far, not fixed: a task whose reply is lost costs a few
 * times its own expected time, not an hour.
 *
 * The rule. The farm knows each task's relative cost (`fibCost(n)`) and, from every result, the
 * time it took inside its worker (`ms`). The running cost per unit is their ratio over every
 * finished task (so the long tasks, which dominate, set it); the expected time of `fib(n)` is
 * `fibCost(n)` times it, and its deadline is `max(floorMs, factor × expected)`. Before the
 * first result nothing has been measured on the workers: the expected time comes from timing a
 * small `fib` on the farm's own thread, with a wider margin and floor (cold threads, slower
 * hosts). The pool doubles a task's deadline each time it misses it again, so a deadline that is
 * too short costs extra runs, never an endless series.
 */
import { fib, fibCost } from './fib.js';

/** The margins of the rule (see the header). */
export const DEADLINE = {
  /** No task gets less than this, ms (a thread starting, a JIT warming, a busy host). */
  floorMs: 5_000,
  /** Deadline = factor × the task's expected time. */
  factor: 10,
  /** Before the first result: at least this, ms ... */
  startupFloorMs: 30_000,
  /** ... and this many times the time expected from the farm's own thread. */
  startupFactor: 50,
} as const;

/** The deadlines of one farm run, from its results so far. */
export class TaskDeadlines {
  private cost = 0;
  private ms = 0;

  /** @param localMsPerUnit ms per unit of `fibCost` on this thread (see {@link calibrate}), for the start. */
  constructor(private readonly localMsPerUnit: number) {}

  /** A result came: `fib(n)` took `ms` in its worker. */
  record(n: number, ms: number): void {
    this.cost += fibCost(n);
    this.ms += ms;
  }

  /** The time `fib(n)` is expected to take in a worker, ms (from this thread before any result). */
  expectedMs(n: number): number {
    const perUnit = this.cost > 0 ? this.ms / this.cost : this.localMsPerUnit;
    return fibCost(n) * perUnit;
  }

  /** How long a worker handed `fib(n)` now may take to answer, ms. */
  deadlineMs(n: number): number {
    if (this.cost === 0)
      return Math.max(DEADLINE.startupFloorMs, DEADLINE.startupFactor * this.expectedMs(n));
    return Math.max(DEADLINE.floorMs, DEADLINE.factor * this.expectedMs(n));
  }
}

/** Time a small `fib` on this thread: ms per unit of `fibCost` (the best of three runs). */
export function calibrate(n = 25): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    fib(n);
    best = Math.min(best, performance.now() - start);
  }
  return best / fibCost(n);
}
