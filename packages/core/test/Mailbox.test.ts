/** Unit tests of the per-actor mailbox: FIFO pairs, capacity and overflow policies, forced offers, drain. */
import { describe, expect, it } from 'vitest';
import type { OverflowPolicy } from '../src/api/options.js';
import { Mailbox, Offer } from '../src/mailbox/Mailbox.js';

const unbounded = () => new Mailbox(Number.POSITIVE_INFINITY, 'dropNewest');

/** Take every pair out, in order. */
function takeAll(mb: Mailbox): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  while (!mb.isEmpty()) {
    const m = mb.take();
    out.push([m, mb.lastReply]);
  }
  return out;
}

/** A mailbox of `capacity` filled with messages 0 … capacity-1 (replies 'r0' …). */
function full(capacity: number, overflow: OverflowPolicy): Mailbox {
  const mb = new Mailbox(capacity, overflow);
  for (let i = 0; i < capacity; i++) expect(mb.offer(i, `r${i}`)).toBe(Offer.Accepted);
  return mb;
}

describe('Mailbox', () => {
  it('starts empty, and take() on an empty mailbox gives undefined with no reply target', () => {
    const mb = unbounded();
    expect(mb.isEmpty()).toBe(true);
    expect(mb.size).toBe(0);
    expect(mb.take()).toBeUndefined();
    expect(mb.lastReply).toBeUndefined();
  });

  it('delivers messages in FIFO order, each with the reply target it was offered with', () => {
    const mb = unbounded();
    const replyB = { fail: () => undefined };
    expect(mb.offer('a', undefined)).toBe(Offer.Accepted);
    expect(mb.offer('b', replyB)).toBe(Offer.Accepted);
    expect(mb.offer('c', 'rc')).toBe(Offer.Accepted);
    expect(mb.size).toBe(3);
    expect(mb.take()).toBe('a');
    expect(mb.lastReply).toBeUndefined();
    expect(mb.take()).toBe('b');
    expect(mb.lastReply).toBe(replyB);
    expect(mb.size).toBe(1);
    expect(mb.take()).toBe('c');
    expect(mb.lastReply).toBe('rc');
    expect(mb.isEmpty()).toBe(true);
  });

  it('counts a message that is undefined or null as a message', () => {
    const mb = unbounded();
    mb.offer(undefined, undefined);
    mb.offer(null, undefined);
    expect(mb.isEmpty()).toBe(false);
    expect(mb.size).toBe(2);
    expect(takeAll(mb)).toEqual([
      [undefined, undefined],
      [null, undefined],
    ]);
  });

  it('grows past its initial ring size without losing order, also across wrap-around', () => {
    const mb = unbounded();
    const taken: unknown[] = [];
    let next = 0;
    // Interleave offers and takes so the ring wraps before it grows, several times over.
    for (let round = 1; round <= 40; round++) {
      for (let i = 0; i < round; i++) mb.offer(next, `r${next++}`);
      for (let i = 0; i < round >> 1; i++) {
        const m = mb.take();
        expect(mb.lastReply).toBe(`r${String(m)}`);
        taken.push(m);
      }
    }
    expect(mb.size).toBe(next - taken.length);
    for (const [m, r] of takeAll(mb)) {
      expect(r).toBe(`r${String(m)}`);
      taken.push(m);
    }
    expect(taken).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('holds 10 000 messages when unbounded', () => {
    const mb = unbounded();
    for (let i = 0; i < 10_000; i++) expect(mb.offer(i, undefined)).toBe(Offer.Accepted);
    expect(mb.size).toBe(10_000);
    expect(mb.take()).toBe(0);
  });

  describe('when bounded and full', () => {
    it('dropNewest: refuses the new message with DroppedNewest and keeps the queued ones', () => {
      const mb = full(3, 'dropNewest');
      expect(mb.offer('new', 'rnew')).toBe(Offer.DroppedNewest);
      expect(mb.size).toBe(3);
      expect(takeAll(mb)).toEqual([
        [0, 'r0'],
        [1, 'r1'],
        [2, 'r2'],
      ]);
    });

    it('dropOldest: evicts the oldest pair, exposes it, and queues the new message last', () => {
      const mb = full(3, 'dropOldest');
      expect(mb.offer('new', 'rnew')).toBe(Offer.DroppedOldest);
      expect(mb.evictedMessage).toBe(0);
      expect(mb.evictedReply).toBe('r0');
      expect(mb.size).toBe(3);
      expect(mb.offer('newer', 'rnewer')).toBe(Offer.DroppedOldest);
      expect(mb.evictedMessage).toBe(1);
      expect(mb.evictedReply).toBe('r1');
      expect(takeAll(mb)).toEqual([
        [2, 'r2'],
        ['new', 'rnew'],
        ['newer', 'rnewer'],
      ]);
    });

    it('reject: refuses the new message with Rejected and keeps the queued ones', () => {
      const mb = full(2, 'reject');
      expect(mb.offer('new', 'rnew')).toBe(Offer.Rejected);
      expect(mb.size).toBe(2);
      expect(takeAll(mb)).toEqual([
        [0, 'r0'],
        [1, 'r1'],
      ]);
    });

    it.each(['dropNewest', 'dropOldest', 'reject'] as const)(
      '%s: accepts again as soon as a message has been taken',
      (policy) => {
        const mb = full(2, policy);
        expect(mb.offer('over', undefined)).not.toBe(Offer.Accepted);
        mb.take();
        expect(mb.offer('fits', undefined)).toBe(Offer.Accepted);
        expect(mb.size).toBe(2);
      },
    );

    it('a capacity of 1 holds exactly one message', () => {
      const mb = new Mailbox(1, 'reject');
      expect(mb.offer('a', undefined)).toBe(Offer.Accepted);
      expect(mb.offer('b', undefined)).toBe(Offer.Rejected);
      expect(mb.size).toBe(1);
    });
  });

  describe('a forced offer (death-watch notifications)', () => {
    it.each(['dropNewest', 'dropOldest', 'reject'] as const)(
      '%s: is accepted past capacity and evicts nothing',
      (policy) => {
        const mb = full(2, policy);
        mb.evictedMessage = 'untouched';
        expect(mb.offer('terminated', 'rt', true)).toBe(Offer.Accepted);
        expect(mb.size).toBe(3);
        expect(mb.evictedMessage).toBe('untouched');
        // Ordinary offers are still held to the capacity while the mailbox is over it.
        expect(mb.offer('user', undefined)).toBe(
          policy === 'dropNewest'
            ? Offer.DroppedNewest
            : policy === 'reject'
              ? Offer.Rejected
              : Offer.DroppedOldest,
        );
        const order = takeAll(mb).map(([m]) => m);
        expect(order).toEqual(policy === 'dropOldest' ? [1, 'terminated', 'user'] : [0, 1, 'terminated']);
      },
    );

    it('keeps its place in FIFO order', () => {
      const mb = unbounded();
      mb.offer('a', undefined);
      mb.offer('forced', undefined, true);
      mb.offer('b', undefined);
      expect(takeAll(mb).map(([m]) => m)).toEqual(['a', 'forced', 'b']);
    });
  });

  describe('drain()', () => {
    it('hands every pair to the callback in FIFO order and leaves the mailbox empty', () => {
      const mb = unbounded();
      for (let i = 0; i < 20; i++) mb.offer(i, `r${i}`);
      mb.take();
      const seen: [unknown, unknown][] = [];
      mb.drain((m, r) => seen.push([m, r]));
      expect(seen).toEqual(Array.from({ length: 19 }, (_, k) => [k + 1, `r${k + 1}`]));
      expect(mb.isEmpty()).toBe(true);
      expect(mb.size).toBe(0);
      expect(mb.take()).toBeUndefined();
    });

    it('calls nothing on an empty mailbox', () => {
      const mb = unbounded();
      let calls = 0;
      mb.drain(() => calls++);
      expect(calls).toBe(0);
    });

    it('frees the capacity of a bounded mailbox, which then accepts and orders new messages', () => {
      const mb = full(3, 'reject');
      mb.drain(() => undefined);
      for (const m of ['x', 'y', 'z']) expect(mb.offer(m, undefined)).toBe(Offer.Accepted);
      expect(mb.offer('over', undefined)).toBe(Offer.Rejected);
      expect(takeAll(mb).map(([m]) => m)).toEqual(['x', 'y', 'z']);
    });
  });
});
