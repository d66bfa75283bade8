/** A bank account, event-sourced: the behaviour the tests of this package exercise. */
import type { ActorContext } from '@troupe/core';
import { eventSourced, type PersistenceStore } from '../src/index.js';

export type AccountCmd =
  | { type: 'deposit'; amount: number }
  | { type: 'withdraw'; amount: number }
  | { type: 'balance' }
  | { type: 'crash' };
export type AccountEvent = { type: 'deposited'; amount: number } | { type: 'withdrawn'; amount: number };
export interface Account {
  balance: number;
  ops: number;
}

export const account = (
  store: PersistenceStore | ((ctx: ActorContext) => PersistenceStore),
  extra: {
    snapshotEvery?: number;
    deleteEventsOnSnapshot?: boolean;
    persistenceId?: string;
    fence?: boolean;
  } = {},
) =>
  eventSourced<AccountCmd, Account, AccountEvent, void, number>({
    name: 'test.account',
    store,
    ...(extra.persistenceId === undefined ? {} : { persistenceId: () => extra.persistenceId! }),
    ...(extra.snapshotEvery === undefined ? {} : { snapshotEvery: extra.snapshotEvery }),
    ...(extra.fence === undefined ? {} : { fence: extra.fence }),
    ...(extra.deleteEventsOnSnapshot === undefined
      ? {}
      : { deleteEventsOnSnapshot: extra.deleteEventsOnSnapshot }),
    initial: { balance: 0, ops: 0 },
    apply: (s, e) => ({
      balance: s.balance + (e.type === 'deposited' ? e.amount : -e.amount),
      ops: s.ops + 1,
    }),
    command(ctx, s, msg) {
      switch (msg.type) {
        case 'deposit':
          ctx.persist({ type: 'deposited', amount: msg.amount });
          ctx.reply(s.balance + msg.amount);
          return;
        case 'withdraw':
          if (msg.amount > s.balance) throw new Error(`insufficient funds: ${s.balance} < ${msg.amount}`);
          ctx.reply(s.balance - msg.amount);
          return [{ type: 'withdrawn', amount: msg.amount }];
        case 'balance':
          ctx.reply(s.balance);
          return;
        case 'crash':
          throw new Error('crash on purpose');
      }
    },
  });
