/**
 * The order workflow: an xstate machine as a Troupe actor on a remote node, its snapshot in NATS
 * KV. The node hosting the order is SIGKILLed half-way; the supervisor restarts the order on the
 * other node, where it resumes in the same state, and the workflow finishes there.
 *
 *   pnpm example:order-workflow [--nats nats://host:4222]   (the server must run JetStream: -js; --help)
 */
import { fileURLToPath } from 'node:url';
import { createActorSystem, defineActor } from '@troupe/core';
import { getSnapshot } from '@troupe/core/xstate';
import { awaitNodes, nats, natsKvSnapshotStore } from '@troupe/transport-nats';
import { parseCli } from '../shared/cli.js';
import { startNode } from '../shared/nodes.js';
import { KV_BUCKET, NATS_URL_ENV, SYSTEM } from './config.js';
import { type JetStreamServer, startJetStream } from './jetstream.js';
import { Order } from './machines.js';
import {
  money,
  type Notification,
  type OrderContext,
  type OrderEvent,
  type OrderStatus,
} from './orderMachine.js';

const cli = parseCli({
  name: 'order-workflow',
  command: 'pnpm example:order-workflow',
  summary:
    'An xstate order machine as an actor on one of two node processes, its snapshot in NATS KV: the\n' +
    'node is SIGKILLed mid-order, the order resumes on the other node in the same state and finishes.',
  options: {
    nats: {
      type: 'string',
      arg: 'URL',
      defaultText: 'a private nats-server -js started here, if nats-server is installed',
      help: 'the NATS server(s); it must run JetStream (nats-server -js)',
    },
  },
});
let local: JetStreamServer | undefined;
const url = cli.values.nats ?? (local = await startJetStream()).url;

// Two nodes that offer the order machine. They inherit our environment, and their catalog
// (machines.js) reads the NATS URL from it to open the KV snapshot store.
process.env[NATS_URL_ENV] = url;
const catalog = fileURLToPath(new URL('./machines.js', import.meta.url));
const nodes = await Promise.all(
  [1, 2].map(() => startNode({ nats: url, system: SYSTEM, catalog, threads: 0 })),
);
// The coordinator loads the same catalog (spawning needs the behaviour), but runs no order itself.
const system = await createActorSystem({
  name: SYSTEM,
  catalog: [new URL('./machines.js', import.meta.url)],
  transports: [nats({ servers: url })],
});
await awaitNodes(system, 3);

// The customer's notifier lives here, on the coordinator; the order tells it with sendTo.
const received: Notification[] = [];
let onDelivered!: () => void;
const delivered = new Promise<void>((r) => (onDelivered = r));
const Notifier = defineActor<Notification, undefined>({
  name: 'order-workflow.notifier',
  init: () => undefined,
  receive(_ctx, state, n) {
    received.push(n);
    if (n.kind === 'delivered') onDelivered();
    return state;
  },
});
const notify = system.spawn(Notifier, undefined, { name: 'notifier' });

const show = (s: OrderStatus) =>
  `${s.state} | ${s.items.map((i) => `${i.qty}× ${i.sku}`).join(', ')} | total ${money(s.total)} | paid ${money(s.paid)}`;
const nodeOf = (address: string) => address.split('/')[3]!; // troupe://<system>/<node>/user/<name>
const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([
    p,
    new Promise<never>((_, no) => setTimeout(() => no(new Error(`${what} within ${ms} ms`)), ms).unref()),
  ]);

// 'any-node': one of the other nodes that offer the behaviour (round-robin).
const orderId = 'o-1001';
const order = system.spawn(Order, { orderId }, { placement: 'any-node', name: orderId });
order.tell({ type: 'ADD_ITEM', item: { sku: 'earl-grey-250g', qty: 2, price: 650 } });
order.tell({ type: 'ADD_ITEM', item: { sku: 'teapot', qty: 1, price: 2900 } });
order.tell({ type: 'CHECKOUT', notify });
order.tell({ type: 'PAY', amount: 2000, notify }); // less than the total: the guard refuses it
order.tell({ type: 'PAY', amount: 4200, notify });
// One sender, one receiver: messages arrive in order, so STATUS sees all of the above.
const before: OrderStatus = await order.ask({ type: 'STATUS' });
const host = nodes.find((n) => n.id === nodeOf(order.address))!;
const survivor = nodes.find((n) => n !== host)!;
console.log(`order ${orderId} runs on node ${host.id} (pid ${host.proc.pid}): ${order.address}`);
console.log(`  status: ${show(before)}`);

// Crash its node: no goodbye, no onStop. Only the snapshot in NATS KV is left.
await host.stop('SIGKILL');
const killedAt = Date.now();
console.log(`SIGKILL node ${host.id} while the order is '${before.state}'`);
const kv = await natsKvSnapshotStore({ connection: { servers: url }, bucket: KV_BUCKET });
const saved = (await kv.get(`user/${orderId}`)) as { value: string; context: OrderContext } | undefined;
await kv.close();
console.log(
  saved === undefined
    ? `  NATS KV holds no snapshot under 'user/${orderId}'`
    : `  NATS KV key 'user/${orderId}' holds '${saved.value}' with ${saved.context.items.length} lines`,
);

// The coordinator declares the node down (missed heartbeats), the supervisor restarts the order
// per its placement on the live node: a new incarnation, at the same path, at a new address.
const moved = system.lookup<OrderEvent, OrderStatus>(`troupe://${SYSTEM}/${survivor.id}/user/${orderId}`)!;
let after: OrderStatus | undefined;
while (after === undefined) {
  if (Date.now() - killedAt > 10_000) throw new Error(`the order did not come back on ${survivor.id}`);
  after = await moved.ask({ type: 'STATUS' }, { timeoutMs: 300 }).catch(() => undefined);
}
const resumedIn = ((Date.now() - killedAt) / 1000).toFixed(1);
console.log(`order ${orderId} resumed on node ${survivor.id} after ${resumedIn} s: ${moved.address}`);
console.log(`  status: ${show(after)}`);
const same = show(after) === show(before);
console.log(`  same state and items as before the crash: ${same ? 'yes' : 'NO'}`);

// Finish the workflow on the new node.
moved.tell({ type: 'SHIP', tracking: 'PKG-7781', notify });
moved.tell({ type: 'DELIVER', notify });
await within(delivered, 5000, 'the delivered notification did not arrive');
// 'delivered' is a final state: the machine takes no more events (STATUS would go unanswered),
// but its snapshot can still be read.
const final = await getSnapshot<{ value: string; status: string }>(moved);
console.log(`final state: ${final.value} (machine ${final.status})`);
console.log('notifications received by the customer:');
for (const n of received) console.log(`  [${n.kind}] ${n.text}`);

// The order is done: a deliberate stop deletes its snapshot (a shutdown alone would keep it, for
// the next run to resume). Then the system shuts down, the node leaves, the server stops.
await system.stop(moved);
await system.shutdown();
await survivor.stop('SIGINT');
await local?.stop();
process.exitCode = same && final.value === 'delivered' ? 0 : 1;
