/**
 * A clock that moves only when told to, for tests of timers, backoff and ask timeouts.
 */
import type { Clock } from '../clock.js';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * A manual {@link Clock}: `advance(ms)` runs the timers that fall due, in time order.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const system = await createActorSystem({ name: 't', clock });
 * clock.advance(1000); // fires every timer due within the next second
 * ```
 */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly entries = new Map<number, Entry>();

  /** @param start The time `now()` returns until the first `advance` (ms). */
  constructor(start = 0) {
    this.t = start;
  }

  /** The manual time: `start` plus everything `advance` has moved it by. */
  now(): number {
    return this.t;
  }

  /** Schedule `fn` at `now() + ms` (a negative `ms` counts as 0); it runs during an `advance` that reaches that time. */
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.entries.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }

  /** Cancel a timer made by {@link ManualClock.setTimeout} (a no-op if it has run already). */
  clearTimeout(handle: unknown): void {
    this.entries.delete(handle as number);
  }

  /** Move time forward by `ms`, running every timer that falls due (including ones they set). */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      let next: Entry | undefined;
      for (const e of this.entries.values()) {
        if (
          e.at <= target &&
          (next === undefined || e.at < next.at || (e.at === next.at && e.seq < next.seq))
        )
          next = e;
      }
      if (next === undefined) break;
      this.entries.delete(next.seq);
      this.t = next.at;
      next.fn();
    }
    this.t = target;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.entries.size;
  }

  /** When the next timer is due, or `undefined`. */
  nextDue(): number | undefined {
    let at: number | undefined;
    for (const e of this.entries.values()) if (at === undefined || e.at < at) at = e.at;
    return at;
  }
}
