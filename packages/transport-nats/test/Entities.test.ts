/**
 * Entities over NATS with a real nats-server (JetStream): the lease store contract on NATS KV,
 * then durable counter entities on three nodes (this process and two child processes). A node is
 * SIGKILLed while increments are sent: its keys answer again from the other nodes, with the refs
 * unchanged, and every acknowledged increment is in the count; increments told to its keys once
 * it is declared down all arrive (held by the new owners while its leases are not stale yet).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createActorSystem } from '@troupe/core';
import { startEntities } from '@troupe/entities';
import { leaseStoreContract } from '@troupe/entities/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitNodes, nats, natsLeaseStore } from '../src/index.js';
import { type NatsServer, startNatsServer } from '../src/testing.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer({ args: ['-js'], storeDir: true });
  process.env.TROUPE_TEST_NATS = server.url; // the catalog module reads it, here and in the children
});
afterAll(async () => {
  await server?.stop();
});

let bucket = 0;
leaseStoreContract('NATS KV', async () =>
  natsLeaseStore({ connection: { servers: server.url }, bucket: `contract-leases-${++bucket}` }),
);

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** A child node process; resolves once it printed `ready <id>`. */
async function childNode(): Promise<{ proc: ChildProcess; id: string }> {
  const proc = spawn(process.execPath, [fixture('entityNode.mjs')], {
    env: { ...process.env, TROUPE_TEST_NATS: server.url },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const id = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`entity node exited with ${code}: ${out}`)));
  });
  return { proc, id };
}

describe('entities over NATS', () => {
  it('keep every acknowledged increment when the node that hosts them is SIGKILLed, with the refs unchanged', async () => {
    const { Counter, CounterEntity, journal } = await import(fixture('entityCatalog.mjs'));
    const children = [await childNode(), await childNode()];
    const system = await createActorSystem({
      name: 'ents',
      catalog: [Counter],
      transports: [nats({ servers: server.url, heartbeatMs: 200, downAfterMs: 1000 })],
    });
    const leases = await natsLeaseStore({ connection: { servers: server.url }, bucket: 'test-ent-leases' });
    try {
      await awaitNodes(system, 3);
      const entities = await startEntities(system, { types: [CounterEntity], leases, leaseTtlMs: 1500 });
      const refs = Array.from({ length: 40 }, (_, k) => entities.of(CounterEntity, `acct-${k}`));
      const acked = new Array<number>(refs.length).fill(0);
      const sent = new Array<number>(refs.length).fill(0);
      const told = new Array<number>(refs.length).fill(0);
      let held: Promise<void> | undefined;
      const pids = new Map<number, number>();
      const inc = async (k: number) => {
        sent[k]!++;
        try {
          const r = (await refs[k]!.ask({ type: 'inc' }, { timeoutMs: 1000 })) as { n: number; pid: number };
          acked[k]!++;
          pids.set(k, r.pid);
        } catch {} // not acknowledged: it may or may not be in the journal
      };
      for (let round = 0; round < 3; round++) await Promise.all(refs.map((_, k) => inc(k)));
      expect(acked.every((n) => n === 3)).toBe(true);
      const victim = children[0]!;
      const hosted = [...pids].filter(([, pid]) => pid === victim.proc.pid).map(([k]) => k);
      expect(hosted.length).toBeGreaterThan(0); // some keys ran on the node we kill
      // Increments keep coming while the node dies and its keys move.
      const t0 = performance.now();
      let failover: Promise<number> | undefined;
      const load = (async () => {
        for (let round = 0; round < 8; round++) {
          if (round === 2) {
            victim.proc.kill('SIGKILL');
            // How long until a key of the dead node answers again from another node.
            const k = hosted[0]!;
            const killedAt = performance.now();
            failover = (async () => {
              for (;;) {
                const r = (await refs[k]!.ask({ type: 'get' }, { timeoutMs: 200 }).catch(() => undefined)) as
                  | { pid: number }
                  | undefined;
                if (r !== undefined && r.pid !== victim.proc.pid) return performance.now() - killedAt;
              }
            })();
            // Once the nodes have declared it down (this one, and within a heartbeat the other),
            // tells to its keys all arrive: held by the new owners until its leases are stale,
            // or straight to the entities if they already run.
            held = (async () => {
              await expect
                .poll(() => system.nodes().some((n) => n.id === victim.id), { timeout: 5000, interval: 20 })
                .toBe(false);
              await new Promise((r) => setTimeout(r, 250));
              for (const k of hosted)
                for (let i = 0; i < 20; i++) {
                  told[k]!++;
                  refs[k]!.tell({ type: 'inc' });
                }
            })();
          }
          await Promise.all(refs.map((_, k) => inc(k)));
        }
      })();
      await load;
      await held;
      const failoverMs = await failover!;
      console.log(`[entities] a key of the SIGKILLed node answered again after ${failoverMs.toFixed(0)} ms`);
      // The failure detector's 1000 ms, then the lease, stale (unchanged for TTL + margin,
      // 1,750 ms) since its last renewal, which this node watched: less than down + TTL + margin.
      expect(failoverMs).toBeLessThan(1000 + 1500 + 250);
      // Every key answers again, none from the dead node, with every acknowledged increment.
      for (const [k, ref] of refs.entries()) {
        let got: { n: number; pid: number } | undefined;
        await expect
          .poll(
            async () => {
              got = (await ref
                .ask({ type: 'get' }, { timeoutMs: 1000 })
                .catch(() => undefined)) as typeof got;
              return got !== undefined;
            },
            { timeout: 15_000, interval: 100 },
          )
          .toBe(true);
        expect(got!.pid).not.toBe(victim.proc.pid);
        expect(got!.n).toBeGreaterThanOrEqual(acked[k]! + told[k]!);
        expect(got!.n).toBeLessThanOrEqual(sent[k]! + told[k]!);
      }
      const movedAfterMs = performance.now() - t0;
      expect(hosted.every((k) => acked[k]! > 3)).toBe(true); // moved keys took increments again
      expect(movedAfterMs).toBeLessThan(20_000);
      await entities.stop();
    } finally {
      for (const c of children) c.proc.kill('SIGKILL');
      await system.shutdown();
      await leases.close();
      await journal.close();
    }
  }, 60_000);
});
