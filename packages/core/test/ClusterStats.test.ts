/**
 * `system.clusterStats()`: every runtime of the cluster (each node's main thread and worker
 * threads) reports its counters, its busiest actors and its events since a cursor — with no
 * message contents and no stacks — and a reader that falls behind loses old events, counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem } from '../src/index.js';
import { createInMemoryNetwork } from '../src/testing/index.js';
import { waitFor } from './contract/cluster.js';
import { Echo } from './fixtures/threadCatalog.js';

const catalog = new URL('./fixtures/threadCatalog.ts', import.meta.url).href;
const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
});

describe('clusterStats', () => {
  it('reports every node and thread, with their actors and their events since a cursor', async () => {
    const net = createInMemoryNetwork({ seed: 2 });
    const a = await createActorSystem({ name: 'cs', catalog: [catalog], transports: [net.transport()] });
    const b = await createActorSystem({
      name: 'cs',
      catalog: [catalog],
      threads: { size: 2 },
      transports: [net.transport()],
    });
    systems.push(a, b);
    await waitFor(
      () => a.nodes().length === 2 && b.nodes().length === 2,
      10_000,
      () => 'two nodes',
    );
    expect(a.stats().actors).toBe(0); // the introspection actor is not one of the user's

    const busy = b.spawn(Echo, undefined, { name: 'busy', placement: { thread: 1 } });
    for (let i = 0; i < 5; i++) await busy.ask({ type: 'echo', value: i });
    const first = await a.clusterStats();
    expect(first.unreachable).toEqual([]);
    const nodes = first.runtimes.map((r) => r.node).sort();
    expect(nodes).toEqual([a.nodeId, b.nodeId, `${b.nodeId}.t0`, `${b.nodeId}.t1`].sort());
    const t1 = first.runtimes.find((r) => r.node === `${b.nodeId}.t1`)!;
    expect(t1.process).toBe(b.nodeId);
    expect(t1.actors).toContainEqual({
      path: 'user/busy',
      behaviour: 'test.echo',
      mailbox: 0,
      processed: 5,
      restarts: 0,
    });
    expect(t1.stats.messagesProcessed).toBeGreaterThanOrEqual(5);
    expect(t1.events).toEqual([]); // the log starts with the first request

    // Events since the cursor: a supervision decision on the thread, a dead letter on B's main.
    const since = Object.fromEntries(first.runtimes.map((r) => [r.node, r.nextEvent]));
    busy.tell({ type: 'fail' });
    const gone = b.spawn(Echo, undefined, { name: 'gone' });
    await b.stop(gone);
    gone.tell({ type: 'echo', value: 'a secret' });
    // Gathered until both are in (a reader polls with the same cursors: nothing is consumed).
    let second = await a.clusterStats({ since });
    const events = () => second.runtimes.flatMap((r) => r.events);
    const deadline = Date.now() + 5000;
    while (
      !(events().some((e) => e.kind === 'supervision') && events().some((e) => e.kind === 'dead-letter'))
    ) {
      if (Date.now() > deadline) throw new Error(`no supervision event: ${JSON.stringify(events())}`);
      await new Promise((r) => setTimeout(r, 20));
      second = await a.clusterStats({ since });
    }
    // The thread actor's supervisor is B's guardian, on B's main thread: the decision is made there.
    const decision = events().find((e) => e.kind === 'supervision')!;
    expect(decision).toMatchObject({
      actor: busy.address,
      directive: 'restart',
      error: { name: 'TypeError', message: 'echo failed on purpose' },
    });
    expect(JSON.stringify(decision)).not.toContain('at '); // no stack
    const onB = second.runtimes.find((r) => r.node === b.nodeId)!;
    const dead = onB.events.find((e) => e.kind === 'dead-letter')!;
    expect(dead).toMatchObject({ recipient: gone.address, messageType: 'echo' });
    expect(JSON.stringify(onB.events)).not.toContain('a secret');
    expect(onB.events.every((e, i) => i === 0 || e.seq === onB.events[i - 1]!.seq + 1)).toBe(true);
  });

  it('a reader that falls behind loses the oldest events, counted, and the log stays bounded', async () => {
    const system = await createActorSystem({ name: 'cs-lost' });
    systems.push(system);
    const first = await system.clusterStats();
    const me = first.runtimes[0]!;
    const gone = system.spawn(Echo, undefined, { name: 'gone' });
    await system.stop(gone);
    for (let i = 0; i < 1500; i++) gone.tell({ type: 'inc' });
    const later = await system.clusterStats({ since: { [me.node]: me.nextEvent } });
    const r = later.runtimes[0]!;
    expect(r.events).toHaveLength(1000);
    expect(r.eventsLost).toBe(r.nextEvent - me.nextEvent - 1000);
    expect(r.eventsLost).toBeGreaterThanOrEqual(500);
    expect(r.events.at(-1)!.seq).toBe(r.nextEvent - 1);
    // Asked with a limit, a runtime lists that many actors and counts the rest.
    for (let i = 0; i < 5; i++) system.spawn(Echo, undefined, { name: `e${i}` });
    const few = await system.clusterStats({ actors: 2 });
    expect(few.runtimes[0]!.actors).toHaveLength(2);
    expect(few.runtimes[0]!.actorsOmitted).toBe(3);
  });
});
