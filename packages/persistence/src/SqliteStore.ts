/**
 * The embedded store: a journal and snapshots in one SQLite file (better-sqlite3), for one
 * machine without NATS, and the default store of durable actors. Every thread and process that
 * opens the same file shares it (WAL mode; writers take turns), and the store still enforces one
 * writer per persistence id.
 *
 * Appends that arrive in the same turn of the event loop are committed together in one
 * transaction (group commit): one `fsync` for many actors, each append checked on its own.
 * An append resolves only after its transaction committed with `synchronous = FULL`: an
 * acknowledged event survives a crash of the process and of the machine.
 *
 * Owns: the SQLite schema, group commit, the mapping of SQLite errors to store errors.
 * May not touch: actors, behaviours.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SnapshotStore } from '@troupe/core';
import Database from 'better-sqlite3';
import { encode } from './InMemoryStore.js';
import {
  type Journal,
  JournalConflictError,
  type JournalEntry,
  type NewEvent,
  type PersistenceStore,
  StoreUnavailableError,
} from './store.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file (created with its folder if missing), or `':memory:'`. */
  readonly path: string;
  /** How long a writer waits for another process's transaction before it fails (ms). Default 5000. */
  readonly busyTimeoutMs?: number;
}

interface Pending {
  readonly id: string;
  readonly expectedSeq: number;
  readonly rows: readonly { readonly version: number; readonly text: string }[];
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

const PAGE = 1000;
/** Ids whose head a store remembers; past it the memory starts over (it is a cache). */
const KNOWN_HEADS = 100_000;

/**
 * A {@link PersistenceStore} in a SQLite file.
 *
 * @example
 * ```ts
 * const store = new SqliteStore({ path: './data/bank.db' });
 * const Account = eventSourced({ name: 'account', store, initial: { balance: 0 }, apply, command });
 * ```
 */
export class SqliteStore implements PersistenceStore {
  /** The events, in table `troupe_events` (an id's last event is never deleted, so its largest `seq` is its last sequence number). */
  readonly journal: Journal;
  /** The snapshots, in table `troupe_snapshots`. */
  readonly snapshots: SnapshotStore;
  /** The database file. */
  readonly path: string;
  private readonly db: Database.Database;
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  /** The last sequence number of ids this store appended to lately (at most {@link KNOWN_HEADS}). */
  private readonly known = new Map<string, number>();

  constructor(options: SqliteStoreOptions) {
    if (typeof options?.path !== 'string' || options.path.length === 0)
      throw new TypeError("SqliteStore needs a file: new SqliteStore({ path: './data/troupe.db' })");
    this.path = options.path;
    try {
      if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
      this.db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS troupe_events (
          id TEXT NOT NULL, seq INTEGER NOT NULL, version INTEGER NOT NULL, event TEXT NOT NULL,
          PRIMARY KEY (id, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS troupe_snapshots (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`);
    } catch (e) {
      throw new StoreUnavailableError(
        `could not open the SQLite store at ${options.path}: ${(e as Error).message}; check that the folder is writable, or pass another path`,
        { cause: e },
      );
    }
    const db = this.db;
    // The last sequence number of an id: the largest seq of its events, read off the primary key
    // (retention never deletes an id's last event). One index lookup, and no second table to write.
    const head = db.prepare<[string], { last: number | null }>(
      'SELECT MAX(seq) AS last FROM troupe_events WHERE id = ?',
    );
    const insert = db.prepare('INSERT INTO troupe_events (id, seq, version, event) VALUES (?, ?, ?, ?)');
    const page = db.prepare<[string, number], { seq: number; version: number; event: string }>(
      `SELECT seq, version, event FROM troupe_events WHERE id = ? AND seq >= ? ORDER BY seq LIMIT ${PAGE}`,
    );
    const del = db.prepare('DELETE FROM troupe_events WHERE id = ? AND seq <= ? AND seq < ?');
    const getSnap = db.prepare<[string], { value: string }>(
      'SELECT value FROM troupe_snapshots WHERE key = ?',
    );
    const putSnap = db.prepare(
      'INSERT INTO troupe_snapshots (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    );
    const delSnap = db.prepare('DELETE FROM troupe_snapshots WHERE key = ?');

    /**
     * One transaction for every append queued this turn; each is checked against its id's head.
     * The head of an id this store wrote or read before is known (`known`); another process may
     * have appended since, but then the row `expectedSeq + 1` exists and the insert fails on the
     * primary key: a conflict all the same, found without reading the head first.
     */
    const commit = db.transaction((batch: readonly Pending[]) => {
      const outcome: (JournalConflictError | undefined)[] = [];
      const heads = new Map<string, number>();
      for (const p of batch) {
        let last = heads.get(p.id) ?? this.known.get(p.id);
        if (last !== p.expectedSeq) last = head.get(p.id)?.last ?? 0;
        if (last !== p.expectedSeq) {
          outcome.push(new JournalConflictError(p.id, p.expectedSeq, last));
          continue;
        }
        try {
          insert.run(p.id, last + 1, p.rows[0]!.version, p.rows[0]!.text);
        } catch (e) {
          if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw e;
          this.known.delete(p.id);
          outcome.push(new JournalConflictError(p.id, p.expectedSeq, head.get(p.id)?.last ?? 0));
          continue;
        }
        // The first row was free, so the next ones are: no writer skips a sequence number (a
        // clash here would throw and roll the whole transaction back, never half an append).
        for (let i = 1; i < p.rows.length; i++)
          insert.run(p.id, last + i + 1, p.rows[i]!.version, p.rows[i]!.text);
        heads.set(p.id, last + p.rows.length);
        outcome.push(undefined);
      }
      return { outcome, heads };
    });

    const flush = () => {
      this.scheduled = false;
      const batch = this.queue;
      this.queue = [];
      if (batch.length === 0) return;
      let outcome: (JournalConflictError | undefined)[];
      try {
        const done = commit.immediate(batch);
        outcome = done.outcome;
        if (this.known.size + done.heads.size > KNOWN_HEADS) this.known.clear();
        for (const [id, seq] of done.heads) this.known.set(id, seq);
      } catch (e) {
        for (const p of batch) this.known.delete(p.id);
        const error = this.unavailable('write to', e);
        for (const p of batch) p.reject(error);
        return;
      }
      for (const [i, p] of batch.entries()) {
        const conflict = outcome[i];
        if (conflict === undefined) p.resolve();
        else p.reject(conflict);
      }
    };

    const store = this;
    this.journal = {
      append(id, expectedSeq, events: readonly NewEvent[]) {
        return new Promise<void>((resolve, reject) => {
          if (store.closed) {
            reject(new StoreUnavailableError(`the SQLite store at ${store.path} is closed`));
            return;
          }
          // Encode before queueing: an event that cannot be stored fails its append alone.
          const rows = events.map((e) => ({ version: e.version, text: encode(id, e.event) }));
          store.queue.push({ id, expectedSeq, rows, resolve, reject });
          if (!store.scheduled) {
            store.scheduled = true;
            setImmediate(flush);
          }
        });
      },
      async *read(id: string, fromSeq: number): AsyncIterable<JournalEntry> {
        let from = fromSeq;
        for (;;) {
          const rows = store.guard('read from', () => page.all(id, from));
          for (const r of rows) yield { seq: r.seq, version: r.version, event: JSON.parse(r.event) };
          if (rows.length < PAGE) return;
          from = rows[rows.length - 1]!.seq + 1;
        }
      },
      async lastSeq(id: string) {
        return store.guard('read from', () => head.get(id)?.last ?? 0);
      },
      async deleteUpTo(id: string, seq: number) {
        store.guard('delete from', () => {
          const last = head.get(id)?.last ?? 0;
          del.run(id, seq, last);
        });
      },
    };
    this.snapshots = {
      async get(key: string) {
        const row = store.guard('read from', () => getSnap.get(key));
        return row === undefined ? undefined : JSON.parse(row.value);
      },
      async put(key: string, snapshot: unknown) {
        const text = encode(key, snapshot);
        store.guard('write to', () => putSnap.run(key, text));
      },
      async delete(key: string) {
        store.guard('delete from', () => delSnap.run(key));
      },
    };
  }

  private guard<T>(what: string, fn: () => T): T {
    if (this.closed) throw new StoreUnavailableError(`the SQLite store at ${this.path} is closed`);
    try {
      return fn();
    } catch (e) {
      throw this.unavailable(what, e);
    }
  }

  private unavailable(what: string, e: unknown): StoreUnavailableError {
    return new StoreUnavailableError(
      `could not ${what} the SQLite store at ${this.path}: ${(e as Error).message}; nothing was acknowledged`,
      { cause: e },
    );
  }

  /** Commit what is queued, then close the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => setImmediate(resolve)); // the queued appends commit first
    this.closed = true;
    this.db.close();
  }
}
