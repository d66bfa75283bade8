/**
 * The bank example's catalog module, loaded by the coordinator (main.ts) and by every `troupe node`
 * (--catalog …/accounts.js): a bank account as an event-sourced actor whose journal is in NATS
 * JetStream, so whichever node restarts an account recovers its balance from the events.
 *
 * Owns: the account's commands, events and replies, and where its journal is kept.
 */
import { eventSourced, type PersistenceStore } from '@troupe/persistence';
import { natsJetStreamStore } from '@troupe/transport-nats';

/** The actor system's name, shared by the coordinator and the nodes. */
export const SYSTEM = 'bank';
/** The NATS URL the journals are opened at: main.ts sets it, the node processes inherit it. */
export const BANK_NATS_ENV = 'TROUPE_BANK_NATS';

/** What an account is asked. `transfer` ids make `debit` and `credit` idempotent. */
export type AccountCommand =
  | { readonly type: 'open'; readonly balance: number }
  | { readonly type: 'debit'; readonly transfer: string; readonly amount: number }
  | { readonly type: 'credit'; readonly transfer: string; readonly amount: number }
  | { readonly type: 'balance' };

/** What an account's journal holds. */
export type AccountEvent =
  | { readonly type: 'opened'; readonly balance: number }
  | { readonly type: 'debited'; readonly transfer: string; readonly amount: number }
  | { readonly type: 'credited'; readonly transfer: string; readonly amount: number };

/** Every command's answer. */
export interface AccountReply {
  /** False only for a debit refused for want of funds (nothing was written). */
  readonly ok: boolean;
  /** The balance after the command. */
  readonly balance: number;
  /** The transfer was applied before (a retry whose first try was persisted but not answered). */
  readonly duplicate: boolean;
  /** The node that runs the account now. */
  readonly node: string;
}

interface AccountState {
  readonly opened: boolean;
  readonly balance: number;
  /** The transfer ids this account has applied, so that a retried debit or credit is applied once. */
  readonly applied: Applied;
}

/**
 * A set of transfer ids kept as sets of up to 1,024: adding one copies only the last of them, so
 * `apply` stays pure (it returns a new state) without copying every id of a long history.
 */
type Applied = readonly ReadonlySet<string>[];
const remember = (applied: Applied, id: string): Applied => {
  const last = applied.at(-1);
  return last !== undefined && last.size < 1024
    ? [...applied.slice(0, -1), new Set(last).add(id)]
    : [...applied, new Set([id])];
};
const seen = (applied: Applied, id: string) => applied.some((ids) => ids.has(id));

/** The persistence id of an account's journal; main.ts reads the journals by it for its check. */
export const journalId = (account: string): string => `bank/${account}`;

/**
 * Open the bank's journal store on the JetStream server at `servers`. The coordinator opens one
 * for its final check; in the nodes the accounts open theirs on first use (below).
 *
 * @example
 * ```ts
 * const store = await openBankStore('nats://127.0.0.1:4222');
 * for await (const e of store.journal.read(journalId('acct-01'), 1)) console.log(e.event);
 * await store.close();
 * ```
 */
export function openBankStore(servers: string): Promise<PersistenceStore> {
  return natsJetStreamStore({
    // Keep reconnecting: a store that gives up would fail every account of this process for good.
    connection: { servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 },
    stream: 'BANK',
    subjectPrefix: 'bank.journal',
    snapshotBucket: 'bank-snapshots',
  });
}

/**
 * A store that opens the real one on first use, once per process: the coordinator loads this
 * module too (to spawn accounts by behaviour) but never runs one, so it never connects here.
 */
function openedOnFirstUse(open: () => Promise<PersistenceStore>): PersistenceStore {
  let store: Promise<PersistenceStore> | undefined;
  const get = () => (store ??= open());
  return {
    journal: {
      append: async (id, seq, events) => (await get()).journal.append(id, seq, events),
      read: (id, fromSeq) => ({
        async *[Symbol.asyncIterator]() {
          yield* (await get()).journal.read(id, fromSeq);
        },
      }),
      lastSeq: async (id) => (await get()).journal.lastSeq(id),
      deleteUpTo: async (id, seq) => (await get()).journal.deleteUpTo(id, seq),
    },
    snapshots: {
      get: async (key) => (await get()).snapshots.get(key),
      put: async (key, value) => (await get()).snapshots.put(key, value),
      delete: async (key) => (await get()).snapshots.delete(key),
    },
    close: async () => (store === undefined ? undefined : (await store).close()),
  };
}

const store = openedOnFirstUse(() => {
  const servers = process.env[BANK_NATS_ENV];
  if (servers === undefined) throw new Error(`${BANK_NATS_ENV} is not set (main.ts sets it for its nodes)`);
  return openBankStore(servers);
});

/** The fold of an account's events. Pure: recovery on another node replays the same events. */
function apply(s: AccountState, e: AccountEvent): AccountState {
  switch (e.type) {
    case 'opened':
      return { ...s, opened: true, balance: e.balance };
    case 'debited':
      return { ...s, balance: s.balance - e.amount, applied: remember(s.applied, e.transfer) };
    case 'credited':
      return { ...s, balance: s.balance + e.amount, applied: remember(s.applied, e.transfer) };
  }
}

/**
 * A bank account. Opening persists its initial balance (once); a debit or credit persists one
 * event, unless its transfer id was applied already, so the driver can retry a step whose reply
 * was lost without moving money twice. Every reply leaves only once its event is in JetStream.
 *
 * @example
 * ```ts
 * const acct = system.spawn(Account, undefined, { name: 'acct-01', placement: 'any-node' });
 * await acct.ask({ type: 'open', balance: 1000 });
 * await acct.ask({ type: 'debit', transfer: 't1', amount: 50 }); // { ok: true, balance: 950, … }
 * ```
 */
export const Account = eventSourced<AccountCommand, AccountState, AccountEvent, void, AccountReply>({
  name: 'bank.account',
  store,
  // The same id wherever the account runs: its name, not its node.
  persistenceId: (ctx) => journalId(ctx.self.name),
  initial: { opened: false, balance: 0, applied: [] },
  apply,
  command(ctx, s, msg) {
    const node = ctx.self.address.split('/')[3]!; // troupe://<system>/<node>/user/<name>
    const answer = (ok: boolean, balance: number, duplicate = false) =>
      ctx.reply({ ok, balance, duplicate, node });
    switch (msg.type) {
      case 'balance':
        return answer(true, s.balance);
      case 'open':
        if (s.opened) return answer(true, s.balance, true);
        ctx.persist({ type: 'opened', balance: msg.balance });
        return answer(true, msg.balance);
      case 'debit':
        if (seen(s.applied, msg.transfer)) return answer(true, s.balance, true);
        if (s.balance < msg.amount) return answer(false, s.balance); // refused: nothing persisted
        ctx.persist({ type: 'debited', transfer: msg.transfer, amount: msg.amount });
        return answer(true, s.balance - msg.amount);
      case 'credit':
        if (seen(s.applied, msg.transfer)) return answer(true, s.balance, true);
        ctx.persist({ type: 'credited', transfer: msg.transfer, amount: msg.amount });
        return answer(true, s.balance + msg.amount);
    }
  },
});
