/**
 * The order workflow as a plain xstate v5 machine. Only two things in it know about Troupe:
 * `reply()` answers the Troupe `ask` that delivered STATUS, and `asXStateRef()` lets `sendTo`
 * reach a Troupe actor — the customer's notifier, whose ref travels inside the event.
 *
 *   cart ─CHECKOUT→ awaitingPayment ─PAY→ paid ─SHIP→ shipped ─DELIVER→ delivered
 *     └──────────────────┴─────CANCEL────┴──→ cancelled
 */
import type { ActorRef } from '@troupe/core';
import { asXStateRef, reply } from '@troupe/core/xstate';
import { assign, sendTo, setup } from 'xstate';

/** A line of the order; prices in cents, so totals are exact. */
export interface Item {
  readonly sku: string;
  readonly qty: number;
  readonly price: number;
}

/** What the machine tells the customer. */
export interface Notification {
  readonly orderId: string;
  readonly kind: 'placed' | 'payment-refused' | 'paid' | 'shipped' | 'delivered' | 'cancelled';
  readonly text: string;
}

/**
 * Events that change the order carry `notify`: who to tell about the outcome. The ref travels in
 * the event and is never stored in the context, because the context is persisted as JSON after
 * every event, and a live ref cannot be (see docs/guide/xstate.md). STATUS must be *asked*:
 * its reply() fails the actor when the event was told.
 */
export type OrderEvent =
  | { type: 'ADD_ITEM'; item: Item }
  | { type: 'CHECKOUT'; notify: ActorRef<Notification> }
  | { type: 'PAY'; amount: number; notify: ActorRef<Notification> }
  | { type: 'SHIP'; tracking: string; notify: ActorRef<Notification> }
  | { type: 'DELIVER'; notify: ActorRef<Notification> }
  | { type: 'CANCEL'; reason: string; notify: ActorRef<Notification> }
  | { type: 'STATUS' };

export interface OrderInput {
  readonly orderId: string;
}

export interface OrderContext {
  orderId: string;
  items: Item[];
  total: number;
  paid: number;
  tracking?: string;
  cancelReason?: string;
}

/** The answer to STATUS. */
export interface OrderStatus extends OrderContext {
  state: string;
}

export const money = (cents: number) => (cents / 100).toFixed(2);

/** The events that carry a notifier. */
type Notifying = Extract<OrderEvent, { notify: unknown }>;

export const orderMachine = setup({
  types: {
    context: {} as OrderContext,
    events: {} as OrderEvent,
    input: {} as OrderInput,
  },
  actions: {
    // Tell the notifier carried in the event being processed; transitions give kind and text as params.
    notify: sendTo(
      ({ event }) => asXStateRef((event as Notifying).notify),
      ({ context }, params: Omit<Notification, 'orderId'>) =>
        ({ orderId: context.orderId, ...params }) satisfies Notification,
    ),
    cancel: assign({ cancelReason: ({ event }) => (event as { reason: string }).reason }),
  },
  guards: {
    validItem: ({ event }) =>
      event.type === 'ADD_ITEM' &&
      Number.isInteger(event.item.qty) &&
      event.item.qty > 0 &&
      event.item.price >= 0,
    hasItems: ({ context }) => context.items.length > 0,
    coversTotal: ({ context, event }) => event.type === 'PAY' && event.amount >= context.total,
  },
}).createMachine({
  id: 'order',
  context: ({ input }) => ({ orderId: input.orderId, items: [], total: 0, paid: 0 }),
  initial: 'cart',
  on: {
    // Answered in every state but the final ones (a machine that is done takes no more events).
    STATUS: {
      actions: reply(
        ({ context, self }) =>
          ({ ...context, state: String(self.getSnapshot().value) }) satisfies OrderStatus,
      ),
    },
  },
  states: {
    cart: {
      on: {
        ADD_ITEM: {
          guard: 'validItem',
          actions: assign(({ context, event }) => ({
            items: [...context.items, event.item],
            total: context.total + event.item.qty * event.item.price,
          })),
        },
        CHECKOUT: {
          guard: 'hasItems', // an empty cart cannot be checked out: the event is ignored
          target: 'awaitingPayment',
          actions: {
            type: 'notify',
            params: ({ context: c }) => ({
              kind: 'placed',
              text: `order ${c.orderId} placed: ${c.items.length} lines, ${money(c.total)} due`,
            }),
          },
        },
        CANCEL: { target: 'cancelled', actions: 'cancel' },
      },
    },
    awaitingPayment: {
      on: {
        // Guarded transitions are tried in order: too little money leaves the order where it is.
        PAY: [
          {
            guard: 'coversTotal',
            target: 'paid',
            actions: [
              assign({ paid: ({ event }) => event.amount }),
              {
                type: 'notify',
                params: ({ context: c }) => ({
                  kind: 'paid',
                  text: `payment of ${money(c.paid)} received for order ${c.orderId}`,
                }),
              },
            ],
          },
          {
            actions: {
              type: 'notify',
              params: ({ context: c, event }) => ({
                kind: 'payment-refused',
                text: `payment of ${money(event.amount)} refused: order ${c.orderId} costs ${money(c.total)}`,
              }),
            },
          },
        ],
        CANCEL: { target: 'cancelled', actions: 'cancel' },
      },
    },
    paid: {
      on: {
        SHIP: {
          target: 'shipped',
          actions: [
            assign({ tracking: ({ event }) => event.tracking }),
            {
              type: 'notify',
              params: ({ context: c }) => ({
                kind: 'shipped',
                text: `order ${c.orderId} shipped, tracking ${c.tracking}`,
              }),
            },
          ],
        },
        CANCEL: { target: 'cancelled', actions: 'cancel' },
      },
    },
    shipped: {
      on: {
        DELIVER: {
          target: 'delivered',
          actions: {
            type: 'notify',
            params: ({ context: c }) => ({ kind: 'delivered', text: `order ${c.orderId} delivered` }),
          },
        },
      },
    },
    delivered: { type: 'final' },
    cancelled: {
      type: 'final',
      // Entry actions see the final context: the refund (if any) is part of the notification.
      entry: {
        type: 'notify',
        params: ({ context: c }) => ({
          kind: 'cancelled',
          text: `order ${c.orderId} cancelled (${c.cancelReason})${c.paid > 0 ? `, ${money(c.paid)} refunded` : ''}`,
        }),
      },
    },
  },
});
