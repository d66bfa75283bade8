/**
 * The instrumentation seam: the carrier an instrumentation gives a message travels with it —
 * through a mailbox, across a thread hop, through a pool, over a transport — and comes back to
 * the instrumentation where the message is processed. The test instrumentation
 * (`fixtures/tracingCatalog.ts`) makes each carrier the chain of hops so far, so a wrong parent,
 * a lost context or a context that leaks into the next message shows in the string.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem, defineActor } from '../src/index.js';
import { Rec } from '../src/remote/protocol.js';
import { createInMemoryNetwork, createProbe } from '../src/testing/index.js';
import { LINK_FRAME } from '../src/transport/ReliableLinks.js';
import { type ContractNode, startNodes, waitFor } from './contract/cluster.js';
import { logged, Relay, settled, Where } from './fixtures/tracingCatalog.js';

const catalog = new URL('./fixtures/tracingCatalog.ts', import.meta.url).href;
const systems: ActorSystem[] = [];
const started: ContractNode[] = [];
afterAll(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
  for (const n of started.splice(0)) await n.system.shutdown();
});

const chain = (...hops: string[]) => hops.join('');

describe('instrumentation seam', () => {
  it('carries the context through local mailboxes, an async handler and tells, and settles asks', async () => {
    const system = await createActorSystem({ name: 'trace-local', catalog: [catalog] });
    systems.push(system);
    const where = system.spawn(Where, undefined, { name: 'where' });
    const relay = system.spawn(Relay, undefined, { name: 'relay' });
    expect(await relay.ask(where)).toBe(
      chain('root>ask:/user/relay', '|test.trace.relay', '>ask:/user/where', '|test.trace.where'),
    );
    // Both asks settled, each seen with its own carrier.
    expect(settled).toContain('root>ask:/user/relay=ok');
    expect(settled).toContain('root>ask:/user/relay|test.trace.relay>ask:/user/where=ok');
    // A tell carries its context too, and the next message does not inherit it.
    const probe = createProbe<string>(system);
    relay.tell({ to: where, replyTo: probe.ref });
    expect(await probe.expect(undefined, 2000)).toBe(
      chain('root>tell:/user/relay', '|test.trace.relay', '>tell:/user/where', '|test.trace.where'),
    );
    expect(await where.ask('where')).toBe('root>ask:/user/where|test.trace.where');
  });

  it('a failed ask settles with its error; the behaviour never sees the envelope', async () => {
    const system = await createActorSystem({ name: 'trace-fail', catalog: [catalog] });
    systems.push(system);
    const seen: unknown[] = [];
    const picky = system.spawn(
      defineActor<unknown, undefined>({
        name: 'test.trace.picky',
        receive(ctx, s, m) {
          seen.push(m);
          if (m === 'boom') throw new Error('boom');
          ctx.reply(m);
          return s;
        },
      }),
      undefined,
      { name: 'picky' },
    );
    expect(await picky.ask({ n: 1 })).toEqual({ n: 1 });
    await expect(picky.ask('boom')).rejects.toThrow(/boom/);
    expect(seen).toEqual([{ n: 1 }, 'boom']);
    await waitFor(
      () => settled.includes('root>ask:/user/picky=error'),
      2000,
      () => settled.join('\n'),
    );
  });

  it('carries the context across worker threads and through a pool', async () => {
    const system = await createActorSystem({
      name: 'trace-threads',
      catalog: [catalog],
      threads: { size: 2 },
    });
    systems.push(system);
    const where = system.spawn(Where, undefined, { name: 'where', placement: { thread: 1 } });
    const relay = system.spawn(Relay, undefined, { name: 'relay', placement: { thread: 0 } });
    expect(await relay.ask(where)).toBe(
      chain('root>ask:/user/relay', '|test.trace.relay', '>ask:/user/where', '|test.trace.where'),
    );
    const pool = system.spawnPool(Where, undefined, {
      name: 'wheres',
      size: 2,
      routing: 'balancing',
      placement: 'thread',
    });
    const answers = await Promise.all([1, 2, 3, 4].map(() => pool.ask('where')));
    expect(answers).toEqual(Array(4).fill('root>ask:/user/wheres|test.trace.where'));
    // From another thread the pool is its pool actor, which dispatches: a hop of its own.
    expect(await relay.ask(pool)).toMatch(
      /^root>ask:\/user\/relay\|test\.trace\.relay>ask:\/user\/wheres\|troupe\.pool>ask:\/user\/wheres\/routee-[01]\|test\.trace\.where$/,
    );
  });

  it('carries the context between nodes, and drops a malformed trace record without losing its message', async () => {
    const net = createInMemoryNetwork({ seed: 11 });
    const [a, b] = await startNodes({ transport: () => net.transport(), kill: async () => {} }, 2, started);
    const where = b!.system.spawn(Where, undefined, { name: 'where' });
    const remote = a!.system.lookup(where.address)!;
    const relay = a!.system.spawn(Relay, undefined, { name: 'relay' });
    expect(await relay.ask(remote)).toBe(
      chain('root>ask:/user/relay', '|test.trace.relay', '>ask:/user/where', '|test.trace.where'),
    );
    // Straight into b's inbound side, from a node of its own: a trace record too long (dropped,
    // its tell still delivered, without a context), a good one, and one that a reply follows
    // (it belongs to no tell, so the tell after the reply has no context).
    const before = b!.system.stats().droppedByCause['malformed-record'] ?? 0;
    logged.length = 0;
    const log = { log: true };
    b!.host.deliver('ghost', b!.system.nodeId, [
      LINK_FRAME,
      Date.now(),
      1,
      0,
      0,
      Rec.Trace,
      'x'.repeat(1025),
      Rec.Tell,
      'user/where',
      log,
      Rec.Trace,
      'good',
      Rec.Tell,
      'user/where',
      log,
      Rec.Trace,
      'orphan',
      Rec.Reply,
      12345,
      'late',
      Rec.Tell,
      'user/where',
      log,
    ]);
    await waitFor(
      () => logged.length === 3,
      2000,
      () => `three logs (${logged.join(', ')})`,
    );
    expect(logged).toEqual(['none|test.trace.where', 'good|test.trace.where', 'none|test.trace.where']);
    expect(b!.system.stats().droppedByCause['malformed-record']).toBe(before + 1);
  });
});
