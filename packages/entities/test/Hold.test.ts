/**
 * Messages that cannot go anywhere yet are held, per key and in order, and sent on once their key
 * has an owner again: to the keys of a node that was lost (held while the new owner waits for the
 * lease to go stale), and to keys that no member offers (a client whose hosts are gone). Past
 * 1,000 messages for one key, more are refused: an ask fails with `HoldFullError`, and each is
 * reported. In-memory network and lease store.
 */
import { type ActorSystem, createActorSystem, defineActor } from '@troupe/core';
import { createInMemoryNetwork } from '@troupe/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defineEntity,
  type Entities,
  type EntityEvent,
  InMemoryLeaseStore,
  isHoldFullError,
  startEntities,
} from '../src/index.js';

type Msg = { type: 'add'; v: string } | { type: 'get' };
interface Got {
  items: string[];
  node: string;
}

/** An entity that keeps what it was sent, in the order it got it, and says where it runs. */
const Log = defineActor<Msg, string[], string, Got>({
  name: 'test.hold.log',
  init: () => [],
  receive(ctx, items, m) {
    if (m.type === 'add') items.push(m.v);
    if (ctx.isAsk) ctx.reply({ items: [...items], node: ctx.system.nodeId });
    return items;
  },
});
const LogEntity = defineEntity({ name: 'log', behaviour: Log, idleTimeoutMs: 0, shards: 16 });

const TTL = 600;
const running: ActorSystem[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.shutdown().catch(() => undefined);
});

let clusters = 0;
async function cluster() {
  const net = createInMemoryNetwork({ seed: 11, downAfterMs: 150 });
  const leases = new InMemoryLeaseStore();
  const name = `hold-${process.pid}-${++clusters}`;
  const events: (EntityEvent & { at: number })[] = [];
  const node = async (client = false) => {
    const system = await createActorSystem({
      name,
      catalog: client ? [] : [Log],
      transports: [net.transport()],
    });
    running.push(system);
    const entities = await startEntities(system, {
      types: [LogEntity],
      leases: leases.as(system.nodeId),
      leaseTtlMs: TTL,
      client,
    });
    entities.on((e) => events.push({ ...e, at: performance.now() }));
    return { system, entities };
  };
  /** Kill `victim` (its leases stop being renewed) and wait until `survivors` have declared it down. */
  const kill = async (victim: ActorSystem, survivors: ActorSystem[]) => {
    net.kill(victim.nodeId);
    leases.cut(victim.nodeId);
    await expect
      .poll(() => survivors.every((s) => !s.nodes().some((n) => n.id === victim.nodeId)), { timeout: 5000 })
      .toBe(true);
  };
  return { net, leases, events, node, kill };
}

async function settled(all: ActorSystem[]) {
  await expect.poll(() => all.every((s) => s.nodes().length === all.length), { timeout: 5000 }).toBe(true);
}

/** Ask until it answers (asks in flight to a killed node fail; asking again is the caller's part). */
async function answer(entities: Entities, key: string): Promise<Got> {
  for (;;) {
    try {
      return await entities.of(LogEntity, key).ask({ type: 'get' }, { timeoutMs: 2000 });
    } catch {}
  }
}

describe('held messages', () => {
  it('holds what is sent to the keys of a lost node and delivers it, in order per sender, once another node runs them', async () => {
    const c = await cluster();
    const nodes = [await c.node(), await c.node(), await c.node()];
    await settled(nodes.map((n) => n.system));
    const [a, b, victim] = nodes as [(typeof nodes)[0], (typeof nodes)[0], (typeof nodes)[0]];
    const keys = Array.from({ length: 40 }, (_, k) => `h${k}`);
    const first = await Promise.all(keys.map((k) => a.entities.of(LogEntity, k).ask({ type: 'get' })));
    const moved = keys.filter((_, i) => first[i]!.node === victim.system.nodeId);
    expect(moved.length).toBeGreaterThan(0);
    await c.kill(victim.system, [a.system, b.system]);
    // Declared down, but its leases are not stale yet: the new owners hold what comes meanwhile.
    for (let i = 0; i < 50; i++)
      for (const k of moved) {
        a.entities.of(LogEntity, k).tell({ type: 'add', v: `a${i}` });
        b.entities.of(LogEntity, k).tell({ type: 'add', v: `b${i}` });
      }
    const sentAt = performance.now();
    for (const k of moved) {
      // b's tells cross the network, a's ask does not: wait until all of them are in.
      let got = await answer(a.entities, k);
      await expect
        .poll(async () => (got = await answer(a.entities, k)).items.length, { timeout: 5000 })
        .toBe(100);
      expect(got.node).not.toBe(victim.system.nodeId);
      const from = (p: string) => got.items.filter((v) => v.startsWith(p));
      expect(from('a')).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`));
      expect(from('b')).toEqual(Array.from({ length: 50 }, (_, i) => `b${i}`));
    }
    // They were held: the keys started elsewhere only once the leases had gone stale, after the sends.
    const restarted = c.events.filter(
      (e) => e.kind === 'activate' && moved.includes(e.key) && e.node !== victim.system.nodeId,
    );
    expect(restarted.length).toBe(moved.length);
    for (const e of restarted) expect(e.at).toBeGreaterThan(sentAt);
    expect(c.events.filter((e) => e.kind === 'dropped')).toEqual([]);
  });

  it('holds at most 1,000 messages per key while no member offers the type, and sends them on when a host joins', async () => {
    const c = await cluster();
    const host = await c.node();
    const client = await c.node(true);
    await settled([host.system, client.system]);
    const ref = client.entities.of(LogEntity, 'busy');
    await ref.ask({ type: 'get' });
    await c.kill(host.system, [client.system]);
    // No member offers the type now: the client holds what it is sent, up to 1,000 per key.
    for (let i = 0; i < 1003; i++) ref.tell({ type: 'add', v: `t${i}` });
    await expect(ref.ask({ type: 'add', v: 'over' })).rejects.toSatisfy(isHoldFullError);
    const dropped = c.events.filter((e) => e.kind === 'dropped');
    expect(dropped.map((e) => [e.key, e.node])).toEqual(
      Array.from({ length: 4 }, () => ['busy', client.system.nodeId]),
    );
    expect(dropped[0]!.detail).toMatch(/already holds 1000 messages for this key/);
    // Another key is held too (the bound is per key), and an ask held keeps its own timeout.
    await expect(
      client.entities.of(LogEntity, 'other').ask({ type: 'get' }, { timeoutMs: 100 }),
    ).rejects.toThrow(/timed out|timeout/i);
    // A host joins: the held messages go to it, in order, once the lost host's lease is stale.
    const joined = await c.node();
    await settled([client.system, joined.system]);
    const got = await answer(client.entities, 'busy');
    expect(got.node).toBe(joined.system.nodeId);
    expect(got.items).toEqual(Array.from({ length: 1000 }, (_, i) => `t${i}`));
  });
});
