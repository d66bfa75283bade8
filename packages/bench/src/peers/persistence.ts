/**
 * The peers of the `persistence` suite: event-sourced Troupe accounts (`eventSourced`) on each
 * store, against the bare store clients doing the same durable writes: better-sqlite3 with the
 * store's pragmas (WAL, `synchronous = FULL`) inserting the same JSON per event, one transaction
 * per event or per {@link WINDOW} events; JetStream `js.publish(subject, json, { expect: {
 * lastSubjectSequence } })`, awaited, {@link WINDOW} lanes. Each round gets a fresh SQLite file
 * under `os.tmpdir()` or fresh streams (both deleted in teardown), and every id holds one untimed
 * event first: rounds measure journals in use, not an id's first append. Recovery rounds only
 * read, so their journals are built once ({@link recoveryData}).
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { ActorRef } from '@troupe/core';
import { eventSourced, InMemoryStore, type PersistenceStore, SqliteStore } from '@troupe/persistence';
import { natsJetStreamStore } from '@troupe/transport-nats';
import Database from 'better-sqlite3';
import type { Contender } from '../harness.js';
import { pipeline } from './protocol.js';
import { withSystem } from './troupe.js';

/** Asks (or raw writes) in flight, in every events benchmark. */
export const WINDOW = 64;
const ASK = { timeoutMs: 600_000 } as const;
const EVENT = { type: 'deposited', amount: 1 } as const;
const DEPOSIT = { type: 'deposit' } as const;
const GET = { type: 'get' } as const;
type Command = typeof DEPOSIT | typeof GET;

/** The stores a Troupe row can run on. */
export type StoreKind = 'sqlite' | 'memory' | 'jetstream';

/** Where the suite's nats-server (with JetStream) listens; set by the suite's `open`. */
export interface NatsPlace {
  url: string;
}

let uid = 0;
const unique = () => `${process.pid}-${++uid}`;

/** A fresh SQLite file name under the OS temp folder. */
function tempDb(what: string): string {
  return join(tmpdir(), `troupe-bench-${what}-${unique()}.db`);
}

/** Delete a SQLite file and its WAL companions. */
function removeDb(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** A JetStream connection for the life of a case. */
class JetStreamLink {
  nc!: NatsConnection;
  jsm!: JetStreamManager;
  js!: JetStreamClient;
  constructor(private readonly place: NatsPlace) {}
  async open(): Promise<void> {
    this.nc = await connect({ servers: this.place.url, name: 'bench persistence' });
    this.jsm = await jetstreamManager(this.nc);
    this.js = jetstream(this.nc);
  }
  /** A stream as the Troupe store makes its own (file storage, limits, discard new) on `<prefix>.>`. */
  async addStream(name: string, prefix: string): Promise<void> {
    const { File: storage } = StorageType;
    const config = { storage, retention: RetentionPolicy.Limits, discard: DiscardPolicy.New };
    await this.jsm.streams.add({ name, subjects: [`${prefix}.>`], ...config });
  }
  async deleteStreams(...names: string[]): Promise<void> {
    for (const name of names) await this.jsm.streams.delete(name).catch(() => {});
  }
  close = (): Promise<void> => this.nc?.close() ?? Promise.resolve();
}

/** A fresh store for one round, and how to get rid of it after. */
async function freshStore(
  kind: StoreKind,
  link: JetStreamLink | undefined,
): Promise<{ store: PersistenceStore; dispose(): Promise<void> }> {
  if (kind === 'memory') return { store: new InMemoryStore(), dispose: async () => {} };
  if (kind === 'sqlite') {
    const path = tempDb('events');
    const store = new SqliteStore({ path });
    return { store, dispose: () => store.close().then(() => removeDb(path)) };
  }
  const k = unique();
  const names = { stream: `BENCH_ES_${k}`, subjectPrefix: `bench.es.${k}`, snapshotBucket: `bench-es-${k}` };
  const store = await natsJetStreamStore({ connection: link!.nc, ...names });
  const streams = [names.stream, `KV_${names.snapshotBucket}`];
  return { store, dispose: () => store.close().then(() => link!.deleteStreams(...streams)) };
}

let behaviours = 0;

/**
 * A bank account that counts deposits: each deposit persists one {@link EVENT} and replies with the
 * new balance; `get` replies with the balance. Its store is whatever `holder.store` is when it
 * starts (the round's); its persistence id is its spawn argument.
 */
function account(holder: { store?: PersistenceStore }) {
  return eventSourced<Command, number, typeof EVENT, string, number>({
    name: `bench.persistence.account-${++behaviours}`,
    store: () => holder.store!,
    persistenceId: (_ctx, id) => id,
    initial: 0,
    apply: (balance, e) => balance + e.amount,
    command(ctx, balance, m) {
      if (m.type === 'get') return ctx.reply(balance);
      ctx.persist(EVENT);
      ctx.reply(balance + EVENT.amount);
    },
  });
}

/** Troupe: `n` deposits, {@link WINDOW} in flight, round-robin over `actors` event-sourced accounts. */
export function troupeEvents(kind: StoreKind, place: NatsPlace, actors: number, n: number): Contender {
  const holder: { store?: PersistenceStore } = {};
  const Account = account(holder);
  const link = kind === 'jetstream' ? new JetStreamLink(place) : undefined;
  const inner = withSystem(async (system) => {
    const round = await freshStore(kind, link);
    holder.store = round.store;
    const refs = Array.from({ length: actors }, (_, k) => system.spawn(Account, `acct-${k}`));
    const each = async (f: (r: (typeof refs)[number]) => Promise<unknown>) => {
      for (let i = 0; i < actors; i += 100) await Promise.all(refs.slice(i, i + 100).map(f));
    };
    await each((r) => r.ask(DEPOSIT, ASK)); // untimed: every account has recovered and written once
    return {
      run: () => pipeline(n, WINDOW, (i) => refs[i % actors]!.ask(DEPOSIT, ASK)),
      teardown: () => each((r) => system.stop(r)).then(round.dispose),
    };
  }, 'bench-persistence');
  return {
    ...inner,
    async open() {
      await link?.open();
      await inner.open?.();
    },
    async close() {
      await inner.close?.();
      await link?.close();
    },
  };
}

const RAW_TABLE = `CREATE TABLE events (id TEXT NOT NULL, seq INTEGER NOT NULL, version INTEGER NOT NULL,
  event TEXT NOT NULL, PRIMARY KEY (id, seq)) WITHOUT ROWID`;

function openRawDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

/**
 * Raw SQLite: `n` events round-robin over `actors` ids, the same JSON text inserted by a prepared
 * statement, `perTxn` events per transaction (1: each in its own). `headCheck`: also what the
 * store does per append to keep one writer per id (read the id's last sequence number from a
 * heads table, insert, write the new last one back), to tell the SQL's cost from Troupe's.
 */
export function rawSqliteEvents(actors: number, perTxn: number, n: number, headCheck = false): Contender {
  return {
    setup() {
      const path = tempDb('raw');
      const db = openRawDb(path);
      db.exec(`${RAW_TABLE}; CREATE TABLE heads (id TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID`);
      const insert = db.prepare('INSERT INTO events (id, seq, version, event) VALUES (?, ?, ?, ?)');
      const head = db.prepare<[string], { last: number }>('SELECT last FROM heads WHERE id = ?');
      const setHead = db.prepare(
        'INSERT INTO heads VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET last = excluded.last',
      );
      const ids = Array.from({ length: actors }, (_, k) => `acct-${k}`);
      const seqs = new Array<number>(actors).fill(0);
      const write = (k: number) => {
        const id = ids[k]!;
        const seq = headCheck ? (head.get(id)?.last ?? 0) + 1 : ++seqs[k]!;
        insert.run(id, seq, 1, JSON.stringify(EVENT));
        if (headCheck) setHead.run(id, seq);
      };
      const batch = db.transaction((from: number, count: number) => {
        for (let i = from; i < from + count; i++) write(i % actors);
      });
      for (let k = 0; k < actors; k++) batch.immediate(k, 1);
      return {
        run() {
          for (let i = 0; i < n; i += perTxn) batch.immediate(i, Math.min(perTxn, n - i));
        },
        teardown() {
          db.close();
          removeDb(path);
        },
      };
    },
  };
}

/**
 * Raw JetStream: `n` events round-robin over `actors` subjects, {@link WINDOW} lanes, each publish
 * awaited with the subject's expected last sequence. `ordered`: one publish in flight per subject
 * (the next waits for the previous ack, which gives its expected sequence); `predicted`: one
 * subject in a fresh stream, where the n-th publish's expected sequence is known, so all lanes
 * are in flight on it at once.
 */
export function rawJetStreamEvents(
  place: NatsPlace,
  actors: number,
  mode: 'ordered' | 'predicted',
  n: number,
): Contender {
  const link = new JetStreamLink(place);
  return {
    open: () => link.open(),
    async setup() {
      const k = unique();
      const stream = `BENCH_RAW_${k}`;
      await link.addStream(stream, `bench.raw.${k}`);
      const subjects = Array.from({ length: actors }, (_, j) => `bench.raw.${k}.acct-${j}`);
      const seqs = new Array<number>(actors).fill(0);
      const last = new Array<number>(actors).fill(0);
      const publish = async (j: number) => {
        const payload = JSON.stringify({ seq: ++seqs[j]!, v: 1, e: EVENT });
        const ack = await link.js.publish(subjects[j]!, payload, {
          expect: { lastSubjectSequence: last[j]! },
        });
        last[j] = ack.seq;
      };
      await Promise.all(subjects.map((_, j) => publish(j)));
      const tails = new Array<Promise<void>>(actors).fill(Promise.resolve());
      const ordered = (i: number) => {
        const j = i % actors;
        tails[j] = tails[j]!.then(() => publish(j));
        return tails[j]!;
      };
      // The stream holds only this subject, so the i-th publish follows stream sequence base + i.
      const base = last[0]!;
      const predicted = (i: number) =>
        link.js.publish(subjects[0]!, JSON.stringify({ seq: base + i + 1, v: 1, e: EVENT }), {
          expect: { lastSubjectSequence: base + i },
        });
      return {
        run: () => pipeline(n, WINDOW, mode === 'ordered' ? ordered : predicted),
        teardown: () => link.deleteStreams(stream),
      };
    },
    close: () => link.close(),
  };
}

// ---- Recovery -----------------------------------------------------------------------------------

/**
 * The journal of one account with `events` events, one per append as its deposits wrote them,
 * built once (`prepare`) per store and shared by that store's recovery rows, which only read it
 * through a new store instance each round (`open`, as a process that starts again); each row puts
 * the snapshot at `snapshotAt` in place, or deletes it, before each round.
 */
export function recoveryData(
  kind: 'sqlite' | 'jetstream',
  place: NatsPlace,
  events: number,
  snapshotAt: number,
) {
  const path = tempDb('recovery');
  const link = new JetStreamLink(place);
  const names = { stream: 'BENCH_RECOVERY', subjectPrefix: 'bench.recovery', snapshotBucket: 'bench-rec' };
  let prepared: Promise<void> | undefined;
  const open = async () =>
    kind === 'sqlite' ? new SqliteStore({ path }) : natsJetStreamStore({ connection: link.nc, ...names });
  const build = async () => {
    if (kind === 'jetstream') await link.open();
    const store = await open();
    // SQLite keeps a row per event however they were appended: a thousand per append is the same
    // journal, built faster. A JetStream message is one append, so one event each.
    const per = kind === 'sqlite' ? 1000 : 1;
    const chunk = Array.from({ length: per }, () => ({ event: EVENT, version: 1 }));
    for (let seq = 0; seq < events; seq += per)
      await store.journal.append('account-recovered', seq, chunk.slice(0, events - seq));
    await store.close();
  };
  return {
    id: 'account-recovered',
    events,
    snapshotAt,
    prepare: () => (prepared ??= build()),
    open,
    async dispose(): Promise<void> {
      if (kind === 'sqlite') removeDb(path);
      else if (prepared !== undefined) {
        await link.deleteStreams(names.stream, `KV_${names.snapshotBucket}`);
        await link.close();
      }
    },
  };
}

/** See {@link recoveryData}. */
export type RecoveryData = ReturnType<typeof recoveryData>;

function checkBalance(got: number, want: number): void {
  if (got !== want) throw new Error(`recovered a balance of ${got}, not ${want}: events were lost`);
}

/** Troupe: spawn the account and ask its balance, timed from the spawn to the reply. */
export function troupeRecovery(data: RecoveryData, snapshot: boolean): Contender {
  const holder: { store?: PersistenceStore } = {};
  const Account = account(holder);
  // The store runs on the data's own connection: this case opens none.
  const inner = withSystem(async (system) => {
    const store = await data.open();
    const { id, snapshotAt } = data;
    if (snapshot) await store.snapshots.put(id, { seq: snapshotAt, state: snapshotAt, version: 1 });
    else await store.snapshots.delete(id);
    holder.store = store;
    let ref: ActorRef<Command, number> | undefined;
    return {
      async run() {
        ref = system.spawn(Account, id);
        checkBalance(await ref.ask(GET, ASK), data.events);
      },
      teardown: async () => {
        if (ref !== undefined) await system.stop(ref);
        await store.close();
      },
    };
  }, 'bench-persistence');
  return { ...inner, open: () => data.prepare().then(() => inner.open?.()) };
}

/**
 * Raw SQLite: a new connection reads the snapshot (if `snapshot`) and the events after it with
 * prepared SELECTs, parses each event and folds it. Its own file, built once.
 */
export function rawSqliteRecovery(events: number, snapshotAt: number, snapshot: boolean): Contender {
  const path = tempDb('raw-recovery');
  return {
    open() {
      const db = openRawDb(path);
      db.exec(`${RAW_TABLE}; CREATE TABLE snapshots (id TEXT PRIMARY KEY, seq INTEGER, state TEXT)`);
      const insert = db.prepare('INSERT INTO events (id, seq, version, event) VALUES (?, ?, ?, ?)');
      db.transaction(() => {
        for (let seq = 1; seq <= events; seq++) insert.run('a', seq, 1, JSON.stringify(EVENT));
      })();
      db.prepare('INSERT INTO snapshots VALUES (?, ?, ?)').run('a', snapshotAt, JSON.stringify(snapshotAt));
      db.close();
    },
    setup() {
      let db: Database.Database | undefined;
      return {
        run() {
          db = openRawDb(path);
          const snap = snapshot
            ? (db.prepare('SELECT seq, state FROM snapshots WHERE id = ?').get('a') as Snap<string>)
            : { seq: 0, state: '0' };
          let balance = JSON.parse(snap.state) as number;
          const rows = db.prepare<[string, number], { event: string }>(
            'SELECT event FROM events WHERE id = ? AND seq > ? ORDER BY seq',
          );
          for (const r of rows.iterate('a', snap.seq))
            balance += (JSON.parse(r.event) as typeof EVENT).amount;
          checkBalance(balance, events);
        },
        teardown: () => void db?.close(),
      };
    },
    close: () => removeDb(path),
  };
}

type Snap<S> = { readonly seq: number; readonly state: S };

/**
 * Raw JetStream: the snapshot (if `snapshot`) is the last message on a subject of its own, the
 * events are read by an ordered consumer from the snapshot's sequence on (in this stream an
 * event's sequence is its stream sequence) up to the last one. Its own stream, built once.
 */
export function rawJetStreamRecovery(
  place: NatsPlace,
  events: number,
  snapshotAt: number,
  snapshot: boolean,
): Contender {
  const link = new JetStreamLink(place);
  const prefix = `bench.rawrec.${unique()}`;
  const stream = `BENCH_RAW_RECOVERY_${unique()}`;
  return {
    async open() {
      await link.open();
      await link.addStream(stream, prefix);
      const payload = JSON.stringify({ v: 1, e: EVENT });
      await pipeline(events, WINDOW, () => link.js.publish(`${prefix}.events`, payload));
      await link.js.publish(`${prefix}.snapshot`, JSON.stringify({ seq: snapshotAt, state: snapshotAt }));
    },
    setup: () => ({
      async run() {
        const last = snapshot
          ? await link.jsm.streams.getMessage(stream, { last_by_subj: `${prefix}.snapshot` })
          : null;
        const snap = last?.json<Snap<number>>() ?? { seq: 0, state: 0 };
        let balance = snap.state;
        const consumer = await link.js.consumers.get(stream, {
          filter_subjects: `${prefix}.events`,
          ...(snap.seq > 0
            ? { opt_start_seq: snap.seq + 1, deliver_policy: DeliverPolicy.StartSequence }
            : {}),
        });
        const messages = await consumer.consume({ max_messages: 500 });
        for await (const m of messages) {
          balance += m.json<{ e: typeof EVENT }>().e.amount;
          if (m.seq >= events) break;
        }
        messages.stop();
        await consumer.delete().catch(() => {});
        checkBalance(balance, events);
      },
    }),
    close: () => link.deleteStreams(stream).then(link.close),
  };
}
