import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorSystem,
  createActorSystem,
  defineActor,
  isUnknownBehaviourError,
  type SupervisionEvent,
  type Transport,
  type UnknownBehaviourError,
} from '../src/index.js';
import { createInMemoryNetwork } from '../src/testing/index.js';
import { Pong } from './fixtures/spawnByName.js';
import { waitFor } from './helpers.js';

const threadCatalog = new URL('./fixtures/spawnByName.ts', import.meta.url).href;

/** A behaviour only the spawning node has. */
const Ghost = defineActor<unknown, undefined>({ name: 'test.ghost', receive: () => undefined });

const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
});

async function system(options: Parameters<typeof createActorSystem>[0]): Promise<ActorSystem> {
  const s = await createActorSystem(options);
  systems.push(s);
  return s;
}

/** `transport`, but the node announces `extra` in its catalog too (without having it). */
function announcing(transport: Transport, extra: string): Transport {
  return {
    name: transport.name,
    send: (from, to, batch) => transport.send(from, to, batch),
    stop: () => transport.stop(),
    start: (host) =>
      transport.start({
        systemName: host.systemName,
        nodeId: host.nodeId,
        threadNodes: host.threadNodes,
        catalog: [...host.catalog, extra],
        events: host.events,
        deliver: (from, to, batch) => host.deliver(from, to, batch),
        nodeUp: (info) => host.nodeUp(info),
        reconnected: () => host.reconnected(),
        nodeDown: (node, how, detail) => host.nodeDown(node, how, detail),
        dropped: (cause, detail) => host.dropped(cause, detail),
      }),
  };
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('UnknownBehaviourError says where the missing behaviour must be added', () => {
  it('for this process: its createActorSystem({ catalog }), or its --catalog under troupe node', async () => {
    const s = await system({ name: 'ub', nodeId: 'n1', catalog: [Pong] });
    const e = thrown(() => s.spawn('test.nope'));
    expect(isUnknownBehaviourError(e)).toBe(true);
    expect((e as UnknownBehaviourError).owner).toBe('local');
    expect(e.message).toBe(
      "no behaviour named 'test.nope' in the catalog of node n1 (this process) (known: test.pong); " +
        "register defineActor({ name: 'test.nope' }) in this process: list it, or a catalog module that exports it, " +
        'in createActorSystem({ catalog }) (in a process started with troupe node: a module given with --catalog), ' +
        'or spawn the behaviour object itself',
    );
  });

  it('for a worker thread: the catalog modules the threads load', async () => {
    const s = await system({ name: 'ub', nodeId: 'n1', catalog: [threadCatalog], threads: { size: 1 } });
    const spawner = s.spawn<string, undefined, void, { name: string; message: string }>(
      'test.spawn-by-name',
      undefined,
      { placement: 'thread' },
    );
    const e = await spawner.ask('test.nope');
    expect(e.name).toBe('UnknownBehaviourError');
    expect(e.message).toBe(
      "no behaviour named 'test.nope' in the catalog of worker thread n1.t0 (known: test.pong, test.spawn-by-name); " +
        'worker threads load only the catalog modules of their process (those listed in createActorSystem({ catalog }), ' +
        "or given to troupe node --catalog): export defineActor({ name: 'test.nope' }) from one of those modules " +
        '(a behaviour listed as an object cannot run on a thread)',
    );
  });

  const nodeFix =
    'that node runs only what its own catalog holds: add a module that exports it to the --catalog of that node ' +
    '(troupe node --catalog ./behaviours.js), or to createActorSystem({ catalog }) of the program that runs the node, ' +
    'and restart it; or place the actor on a node that offers it (system.nodes() lists each catalog)';

  it("for another node, when spawning there: that node's --catalog", async () => {
    const net = createInMemoryNetwork();
    await system({ name: 'ub', nodeId: 'b', catalog: [Pong], transports: [net.transport()] });
    const a = await system({
      name: 'ub',
      nodeId: 'a',
      catalog: [Pong, Ghost],
      transports: [net.transport()],
    });
    const e = thrown(() => a.spawn(Ghost, undefined, { placement: { node: 'b' } }));
    expect(isUnknownBehaviourError(e)).toBe(true);
    expect((e as UnknownBehaviourError).owner).toBe('node');
    expect(e.message).toBe(
      `no behaviour named 'test.ghost' in the catalog of node b (known: test.pong); ${nodeFix}`,
    );
  });

  it("for another node whose catalog lacks what it announced: that node's --catalog, in the supervision event", async () => {
    const net = createInMemoryNetwork();
    // b announces test.ghost without having it (as a node restarted with another --catalog might).
    const b = await system({
      name: 'ub',
      nodeId: 'b',
      catalog: [Pong],
      transports: [announcing(net.transport(), 'test.ghost')],
    });
    const a = await system({
      name: 'ub',
      nodeId: 'a',
      catalog: [Pong, Ghost],
      transports: [net.transport()],
    });
    const events: SupervisionEvent[] = [];
    a.events.on('supervision', (e) => events.push(e));
    a.spawn(Ghost, undefined, { placement: { node: 'b' }, restart: 'temporary' });
    await waitFor(() => events.length > 0, 2000, 'the failed spawn');
    expect(events[0]!.error.name).toBe('UnknownBehaviourError');
    expect(events[0]!.error.message).toBe(
      `no behaviour named 'test.ghost' in the catalog of node b (known: test.pong); ${nodeFix}`,
    );
    // b never started the child, so only its leaving ends it: else a's shutdown waits for it.
    await b.shutdown();
  });
});
