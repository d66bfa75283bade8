/**
 * The entity type of the `entities` suite's benchmarks with child hosts (`failover`, `keys`),
 * shared by the bench process (a client node) and the hosts (`children/entityHost.ts`).
 */
import { defineActor } from '@troupe/core';
import { defineEntity } from '@troupe/entities';

/** The failure detector of the hosts and the client: heartbeats every 200 ms, down after 1 s. */
export const HOST_NATS = { heartbeatMs: 200, downAfterMs: 1000 } as const;

/** An entity that answers with the pid of the process it runs in. */
export const EchoPidBehaviour = defineActor<{ type: 'where' }, undefined, string, number>({
  name: 'bench.entities.echo-pid',
  receive(ctx) {
    ctx.reply(process.pid);
  },
});
export const EchoPidEntity = defineEntity({
  name: 'echo-pid',
  behaviour: EchoPidBehaviour,
  idleTimeoutMs: 0,
});
