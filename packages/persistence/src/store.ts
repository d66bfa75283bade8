/**
 * The store contract of the persistence layer: a journal of events per persistence id, with one
 * writer per id enforced by the store (optimistic concurrency on the last sequence number), and
 * snapshots. Every store (in memory, SQLite, NATS JetStream) implements it and passes the same
 * contract suite (`storeContract` from `@troupe/persistence/testing`).
 *
 * Owns: the interfaces and the errors a store raises. May not touch: actors, behaviours.
 */
import type { SnapshotStore } from '@troupe/core';

/** An event to append: the user's event and the version of its shape. */
export interface NewEvent {
  /** The event (JSON-serializable: stores keep JSON text). */
  readonly event: unknown;
  /** The version of the event's shape when it was written (see upcasters). */
  readonly version: number;
}

/** An event read back from a journal. */
export interface JournalEntry extends NewEvent {
  /** Its sequence number within its persistence id: 1, 2, 3, … with no gaps. */
  readonly seq: number;
}

/**
 * Where the events of persistence ids are kept, in order, one writer per id.
 *
 * The store enforces the one writer: {@link Journal.append} names the sequence number the writer
 * last saw; if anything else was appended since, nothing is written and it rejects with
 * {@link JournalConflictError}. All events of one append are written together or not at all.
 *
 * @example
 * ```ts
 * const journal = new InMemoryStore().journal;
 * await journal.append('account-1', 0, [{ event: { type: 'opened' }, version: 1 }]);
 * for await (const e of journal.read('account-1', 1)) console.log(e.seq, e.event);
 * ```
 */
export interface Journal {
  /**
   * Append `events` to `id` after sequence number `expectedSeq` (0 for a new id): they become
   * `expectedSeq + 1`, `expectedSeq + 2`, …. Resolves when they are durable in the store; rejects
   * with {@link JournalConflictError} (nothing written) when the last sequence number of `id` is
   * not `expectedSeq`, and with {@link StoreUnavailableError} when the store cannot be reached.
   */
  append(id: string, expectedSeq: number, events: readonly NewEvent[]): Promise<void>;
  /** The events of `id` from sequence number `fromSeq` on, in order (those deleted by retention are skipped). */
  read(id: string, fromSeq: number): AsyncIterable<JournalEntry>;
  /** The last sequence number of `id` (0 if nothing was ever appended); deletions do not lower it. */
  lastSeq(id: string): Promise<number>;
  /** Delete the events of `id` up to and including `seq` (retention after a snapshot). The last event is always kept. */
  deleteUpTo(id: string, seq: number): Promise<void>;
}

/** A snapshot of an actor's state as the persistence layer stores it. */
export interface StoredSnapshot {
  /** The sequence number of the last event folded into `state`. */
  readonly seq: number;
  /** The state (JSON-serializable). */
  readonly state: unknown;
  /** The version of the state's shape (the behaviour's `snapshotVersion`). */
  readonly version: number;
}

/**
 * A journal and a snapshot store that live together (one file, one NATS account). The snapshot
 * store is the same interface xstate machines persist to ({@link SnapshotStore}), so a machine
 * can use `store.snapshots` too.
 */
export interface PersistenceStore {
  /** The events of every persistence id. */
  readonly journal: Journal;
  /** Snapshots by persistence id (also usable by xstate machines: `fromXState(m, { persist: { store: store.snapshots } })`). */
  readonly snapshots: SnapshotStore;
  /** Release the store's resources (a file handle, a connection it opened). */
  close(): Promise<void>;
}

/**
 * Another writer appended to the persistence id since this writer last read it: two activations
 * of one actor, or a stale one. Nothing was written. The actor fails (its supervisor decides);
 * after a restart it recovers the other writer's events first.
 */
export class JournalConflictError extends Error {
  /** Always `'JournalConflictError'` (kept when the error crosses a thread or node). */
  override readonly name = 'JournalConflictError';
  constructor(
    /** The persistence id. */
    readonly id: string,
    /** The last sequence number the writer expected. */
    readonly expectedSeq: number,
    /** The last sequence number in the store, when known. */
    readonly actualSeq: number | undefined,
  ) {
    super(
      `persistence id '${id}': another writer appended after sequence number ${expectedSeq}` +
        (actualSeq === undefined ? '' : ` (the journal is at ${actualSeq})`) +
        "; nothing was written. Two activations of one actor were writing: this one fails and recovers the other's events when it restarts",
    );
  }
}

/** The store could not be reached or refused the write (a server down, a disk full). Nothing is acknowledged. */
export class StoreUnavailableError extends Error {
  /** Always `'StoreUnavailableError'` (kept when the error crosses a thread or node). */
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Is `e` a {@link StoreUnavailableError} (also one that crossed a thread or node as a plain error)? */
export function isStoreUnavailableError(e: unknown): e is StoreUnavailableError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'StoreUnavailableError';
}

/** Is `e` a {@link JournalConflictError} (also one that crossed a thread or node as a plain error)? */
export function isJournalConflictError(e: unknown): e is JournalConflictError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'JournalConflictError';
}
