/**
 * Messages from other runtimes for an actor that is not here yet. A parent on node A spawns a
 * child on node C and hands its ref to node B at once; B's message to C then races A's spawn
 * request, because links are ordered per pair of runtimes, not across three. Such a message waits
 * here for a short grace period: when the spawn request arrives it is delivered first, in the order
 * it came; when the grace period ends without one it becomes a dead letter (an ask fails), as it
 * would have at once before. The wait is bounded in time and in count, so an address that never
 * lives costs a little delay, never memory.
 *
 * Owns: the waiting messages, their grace period and their bound. May not touch: cells (the caller
 * delivers what {@link Unborn.born} hands back) or the decision of what a missing actor means
 * (the caller's `expire`).
 * @internal
 */
import type { ReplyTarget } from '../actor/ask.js';
import type { Clock } from '../clock.js';

/** How long a message waits for its actor's spawn request: well above a link's skew. */
export const UNBORN_GRACE_MS = 500;
/** The most messages that wait at once; past it a message for a missing actor fails at once. */
export const UNBORN_MAX = 10_000;

/** One waiting message. */
export interface Parked {
  readonly path: string;
  readonly message: unknown;
  readonly reply: ReplyTarget | undefined;
  readonly until: number;
}

export class Unborn {
  private readonly waiting = new Map<string, Parked[]>();
  private count = 0;
  private timer: unknown;

  constructor(
    private readonly clock: Clock,
    /** A message whose actor did not start in time (or could not wait). */
    private readonly expire: (p: Parked) => void,
    private readonly graceMs = UNBORN_GRACE_MS,
    private readonly max = UNBORN_MAX,
  ) {}

  /** Messages waiting now. */
  get size(): number {
    return this.count;
  }

  /** Let `message` for `path` wait for its actor; `false` when the bound is reached (not kept). */
  park(path: string, message: unknown, reply: ReplyTarget | undefined): boolean {
    if (this.count >= this.max) return false;
    const p: Parked = { path, message, reply, until: this.clock.now() + this.graceMs };
    const list = this.waiting.get(path);
    if (list === undefined) this.waiting.set(path, [p]);
    else list.push(p);
    this.count++;
    if (this.timer === undefined) this.arm(this.graceMs);
    return true;
  }

  /** True when messages wait for `path` (a newer one must queue behind them). */
  has(path: string): boolean {
    return this.count !== 0 && this.waiting.has(path);
  }

  /** The actor at `path` started: its waiting messages, oldest first, to deliver before anything else. */
  born(path: string): readonly Parked[] | undefined {
    if (this.count === 0) return undefined;
    const list = this.waiting.get(path);
    if (list === undefined) return undefined;
    this.waiting.delete(path);
    this.count -= list.length;
    return list;
  }

  /** Hand every waiting message to `expire` (the runtime shuts down). */
  expireAll(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const lists = [...this.waiting.values()];
    this.waiting.clear();
    this.count = 0;
    for (const list of lists) for (const p of list) this.expire(p);
  }

  private arm(ms: number): void {
    const t = this.clock.setTimeout(() => this.sweep(), ms);
    (t as { unref?: () => void } | null)?.unref?.();
    this.timer = t;
  }

  /** Expire what waited its grace period; look again when the next one is due. */
  private sweep(): void {
    this.timer = undefined;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    const due: Parked[] = [];
    for (const [path, list] of this.waiting) {
      let k = 0;
      while (k < list.length && list[k]!.until <= now) due.push(list[k++]!);
      if (k === list.length) this.waiting.delete(path);
      else {
        if (k > 0) list.splice(0, k);
        next = Math.min(next, list[0]!.until);
      }
    }
    this.count -= due.length;
    if (next !== Number.POSITIVE_INFINITY) this.arm(Math.max(1, next - now));
    for (const p of due) this.expire(p);
  }
}
