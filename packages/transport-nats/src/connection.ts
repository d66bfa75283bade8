/**
 * The connection of a store: opened here from options (and closed with the store), or one the
 * caller passed in (left open). Shared by the snapshot, journal and lease stores.
 *
 * Owns: that choice. May not touch: what the stores do with the connection.
 * @internal
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { NatsTransportOptions } from './NatsTransport.js';

/** A connection and whether the store owns it. */
export interface StoreConnection {
  readonly nc: NatsConnection;
  /** Close it if the store opened it. */
  close(): Promise<void>;
}

/** Open `connection` if it is options, or use it as it is. */
export async function storeConnection(
  connection: NatsTransportOptions | NatsConnection,
): Promise<StoreConnection> {
  const own = !('publish' in connection);
  const nc = own ? await connect(connection as NatsTransportOptions) : (connection as NatsConnection);
  return { nc, close: async () => (own ? nc.close() : undefined) };
}
