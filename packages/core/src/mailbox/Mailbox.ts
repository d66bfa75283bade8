/**
 * A per-actor FIFO of user messages. Each entry is a pair (message, reply target) stored in two
 * consecutive ring slots, so a tell allocates nothing. Bounded mailboxes apply their overflow
 * policy here; the caller turns the outcome into dead letters and rejections.
 * @internal
 */
import type { OverflowPolicy } from '../api/options.js';
import { RingBuffer } from './RingBuffer.js';

/** @internal Outcome of {@link Mailbox.offer}. */
export enum Offer {
  Accepted = 0,
  DroppedNewest = 1,
  DroppedOldest = 2,
  Rejected = 3,
}

/** @internal */
export class Mailbox {
  private readonly q = new RingBuffer<unknown>(8);
  /** The evicted pair after {@link Offer.DroppedOldest}. */
  evictedMessage: unknown;
  evictedReply: unknown;

  constructor(
    readonly capacity: number,
    readonly overflow: OverflowPolicy,
  ) {}

  get size(): number {
    return this.q.length >> 1;
  }

  isEmpty(): boolean {
    return this.q.isEmpty();
  }

  /** Enqueue; `force` skips the capacity check (death-watch notifications). */
  offer(message: unknown, reply: unknown, force = false): Offer {
    if (!force && this.capacity !== Number.POSITIVE_INFINITY && this.q.length >> 1 >= this.capacity) {
      if (this.overflow === 'dropNewest') return Offer.DroppedNewest;
      if (this.overflow === 'reject') return Offer.Rejected;
      this.evictedMessage = this.q.shift();
      this.evictedReply = this.q.shift();
      this.q.push(message);
      this.q.push(reply);
      return Offer.DroppedOldest;
    }
    this.q.push(message);
    this.q.push(reply);
    return Offer.Accepted;
  }

  /** Take the next message; its reply target is then in {@link Mailbox.lastReply}. */
  take(): unknown {
    const m = this.q.shift();
    this.lastReply = this.q.shift();
    return m;
  }
  lastReply: unknown;

  /** Remove everything, calling `each` for every pair (used when an actor stops). */
  drain(each: (message: unknown, reply: unknown) => void): void {
    while (!this.q.isEmpty()) {
      const m = this.q.shift();
      const r = this.q.shift();
      each(m, r);
    }
  }
}
