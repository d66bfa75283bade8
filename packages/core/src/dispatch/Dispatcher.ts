/**
 * The dispatcher: one run queue of actors that have work. Each actor processes up to a batch of
 * messages, then the next actor runs; after a time slice the loop yields to the event loop with
 * `setImmediate`, so timers and I/O are never starved by a flood of messages. A slice lasts
 * until the event loop has turned, even across turns started from microtasks (async handlers
 * settling one after another must not starve timers either).
 * @internal
 */
import { InvalidOptionsError } from '../errors.js';
import { RingBuffer } from '../mailbox/RingBuffer.js';

/** Something the dispatcher can run: an actor cell. */
export interface Runnable {
  /** True while the runnable sits in the run queue. */
  scheduled: boolean;
  /** Process up to a batch of messages; reschedule itself if work remains. */
  run(dispatcher: Dispatcher): void;
}

/**
 * Dispatcher tuning, `createActorSystem({ dispatcher })`: a smaller batch and slice share the
 * thread more evenly between busy actors and timers or I/O, at some cost in throughput.
 *
 * @example
 * ```ts
 * const system = await createActorSystem({ name: 'feed', dispatcher: { throughput: 16, timeSliceMs: 2 } });
 * ```
 */
export interface DispatcherOptions {
  /** Messages an actor processes before the next actor gets a turn. Default 64. */
  readonly throughput?: number;
  /** Longest time (ms) the loop runs before yielding to the event loop. Default 4. */
  readonly timeSliceMs?: number;
}

const now = () => performance.now();

export class Dispatcher {
  private readonly queue = new RingBuffer<Runnable>(1024);
  private pending = false;
  private running = false;
  private deadline = 0;
  /** A slice is open from its first turn until the event loop turns (a `setImmediate` runs). */
  private sliceOpen = false;
  private yielding = false;
  /** Messages processed; the clock is read every 64. */
  tick = 0;
  readonly throughput: number;
  private readonly timeSliceMs: number;
  private readonly turn = () => this.runTurn();
  private readonly closeSlice = () => {
    this.sliceOpen = false;
  };

  constructor(
    options: DispatcherOptions = {},
    private readonly onError: (error: unknown) => void = (e) => console.error('[troupe] dispatcher:', e),
  ) {
    this.throughput = options.throughput ?? 64;
    this.timeSliceMs = options.timeSliceMs ?? 4;
    if (!Number.isInteger(this.throughput) || this.throughput < 1) {
      throw new InvalidOptionsError(
        `dispatcher.throughput must be a whole number ≥ 1, got ${String(options.throughput)}`,
      );
    }
    if (!(this.timeSliceMs > 0)) {
      throw new InvalidOptionsError(
        `dispatcher.timeSliceMs must be a number > 0, got ${String(options.timeSliceMs)}`,
      );
    }
  }

  /** Put a runnable in the run queue (the caller has checked `scheduled` is false). */
  schedule(r: Runnable): void {
    r.scheduled = true;
    this.queue.push(r);
    if (!this.pending && !this.running) {
      this.pending = true;
      queueMicrotask(this.turn);
    }
  }

  /**
   * Called by an actor after each message: true when the turn has used up its time slice
   * (the clock is read every 64 messages, to keep the hot path cheap).
   */
  shouldYield(): boolean {
    if ((++this.tick & 63) !== 0) return false;
    if (now() > this.deadline) this.yielding = true;
    return this.yielding;
  }

  private runTurn(): void {
    this.pending = false;
    if (!this.sliceOpen) {
      this.sliceOpen = true;
      this.deadline = now() + this.timeSliceMs;
      setImmediate(this.closeSlice);
    } else if (now() > this.deadline) {
      // Still in the same slice (microtask turns in a row) and it is used up: let the event loop turn.
      this.pending = true;
      setImmediate(this.turn);
      return;
    }
    this.running = true;
    this.yielding = false;
    const q = this.queue;
    let r: Runnable | undefined;
    while (!this.yielding && (r = q.shift()) !== undefined) {
      r.scheduled = false;
      try {
        r.run(this);
      } catch (e) {
        // A bug in one actor's machinery must never wedge the run queue for all the others.
        this.onError(e);
      }
    }
    this.running = false;
    if (!q.isEmpty()) {
      this.pending = true;
      setImmediate(this.turn);
    }
  }
}
