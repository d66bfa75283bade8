/**
 * A host node of the `entities` suite's `failover` and `keys` benchmarks, run as a child process
 * (`node dist/children/entityHost.js`, from `peers/entityHosts.ts`): joins the system named by
 * `TROUPE_BENCH_SYSTEM` over the nats-server at `TROUPE_BENCH_NATS` (down after
 * `TROUPE_BENCH_DOWN_AFTER` ms without heartbeats), hosts the `echo-pid`
 * entities (leases in NATS KV, bucket `TROUPE_BENCH_BUCKET`, `TROUPE_BENCH_TTL` ms) and a
 * `user/heap` actor that answers with its heap in use after a full collection and its count of
 * active entities, and prints
 * `ready <node id>`. A SIGTERM stops it gracefully.
 */
import { createActorSystem, defineActor } from '@troupe/core';
import { startEntities } from '@troupe/entities';
import { nats, natsLeaseStore } from '@troupe/transport-nats';
import { EchoPidBehaviour, EchoPidEntity, HOST_NATS } from '../peers/entityTypes.js';

const servers = process.env.TROUPE_BENCH_NATS!;
const system = await createActorSystem({
  name: process.env.TROUPE_BENCH_SYSTEM!,
  catalog: [EchoPidBehaviour],
  transports: [
    nats({
      servers,
      heartbeatMs: HOST_NATS.heartbeatMs,
      downAfterMs: Number(process.env.TROUPE_BENCH_DOWN_AFTER ?? HOST_NATS.downAfterMs),
    }),
  ],
});
const leases = await natsLeaseStore({ connection: { servers }, bucket: process.env.TROUPE_BENCH_BUCKET! });
const entities = await startEntities(system, {
  types: [EchoPidEntity],
  leases,
  leaseTtlMs: Number(process.env.TROUPE_BENCH_TTL ?? 6000),
});
let active = 0;
entities.on((e) => {
  if (e.kind === 'activate') active++;
  else if (e.kind === 'passivate') active--;
});
system.spawn(
  defineActor<'heap', undefined, undefined, { heap: number; active: number }>({
    name: 'bench.entities.heap',
    receive(ctx) {
      globalThis.gc?.();
      globalThis.gc?.();
      ctx.reply({ heap: process.memoryUsage().heapUsed, active });
    },
  }),
  undefined,
  { name: 'heap' },
);
process.stdout.write(`ready ${system.nodeId}\n`);
process.on('SIGTERM', async () => {
  await system.shutdown();
  await leases.close();
  process.exit(0);
});
