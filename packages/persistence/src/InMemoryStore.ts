/**
 * A persistence store in this process's memory, for tests: the same contract as the durable
 * stores (JSON text in and out, one writer per id, all-or-nothing appends), nothing survives the
 * process.
 *
 * Owns: the in-memory journal and snapshots. May not touch: files, the network.
 */
import type { SnapshotStore } from '@troupe/core';
import { toJournalJson } from './json.js';
import {
  type Journal,
  JournalConflictError,
  type JournalEntry,
  type NewEvent,
  type PersistenceStore,
} from './store.js';

interface Stored {
  readonly seq: number;
  readonly version: number;
  readonly text: string;
}

class InMemoryJournal implements Journal {
  private readonly ids = new Map<string, { last: number; events: Stored[] }>();

  async append(id: string, expectedSeq: number, events: readonly NewEvent[]): Promise<void> {
    const log = this.ids.get(id) ?? { last: 0, events: [] };
    if (log.last !== expectedSeq) throw new JournalConflictError(id, expectedSeq, log.last);
    // Encode all first: an event that cannot be stored fails the append before anything is written.
    const texts = events.map((e) => encode(id, e.event));
    for (const [i, text] of texts.entries())
      log.events.push({ seq: expectedSeq + i + 1, version: events[i]!.version, text });
    log.last = expectedSeq + events.length;
    this.ids.set(id, log);
  }

  async *read(id: string, fromSeq: number): AsyncIterable<JournalEntry> {
    const log = this.ids.get(id);
    if (log === undefined) return;
    for (const e of log.events.slice()) {
      if (e.seq >= fromSeq) yield { seq: e.seq, version: e.version, event: JSON.parse(e.text) };
    }
  }

  async lastSeq(id: string): Promise<number> {
    return this.ids.get(id)?.last ?? 0;
  }

  async deleteUpTo(id: string, seq: number): Promise<void> {
    const log = this.ids.get(id);
    if (log === undefined) return;
    log.events = log.events.filter((e) => e.seq > seq || e.seq === log.last);
  }
}

class InMemorySnapshots implements SnapshotStore {
  private readonly data = new Map<string, string>();
  async get(key: string): Promise<unknown> {
    const v = this.data.get(key);
    return v === undefined ? undefined : JSON.parse(v);
  }
  async put(key: string, snapshot: unknown): Promise<void> {
    this.data.set(key, encode(key, snapshot));
  }
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }
}

/** JSON text of an event or a snapshot, or a clear error naming what cannot be stored. */
export function encode(id: string, event: unknown): string {
  return toJournalJson(`persistence id '${id}': an event or state`, event);
}

/**
 * A {@link PersistenceStore} in memory: for tests, and for actors whose state may die with the
 * process.
 *
 * @example
 * ```ts
 * const store = new InMemoryStore();
 * const Counter = eventSourced({ name: 'counter', store, initial: 0, apply: (n, e: number) => n + e, command: (ctx, n, by: number) => [by] });
 * ```
 */
export class InMemoryStore implements PersistenceStore {
  /** The events, in memory. */
  readonly journal: Journal = new InMemoryJournal();
  /** The snapshots, in memory (JSON text). */
  readonly snapshots: SnapshotStore = new InMemorySnapshots();
  async close(): Promise<void> {}
}
