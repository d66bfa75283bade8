/**
 * @troupe/transport-nats — remote Troupe nodes over NATS: every process that creates its system
 * with `transports: [nats({ servers })]` is a node; actors on any node are reachable,
 * spawnable and supervisable from any other with the same `ActorRef` API.
 *
 * @packageDocumentation
 */

/**
 * The NATS client's authenticators, re-exported so that a program can build `nats({ authenticator })`
 * without depending on `@nats-io/nats-core` itself (under pnpm it could not import it otherwise).
 */
export {
  credsAuthenticator,
  nkeyAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from '@nats-io/nats-core';
export { awaitNodes } from './awaitNodes.js';
export {
  type CodecName,
  type Envelope,
  jsonCodec,
  msgpackCodec,
  type Rejected,
  WIRE_VERSION,
  type WireCodec,
} from './codec.js';
export { isNatsConnectionError, NatsConnectionError } from './errors.js';
export { type NatsJetStreamStoreOptions, natsJetStreamStore } from './jetstreamStore.js';
export { type NatsLeaseStore, type NatsLeaseStoreOptions, natsLeaseStore } from './leaseStore.js';
export type { MembershipOptions } from './membership.js';
export { type NatsTransportOptions, nats } from './NatsTransport.js';
export {
  type NatsKvSnapshotStore,
  type NatsKvSnapshotStoreOptions,
  natsKvSnapshotStore,
} from './snapshotStore.js';
export { membersSubject, nodeSubject, serviceSubject } from './subjects.js';
