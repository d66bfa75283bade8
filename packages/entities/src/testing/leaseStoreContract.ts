/**
 * The lease store contract: what every {@link LeaseStore} must do, run against each store (in
 * memory, NATS KV). A store passes when creating, updating and removing are compare-and-set on
 * the revision, and revisions only grow.
 */
import { describe, expect, it } from 'vitest';
import type { LeaseStore } from '../leases.js';

/**
 * Run the lease store contract (a vitest `describe` block) against stores made by `make`: a
 * fresh, empty store for each test, closed after it.
 *
 * @example
 * ```ts
 * leaseStoreContract('in memory', async () => new InMemoryLeaseStore());
 * ```
 */
export function leaseStoreContract(name: string, make: () => Promise<LeaseStore>): void {
  describe(`lease store contract: ${name}`, () => {
    const withStore = (fn: (s: LeaseStore) => Promise<void>) => async () => {
      const store = await make();
      try {
        await fn(store);
      } finally {
        await store.close?.();
      }
    };

    it(
      'creates a lease once: a second create finds it held',
      withStore(async (s) => {
        expect(await s.get('cart.1')).toBeUndefined();
        const r1 = await s.create('cart.1', 'node-a');
        expect(r1).toBeTypeOf('number');
        expect(await s.create('cart.1', 'node-b')).toBeUndefined();
        expect(await s.get('cart.1')).toEqual({ holder: 'node-a', revision: r1 });
      }),
    );

    it(
      'updates only at the revision read, with a larger revision each time',
      withStore(async (s) => {
        const r1 = (await s.create('cart.2', 'node-a'))!;
        const r2 = (await s.update('cart.2', 'node-a', r1))!;
        expect(r2).toBeGreaterThan(r1);
        expect(await s.update('cart.2', 'node-b', r1)).toBeUndefined(); // stale revision: refused
        const r3 = (await s.update('cart.2', 'node-b', r2))!;
        expect(r3).toBeGreaterThan(r2);
        expect(await s.get('cart.2')).toEqual({ holder: 'node-b', revision: r3 });
      }),
    );

    it(
      'lets exactly one of two racing takers win',
      withStore(async (s) => {
        const r1 = (await s.create('cart.3', 'old'))!;
        const [a, b] = await Promise.all([s.update('cart.3', 'a', r1), s.update('cart.3', 'b', r1)]);
        expect([a, b].filter((r) => r !== undefined)).toHaveLength(1);
        const [c, d] = await Promise.all([s.create('cart.4', 'c'), s.create('cart.4', 'd')]);
        expect([c, d].filter((r) => r !== undefined)).toHaveLength(1);
      }),
    );

    it(
      'removes only at the revision read; a removed lease can be created again, with a larger revision',
      withStore(async (s) => {
        const r1 = (await s.create('cart~5/ü', 'node-a'))!;
        const r2 = (await s.update('cart~5/ü', 'node-a', r1))!;
        expect(await s.remove('cart~5/ü', r1)).toBe(false);
        expect(await s.get('cart~5/ü')).toEqual({ holder: 'node-a', revision: r2 });
        expect(await s.remove('cart~5/ü', r2)).toBe(true);
        expect(await s.get('cart~5/ü')).toBeUndefined();
        const r3 = (await s.create('cart~5/ü', 'node-b'))!;
        expect(r3).toBeGreaterThan(r2);
      }),
    );
  });
}
