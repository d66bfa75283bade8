/**
 * Process helpers for tests, examples and benchmarks of Troupe over NATS
 * (`@troupe/transport-nats/testing`): a private `nats-server` on a free loopback port, and
 * `troupe node` processes started with the command line and awaited until they have joined.
 *
 * Every process started here is tracked and killed by PID (SIGKILL) when this process exits,
 * whatever happened, and on Ctrl-C, SIGTERM and SIGHUP (see {@link exitOnSignals}). Nothing
 * here assumes a server on port 4222.
 *
 * @example
 * ```ts
 * import { startNatsServer, startNode } from '@troupe/transport-nats/testing';
 * const server = await startNatsServer();
 * const node = await startNode({ nats: server.url, system: 'shop', catalog: './dist/behaviours.js' });
 * // … createActorSystem({ name: 'shop', transports: [nats({ servers: server.url })] }) …
 * await node.stop();
 * await server.stop();
 * ```
 *
 * @packageDocumentation
 */
export {
  findNatsServer,
  NATS_SERVER,
  type NatsServer,
  type NatsServerOptions,
  natsServerAvailable,
  startNatsServer,
} from './testing/natsServer.js';
export { exitOnSignals, freePort } from './testing/processes.js';
export { startNode, type TroupeNodeOptions, type TroupeNodeProcess } from './testing/troupeNode.js';
