/**
 * The lease store of entities on a cluster: a NATS JetStream KV bucket whose compare-and-set
 * writes (create only if absent, update only at the revision read) decide which node holds each
 * shard. The KV revision of a lease (the bucket's stream sequence) grows with every write and is
 * never reused, so it is the lease's fencing token. Replicate the bucket (`replicas: 3`) on a
 * NATS cluster so that leases survive the loss of a server.
 *
 * Owns: the mapping of `LeaseStore` onto KV. May not touch: when leases are taken (`@troupe/entities`).
 */
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { LeaseRecord, LeaseStore } from '@troupe/entities';
import { storeConnection } from './connection.js';
import type { NatsTransportOptions } from './NatsTransport.js';
import { toKey } from './snapshotStore.js';

/** Options of {@link natsLeaseStore}. */
export interface NatsLeaseStoreOptions {
  /** Connection options (as for `nats()`), or an existing connection. */
  readonly connection: NatsTransportOptions | NatsConnection;
  /** The KV bucket (created if missing). Default `troupe-leases`. */
  readonly bucket?: string;
  /** How many servers keep the bucket when it is created (1 to 5; 3 on a cluster). Default 1. */
  readonly replicas?: number;
}

/** A {@link LeaseStore} on a KV bucket, with a `close()` for the connection it opened. */
export interface NatsLeaseStore extends LeaseStore {
  /** Close the NATS connection the store opened (a connection passed in is left open); leases stay. */
  close(): Promise<void>;
}

/** A write refused because the record changed since it was read (JetStream error 10071). */
const isConflict = (e: unknown) => /wrong last sequence|key exists/i.test((e as Error)?.message ?? '');

/**
 * Open (or create) a KV bucket as the lease store of `startEntities`. Needs JetStream
 * (`nats-server -js`).
 *
 * @example
 * ```ts
 * const leases = await natsLeaseStore({ connection: { servers: 'nats://127.0.0.1:4222' }, replicas: 3 });
 * const entities = await startEntities(system, { types: [Cart], leases });
 * ```
 */
export async function natsLeaseStore(options: NatsLeaseStoreOptions): Promise<NatsLeaseStore> {
  const bucket = options.bucket ?? 'troupe-leases';
  const { nc, close: release } = await storeConnection(options.connection);
  let kv: KV;
  try {
    kv = await new Kvm(nc).create(bucket, {
      history: 1,
      ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
    });
  } catch (e) {
    await release();
    throw new Error(
      `could not open the lease bucket '${bucket}': ${(e as Error).message}; is JetStream enabled on the server (nats-server -js)?`,
      { cause: e },
    );
  }
  return {
    async get(name): Promise<LeaseRecord | undefined> {
      const entry = await kv.get(toKey(name));
      if (entry === null || entry.operation !== 'PUT') return undefined;
      return { holder: entry.string(), revision: entry.revision };
    },
    async create(name, holder) {
      try {
        return await kv.create(toKey(name), holder);
      } catch (e) {
        if (isConflict(e)) return undefined;
        throw e;
      }
    },
    async update(name, holder, revision) {
      try {
        return await kv.update(toKey(name), holder, revision);
      } catch (e) {
        if (isConflict(e)) return undefined;
        throw e;
      }
    },
    async remove(name, revision) {
      try {
        await kv.delete(toKey(name), { previousSeq: revision });
        return true;
      } catch (e) {
        if (isConflict(e)) return false;
        throw e;
      }
    },
    watch(onChange) {
      let stopped = false;
      let iterator: { stop(): void } | undefined;
      void kv
        .watch({ key: '>' })
        .then(async (it) => {
          iterator = it;
          if (stopped) it.stop();
          for await (const e of it) onChange(fromKey(e.key), e.revision);
        })
        .catch(() => undefined); // a watch that ends only makes takeovers wait longer
      return () => {
        stopped = true;
        iterator?.stop();
      };
    },
    async close() {
      await release();
    },
  };
}

/** The lease name of a KV key (the inverse of `toKey`). */
const fromKey = (key: string) => Buffer.from(key, 'base64url').toString('utf8');
