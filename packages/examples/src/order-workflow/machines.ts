/**
 * The catalog module of the example, loaded by the coordinator and by every `troupe node`
 * (--catalog …/machines.js): the order machine as a Troupe behaviour whose snapshot is saved to
 * NATS KV after every event, so the node that restarts an order — any node — resumes it.
 */
import type { Behaviour } from '@troupe/core';
import { fromXState, type SnapshotStore } from '@troupe/core/xstate';
import { natsKvSnapshotStore } from '@troupe/transport-nats';
import { KV_BUCKET, NATS_URL_ENV, ORDER_BEHAVIOUR } from './config.js';
import { type OrderEvent, type OrderInput, orderMachine } from './orderMachine.js';

// Connect on first use, once per process: a process that only spawns orders elsewhere (the
// coordinator) never opens a connection that would keep it alive.
let kv: ReturnType<typeof natsKvSnapshotStore> | undefined;
const open = () => {
  const servers = process.env[NATS_URL_ENV];
  if (servers === undefined) throw new Error(`${NATS_URL_ENV} is not set (main.ts sets it for its nodes)`);
  return (kv ??= natsKvSnapshotStore({ connection: { servers }, bucket: KV_BUCKET }));
};
const store: SnapshotStore = {
  get: async (key) => (await open()).get(key),
  put: async (key, snapshot) => (await open()).put(key, snapshot),
  delete: async (key) => (await open()).delete(key),
};

// Annotated: the state type fromXState() infers is internal to @troupe/core and cannot be named here.
export const Order: Behaviour<OrderEvent, any, OrderInput> = fromXState<OrderEvent, OrderInput>(
  orderMachine,
  {
    name: ORDER_BEHAVIOUR,
    // The key defaults to the actor's path (user/<order id>): the same on every node, so the
    // incarnation restarted elsewhere finds the snapshot of the one that was lost.
    persist: { store },
  },
);
