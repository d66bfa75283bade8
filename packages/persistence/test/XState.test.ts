/**
 * xstate machines as clients of the persistence layer: a machine persists its snapshot (its
 * spawned children's included) to the snapshots of a SqliteStore, and a new process (a new
 * system on the same file) resumes the whole actor tree from it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { fromXState } from '@troupe/core/xstate';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, createMachine, sendTo, setup, spawnChild } from 'xstate';
import { SqliteStore } from '../src/index.js';

const tally = createMachine({
  id: 'tally',
  context: { n: 0 },
  on: { ADD: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

const shop = setup({ actors: { tally } }).createMachine({
  id: 'shop',
  context: { orders: 0 },
  entry: spawnChild('tally', { id: 'tally', systemId: 'tally' }),
  on: {
    ORDER: {
      actions: [assign({ orders: ({ context }) => context.orders + 1 }), sendTo('tally', { type: 'ADD' })],
    },
  },
});

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

describe('xstate on a persistence store', () => {
  it('resumes a machine and its spawned child from a SQLite file in a new system', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'troupe-xs-')), 'x.db');
    const run = async (name: string) => {
      const store = new SqliteStore({ path: file });
      system = await createActorSystem({ name });
      const Shop = fromXState(shop, { name: 'shop', persist: { store: store.snapshots } });
      return { ref: system.spawn(Shop, undefined, { name: 'shop' }), store };
    };
    const first = await run('xs1');
    for (let i = 0; i < 5; i++) first.ref.tell({ type: 'ORDER' });
    type Saved = {
      context: { orders: number };
      children: { tally: { snapshot: { context: { n: number } } } };
    };
    await expect
      .poll(async () => ((await first.store.snapshots.get('user/shop')) as Saved | undefined)?.context.orders)
      .toBe(5);
    const saved = (await first.store.snapshots.get('user/shop')) as Saved;
    expect(saved.context.orders).toBe(5);
    expect(saved.children.tally.snapshot.context.n).toBe(5);
    await system!.shutdown();
    await first.store.close();

    const second = await run('xs2');
    second.ref.tell({ type: 'ORDER' });
    await expect
      .poll(
        async () => ((await second.store.snapshots.get('user/shop')) as Saved | undefined)?.context.orders,
      )
      .toBe(6);
    const again = (await second.store.snapshots.get('user/shop')) as Saved;
    expect(again.context.orders).toBe(6);
    expect(again.children.tally.snapshot.context.n).toBe(6);
    await system!.shutdown();
    system = undefined;
    await second.store.close();
  });
});
