/**
 * Machine actors over NATS with snapshots in NATS KV, with real nats-server and `troupe node`
 * processes: a ref kept in a machine's context survives the loss of its node, and an orphaned
 * copy that stops after a partition leaves the live incarnation's snapshot alone.
 */
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { createProbe } from '@troupe/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awaitNodes, nats, natsKvSnapshotStore } from '../src/index.js';
import {
  freePort,
  type NatsServer,
  startNatsServer,
  startNode,
  type TroupeNodeProcess,
} from '../src/testing.js';

const machineCatalog = new URL('./fixtures/machineCatalog.mjs', import.meta.url).pathname;
const BUCKET = 'test-snapshots'; // the bucket machineCatalog.mjs uses
const timing = ['--heartbeat-ms', '200', '--down-after-ms', '1000'];

/** A standalone JetStream server for the snapshots, shared by the tests (TROUPE_TEST_KV of the catalog). */
let kv: NatsServer;
const systems: ActorSystem[] = [];
const nodes: TroupeNodeProcess[] = [];
const servers: NatsServer[] = [];
beforeAll(async () => {
  kv = await startNatsServer({ args: ['-js'], storeDir: true });
  // The coordinator loads the catalog too (to spawn by name); it never hosts a machine.
  process.env.TROUPE_TEST_KV = kv.url;
});
afterAll(async () => {
  await kv?.stop();
});
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
  for (const n of nodes.splice(0)) await n.kill();
  for (const s of servers.splice(0)) await s.stop();
});

async function machineNode(nats: string, system: string, args: string[] = timing) {
  const n = await startNode({ nats, system, catalog: machineCatalog, args, env: { TROUPE_TEST_KV: kv.url } });
  nodes.push(n);
  return n;
}

async function coordinator(name: string, servers: string): Promise<ActorSystem> {
  const a = await createActorSystem({
    name,
    catalog: [new URL(`file://${machineCatalog}`)],
    transports: [nats({ servers, heartbeatMs: 200, downAfterMs: 1000 })],
  });
  systems.push(a);
  return a;
}

describe('xstate machines over NATS with NATS KV snapshots', () => {
  it('restores a ref kept in the context on the node that takes over after a SIGKILL', async () => {
    const b = await machineNode(kv.url, 'kvref');
    const c = await machineNode(kv.url, 'kvref');
    const a = await coordinator('kvref', kv.url);
    await awaitNodes(a, 3);
    const probe = createProbe<{ type: string; text: string; notes: number; pid: number }>(a);
    const owned = a.spawn<any, unknown, void, number>('kv.owned', undefined, {
      placement: 'any-node',
      name: 'owned',
    });
    owned.tell({ type: 'OWN', owner: probe.ref });
    owned.tell({ type: 'NOTIFY', text: 'one' });
    const first = await probe.expect(undefined, 5000);
    expect(first).toMatchObject({ type: 'NOTIFIED', text: 'one', notes: 1 });
    const host = first.pid === b.proc.pid ? b : c;
    const other = host === b ? c : b;
    const store = await natsKvSnapshotStore({ connection: { servers: kv.url }, bucket: BUCKET });
    try {
      expect(await store.get('user/owned')).toMatchObject({
        context: { owner: { $ref: probe.ref.address } },
      });
      await host.kill('SIGKILL');
      const moved = a.lookup<any, number>(`troupe://kvref/${other.id}/user/owned`)!;
      await expect
        .poll(() => moved.ask({ type: 'WHERE' }, { timeoutMs: 500 }).catch(() => -1), {
          timeout: 8000,
          interval: 200,
        })
        .toBe(other.proc.pid);
      moved.tell({ type: 'NOTIFY', text: 'two' });
      // Sent by the restored machine, on the other node, to the ref it read back from KV.
      expect(await probe.expect(undefined, 5000)).toEqual({
        type: 'NOTIFIED',
        text: 'two',
        notes: 2,
        pid: other.proc.pid,
      });
    } finally {
      await store.close();
    }
  });

  it('keeps the snapshot when the orphaned copy on a node that was cut off stops', async () => {
    const cp = [await freePort(), await freePort()];
    const routes = cp.map((p) => `nats://127.0.0.1:${p}`).join(',');
    const cluster = (i: number) =>
      startNatsServer({
        args: ['--cluster_name', 'xs', '--cluster', `nats://127.0.0.1:${cp[i]}`, '--routes', routes],
      });
    const s1 = await cluster(0);
    const s2 = await cluster(1);
    servers.push(s1, s2);
    // B knows only server 2: when it dies, B is cut off from the others (not from the KV server),
    // while A and C, on server 1, see B fall silent and declare it down.
    const b = await machineNode(s2.url, 'orphan', [
      ...timing,
      '--nats-options',
      '{"ignoreClusterUpdates":true}',
    ]);
    const c = await machineNode(s1.url, 'orphan');
    const a = await coordinator('orphan', s1.url);
    await awaitNodes(a, 3, 10_000);
    let name = '';
    for (let i = 0; i < 6 && name === ''; i++) {
      const r = a.spawn<any, unknown, void, number>('kv.order', undefined, {
        placement: 'any-node',
        name: `order-${i}`,
      });
      if ((await r.ask({ type: 'WHERE' }, { timeoutMs: 5000 })) === b.proc.pid) name = `order-${i}`;
    }
    expect(name).not.toBe('');
    const onB = a.lookup<any, number>(`troupe://orphan/${b.id}/user/${name}`)!;
    const onC = a.lookup<any, number>(`troupe://orphan/${c.id}/user/${name}`)!;
    for (let i = 0; i < 3; i++) onB.tell({ type: 'ADD' });
    expect(await onB.ask({ type: 'COUNT' })).toBe(3);

    await s2.kill(); // B is cut off; A declares it down and restarts the order on C, from KV
    await expect
      .poll(() => onC.ask({ type: 'COUNT' }, { timeoutMs: 300 }).catch(() => -1), {
        timeout: 8000,
        interval: 200,
      })
      .toBe(3);
    onC.tell({ type: 'ADD' });
    expect(await onC.ask({ type: 'COUNT' })).toBe(4);

    await s2.restart(); // B returns, learns it was declared down and stops its orphaned copy
    await expect
      .poll(
        () =>
          onB.ask({ type: 'COUNT' }, { timeoutMs: 500 }).then(
            () => 'alive',
            (e: Error) => e.name,
          ),
        { timeout: 15_000, interval: 300 },
      )
      .toBe('ActorStoppedError');
    expect(b.output.join('')).toMatch(/declared this node down while it was cut off/);

    // The copy on B stopped as 'orphaned': it deleted nothing, so C's snapshot is still there.
    const store = await natsKvSnapshotStore({ connection: { servers: kv.url }, bucket: BUCKET });
    try {
      expect(await store.get(`user/${name}`)).toMatchObject({ value: 'open', context: { items: 4 } });
    } finally {
      await store.close();
    }
    expect(await onC.ask({ type: 'COUNT' })).toBe(4);
  });
});
