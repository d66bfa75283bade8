/**
 * The store contract: what every {@link PersistenceStore} must do, run against each store (in
 * memory, SQLite, NATS JetStream). A store passes when appends are ordered, all-or-nothing and
 * single-writer per id, reads give back exactly what was written, and snapshots round-trip.
 */
import { describe, expect, it } from 'vitest';
import { isJournalConflictError, type PersistenceStore } from '../store.js';

const ev = (event: unknown, version = 1) => ({ event, version });

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Run the store contract (a vitest `describe` block) against stores made by `make`: a fresh,
 * empty store for each test, closed after it.
 *
 * @example
 * ```ts
 * // my-store.test.ts
 * import { storeContract } from '@troupe/persistence/testing';
 * storeContract('my store', async () => openMyStore({ path: freshPath() }));
 * ```
 */
export function storeContract(name: string, make: () => Promise<PersistenceStore>): void {
  describe(`store contract: ${name}`, () => {
    const withStore = (fn: (s: PersistenceStore) => Promise<void>) => async () => {
      const store = await make();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    it(
      'appends in order and reads back exactly what was written, from any sequence number',
      withStore(async (s) => {
        const id = 'acct/1';
        expect(await s.journal.lastSeq(id)).toBe(0);
        await s.journal.append(id, 0, [
          ev({ type: 'opened', owner: 'ann' }),
          ev({ type: 'deposited', amount: 5 }, 2),
        ]);
        await s.journal.append(id, 2, [ev({ type: 'withdrawn', amount: 1.5, note: 'ü ✓ "q"' })]);
        expect(await s.journal.lastSeq(id)).toBe(3);
        expect(await all(s.journal.read(id, 1))).toEqual([
          { seq: 1, version: 1, event: { type: 'opened', owner: 'ann' } },
          { seq: 2, version: 2, event: { type: 'deposited', amount: 5 } },
          { seq: 3, version: 1, event: { type: 'withdrawn', amount: 1.5, note: 'ü ✓ "q"' } },
        ]);
        expect((await all(s.journal.read(id, 3))).map((e) => e.seq)).toEqual([3]);
        expect(await all(s.journal.read(id, 4))).toEqual([]);
        expect(await all(s.journal.read('acct/other', 1))).toEqual([]);
      }),
    );

    it(
      'keeps ids apart, whatever characters they hold',
      withStore(async (s) => {
        const ids = ['a', 'a.b', 'a/b', 'user/$x~1', 'ö ä', 'a*', 'a>'];
        for (const [i, id] of ids.entries()) await s.journal.append(id, 0, [ev(i)]);
        for (const [i, id] of ids.entries())
          expect(await all(s.journal.read(id, 1))).toEqual([{ seq: 1, version: 1, event: i }]);
      }),
    );

    it(
      'refuses an append after a sequence number that is not the last: nothing is written',
      withStore(async (s) => {
        const id = 'acct/2';
        await s.journal.append(id, 0, [ev('a')]);
        const stale = s.journal.append(id, 0, [ev('b'), ev('c')]);
        await expect(stale).rejects.toSatisfy(isJournalConflictError);
        await expect(s.journal.append(id, 5, [ev('x')])).rejects.toSatisfy(isJournalConflictError);
        expect((await all(s.journal.read(id, 1))).map((e) => e.event)).toEqual(['a']);
        expect(await s.journal.lastSeq(id)).toBe(1);
      }),
    );

    it(
      'lets exactly one of two concurrent writers for one id win',
      withStore(async (s) => {
        const id = 'acct/3';
        await s.journal.append(id, 0, [ev('start')]);
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => s.journal.append(id, 1, [ev(`w${i}-1`), ev(`w${i}-2`)])),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results)
          if (r.status === 'rejected') expect(isJournalConflictError(r.reason)).toBe(true);
        const events = (await all(s.journal.read(id, 1))).map((e) => e.event as string);
        expect(events).toHaveLength(3);
        expect(events[1]!.split('-')[0]).toBe(events[2]!.split('-')[0]); // both events of the winner, none of a loser
      }),
    );

    it(
      'deletes up to a sequence number but keeps the last event and the last sequence number',
      withStore(async (s) => {
        const id = 'acct/4';
        await s.journal.append(id, 0, [ev(1), ev(2), ev(3), ev(4)]);
        await s.journal.deleteUpTo(id, 2);
        expect((await all(s.journal.read(id, 1))).map((e) => e.seq)).toEqual([3, 4]);
        await s.journal.deleteUpTo(id, 10);
        expect((await all(s.journal.read(id, 1))).map((e) => e.seq)).toEqual([4]);
        expect(await s.journal.lastSeq(id)).toBe(4);
        await s.journal.append(id, 4, [ev(5)]);
        expect((await all(s.journal.read(id, 1))).map((e) => e.seq)).toEqual([4, 5]);
      }),
    );

    it(
      'appends many events and reads them all back in order',
      withStore(async (s) => {
        const id = 'acct/many';
        for (let i = 0; i < 50; i++)
          await s.journal.append(
            id,
            i * 20,
            Array.from({ length: 20 }, (_, j) => ev(i * 20 + j + 1)),
          );
        const back = await all(s.journal.read(id, 1));
        expect(back.map((e) => e.event)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
        expect(back.every((e) => e.seq === e.event)).toBe(true);
      }),
    );

    it(
      'refuses an event that is not JSON before writing anything',
      withStore(async (s) => {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        await expect(s.journal.append('acct/5', 0, [ev('ok'), ev(cyclic)])).rejects.toThrow(/acct\/5.*JSON/);
        expect(await s.journal.lastSeq('acct/5')).toBe(0);
      }),
    );

    it(
      'refuses, naming it, a value JSON would change (Date, Map, Set, NaN, a class instance), before writing anything',
      withStore(async (s) => {
        class Money {
          constructor(readonly cents: number) {}
        }
        const changed: [unknown, RegExp][] = [
          [{ at: new Date(0) }, /a Date \(at key 'at'\)/],
          [{ items: new Map([['a', 1]]) }, /a Map \(at key 'items'\)/],
          [{ tags: new Set(['x']) }, /a Set/],
          [{ amount: Number.NaN }, /NaN/],
          [[1, undefined], /undefined in an array/],
          [{ price: new Money(5) }, /an instance of Money/],
          [{ n: 10n }, /a BigInt/],
        ];
        for (const [value, says] of changed) {
          await expect(s.journal.append('acct/6', 0, [ev('ok'), ev(value)])).rejects.toThrow(says);
          await expect(s.snapshots.put('acct/6', { seq: 1, version: 1, state: value })).rejects.toThrow(says);
        }
        expect(await s.journal.lastSeq('acct/6')).toBe(0);
        expect(await s.snapshots.get('acct/6')).toBeUndefined();
        // Absent optional fields are fine: they come back absent.
        await s.journal.append('acct/6', 0, [ev({ type: 'x', note: undefined })]);
        expect((await all(s.journal.read('acct/6', 1)))[0]!.event).toEqual({ type: 'x' });
      }),
    );

    it(
      'stores, replaces and deletes snapshots',
      withStore(async (s) => {
        expect(await s.snapshots.get('acct/1')).toBeUndefined();
        await s.snapshots.put('acct/1', { seq: 3, version: 1, state: { balance: 2.5, owner: 'ann' } });
        await s.snapshots.put('user/$x~1', { seq: 1, version: 1, state: [1, 'two'] });
        expect(await s.snapshots.get('acct/1')).toEqual({
          seq: 3,
          version: 1,
          state: { balance: 2.5, owner: 'ann' },
        });
        await s.snapshots.put('acct/1', { seq: 9, version: 1, state: null });
        expect(await s.snapshots.get('acct/1')).toEqual({ seq: 9, version: 1, state: null });
        expect(await s.snapshots.get('user/$x~1')).toEqual({ seq: 1, version: 1, state: [1, 'two'] });
        await s.snapshots.delete('acct/1');
        expect(await s.snapshots.get('acct/1')).toBeUndefined();
      }),
    );
  });
}
