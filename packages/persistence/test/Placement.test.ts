/**
 * Persistent actors in any placement, on the default store (one SQLite file shared by the main
 * thread and the worker threads): an actor written on a worker thread recovers on the main
 * thread of a new system, and the other way round.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';

const catalog = new URL('./fixtures/durableCatalog.ts', import.meta.url).href;
let system: ActorSystem | undefined;
let file: string;
const saved = process.env.TROUPE_STORE;

beforeEach(() => {
  file = join(mkdtempSync(join(tmpdir(), 'troupe-placement-')), 'troupe.db');
  process.env.TROUPE_STORE = file; // the default store of every thread started after this
});
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
  if (saved === undefined) delete process.env.TROUPE_STORE;
  else process.env.TROUPE_STORE = saved;
});

describe('persistent actors in any placement', () => {
  it('write on a worker thread and recover on the main thread of a new system, through the default SQLite file', async () => {
    system = await createActorSystem({ name: 'p1', catalog: [catalog], threads: { size: 1 } });
    const ledger = system.spawn<{ type: string; amount?: number }, unknown, void, number>(
      'test.ledger',
      undefined,
      {
        name: 'ledger',
        placement: 'thread',
      },
    );
    expect(await ledger.ask({ type: 'where' })).not.toBe(0);
    for (let i = 1; i <= 50; i++) await ledger.ask({ type: 'add', amount: i });
    const cart = system.spawn<{ type: string; item?: string }, unknown, void, unknown>(
      'test.cart',
      undefined,
      {
        name: 'cart',
        placement: 'thread',
      },
    );
    for (const item of ['tea', 'milk', 'bread']) await cart.ask({ type: 'add', item });
    await system.shutdown();

    // What the worker thread wrote is in the file, in order.
    const store = new SqliteStore({ path: file });
    expect(await store.journal.lastSeq('user/ledger')).toBe(50);
    await store.close();

    system = await createActorSystem({ name: 'p2', catalog: [catalog], threads: { size: 1 } });
    const again = system.spawn<{ type: string }, unknown, void, number>('test.ledger', undefined, {
      name: 'ledger',
    });
    expect(await again.ask({ type: 'where' })).toBe(0);
    expect(await again.ask({ type: 'total' })).toBe(1275);
    const cart2 = system.spawn<{ type: string }, unknown, void, unknown>('test.cart', undefined, {
      name: 'cart',
    });
    expect(await cart2.ask({ type: 'items' })).toEqual(['tea', 'milk', 'bread']);
    // And back onto a thread, going on from there.
    await system.stop(again);
    const onThread = system.spawn<{ type: string; amount?: number }, unknown, void, number>(
      'test.ledger',
      undefined,
      {
        name: 'ledger',
        placement: 'thread',
      },
    );
    expect(await onThread.ask({ type: 'add', amount: 1 })).toBe(1276);
  });
});
