/**
 * A persistence store on NATS JetStream, for a cluster: journals in a stream (see
 * `JetStreamJournal.ts`), snapshots in a KV bucket. Owns: the options, the connection, creating
 * the stream and the bucket. May not touch: the journal's layout in the stream.
 */
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/nats-core';
import { InvalidOptionsError, type SnapshotStore } from '@troupe/core';
import type { PersistenceStore } from '@troupe/persistence';
import { type StoreConnection, storeConnection } from './connection.js';
import { JetStreamJournal } from './JetStreamJournal.js';
import type { NatsTransportOptions } from './NatsTransport.js';
import { natsKvSnapshotStore } from './snapshotStore.js';

/**
 * Options of {@link natsJetStreamStore}.
 *
 * Limits: the stream discards *new* messages when `maxBytes` is reached, so an append then fails
 * with `StoreUnavailableError` instead of old events vanishing; delete events covered by snapshots
 * (`deleteUpTo`) to make room. `maxAgeMs` removes messages older than it whatever they hold, the
 * last one of an id too (its `lastSeq` then starts again at 0): set it only when events may expire.
 *
 * @example
 * ```ts
 * const options: NatsJetStreamStoreOptions = { connection: { servers: 'nats://10.0.0.1:4222' }, replicas: 3 };
 * ```
 */
export interface NatsJetStreamStoreOptions {
  /** Connection options (as for `nats()`), or an existing connection (left open by `close()`). */
  readonly connection: NatsTransportOptions | NatsConnection;
  /** The stream of the journals (created if missing). Default `TROUPE_JOURNAL`. */
  readonly stream?: string;
  /** The stream's subjects are `<subjectPrefix>.>`, one `<subjectPrefix>.<base64url(id)>` per id. Default `troupe.journal`. */
  readonly subjectPrefix?: string;
  /** The KV bucket of the snapshots (created if missing). Default `troupe-journal-snapshots`. */
  readonly snapshotBucket?: string;
  /** How many servers keep a copy of the stream and the bucket when they are created (1 to 5; use an odd number, 3 or 5 in a cluster). Default 1. */
  readonly replicas?: number;
  /** The most bytes the stream holds; appends beyond it are refused. Default: no limit. */
  readonly maxBytes?: number;
  /** How long the stream keeps a message, in ms. Default: for ever. */
  readonly maxAgeMs?: number;
  /** How long to wait for the server's answer to a request, in ms. Default 5000. */
  readonly timeoutMs?: number;
}

function checkOptions(o: NatsJetStreamStoreOptions): void {
  const bad = (what: string) => {
    throw new InvalidOptionsError(`natsJetStreamStore(): ${what}`);
  };
  if (o.stream !== undefined && !/^[^.*>\s]+$/.test(o.stream))
    bad(`stream '${o.stream}' must be a name without '.', '*', '>' or spaces`);
  if (o.subjectPrefix !== undefined && !/^[^.*>\s]+(\.[^.*>\s]+)*$/.test(o.subjectPrefix))
    bad(`subjectPrefix '${o.subjectPrefix}' must be a subject without wildcards, like 'troupe.journal'`);
  if (o.replicas !== undefined && ![1, 2, 3, 4, 5].includes(o.replicas))
    bad(`replicas must be 1 to 5 (3 or 5 in a cluster), got ${o.replicas}`);
  for (const [name, v] of [
    ['maxBytes', o.maxBytes],
    ['maxAgeMs', o.maxAgeMs],
    ['timeoutMs', o.timeoutMs],
  ] as const)
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0))
      bad(`${name} must be a positive integer, got ${v}`);
}

/** Create the stream if it is missing; check the subjects of one that exists (its limits are left as they are). */
async function openStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string; subjects: string[] },
): Promise<void> {
  const wanted = config.subjects[0]!;
  let subjects: string[] | undefined;
  try {
    subjects = (await jsm.streams.info(config.name)).config.subjects;
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound)) throw e;
    try {
      await jsm.streams.add(config);
      return;
    } catch (added) {
      subjects = (await jsm.streams.info(config.name).catch(() => Promise.reject(added))).config.subjects; // created meanwhile?
    }
  }
  if (!subjects?.includes(wanted))
    throw new InvalidOptionsError(
      `natsJetStreamStore(): the stream '${config.name}' exists with subjects [${subjects?.join(', ')}], not '${wanted}': use another stream, or the subjectPrefix it was created with`,
    );
}

/**
 * Open (or create) a persistence store on NATS JetStream: journals in a stream (one subject per
 * persistence id, one writer per id enforced by the server), snapshots in a KV bucket. The server
 * must run with JetStream (`nats-server -js`, 2.9 or later); in a cluster give `replicas: 3`.
 *
 * @example
 * ```ts
 * import { natsJetStreamStore } from '@troupe/transport-nats';
 * const store = await natsJetStreamStore({ connection: { servers: 'nats://10.0.0.1:4222' }, replicas: 3 });
 * await store.journal.append('account-1', 0, [{ event: { type: 'opened' }, version: 1 }]);
 * await store.close();
 * ```
 */
export async function natsJetStreamStore(options: NatsJetStreamStoreOptions): Promise<PersistenceStore> {
  checkOptions(options);
  const { JournalConflictError, StoreUnavailableError, toJournalJson } = await import(
    '@troupe/persistence'
  ).catch((e) => {
    throw new Error(
      'natsJetStreamStore() needs @troupe/persistence: install it next to @troupe/transport-nats',
      { cause: e },
    );
  });
  const {
    stream = 'TROUPE_JOURNAL',
    subjectPrefix = 'troupe.journal',
    replicas = 1,
    timeoutMs = 5000,
  } = options;
  const bucket = options.snapshotBucket ?? 'troupe-journal-snapshots';
  let conn: StoreConnection;
  try {
    conn = await storeConnection(options.connection);
  } catch (e) {
    throw new StoreUnavailableError(
      `could not connect to NATS: ${(e as Error).message}; is the server running?`,
      { cause: e },
    );
  }
  const nc = conn.nc;
  try {
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
    await openStream(jsm, {
      name: stream,
      subjects: [`${subjectPrefix}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.New,
      num_replicas: replicas,
      max_bytes: options.maxBytes ?? -1,
      max_age: options.maxAgeMs === undefined ? 0 : nanos(options.maxAgeMs),
      duplicate_window: nanos(Math.min(120_000, options.maxAgeMs ?? 120_000)),
    });
    const kv = await natsKvSnapshotStore({ connection: nc, bucket, replicas });
    const js = jetstream(nc, { timeout: timeoutMs });
    const journal = new JetStreamJournal(nc, jsm, js, stream, subjectPrefix, timeoutMs, {
      JournalConflictError,
      StoreUnavailableError,
      toJournalJson,
    });
    const guard =
      <A extends [string, ...unknown[]], R>(what: string, f: (...a: A) => Promise<R>) =>
      (...a: A) =>
        f(...a).catch((e) =>
          Promise.reject(journal.failure(e, `could not ${what} the snapshot of '${a[0]}'`, false)),
        );
    const putSnapshot = guard('store', (key: string, value: unknown) => kv.put(key, value));
    const snapshots: SnapshotStore = {
      get: guard('read', (key: string) => kv.get(key)),
      put: (key: string, value: unknown) => {
        try {
          toJournalJson(`the snapshot of '${key}'`, value); // refused as it is, not stored changed
        } catch (e) {
          return Promise.reject(e);
        }
        return putSnapshot(key, value);
      },
      delete: guard('delete', (key: string) => kv.delete(key)),
    };
    return {
      journal,
      snapshots,
      async close() {
        await conn.close();
      },
    };
  } catch (e) {
    await conn.close();
    if (e instanceof InvalidOptionsError) throw e;
    throw new StoreUnavailableError(
      `could not open the JetStream store (stream '${stream}', bucket '${bucket}'): ${(e as Error).message}; is JetStream enabled on the server (nats-server -js)?`,
      { cause: e },
    );
  }
}
