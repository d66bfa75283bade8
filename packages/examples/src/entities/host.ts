/**
 * A host node of the entities example: joins system `shop` over NATS (the URL in
 * TROUPE_SHOP_NATS), hosts the carts with leases in NATS KV, prints `ready <node id>`, then one
 * JSON line per activation, passivation, hand-off and lost lease (main.ts reads them).
 *
 *   node host.js --node-id ID
 */
import { createActorSystem } from '@troupe/core';
import { startEntities } from '@troupe/entities';
import { nats, natsLeaseStore } from '@troupe/transport-nats';
import { parseCli } from '../shared/cli.js';
import { Cart, CartBehaviour, LEASES, SHOP_NATS_ENV, SYSTEM } from './carts.js';

const cli = parseCli({
  name: 'entities-host',
  command: 'node host.js',
  summary: 'A host node of the entities example (started by pnpm example:entities).',
  options: { 'node-id': { type: 'string', arg: 'ID', help: 'this node id' } },
});
const servers = process.env[SHOP_NATS_ENV];
if (servers === undefined)
  cli.fail(`${SHOP_NATS_ENV} is not set: start the example with pnpm example:entities`);
const system = await createActorSystem({
  name: SYSTEM,
  ...(cli.values['node-id'] === undefined ? {} : { nodeId: String(cli.values['node-id']) }),
  catalog: [CartBehaviour],
  transports: [nats({ servers: servers!, heartbeatMs: 200, downAfterMs: 1000 })],
});
const leases = await natsLeaseStore({ connection: { servers: servers! }, bucket: LEASES });
const entities = await startEntities(system, { types: [Cart], leases, leaseTtlMs: 1500 });
entities.on((e) => process.stdout.write(`${JSON.stringify({ ...e, at: Date.now() })}\n`));
process.stdout.write(`ready ${system.nodeId}\n`);
const stop = async () => {
  await entities.stop();
  await system.shutdown();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
