/**
 * @troupe/core — location-transparent actors for TypeScript: mailboxes, supervision, timers,
 * death watch, dead letters and an event stream.
 *
 * @packageDocumentation
 */
export { type ActorRef, type AskOptions, isActorRef, type TellOptions } from './actor/ActorRef.js';
export {
  type ActorContext,
  type ActorDefinition,
  type Behaviour,
  defineActor,
  isBehaviour,
  isTerminated,
  type Placement,
  type ReceiveResult,
  type SpawnOptions,
  TERMINATION_REASONS,
  type Terminated,
  type TerminationReason,
  type Timers,
} from './actor/behaviour.js';
export { type AddressParts, formatAddress, parseAddress } from './address.js';
export { Catalog, type CatalogEntry } from './catalog/Catalog.js';
export type { DispatcherOptions } from './dispatch/Dispatcher.js';
export * from './errors.js';
export type { MailboxOptions, OverflowPolicy } from './mailbox/Mailbox.js';
export type { PoolOptions, PoolRef, PoolStats } from './pool/Pool.js';
export type { Routing } from './pool/routing.js';
export type {
  BackoffOptions,
  Directive,
  RestartType,
  StrategyName,
  SupervisionOptions,
} from './supervision/types.js';
export {
  type ActorSystem,
  type ActorSystemOptions,
  createActorSystem,
  type NodeStatus,
  type SystemStats,
} from './system/ActorSystem.js';
export type { Clock } from './system/clock.js';
export {
  type DeadLetterEvent,
  type DeadLetterReason,
  type ErrorEvent,
  type EventOf,
  EventStream,
  type FatalEvent,
  type LifecycleEvent,
  type NodeEvent,
  type RejectedEvent,
  type SupervisionEvent,
  type TroupeEvent,
  type TroupeEventKind,
} from './system/events.js';
export type { ThreadOptions, ThreadsInfo } from './threads/options.js';
export { jsonReplyProblem } from './transport/jsonReply.js';
export {
  type ExposeHandler,
  type NodeInfo,
  processNodeOf,
  type Transport,
  type TransportHost,
} from './transport/Transport.js';
// Also here, not only in '@troupe/core/xstate': a store needs no xstate (nor its types) installed.
export type { SnapshotStore } from './xstate/SnapshotStore.js';
