/**
 * `@troupe/persistence`: actors whose state survives a crash, a restart and a lost node.
 * Event-sourced actors ({@link eventSourced}) and durable-state actors ({@link durableState}) on a
 * {@link PersistenceStore}: SQLite in a local file by default ({@link SqliteStore}), in memory
 * for tests ({@link InMemoryStore}), or NATS JetStream (`natsJetStreamStore` from
 * `@troupe/transport-nats`) for a cluster.
 *
 * @packageDocumentation
 */
export type { PersistentContext } from './context.js';
export { defaultStore, defaultStorePath } from './defaultStore.js';
export { type DurableStateDefinition, type DurableStateState, durableState } from './durableState.js';
export { isPersistFailedError, PersistFailedError } from './errors.js';
export { type EventSourcedDefinition, type EventSourcedState, eventSourced } from './eventSourced.js';
export { InMemoryStore } from './InMemoryStore.js';
export { toJournalJson } from './json.js';
export type { PersistentDefinition } from './persistentActor.js';
export { isRecoveryError, type Recovered, RecoveryError, type Upcasters } from './recovery.js';
export { SqliteStore, type SqliteStoreOptions } from './SqliteStore.js';
export {
  isJournalConflictError,
  isStoreUnavailableError,
  type Journal,
  JournalConflictError,
  type JournalEntry,
  type NewEvent,
  type PersistenceStore,
  type StoredSnapshot,
  StoreUnavailableError,
} from './store.js';
