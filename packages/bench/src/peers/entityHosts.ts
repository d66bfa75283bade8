/**
 * The peers of the `entities` suite that need host nodes in child processes (each a
 * `children/entityHost.js`), with the bench process as a client node; one private nats-server:
 *
 * - **failover**: two hosts; 64 keys activated; the host of some of them is SIGKILLed; timed from
 *   the kill until every one of its keys has answered from the other host (asks of 250 ms, again
 *   until one answers). The hosts and the client declare a node down after 1 s without
 *   heartbeats; the lease TTL is the benchmark's (see the suite).
 * - **keys**: two hosts; `n` keys each asked once (256 in flight), so each starts an entity that
 *   stays active; then each host's heap in use after a full collection (down after 30 s here:
 *   a host busy with a million activations misses heartbeats).
 *
 * Hosts are killed when the round ends and when this process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type ActorSystem, createActorSystem } from '@troupe/core';
import { type Entities, startEntities } from '@troupe/entities';
import { awaitNodes, nats, natsLeaseStore } from '@troupe/transport-nats';
import type { Contender } from '../harness.js';
import type { NatsPlace } from './entities.js';
import { EchoPidEntity, HOST_NATS } from './entityTypes.js';
import { pipeline } from './protocol.js';

const HOST = new URL('../children/entityHost.js', import.meta.url).pathname;
const hosts = new Set<ChildProcess>();
process.once('exit', () => {
  for (const h of hosts) h.kill('SIGKILL');
});

interface Host {
  readonly proc: ChildProcess;
  readonly id: string;
}

/** Start a host; resolves once it printed `ready <id>`. */
async function startHost(env: Record<string, string>): Promise<Host> {
  const proc = spawn(process.execPath, ['--expose-gc', HOST], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  hosts.add(proc);
  proc.once('exit', () => hosts.delete(proc));
  const id = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`entity host exited with ${code}: ${out}`)));
  });
  return { proc, id };
}

function stopHost(h: Host): Promise<void> {
  if (h.proc.exitCode !== null || h.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => h.proc.kill('SIGKILL'), 2000);
    h.proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    h.proc.kill('SIGTERM');
  });
}

let rounds = 0;

/** A client node (this process) and two hosts, fresh for a round. */
async function cluster(place: NatsPlace, ttlMs: number, downAfterMs: number = HOST_NATS.downAfterMs) {
  const r = ++rounds;
  const name = `bench-hosts-${process.pid}-${r}`;
  const bucket = `bench-host-leases-${process.pid}-${r}`;
  const env = {
    TROUPE_BENCH_NATS: place.url,
    TROUPE_BENCH_SYSTEM: name,
    TROUPE_BENCH_BUCKET: bucket,
    TROUPE_BENCH_TTL: String(ttlMs),
    TROUPE_BENCH_DOWN_AFTER: String(downAfterMs),
  };
  const pair = await Promise.all([startHost(env), startHost(env)]);
  const client: ActorSystem = await createActorSystem({
    name,
    transports: [nats({ servers: place.url, heartbeatMs: HOST_NATS.heartbeatMs, downAfterMs })],
  });
  await awaitNodes(client, 3, 15_000);
  const leases = await natsLeaseStore({ connection: { servers: place.url }, bucket });
  const entities: Entities = await startEntities(client, {
    types: [EchoPidEntity],
    leases,
    leaseTtlMs: ttlMs,
    client: true,
  });
  return {
    name,
    hosts: pair,
    client,
    entities,
    async close() {
      await Promise.all(pair.map(stopHost));
      await client.shutdown();
      await leases.close();
    },
  };
}

/** Time from a host's SIGKILL until each of its keys (of 64) answers from the other host. */
export function failover(place: NatsPlace, ttlMs: number): Contender {
  return {
    async setup() {
      const c = await cluster(place, ttlMs);
      const keys = Array.from({ length: 64 }, (_, k) => `f${k}`);
      const pids = await Promise.all(
        keys.map((k) => c.entities.of(EchoPidEntity, k).ask({ type: 'where' }, { timeoutMs: 10_000 })),
      );
      const victim = c.hosts.find((h) => pids.includes(h.proc.pid!))!;
      const moved = keys.filter((_, i) => pids[i] === victim.proc.pid);
      return {
        async run() {
          victim.proc.kill('SIGKILL');
          await Promise.all(
            moved.map(async (k) => {
              for (;;) {
                const pid = await c.entities
                  .of(EchoPidEntity, k)
                  .ask({ type: 'where' }, { timeoutMs: 250 })
                  .catch(() => undefined);
                if (pid !== undefined && pid !== victim.proc.pid) return;
              }
            }),
          );
        },
        measure: () => ({ moved: moved.length }),
        teardown: () => c.close(),
      };
    },
  };
}

/** `n` keys each asked once across two hosts (256 in flight); then each host's heap after a GC. */
export function keys(place: NatsPlace, n: number): Contender {
  return {
    async setup() {
      // A host busy starting a million entities (and collecting) misses heartbeats for a while:
      // this benchmark is about memory, so its failure detector waits 30 s.
      const c = await cluster(place, 6000, 30_000);
      return {
        run: () =>
          pipeline(n, 256, (i) =>
            c.entities.of(EchoPidEntity, `k${i}`).ask({ type: 'where' }, { timeoutMs: 600_000 }),
          ),
        async measure() {
          const got = await Promise.all(
            c.hosts.map(
              (h) =>
                c.client
                  .lookup<'heap', { heap: number; active: number }>(`troupe://${c.name}/${h.id}/user/heap`)!
                  .ask('heap', { timeoutMs: 60_000 }) as Promise<{ heap: number; active: number }>,
            ),
          );
          const heaps = got.map((g) => g.heap);
          const active = got.map((g) => g.active);
          return {
            heapMaxBytes: Math.max(...heaps),
            heapMinBytes: Math.min(...heaps),
            activeMax: Math.max(...active),
            activeMin: Math.min(...active),
          };
        },
        teardown: () => c.close(),
      };
    },
  };
}
