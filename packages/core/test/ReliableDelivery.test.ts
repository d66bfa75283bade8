/**
 * Exactly-once, in-order delivery between live nodes of actor systems on the in-memory network,
 * under seeded drops, duplicates, reordering and reconnects: every tell arrives once and in
 * order, every ask is answered, nothing is declared down. (The link layer alone is fuzzed over
 * hundreds of schedules in ReliableLinks.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem, defineActor } from '../src/index.js';
import { createInMemoryNetwork, type InMemoryNetwork } from '../src/testing/index.js';

/** Keeps what it is told; answers `log` with it and `echo` with the value. */
const Keeper = defineActor<any, number[], void, unknown>({
  name: 'reliable.keeper',
  init: () => [],
  receive(ctx, log, m) {
    if (m.type === 'push') log.push(m.value);
    else if (m.type === 'echo') ctx.reply(m.value);
    else if (m.type === 'log') ctx.reply(log);
    return log;
  },
});

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
});

async function twoNodes(net: InMemoryNetwork) {
  const start = (nodeId: string) =>
    createActorSystem({
      name: 'reliable',
      nodeId,
      catalog: [Keeper],
      transports: [net.transport()],
      links: { resendAfterMs: 30, ackDelayMs: 2 },
    });
  const a = await start('a');
  systems.push(a);
  const b = await start('b');
  systems.push(b);
  return { a, b };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('delivery between live nodes', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`is exactly once and in order under drops, duplicates, reordering and reconnects (seed ${seed})`, async () => {
      // Down only after 10 s: every loss here must be repaired by the links, not by a down.
      const net = createInMemoryNetwork({ seed, downAfterMs: 10_000 });
      const { a, b } = await twoNodes(net);
      const downs: string[] = [];
      for (const s of [a, b])
        s.events.on('node', (e) => e.event !== 'up' && downs.push(`${e.event}:${e.node}`));
      const keeper = a.spawn(Keeper, undefined, { name: 'keeper', placement: { node: 'b' } });
      net.faults({ drop: 0.25, duplicate: 0.2, reorder: 0.2, delay: { minMs: 0, maxMs: 3 } });
      const asks: Promise<unknown>[] = [];
      for (const i of range(300)) {
        keeper.tell({ type: 'push', value: i });
        if (i % 10 === 0) asks.push(keeper.ask({ type: 'echo', value: i }, { timeoutMs: 20_000 }));
        if (i % 100 === 50) net.reconnect(i % 200 === 50 ? 'a' : 'b');
        if (i % 25 === 0) await new Promise((r) => setTimeout(r, 2));
      }
      expect(await Promise.all(asks)).toEqual(range(30).map((i) => i * 10));
      expect(await keeper.ask({ type: 'log' }, { timeoutMs: 20_000 })).toEqual(range(300));
      const stats = net.stats();
      expect(stats.droppedByCause.fault).toBeGreaterThan(0);
      expect(stats.duplicated).toBeGreaterThan(0);
      expect(a.stats().links.resentBatches + b.stats().links.resentBatches).toBeGreaterThan(0);
      expect(downs).toEqual([]);
    });
  }

  it('sends what was lost in a reconnect again at once, not after the resend timeout', async () => {
    const net = createInMemoryNetwork({ seed: 9, downAfterMs: 10_000 });
    const a = await createActorSystem({
      name: 'reliable',
      nodeId: 'a',
      catalog: [Keeper],
      transports: [net.transport()],
      links: { resendAfterMs: 60_000 },
    });
    systems.push(a);
    const b = await createActorSystem({
      name: 'reliable',
      nodeId: 'b',
      catalog: [Keeper],
      transports: [net.transport()],
    });
    systems.push(b);
    const keeper = a.spawn(Keeper, undefined, { name: 'keeper', placement: { node: 'b' } });
    expect(await keeper.ask({ type: 'echo', value: 'warm' })).toBe('warm');
    net.faults({ delay: { minMs: 50, maxMs: 50 } });
    const answer = keeper.ask({ type: 'echo', value: 'after' }, { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 5));
    net.reconnect('a'); // the ask in flight is lost; a's transport reports the reconnect
    net.faults({});
    expect(await answer).toBe('after');
    expect(net.stats().droppedByCause.reconnect).toBeGreaterThan(0);
  });
});
