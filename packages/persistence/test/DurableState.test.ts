/**
 * Durable-state actors: saved after each change (replies after the save), restored after a
 * restart, fenced by the journal's one-writer check, saved every N when asked, upcast on load.
 */
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { afterEach, describe, expect, it } from 'vitest';
import { durableState, InMemoryStore, type PersistenceStore } from '../src/index.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

type Msg = { type: 'add'; item: string } | { type: 'items' } | { type: 'crash' };
const cart = (store: PersistenceStore, saveEvery?: number, name = 'cart') =>
  durableState<Msg, string[], void, unknown>({
    name,
    store,
    persistenceId: () => 'cart-1',
    initial: [],
    ...(saveEvery === undefined ? {} : { saveEvery }),
    receive(ctx, items, msg) {
      if (msg.type === 'crash') throw new Error('crash on purpose');
      if (msg.type === 'items') {
        ctx.reply(items);
        return items;
      }
      ctx.reply(items.length + 1);
      return [...items, msg.item];
    },
  });

describe('durable-state actors', () => {
  it('save each change, keep only the last save, and come back with it after a restart', async () => {
    system = await createActorSystem({ name: 'ds1' });
    const store = new InMemoryStore();
    const c = system.spawn(cart(store));
    expect(await c.ask({ type: 'add', item: 'tea' })).toBe(1);
    expect(await c.ask({ type: 'add', item: 'milk' })).toBe(2);
    expect(await c.ask({ type: 'items' })).toEqual(['tea', 'milk']);
    expect(await store.journal.lastSeq('cart-1')).toBe(2); // 'items' changed nothing: not saved
    const kept = [];
    for await (const e of store.journal.read('cart-1', 1)) kept.push(e);
    expect(kept).toEqual([{ seq: 2, version: 1, event: ['tea', 'milk'] }]);
    await c.ask({ type: 'crash' }).catch(() => undefined);
    expect(await c.ask({ type: 'items' })).toEqual(['tea', 'milk']);
  });

  it("fence a second activation: its save fails and it comes back with the winner's state", async () => {
    system = await createActorSystem({ name: 'ds2' });
    const store = new InMemoryStore();
    const Cart = cart(store);
    const a = system.spawn(Cart, undefined, { name: 'a' });
    const b = system.spawn(Cart, undefined, { name: 'b' });
    expect(await a.ask({ type: 'items' })).toEqual([]);
    expect(await b.ask({ type: 'items' })).toEqual([]);
    expect(await a.ask({ type: 'add', item: 'tea' })).toBe(1);
    await expect(b.ask({ type: 'add', item: 'coffee' })).rejects.toThrow(
      /another writer appended after sequence number 0/,
    );
    expect(await b.ask({ type: 'items' })).toEqual(['tea']);
  });

  it('with saveEvery, save every N changes (replies do not wait), and a restart loses the unsaved ones', async () => {
    system = await createActorSystem({ name: 'ds3' });
    const store = new InMemoryStore();
    const c = system.spawn(cart(store, 3, 'cart3'));
    for (const item of ['a', 'b', 'c', 'd']) await c.ask({ type: 'add', item });
    expect(await store.journal.lastSeq('cart-1')).toBe(1);
    await c.ask({ type: 'crash' }).catch(() => undefined);
    expect(await c.ask({ type: 'items' })).toEqual(['a', 'b', 'c']);
  });

  it('with saveAfterMs, save on a timer after the first unsaved change', async () => {
    system = await createActorSystem({ name: 'ds5' });
    const store = new InMemoryStore();
    const Timed = durableState<Msg, string[], void, unknown>({
      name: 'cart-timed',
      store,
      persistenceId: () => 'cart-t',
      initial: [],
      saveAfterMs: 100,
      receive(ctx, items, msg) {
        if (msg.type === 'items') {
          ctx.reply(items);
          return items;
        }
        ctx.reply(items.length + 1);
        return [...items, (msg as { item: string }).item];
      },
    });
    const c = system.spawn(Timed);
    for (const item of ['a', 'b', 'c']) await c.ask({ type: 'add', item });
    expect(await store.journal.lastSeq('cart-t')).toBe(0); // replies did not wait
    await new Promise((r) => setTimeout(r, 250));
    expect(await store.journal.lastSeq('cart-t')).toBe(1); // one save for the three changes
    const saved = [];
    for await (const e of store.journal.read('cart-t', 1)) saved.push(e.event);
    expect(saved).toEqual([['a', 'b', 'c']]);
    expect(() => durableState({ name: 'x', initial: 0, receive: (_c, n) => n, saveAfterMs: 0 })).toThrow(
      /saveAfterMs must be a positive number/,
    );
  });

  it('upcast a state saved in an older shape', async () => {
    system = await createActorSystem({ name: 'ds4' });
    const store = new InMemoryStore();
    await store.journal.append('cart-1', 0, [{ event: 'tea,milk', version: 1 }]);
    const V2 = durableState<Msg, string[], void, unknown>({
      name: 'cart-v2',
      store,
      persistenceId: () => 'cart-1',
      initial: [],
      stateVersion: 2,
      upcasters: { 1: (csv: string) => csv.split(',') },
      receive(ctx, items) {
        ctx.reply(items);
        return items;
      },
    });
    expect(await system.spawn(V2).ask({ type: 'items' })).toEqual(['tea', 'milk']);
  });
});
