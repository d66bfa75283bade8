/**
 * A snapshot store in a NATS JetStream key-value bucket: a machine actor restarted on any node
 * of the system resumes from the snapshot its previous incarnation persisted.
 */

import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { SnapshotStore } from '@troupe/core';
import { storeConnection } from './connection.js';
import type { NatsTransportOptions } from './NatsTransport.js';

/** Options of {@link natsKvSnapshotStore}. */
export interface NatsKvSnapshotStoreOptions {
  /** The KV bucket (created if missing). Default `troupe-snapshots`. */
  readonly bucket?: string;
  /** Connection options (as for `nats()`), or an existing connection. */
  readonly connection: NatsTransportOptions | NatsConnection;
  /** How many servers keep a copy of the bucket when it is created (1 to 5; use an odd number, 3 or 5 in a cluster). Default 1. */
  readonly replicas?: number;
}

/** A {@link SnapshotStore} with a `close()` for the connection it opened. */
export interface NatsKvSnapshotStore extends SnapshotStore {
  /** Close the NATS connection the store opened (a connection passed in is left open). */
  close(): Promise<void>;
}

/**
 * A key as one valid KV key or subject token: KV keys allow [-/_=.a-zA-Z0-9] and actor paths may
 * hold '$' and '~'; base64url keeps keys exact and valid. Also names journal subjects.
 * @internal
 */
export const toKey = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

/**
 * Open (or create) a JetStream KV bucket as a snapshot store. The server must run with JetStream
 * (`nats-server -js`).
 *
 * @example
 * ```ts
 * const store = await natsKvSnapshotStore({ connection: { servers: 'nats://127.0.0.1:4222' } });
 * export const Order = fromXState(orderMachine, { name: 'order', persist: { store } });
 * ```
 */
export async function natsKvSnapshotStore(options: NatsKvSnapshotStoreOptions): Promise<NatsKvSnapshotStore> {
  const { nc, close: release } = await storeConnection(options.connection);
  let kv: KV;
  try {
    kv = await new Kvm(nc).create(
      options.bucket ?? 'troupe-snapshots',
      options.replicas === undefined ? {} : { replicas: options.replicas },
    );
  } catch (e) {
    await release();
    throw new Error(
      `could not open the KV bucket '${options.bucket ?? 'troupe-snapshots'}': ${(e as Error).message}; is JetStream enabled on the server (nats-server -js)?`,
      { cause: e },
    );
  }
  return {
    async get(key) {
      const entry = await kv.get(toKey(key));
      if (entry === null || entry.operation !== 'PUT' || entry.length === 0) return undefined;
      return entry.json();
    },
    async put(key, snapshot) {
      await kv.put(toKey(key), JSON.stringify(snapshot));
    },
    async delete(key) {
      await kv.delete(toKey(key));
    },
    async close() {
      await release();
    },
  };
}
