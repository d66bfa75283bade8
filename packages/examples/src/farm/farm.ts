/**
 * The Fibonacci actor farm: a balancing (pull-based) pool of fib workers on worker threads.
 * Idle workers take the next task; the work of a lost worker is dispatched again, and every
 * task's result is kept exactly once.
 */
import { type ActorSystem, createActorSystem, type PoolRef } from '@troupe/core';
import type { FibResult, FibTask } from './behaviours.js';
import { fib, fibCost } from './fib.js';

/** Options of {@link runFarm}. */
export interface FarmOptions {
  /** The `n` of each task. */
  readonly tasks: readonly number[];
  /** Worker threads (0: run the workers on the main thread, one actor, no parallelism). */
  readonly threads: number;
  /** Kill a worker thread in the middle of the run; the run must still complete. */
  readonly chaos?: boolean;
  /** Called after each task with (cost done, total cost). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called with a line to show the user (e.g. what chaos did). */
  readonly log?: (line: string) => void;
}

/** What one farm run measured. */
export interface FarmRun {
  /** `fib(n)` for each task, in task order. */
  readonly results: number[];
  /** Wall time from the first task sent to the last result, ms. */
  readonly wallMs: number;
  /** Time to create the system and start its threads (not part of `wallMs`), ms. */
  readonly startupMs: number;
  /** Tasks completed by each worker (worker = node id # thread id). */
  readonly perWorker: Record<string, number>;
  /** Results that arrived twice and were dropped. */
  readonly duplicatesDropped: number;
  /** Threads killed by chaos. */
  readonly threadsKilled: number;
  readonly placement: { readonly threads: number; readonly nodes: number };
}

/** Compute every task on this thread, one after another. */
export function runSequential(tasks: readonly number[]): { results: number[]; wallMs: number } {
  const start = performance.now();
  const results = tasks.map((n) => fib(n));
  return { results, wallMs: performance.now() - start };
}

const catalog = new URL('./behaviours.js', import.meta.url);

/** Run the farm once in a fresh actor system. */
export async function runFarm(options: FarmOptions): Promise<FarmRun> {
  const t0 = performance.now();
  const threaded = options.threads > 0;
  const system: ActorSystem = await createActorSystem({
    name: 'fib-farm',
    catalog: [catalog],
    ...(threaded ? { threads: { size: options.threads } } : {}),
  });
  try {
    const pool: PoolRef<FibTask, FibResult> = system.spawnPool<FibTask, undefined, void, FibResult>(
      'farm.fib',
      undefined,
      {
        name: 'workers',
        size: threaded ? options.threads : 1,
        placement: threaded ? 'thread' : 'local',
        routing: 'balancing',
        credit: 1,
        redispatchOnLost: true,
      },
    );
    const startupMs = performance.now() - t0;
    const total = options.tasks.reduce((a, n) => a + fibCost(n), 0);
    let done = 0;
    const results: (number | undefined)[] = new Array(options.tasks.length).fill(undefined);
    const perWorker: Record<string, number> = {};
    let duplicates = 0;
    let killed = 0;
    const start = performance.now();
    // Chaos: right after the first result (the other threads are mid-task), kill a thread.
    const chaos = options.chaos === true && threaded;
    const killOne = () => {
      const victim = Math.floor(Math.random() * options.threads);
      options.log?.(`chaos: killing worker thread ${victim} in the middle of the run`);
      killed++;
      void system.threads?.terminate(victim);
    };
    await Promise.all(
      options.tasks.map(async (n, i) => {
        const r = await pool.ask({ n }, { timeoutMs: 3_600_000 });
        if (results[i] !== undefined) {
          duplicates++; // a late duplicate (e.g. from a worker declared lost): keep the first
          return;
        }
        results[i] = r.value;
        perWorker[r.worker] = (perWorker[r.worker] ?? 0) + 1;
        done += fibCost(n);
        options.onProgress?.(done, total);
        if (chaos && killed === 0) killOne();
      }),
    );
    const wallMs = performance.now() - start;
    return {
      results: results as number[],
      wallMs,
      startupMs,
      perWorker,
      duplicatesDropped: duplicates,
      threadsKilled: killed,
      placement: { threads: options.threads, nodes: 1 },
    };
  } finally {
    await system.shutdown();
  }
}
