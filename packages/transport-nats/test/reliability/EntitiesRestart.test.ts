/**
 * Entities across a restart of their NATS server (with JetStream, data kept): leases in NATS KV,
 * journals in JetStream, two nodes in this process, idempotent adds to 20 durable keys under
 * load while the server restarts. Every acknowledged add must be kept once, every key must answer
 * afterwards, and the journals must show that no two activations of a key ever wrote at once.
 */
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { defineEntity, type Entities, type EntityEvent, startEntities } from '@troupe/entities';
import { eventSourced, type PersistenceStore } from '@troupe/persistence';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitNodes, nats, natsJetStreamStore, natsLeaseStore } from '../../src/index.js';
import { startNatsServer } from '../../src/testing.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Cmd = { type: 'add'; id: string } | { type: 'list' };
interface Added {
  id: string;
  node: string;
}

describe('entities and a NATS server restart', () => {
  it('keep every acknowledged add, answer again, and never run two writers of a key', async () => {
    const server = await startNatsServer({ args: ['-js'], storeDir: true });
    cleanup.push(() => server.kill());
    const connection = { servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 };
    const journal: PersistenceStore = await natsJetStreamStore({
      connection,
      stream: 'RESTART_TALLY',
      subjectPrefix: 'restart.tally',
      snapshotBucket: 'restart-tally-snaps',
      timeoutMs: 1000,
    });
    cleanup.push(() => journal.close());
    const Tally = eventSourced<Cmd, string[], Added, string, string[]>({
      name: 'restart.tally',
      store: journal,
      persistenceId: (_ctx, key) => `tally/${key}`,
      fence: true,
      supervision: { maxRestarts: 1000, withinMs: 60_000, backoff: { minMs: 50, maxMs: 500 } },
      initial: [],
      apply: (ids, e) => [...ids, e.id],
      command(ctx, ids, m) {
        if (m.type === 'add' && !ids.includes(m.id)) ctx.persist({ id: m.id, node: ctx.system.nodeId });
        ctx.reply(m.type === 'add' && !ids.includes(m.id) ? [...ids, m.id] : ids);
      },
    });
    const Type = defineEntity({ name: 'tally', behaviour: Tally, idleTimeoutMs: 0, shards: 16 });
    const systems: ActorSystem[] = [];
    const events: EntityEvent[] = [];
    for (let i = 0; i < 2; i++) {
      const system = await createActorSystem({
        name: 'restart-ents',
        catalog: [Tally],
        transports: [nats({ servers: server.url, heartbeatMs: 200, downAfterMs: 3000 })],
      });
      systems.push(system);
      cleanup.push(() => system.shutdown());
    }
    await awaitNodes(systems[0]!, 2, 10_000);
    const all: Entities[] = [];
    for (const system of systems) {
      const leases = await natsLeaseStore({ connection, bucket: 'restart-leases' });
      cleanup.push(() => leases.close());
      const e = await startEntities(system, { types: [Type], leases, leaseTtlMs: 3000 });
      e.on((ev) => events.push(ev));
      all.push(e);
    }
    const keys = Array.from({ length: 20 }, (_, k) => `k${k}`);
    const acked = new Map<string, string[]>();
    let next = 0;
    let restarted = false;
    const add = async () => {
      const key = keys[next % keys.length]!;
      const id = `i${++next}`;
      const t0 = Date.now();
      while (Date.now() - t0 < 30_000) {
        try {
          await all[next % 2]!.of(Type, key).ask({ type: 'add', id }, { timeoutMs: 1000 });
          acked.set(key, [...(acked.get(key) ?? []), id]);
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const load = (async () => {
      for (let round = 0; round < 40; round++) {
        if (round === 10) {
          restarted = true;
          await server.restart();
        }
        await Promise.all([add(), add(), add(), add()]);
      }
    })();
    await load;
    expect(restarted).toBe(true);
    let total = 0;
    for (const [key, ids] of acked) {
      let have: string[] | undefined;
      const t0 = Date.now();
      while (have === undefined && Date.now() - t0 < 30_000)
        have = await all[0]!
          .of(Type, key)
          .ask({ type: 'list' }, { timeoutMs: 1000 })
          .catch(() => undefined);
      expect(have, `${key} answers`).toBeDefined();
      expect(new Set(have).size).toBe(have!.length);
      for (const id of ids) expect(have).toContain(id);
      total += ids.length;
    }
    expect(total).toBe(160); // every add was acknowledged in the end
    for (const key of keys) {
      let writer: string | undefined;
      for await (const e of journal.journal.read(`tally/${key}`, 1)) {
        if (e.version === 0) writer = String((e.event as { fence: string }).fence).split('/')[3];
        else expect((e.event as Added).node, `${key} seq ${e.seq}`).toBe(writer);
      }
    }
    const lost = events.filter((e) => e.kind === 'lease-lost').length;
    console.log(
      `[entities] server restart: ${total}/160 adds acknowledged and kept once; ${lost} shards lost their lease and moved or came back`,
    );
  }, 120_000);
});
