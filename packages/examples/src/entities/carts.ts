/**
 * The entities example's catalog: a shopping cart as a durable entity (event-sourced, journal in
 * NATS JetStream, `fence: true`), loaded by every host node (host.ts) and by the load generator
 * (main.ts, which only sends). Each event records the node that wrote it, so main.ts can check at
 * the end that every run of writes since a fence came from the fence's own activation.
 *
 * Owns: the cart's commands, events and replies, and where its journal is kept.
 */
import { defineEntity } from '@troupe/entities';
import { eventSourced, type PersistenceStore } from '@troupe/persistence';
import { natsJetStreamStore } from '@troupe/transport-nats';

/** The actor system's name, shared by the hosts and the load generator. */
export const SYSTEM = 'shop';
/** The NATS URL: main.ts sets it, the host processes inherit it. */
export const SHOP_NATS_ENV = 'TROUPE_SHOP_NATS';
/** The journal stream and the lease bucket. */
export const STREAM = 'SHOP_CARTS';
export const LEASES = 'shop-leases';

/** What a cart is asked. `id` makes `add` idempotent (a retried add is applied once). */
export type CartCommand = { readonly type: 'add'; readonly id: string } | { readonly type: 'list' };
/** What a cart's journal holds: one event per item, with the node that wrote it. */
export interface CartEvent {
  readonly id: string;
  readonly node: string;
}
/** The answer to both commands. */
export interface CartReply {
  readonly items: number;
  readonly node: string;
  /** For `list`: the item ids, in order. */
  readonly ids?: readonly string[];
}

let store: PersistenceStore | undefined;
/** The journal, opened on first use at the NATS URL of {@link SHOP_NATS_ENV}. */
export async function cartStore(): Promise<PersistenceStore> {
  if (store !== undefined) return store;
  const servers = process.env[SHOP_NATS_ENV];
  if (servers === undefined)
    throw new Error(`${SHOP_NATS_ENV} is not set: start the example with pnpm example:entities`);
  store = await natsJetStreamStore({
    connection: { servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 },
    stream: STREAM,
    subjectPrefix: 'shop.carts',
    snapshotBucket: 'shop-cart-snapshots',
    timeoutMs: 2000,
  });
  return store;
}

/** The cart behaviour: its args are its key. */
export const CartBehaviour = eventSourced<CartCommand, readonly string[], CartEvent, string, CartReply>({
  name: 'shop.cart',
  store: () => cartStore(),
  persistenceId: (_ctx, key) => `cart/${key}`,
  fence: true,
  initial: [],
  apply: (ids, e) => [...ids, e.id],
  command(ctx, ids, m) {
    const node = ctx.system.nodeId;
    if (m.type === 'list') return ctx.reply({ items: ids.length, node, ids });
    if (!ids.includes(m.id)) ctx.persist({ id: m.id, node });
    ctx.reply({ items: ids.includes(m.id) ? ids.length : ids.length + 1, node });
  },
});

/** Carts, addressed by key; passivated after 30 s without a message. */
export const Cart = defineEntity({
  name: 'cart',
  behaviour: CartBehaviour,
  idleTimeoutMs: 30_000,
  shards: 64,
});
