/**
 * @troupe/core — location-transparent actors for TypeScript: mailboxes, supervision, timers,
 * death watch, dead letters and an event stream.
 *
 * @packageDocumentation
 */

export { messageType } from './actor/ask.js';
export { defineActor } from './actor/defineActor.js';
export { setInstrumentation } from './actor/instrumentation.js';
export { type AddressParts, formatAddress, parseAddress, processNodeOf } from './address.js';
export { type ActorRef, type AskOptions, isActorRef, type TellOptions } from './api/ActorRef.js';
export {
  type ActorContext,
  type ActorDefinition,
  type ActorSystem,
  type Behaviour,
  type Catalog,
  isBehaviour,
  type ReceiveResult,
  type SystemStats,
  type Timers,
} from './api/ActorSystem.js';
export {
  type DeadLetterEvent,
  type DeadLetterReason,
  type ErrorEvent,
  type EventOf,
  EventStream,
  type FatalEvent,
  type LifecycleEvent,
  type LinkEvent,
  type NodeEvent,
  type RejectedEvent,
  type SupervisionEvent,
  type TroupeEvent,
  type TroupeEventKind,
} from './api/events.js';
export type { Instrumentation, ProcessInfo, Sending, SendKind } from './api/instrumentation.js';
export type {
  ActorReport,
  ClusterStats,
  ClusterStatsOptions,
  ReportedEvent,
  RuntimeReport,
  UnreachableRuntime,
} from './api/introspection.js';
export type { LinkOptions, LinkStats } from './api/links.js';
export type { NodeInfo, NodeStatus, ThreadsInfo } from './api/nodes.js';
export type { MailboxOptions, OverflowPolicy, Placement, SpawnOptions } from './api/options.js';
export type { PoolOptions, PoolRef, PoolStats, Routing } from './api/pool.js';
export type {
  BackoffOptions,
  Directive,
  RestartType,
  StrategyName,
  SupervisionOptions,
} from './api/supervision.js';
export {
  isTerminated,
  TERMINATION_REASONS,
  type Terminated,
  type TerminationReason,
} from './api/terminated.js';
export { BehaviourCatalog, type CatalogEntry } from './catalog/BehaviourCatalog.js';
export type { Clock } from './clock.js';
export type { DispatcherOptions } from './dispatch/Dispatcher.js';
export * from './errors.js';
export { fnv1a } from './pool/routing.js';
export { RemoteError, reviveError, type SerializedError, serializeError } from './serializedError.js';
export { createActorSystem } from './system/createActorSystem.js';
export type { ActorSystemOptions } from './system/options.js';
export type { ThreadOptions } from './threads/options.js';
export { jsonReplyProblem } from './transport/jsonReply.js';
export type { ExposeHandler, Transport, TransportHost } from './transport/Transport.js';
// Also here, not only in '@troupe/core/xstate': a store needs no xstate (nor its types) installed.
export type { SnapshotStore } from './xstate/SnapshotStore.js';
