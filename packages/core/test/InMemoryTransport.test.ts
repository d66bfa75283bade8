import { describe, expect, it } from 'vitest';
import {
  createActorSystem,
  EventStream,
  isInvalidOptionsError,
  isNodeLostError,
  type NodeInfo,
  type TransportHost,
} from '../src/index.js';
import {
  createInMemoryNetwork,
  type InMemoryNetwork,
  ManualClock,
  mulberry32,
  REORDER_HOLD_MS,
} from '../src/testing/index.js';
import { Echo } from './contract/behaviours.js';

const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** A host that records what the network hands it, in one log: `batch:<from>:<json>`, `up:<id>`, `leave:<id>`, `down:<id>`. */
interface FakeHost extends TransportHost {
  readonly log: string[];
  readonly batches: unknown[][];
}

function host(nodeId: string, systemName = 'sys'): FakeHost {
  const log: string[] = [];
  const batches: unknown[][] = [];
  return {
    systemName,
    nodeId,
    threadNodes: [],
    catalog: ['echo'],
    events: new EventStream(),
    log,
    batches,
    deliver(from, _to, batch) {
      batches.push(batch);
      log.push(`batch:${from}:${JSON.stringify(batch)}`);
    },
    nodeUp: (info: NodeInfo) => log.push(`up:${info.id}`),
    nodeDown: (node, how) => log.push(`${how}:${node}`),
    dropped: () => undefined,
    reconnected: () => log.push('reconnected'),
  };
}

/** Start a node named `id` on `net`. */
async function join(net: InMemoryNetwork, id: string, system = 'sys') {
  const h = host(id, system);
  const t = net.transport();
  await t.start(h);
  return { h, t };
}

type Joined = Awaited<ReturnType<typeof join>>;

/** A network on a manual clock (seed 1, down after 100 ms) with `ids` joined, in that order. */
async function manualNetwork(ids: readonly string[]) {
  const clock = new ManualClock();
  const net = createInMemoryNetwork({ seed: 1, clock, downAfterMs: 100 });
  const nodes: Joined[] = [];
  for (const id of ids) nodes.push(await join(net, id));
  return { clock, net, nodes };
}

describe('the in-memory network', () => {
  it('delivers asynchronously, never inside send, and hands the receiver a copy', async () => {
    const net = createInMemoryNetwork({ seed: 1 });
    const a = await join(net, 'a');
    const b = await join(net, 'b');
    const message = { list: [1, { two: 2 }], when: new Date(0) };
    a.t.send('a', 'b', [1, 'user/x', message]);
    expect(b.h.batches).toEqual([]);
    await turns();
    expect(b.h.batches).toEqual([[1, 'user/x', message]]);
    const got = b.h.batches[0]![2] as typeof message;
    expect(got).not.toBe(message);
    got.list.push(3);
    expect(message.list).toHaveLength(2);
    // What cannot be copied fails at the sender, and is not counted as sent.
    expect(() => a.t.send('a', 'b', [1, 'user/x', { weak: new WeakMap() }])).toThrow();
    expect(net.stats()).toMatchObject({ sent: 1, delivered: 1, dropped: 0 });
  });

  it('keeps the order of each pair of nodes under random delays', async () => {
    const clock = new ManualClock();
    const net = createInMemoryNetwork({ seed: 3, clock });
    const a = await join(net, 'a');
    const b = await join(net, 'b');
    net.faults({ delay: { minMs: 0, maxMs: 50 } });
    for (let i = 0; i < 200; i++) {
      a.t.send('a', 'b', [i]);
      if (i % 10 === 0) clock.advance(3);
    }
    clock.advance(100);
    await turns();
    expect(b.h.batches.map((x) => x[0])).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(net.stats().delayed).toBeGreaterThan(150);
  });

  it('tells nodes of one system about each other when they start, and about a stopped one after its last batches', async () => {
    const net = createInMemoryNetwork({ seed: 1 });
    const a = await join(net, 'a');
    const b = await join(net, 'b');
    const other = await join(net, 'c', 'another-system');
    expect(a.h.log).toEqual(['up:b']);
    expect(b.h.log).toEqual(['up:a']);
    expect(other.h.log).toEqual([]);
    a.t.send('a', 'b', undefined as never); // garbage is a batch like any other, never a leave
    b.t.send('b', 'a', ['last']);
    await turns();
    expect(b.h.log).toEqual(['up:a', 'batch:a:undefined']);
    await b.t.stop();
    b.t.send('b', 'a', ['after the stop']); // ignored
    await turns();
    expect(a.h.log).toEqual(['up:b', 'batch:b:["last"]', 'leave:b']);
    expect(net.nodes()).toEqual([
      { system: 'sys', id: 'a', state: 'up' },
      { system: 'sys', id: 'b', state: 'left' },
      { system: 'another-system', id: 'c', state: 'up' },
    ]);
    await expect(join(net, 'a')).rejects.toThrow(/already up/);
  });

  it('makes the same drop, duplicate, delay and reorder decisions for the same seed', async () => {
    async function run(seed: number) {
      const clock = new ManualClock();
      const net = createInMemoryNetwork({ seed, clock });
      const a = await join(net, 'a');
      const b = await join(net, 'b');
      net.faults({ drop: 0.1, duplicate: 0.05, delay: { minMs: 1, maxMs: 4 }, reorder: 0.1 });
      for (let i = 0; i < 500; i++) {
        a.t.send('a', 'b', [i]);
        clock.advance(1);
      }
      clock.advance(4 + REORDER_HOLD_MS);
      await turns();
      return { order: b.h.batches.map((x) => x[0] as number), stats: net.stats() };
    }
    const first = await run(99);
    const { order, stats } = first;
    expect(stats.droppedByCause.fault).toBeGreaterThan(20);
    expect(stats.duplicated).toBeGreaterThan(5);
    expect(stats.reordered).toBeGreaterThan(20);
    expect(stats.delivered + stats.dropped).toBe(stats.sent + stats.duplicated);
    expect(order.length).toBe(stats.delivered);
    expect(order.some((n, i) => i > 0 && n < order[i - 1]!)).toBe(true); // reordered
    expect(order.some((n, i) => i > 0 && n === order[i - 1]!)).toBe(true); // duplicated
    expect(await run(99)).toEqual(first);
    expect((await run(100)).order).not.toEqual(order);
  });

  it('splits the network: batches across the partition are lost, each side declares the other down, heal brings them back', async () => {
    const { clock, net, nodes } = await manualNetwork(['a', 'b', 'c']);
    const [a, b, c] = nodes as [Joined, Joined, Joined];
    b.t.send('b', 'a', ['in flight']);
    net.partition(['a'], ['b', 'c']);
    a.t.send('a', 'b', ['across']);
    b.t.send('b', 'c', ['within']);
    await turns();
    expect(a.h.batches).toEqual([]);
    expect(b.h.batches).toEqual([]);
    expect(c.h.batches).toEqual([['within']]);
    expect(net.stats().droppedByCause.partition).toBe(2);
    clock.advance(99);
    expect(a.h.log).toEqual(['up:b', 'up:c']); // not yet: the failure detector waits downAfterMs
    clock.advance(1);
    expect(a.h.log).toEqual(['up:b', 'up:c', 'down:b', 'down:c']);
    expect(b.h.log).toEqual(['up:a', 'up:c', 'down:a']);
    expect(c.h.log).toEqual(['up:a', 'up:b', 'batch:b:["within"]', 'down:a']);
    net.heal();
    expect(a.h.log.slice(4)).toEqual(['up:b', 'up:c']);
    expect(b.h.log.slice(3)).toEqual(['up:a']);
    a.t.send('a', 'b', ['healed']);
    await turns();
    expect(b.h.batches).toEqual([['healed']]);
  });

  it('partitions actor systems: an ask across fails with NodeLostError, and after heal the nodes work together again', async () => {
    const net = createInMemoryNetwork({ seed: 5, downAfterMs: 50 });
    const [a, b] = await Promise.all(
      ['a', 'b'].map((nodeId) =>
        createActorSystem({ name: 'split', nodeId, catalog: [Echo], transports: [net.transport()] }),
      ),
    );
    try {
      const events: string[] = [];
      a!.events.on('node', (e) => events.push(`${e.event}:${e.node}`));
      const echo = a!.spawn(Echo, undefined, { placement: { node: 'b' } });
      expect(await echo.ask({ type: 'echo', value: 1 })).toBe(1);
      net.partition(['a'], ['b']);
      const lost = await echo.ask({ type: 'echo', value: 2 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
      expect(isNodeLostError(lost)).toBe(true);
      expect(events).toEqual(['down:b']);
      net.heal();
      expect(events).toEqual(['down:b', 'up:b']);
      const again = a!.spawn(Echo, undefined, { placement: { node: 'b' } });
      expect(await again.ask({ type: 'echo', value: 3 })).toBe(3);
      expect(net.stats().droppedByCause.partition).toBeGreaterThan(0);
    } finally {
      await a!.shutdown();
      await b!.shutdown();
    }
  });

  it('declares nobody down when a partition heals within downAfterMs', async () => {
    const { clock, net, nodes } = await manualNetwork(['a', 'b']);
    const [a, b] = nodes as [Joined, Joined];
    net.partition(['a'], ['b']);
    clock.advance(50);
    net.heal();
    clock.advance(100);
    expect(a.h.log).toEqual(['up:b']);
    expect(b.h.log).toEqual(['up:a']);
  });

  it('kills a node: nothing more either way, no leave, and the others declare it down after downAfterMs', async () => {
    const { clock, net, nodes } = await manualNetwork(['a', 'b', 'c']);
    const [a, b, c] = nodes as [Joined, Joined, Joined];
    b.t.send('b', 'a', ['in flight']);
    net.kill('b');
    a.t.send('a', 'b', ['to the dead']);
    b.t.send('b', 'c', ['from the dead']);
    await b.t.stop(); // a dead node says no leave
    await turns();
    expect(a.h.batches).toEqual([]);
    expect(c.h.batches).toEqual([]);
    expect(net.stats().droppedByCause.killed).toBe(3);
    clock.advance(100);
    await turns();
    expect(a.h.log).toEqual(['up:b', 'up:c', 'down:b']);
    expect(c.h.log).toEqual(['up:a', 'up:b', 'down:b']);
    expect(b.h.log).toEqual(['up:a', 'up:c']); // the dead hear nothing
    expect(net.nodes().find((n) => n.id === 'b')?.state).toBe('killed');
    expect(() => net.kill('b')).toThrow(/no node 'b' is up/);
    // A new incarnation under the same id joins afresh.
    const again = await join(net, 'b');
    expect(again.h.log).toEqual(['up:a', 'up:c']);
    expect(a.h.log.at(-1)).toBe('up:b');
  });

  it('answers requests to exposed actors as JSON, as a NATS client gets them', async () => {
    const net = createInMemoryNetwork({ seed: 1 });
    const a = await join(net, 'a');
    const withdraw = await a.t.expose!('square', async (n) => (n as number) ** 2);
    await a.t.expose!('boom', async () => {
      throw new RangeError('too big');
    });
    await a.t.expose!('boom-dev', async () => Promise.reject(new RangeError('too big')), { stacks: true });
    expect(await net.request('square', 12)).toEqual({ ok: true, value: 144 });
    expect(await net.request('boom')).toEqual({
      ok: false,
      error: { name: 'RangeError', message: 'too big' },
    });
    const dev = await net.request('boom-dev', null, { system: 'sys' });
    expect(dev.ok === false && dev.error.stack).toContain('RangeError: too big');
    await expect(net.request('square', 1, { system: 'other' })).rejects.toThrow(/no responders/);
    await withdraw();
    await expect(net.request('square', 2)).rejects.toThrow(/no actor is exposed as 'square'/);
    net.kill('a');
    await expect(net.request('boom')).rejects.toThrow(/no responders/);
  });

  it('refuses an exposed reply that JSON would change, as NATS does, and counts it dropped', async () => {
    const net = createInMemoryNetwork({ seed: 1 });
    const h = host('a');
    const drops: string[] = [];
    const t = net.transport();
    await t.start({ ...h, dropped: (kind: string) => drops.push(kind) });
    await t.expose!('totals', async () => ({ byRegion: new Map([['eu', 3]]) }));
    const reply = await net.request('totals');
    expect(reply.ok).toBe(false);
    expect(reply.ok === false && reply.error).toEqual({
      name: 'ReplyError',
      message: expect.stringMatching(/^the reply holds a Map at 'byRegion', which JSON cannot carry/),
    });
    expect(drops).toEqual(['unsendable-reply']);
  });

  it('checks its options and says what is wrong', async () => {
    const net = createInMemoryNetwork({ seed: 1 });
    await join(net, 'a');
    for (const bad of [{ drop: 2 }, { reorder: -0.1 }, { delay: { minMs: 5, maxMs: 1 } }, { lose: 0.1 }]) {
      let err: unknown;
      try {
        net.faults(bad as never);
      } catch (e) {
        err = e;
      }
      expect(isInvalidOptionsError(err)).toBe(true);
    }
    expect(() => net.partition(['a'], ['a'])).toThrow(/node 'a' is in two groups/);
    expect(() => net.kill('nobody')).toThrow(/no node 'nobody' is up .*\(up: a\)/);
    expect(() => createInMemoryNetwork({ seed: 1.5 })).toThrow(/seed must be an integer/);
  });

  it('draws the same numbers for the same seed (mulberry32)', () => {
    const x = mulberry32(7);
    const y = mulberry32(7);
    const xs = Array.from({ length: 5 }, x);
    expect(Array.from({ length: 5 }, y)).toEqual(xs);
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(Array.from({ length: 5 }, mulberry32(8))).not.toEqual(xs);
  });
});
