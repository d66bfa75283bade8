/**
 * Internals for sibling packages (transports). Not part of the public API; may change in any release.
 * @internal
 * @packageDocumentation
 */
export { ActorCell, Status } from './actor/ActorCell.js';
export { PendingAsk, type ReplyTarget, summarize } from './actor/ask.js';
export { LocalActorRef } from './actor/LocalActorRef.js';
export { Dispatcher } from './dispatch/Dispatcher.js';
export { RingBuffer } from './mailbox/RingBuffer.js';
export type { Port } from './remote/Link.js';
export { RECORD_SIZE, Rec } from './remote/protocol.js';
export type { SystemInternals } from './system/internals.js';
export { LocalActorSystem } from './system/LocalActorSystem.js';
export { TransportBridge } from './transport/bridge.js';
