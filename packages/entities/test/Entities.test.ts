/**
 * Entities on nodes of one process over the in-memory network, with an in-memory lease store:
 * one activation per key wherever it is asked from, spread over the nodes, passivation, a node
 * killed (its keys come back elsewhere, refs unchanged), hand-off to a node that joins, and a
 * node cut off from the lease store, which stops its entities before another node takes them.
 */
import { type ActorSystem, createActorSystem, defineActor } from '@troupe/core';
import { createInMemoryNetwork } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defineEntity,
  type Entities,
  type EntityEvent,
  type EntityOptions,
  InMemoryLeaseStore,
  startEntities,
} from '../src/index.js';
import { shardOf } from '../src/keys.js';

type Msg = { type: 'inc' } | { type: 'get' };
interface Reply {
  n: number;
  node: string;
  key: string;
}

/** A counter that answers with its count, the node it runs on and its key. */
const Counter = defineActor<Msg, number, string, Reply>({
  name: 'test.counter',
  init: () => 0,
  receive(ctx, n, m) {
    const next = m.type === 'inc' ? n + 1 : n;
    if (ctx.isAsk) ctx.reply({ n: next, node: ctx.system.nodeId, key: ctx.path.split('/').pop()! });
    return next;
  },
});

const TTL = 400;
type More = Pick<EntityOptions<Msg, number, Reply>, 'placement' | 'maxActivationsPerNode'>;
const counterType = (idleTimeoutMs = 0, more: More = {}) =>
  defineEntity({ name: 'counter', behaviour: Counter, idleTimeoutMs, shards: 16, ...more });

interface Node {
  system: ActorSystem;
  entities: Entities;
  events: EntityEvent[];
}

const running: ActorSystem[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.shutdown().catch(() => undefined);
});

let clusters = 0;
async function cluster(count: number, idleTimeoutMs = 0, more: More = {}) {
  const net = createInMemoryNetwork({ seed: 7, downAfterMs: 150 });
  const leases = new InMemoryLeaseStore();
  const type = counterType(idleTimeoutMs, more);
  const name = `ent-${process.pid}-${++clusters}`;
  const nodes: Node[] = [];
  const add = async () => {
    const system = await createActorSystem({ name, catalog: [Counter], transports: [net.transport()] });
    running.push(system);
    const entities = await startEntities(system, {
      types: [type],
      leases: leases.as(system.nodeId),
      leaseTtlMs: TTL,
    });
    const node = { system, entities, events: [] as EntityEvent[] };
    entities.on((e) => node.events.push(e));
    nodes.push(node);
    const all = nodes.length;
    await expect
      .poll(() => nodes.every((n) => n.system.nodes().length === all), { timeout: 5000 })
      .toBe(true);
    return node;
  };
  for (let i = 0; i < count; i++) await add();
  return { net, leases, type, nodes, add };
}

describe('entities', () => {
  it('runs one activation per key, whichever node asks, and spreads keys over the nodes', async () => {
    const { type, nodes } = await cluster(3);
    for (let i = 0; i < 3; i++)
      for (const n of nodes) await n.entities.of(type, 'cart-1').ask({ type: 'inc' });
    const last = await nodes[0]!.entities.of(type, 'cart-1').ask({ type: 'get' });
    expect(last.n).toBe(9); // nine increments from three nodes reached one counter
    expect(last.key).toBe('cart-1');
    const where = new Set<string>();
    for (let k = 0; k < 60; k++)
      where.add((await nodes[k % 3]!.entities.of(type, `k${k}`).ask({ type: 'inc' })).node);
    expect(where.size).toBe(3);
    const act = await nodes[1]!.entities.activations(type);
    expect(Object.values(act).flat().sort()).toEqual(
      [...['cart-1'], ...Array.from({ length: 60 }, (_, k) => `k${k}`)].sort(),
    );
    // Keys of any characters are addresses too.
    const odd = nodes[2]!.entities.of(type, 'ünï/cødé key ~1');
    await odd.ask({ type: 'inc' });
    expect((await nodes[0]!.entities.of(type, 'ünï/cødé key ~1').ask({ type: 'get' })).n).toBe(1);
  });

  it('passivates an idle entity and starts it again on its next message', async () => {
    const { type, nodes } = await cluster(2, 150);
    const ref = nodes[0]!.entities.of(type, 'sleepy');
    expect((await ref.ask({ type: 'inc' })).n).toBe(1);
    const host = nodes.find((n) => n.events.some((e) => e.kind === 'activate' && e.key === 'sleepy'))!;
    await expect
      .poll(() => host.events.some((e) => e.kind === 'passivate' && e.key === 'sleepy'), { timeout: 3000 })
      .toBe(true);
    expect(Object.values(await nodes[0]!.entities.activations(type)).flat()).toEqual([]);
    expect((await ref.ask({ type: 'inc' })).n).toBe(1); // a plain (not durable) counter starts from 0
  });

  it('starts the keys of a killed node on the others, with the refs unchanged', async () => {
    const { net, leases, type, nodes } = await cluster(3);
    const refs = Array.from({ length: 30 }, (_, k) => nodes[0]!.entities.of(type, `c${k}`));
    const before = await Promise.all(refs.map((r) => r.ask({ type: 'inc' })));
    const victim = nodes.find((n) => n !== nodes[0] && before.some((b) => b.node === n.system.nodeId))!;
    const moved = before.filter((b) => b.node === victim.system.nodeId).map((b) => b.key);
    expect(moved.length).toBeGreaterThan(0);
    // A killed process stops renewing its leases too (here it lives on: cut it off from them).
    net.kill(victim.system.nodeId);
    leases.cut(victim.system.nodeId);
    const t0 = performance.now();
    const after = await Promise.all(
      refs.map(async (r) => {
        for (;;) {
          try {
            return await r.ask({ type: 'get' }, { timeoutMs: 500 });
          } catch {} // asks in flight to the killed node time out; ask again
        }
      }),
    );
    const took = performance.now() - t0;
    for (const a of after) expect(a.node).not.toBe(victim.system.nodeId);
    // The moved keys started again (from 0: not durable); the others kept their count.
    for (const a of after) expect(a.n).toBe(moved.includes(a.key) ? 0 : 1);
    // Down after 150 ms, then the lease goes stale after its TTL and margin (400 + 66 ms).
    expect(took).toBeLessThan(150 + TTL * 2 + 1000);
  });

  it('hands shards off to a node that joins, and the refs keep working', async () => {
    const c = await cluster(2);
    const refs = Array.from({ length: 40 }, (_, k) => c.nodes[0]!.entities.of(c.type, `h${k}`));
    await Promise.all(refs.map((r) => r.ask({ type: 'inc' })));
    const joined = await c.add();
    await expect
      .poll(() => c.nodes.flatMap((n) => n.events).filter((e) => e.kind === 'handoff').length, {
        timeout: 5000,
      })
      .toBeGreaterThan(0);
    // Every key answers, and some now run on the new node.
    await expect
      .poll(
        async () => {
          const got = await Promise.all(refs.map((r) => r.ask({ type: 'get' }, { timeoutMs: 2000 })));
          return got.some((g) => g.node === joined.system.nodeId);
        },
        { timeout: 10_000 },
      )
      .toBe(true);
  });

  it('stops the entities of a node cut off from the lease store before another node takes its shards', async () => {
    const { leases, type, nodes } = await cluster(2);
    const refs = Array.from({ length: 20 }, (_, k) => nodes[0]!.entities.of(type, `p${k}`));
    await Promise.all(refs.map((r) => r.ask({ type: 'inc' })));
    const cut = nodes[1]!;
    const held = nodes[1]!.events.filter((e) => e.kind === 'activate').length;
    expect(held).toBeGreaterThan(0);
    const t0 = performance.now();
    leases.cut(cut.system.nodeId);
    await expect.poll(() => cut.events.some((e) => e.kind === 'lease-lost'), { timeout: 5000 }).toBe(true);
    const lostAt = performance.now() - t0;
    expect(lostAt).toBeLessThan(TTL + 200);
    // No other node was granted its shards: the member still holds them in the store's view
    // (its lease went stale, but it is a member, so messages are sent to it and wait there).
    const grantedToOther = leases.grants.filter(
      (g) => g.holder !== cut.system.nodeId && g.at > Date.now() - lostAt,
    );
    expect(
      grantedToOther.filter((g) => nodes[1]!.events.some((e) => `${type.name}.${e.shard}` === g.name)),
    ).toEqual([]);
  });

  it('lets a client node (no entities of its own) reach the entities on the others, and refuses a client whose catalog holds the behaviour', async () => {
    const c = await cluster(2);
    const client = await createActorSystem({
      name: c.nodes[0]!.system.name,
      transports: [c.net.transport()],
    });
    running.push(client);
    await expect.poll(() => client.nodes().length, { timeout: 5000 }).toBe(3);
    const entities = await startEntities(client, {
      types: [c.type],
      leases: c.leases,
      leaseTtlMs: TTL,
      client: true,
    });
    for (let k = 0; k < 20; k++) {
      const r = await entities.of(c.type, `g${k}`).ask({ type: 'inc' });
      expect(r.node).not.toBe(client.nodeId);
    }
    expect(Object.keys(await entities.activations(c.type)).sort()).toEqual(
      c.nodes.map((n) => n.system.nodeId).sort(),
    );
    await expect(
      startEntities(c.nodes[0]!.system, { types: [c.type], leases: c.leases, client: true }),
    ).rejects.toThrow(/client of entity type 'counter', but its catalog holds 'test.counter'/);
  });

  it('refuses a node whose catalog lacks the behaviour, naming the fix', async () => {
    const lonely = await createActorSystem({ name: 'lonely' });
    running.push(lonely);
    await expect(
      startEntities(lonely, { types: [counterType()], leases: new InMemoryLeaseStore() }),
    ).rejects.toThrow(/'test.counter', which is not in this node's catalog; add it to createActorSystem/);
  });

  it('passivates the least recently used entity when a node is at maxActivationsPerNode', async () => {
    const { type, nodes } = await cluster(1, 0, { maxActivationsPerNode: 3 });
    const n = nodes[0]!;
    const ask = (k: string) => n.entities.of(type, k).ask({ type: 'inc' });
    for (const k of ['a', 'b', 'c']) await ask(k);
    await ask('a'); // a is now the most recently used: b is the least
    await ask('d');
    expect(n.events.filter((e) => e.kind === 'passivate').map((e) => e.key)).toEqual(['b']);
    await ask('e');
    expect(n.events.filter((e) => e.kind === 'passivate').map((e) => e.key)).toEqual(['b', 'c']);
    expect((await n.entities.activations(type))[n.system.nodeId]!.sort()).toEqual(['a', 'd', 'e']);
    expect((await ask('b')).n).toBe(1); // started again (not durable: from 0)
  });

  it('loses no message to an entity passivated while messages for it are queued (LRU under load)', async () => {
    const { type, nodes } = await cluster(1, 0, { maxActivationsPerNode: 1 });
    const n = nodes[0]!;
    // 64 asks in flight over 16 keys with room for one entity: each start passivates another
    // whose mailbox may still hold messages; those are processed before it stops.
    const asks = Array.from({ length: 400 }, (_, i) =>
      n.entities.of(type, `q${i % 16}`).ask({ type: 'inc' }),
    );
    const replies = await Promise.all(asks);
    expect(replies).toHaveLength(400);
    expect(n.events.filter((e) => e.kind === 'passivate').length).toBeGreaterThan(10);
  });

  it("places a shard on the node that sends its first message with placement 'prefer-local'", async () => {
    const { type, nodes } = await cluster(3, 0, { placement: 'prefer-local' });
    for (let k = 0; k < 10; k++)
      expect((await nodes[1]!.entities.of(type, `local-${k}`).ask({ type: 'inc' })).node).toBe(
        nodes[1]!.system.nodeId,
      );
    // Asked from elsewhere, they stay where they run.
    for (let k = 0; k < 10; k++)
      expect((await nodes[2]!.entities.of(type, `local-${k}`).ask({ type: 'get' })).node).toBe(
        nodes[1]!.system.nodeId,
      );
  });

  it("places a new shard on the node that runs the fewest entities with placement 'least-loaded', and leaves it there", async () => {
    const c = await cluster(1, 0, { placement: 'least-loaded' });
    const [a] = c.nodes;
    /** `count` keys whose shards (of 16) are in `shards`. */
    const keysIn = (shards: number[], count: number) => {
      const out: string[] = [];
      for (let i = 0; out.length < count; i++) if (shards.includes(shardOf(`k${i}`, 16))) out.push(`k${i}`);
      return out;
    };
    const busy = keysIn([0, 1, 2, 3], 40);
    await Promise.all(busy.map((k) => a!.entities.of(c.type, k).ask({ type: 'inc' })));
    const b = await c.add();
    await new Promise((r) => setTimeout(r, 700)); // each node has told the other its count
    // One new key in each of eight unused shards, asked from either node: all go to the idle node.
    const fresh = [8, 9, 10, 11, 12, 13, 14, 15].map((shard) => keysIn([shard], 1)[0]!);
    const where = new Map<string, string>();
    for (const [i, k] of fresh.entries())
      where.set(k, (await c.nodes[i % 2]!.entities.of(c.type, k).ask({ type: 'inc' })).node);
    expect([...where.values()]).toEqual(fresh.map(() => b.system.nodeId));
    // Stable: loads change, shards stay where they were placed, asked from the other node too.
    await new Promise((r) => setTimeout(r, 1200));
    for (const [i, k] of [...fresh, ...busy].entries()) {
      const r = await c.nodes[(i + 1) % 2]!.entities.of(c.type, k).ask({ type: 'get' });
      expect(r.node).toBe(where.get(k) ?? a!.system.nodeId);
    }
    expect(c.nodes.flatMap((n) => n.events).filter((e) => e.kind === 'handoff')).toEqual([]);
  });

  it('places shards with a placement function of their own', async () => {
    const { type, nodes } = await cluster(3, 0, { placement: (_shard, members) => members[0]! });
    const first = nodes.map((n) => n.system.nodeId).sort()[0];
    for (let k = 0; k < 10; k++)
      expect((await nodes[k % 3]!.entities.of(type, `f-${k}`).ask({ type: 'inc' })).node).toBe(first);
  });

  it('refuses bad entity options, naming the option', () => {
    expect(() => defineEntity({ name: 'x', behaviour: Counter, maxActivationsPerNode: 0 })).toThrow(
      /maxActivationsPerNode must be an integer ≥ 1/,
    );
    expect(() => defineEntity({ name: 'x', behaviour: Counter, placement: 'nearest' as never })).toThrow(
      /placement must be 'rendezvous', 'prefer-local', 'least-loaded' or a function/,
    );
    expect(() => defineEntity({ name: 'x/y', behaviour: Counter })).toThrow(/name "x\/y" is not valid/);
  });
});
