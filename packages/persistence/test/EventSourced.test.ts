/**
 * Event-sourced actors on a store: recovery after a restart, replies only once durable, messages
 * that wait during recovery, snapshots and retention, upcasting, one writer per id, and a store
 * that fails.
 */
import { type ActorSystem, createActorSystem, defineActor } from '@troupe/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  eventSourced,
  InMemoryStore,
  isPersistFailedError,
  type Journal,
  type PersistenceStore,
  RecoveryError,
  StoreUnavailableError,
} from '../src/index.js';
import { recover } from '../src/recovery.js';
import { type Account, account } from './bank.js';

const waitUntil = async (ok: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});
const start = async () => {
  system = await createActorSystem({ name: `es-${Math.random().toString(36).slice(2)}` });
  return system;
};

async function events(store: PersistenceStore, id: string) {
  const out: unknown[] = [];
  for await (const e of store.journal.read(id, 1)) out.push(e.event);
  return out;
}

/** A store whose appends and reads wait for `open()`, to see what happens meanwhile. */
function gated(inner: PersistenceStore) {
  let opened!: () => void;
  let gate = new Promise<void>((r) => (opened = r));
  let appends = 0;
  const journal: Journal = {
    async append(id, seq, evs) {
      appends++;
      await gate;
      return inner.journal.append(id, seq, evs);
    },
    async *read(id, from) {
      await gate;
      yield* inner.journal.read(id, from);
    },
    lastSeq: (id) => inner.journal.lastSeq(id),
    deleteUpTo: (id, seq) => inner.journal.deleteUpTo(id, seq),
  };
  return {
    store: { journal, snapshots: inner.snapshots, close: async () => {} } as PersistenceStore,
    open: () => opened(),
    close: () => {
      gate = new Promise<void>((r) => (opened = r));
    },
    get appends() {
      return appends;
    },
  };
}

describe('event-sourced actors', () => {
  it('recover their state from the journal after a supervisor restart', async () => {
    const s = await start();
    const store = new InMemoryStore();
    const acct = s.spawn(account(store), undefined, { name: 'acct' });
    expect(await acct.ask({ type: 'deposit', amount: 10 })).toBe(10);
    expect(await acct.ask({ type: 'deposit', amount: 5 })).toBe(15);
    expect(await acct.ask({ type: 'withdraw', amount: 3 })).toBe(12);
    await expect(acct.ask({ type: 'crash' })).rejects.toThrow(/crash on purpose/);
    expect(await acct.ask({ type: 'balance' })).toBe(12);
    expect(await events(store, 'user/acct')).toEqual([
      { type: 'deposited', amount: 10 },
      { type: 'deposited', amount: 5 },
      { type: 'withdrawn', amount: 3 },
    ]);
  });

  it('recover in a new actor system (a process restart) from the same store', async () => {
    const store = new InMemoryStore();
    const s1 = await start();
    const a1 = s1.spawn(account(store, { persistenceId: 'acct-7' }));
    for (let i = 1; i <= 20; i++) await a1.ask({ type: 'deposit', amount: i });
    await s1.shutdown();
    const s2 = await start();
    const a2 = s2.spawn(account(store, { persistenceId: 'acct-7' }));
    expect(await a2.ask({ type: 'balance' })).toBe(210);
  });

  it('reply only after the events are durable, and a command that throws persists nothing', async () => {
    const s = await start();
    const g = gated(new InMemoryStore());
    g.open();
    const acct = s.spawn(account(g.store), undefined, { name: 'held' });
    await acct.ask({ type: 'deposit', amount: 1 });
    g.close();
    let answered = false;
    const reply = acct.ask({ type: 'deposit', amount: 2 }).then((v) => {
      answered = true;
      return v;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(g.appends).toBe(2);
    expect(answered).toBe(false);
    expect(await g.store.journal.lastSeq('user/held')).toBe(1);
    g.open();
    expect(await reply).toBe(3);
    await expect(acct.ask({ type: 'withdraw', amount: 100 })).rejects.toThrow(/insufficient funds/);
    expect(await g.store.journal.lastSeq('user/held')).toBe(2);
    expect(await acct.ask({ type: 'balance' })).toBe(3);
  });

  it('keep messages that arrive during recovery in the mailbox, in order', async () => {
    const s = await start();
    const inner = new InMemoryStore();
    await inner.journal.append('user/slow', 0, [{ event: { type: 'deposited', amount: 100 }, version: 1 }]);
    const g = gated(inner);
    const acct = s.spawn(account(g.store), undefined, { name: 'slow' });
    const replies = [
      acct.ask({ type: 'withdraw', amount: 60 }),
      acct.ask({ type: 'deposit', amount: 1 }),
      acct.ask({ type: 'balance' }),
    ];
    await new Promise((r) => setTimeout(r, 30));
    g.open();
    expect(await Promise.all(replies)).toEqual([40, 41, 41]);
  });

  it('save snapshots every N events, delete what they cover if asked, and recover from them', async () => {
    const store = new InMemoryStore();
    const s1 = await start();
    const a = s1.spawn(
      account(store, { snapshotEvery: 4, deleteEventsOnSnapshot: true, persistenceId: 'snap' }),
    );
    for (let i = 1; i <= 10; i++) await a.ask({ type: 'deposit', amount: i });
    expect(await store.snapshots.get('snap')).toEqual({ seq: 8, version: 1, state: { balance: 36, ops: 8 } });
    const left = [];
    for await (const e of store.journal.read('snap', 1)) left.push(e.seq);
    expect(left).toEqual([8, 9, 10]);
    await s1.shutdown();
    const r = await recover<Account, never>(
      store,
      'snap',
      { balance: 0, ops: 0 },
      (s, e: any) => ({ balance: s.balance + e.amount, ops: s.ops + 1 }),
      1,
      {},
      1,
    );
    expect(r).toEqual({ state: { balance: 55, ops: 10 }, seq: 10, replayed: 2 });
    const s2 = await start();
    expect(
      await s2.spawn(account(store, { snapshotEvery: 4, persistenceId: 'snap' })).ask({ type: 'balance' }),
    ).toBe(55);
  });

  it('save a snapshot on demand (ctx.snapshot())', async () => {
    const store = new InMemoryStore();
    const s = await start();
    const Snappy = eventSourced<'add' | 'snap', number, number, void, number>({
      name: 'snappy',
      store,
      persistenceId: () => 'snappy',
      initial: 0,
      apply: (n, e) => n + e,
      command(ctx, n, msg) {
        if (msg === 'snap') ctx.snapshot();
        else ctx.persist(1);
        ctx.reply(n);
      },
    });
    const a = s.spawn(Snappy);
    for (let i = 0; i < 3; i++) await a.ask('add');
    expect(await store.snapshots.get('snappy')).toBeUndefined();
    await a.ask('snap');
    expect(await store.snapshots.get('snappy')).toEqual({ seq: 3, version: 1, state: 3 });
  });

  it('upcast old events during replay, and fail recovery on a version it cannot read, naming the id, the sequence number and the event', async () => {
    const store = new InMemoryStore();
    await store.journal.append('legacy', 0, [
      { event: { kind: 'in', cents: 1250 }, version: 1 },
      { event: { type: 'deposited', amount: 2 }, version: 2 },
    ]);
    const Legacy = (eventVersion: number) =>
      eventSourced<{ type: 'balance' }, number, { type: 'deposited'; amount: number }, void, number>({
        name: `legacy-${eventVersion}`,
        store,
        persistenceId: () => 'legacy',
        initial: 0,
        eventVersion,
        upcasters: { 1: (e: { cents: number }) => ({ type: 'deposited', amount: e.cents / 100 }) },
        apply: (n, e) => n + e.amount,
        command: (ctx, n) => ctx.reply(n),
      });
    const s = await start();
    const V2 = Legacy(2);
    expect(await s.spawn(V2).ask({ type: 'balance' })).toBe(14.5);
    await store.journal.append('legacy', 2, [
      { event: { type: 'deposited', amount: 1, currency: 'EUR' }, version: 3 },
    ]);
    const error = await recover(store, 'legacy', 0, (n: number, e: any) => n + e.amount, 2, {}, 1).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(RecoveryError);
    expect(error.message).toMatch(
      /persistence id 'legacy', sequence number 1: the event has version 1 and there is no upcaster/,
    );
    const newer = await recover(
      store,
      'legacy',
      0,
      (n: number, e: any) => n + e.amount,
      2,
      { 1: (e: any) => ({ amount: e.cents / 100 }) },
      1,
    ).catch((e) => e);
    expect(newer.message).toMatch(
      /sequence number 3: the event has version 3.*reads versions 1 to 2.*"currency":"EUR"/,
    );
    // As an actor, the failed recovery goes to its supervisor (which may stop it: restarting
    // cannot help), and the ask does not get a stale state.
    const failures: unknown[] = [];
    s.events.on('supervision', (e) => failures.push(e.error));
    const guard = s.spawn(
      defineActor<string, undefined>({
        name: 'legacy-guard',
        supervision: { decider: (e) => ((e as Error).name === 'RecoveryError' ? 'stop' : 'restart') },
        init(ctx) {
          ctx.spawn(V2, undefined, { name: 'broken' });
          return undefined;
        },
        receive: (_ctx, st) => st,
      }),
    );
    await waitUntil(() => failures.length > 0);
    expect((failures[0] as Error).name).toBe('RecoveryError');
    expect((failures[0] as Error).message).toMatch(/persistence id 'legacy', sequence number 3/);
    expect(guard).toBeDefined();
  });

  it("let exactly one of two activations for one id write; the other fails with a conflict and recovers the winner's events", async () => {
    const s = await start();
    const store = new InMemoryStore();
    const errors: unknown[] = [];
    s.events.on('supervision', (e) => errors.push(e.error));
    const Twin = account(store, { persistenceId: 'twin' });
    const one = s.spawn(Twin, undefined, { name: 'one' });
    const two = s.spawn(Twin, undefined, { name: 'two' });
    expect(await one.ask({ type: 'balance' })).toBe(0);
    expect(await two.ask({ type: 'balance' })).toBe(0);
    expect(await one.ask({ type: 'deposit', amount: 5 })).toBe(5);
    const lost = await two.ask({ type: 'deposit', amount: 7 }).catch((e) => e);
    expect(lost).toBeInstanceOf(Error);
    expect(lost.message).toMatch(/another writer appended after sequence number 0/);
    expect(errors.some(isPersistFailedError)).toBe(true);
    expect(await events(store, 'twin')).toEqual([{ type: 'deposited', amount: 5 }]);
    // Restarted by its supervisor, it recovered the winner's event first.
    expect(await two.ask({ type: 'deposit', amount: 7 })).toBe(12);
  });

  it('fence an earlier activation with fence: true: once the new one started, the old one can no longer write, even before the new one wrote', async () => {
    const s = await start();
    const store = new InMemoryStore();
    const Fenced = account(store, { persistenceId: 'fenced', fence: true });
    const old = s.spawn(Fenced, undefined, { name: 'old' });
    expect(await old.ask({ type: 'deposit', amount: 5 })).toBe(5);
    const fresh = s.spawn(Fenced, undefined, { name: 'fresh' }); // a new activation, elsewhere
    expect(await fresh.ask({ type: 'balance' })).toBe(5); // started: fenced the old one, wrote nothing else
    const stale = await old.ask({ type: 'deposit', amount: 100 }).catch((e) => e);
    expect(isPersistFailedError(stale.cause)).toBe(true);
    expect(stale.message).toMatch(/another writer appended/);
    expect(await fresh.ask({ type: 'deposit', amount: 1 })).toBe(6);
    // The journal: the deposit, a fence per start, the new deposit; recovery skips the fences.
    const kinds = [];
    for await (const e of store.journal.read('fenced', 1))
      kinds.push(e.version === 0 ? 'fence' : (e.event as { amount: number }).amount);
    expect(kinds).toEqual(['fence', 5, 'fence', 1]);
    await s.stop(old);
    await s.stop(fresh);
    const other = await createActorSystem({ name: 'es-third' });
    try {
      const third = other.spawn(account(store, { persistenceId: 'fenced' }), undefined, { name: 'third' });
      expect(await third.ask({ type: 'balance' })).toBe(6);
    } finally {
      await other.shutdown();
    }
  });

  it('fail the message when the store is down: nothing is acknowledged, and the restarted actor recovers when it is back', async () => {
    const s = await start();
    const inner = new InMemoryStore();
    let down = false;
    const store: PersistenceStore = {
      journal: {
        append: (id, seq, evs) =>
          down
            ? Promise.reject(new StoreUnavailableError('store down (test)'))
            : inner.journal.append(id, seq, evs),
        read: (id, from) => inner.journal.read(id, from),
        lastSeq: (id) => inner.journal.lastSeq(id),
        deleteUpTo: (id, seq) => inner.journal.deleteUpTo(id, seq),
      },
      snapshots: inner.snapshots,
      close: async () => {},
    };
    const acct = s.spawn(account(store), undefined, { name: 'outage' });
    expect(await acct.ask({ type: 'deposit', amount: 10 })).toBe(10);
    down = true;
    const failed = await acct.ask({ type: 'deposit', amount: 99 }).catch((e) => e);
    expect(failed.message).toMatch(/were not persisted: store down \(test\).*Nothing was acknowledged/);
    down = false;
    expect(await acct.ask({ type: 'balance' })).toBe(10);
    expect(await acct.ask({ type: 'deposit', amount: 1 })).toBe(11);
  });

  it('fail a tell whose handler replies before anything is persisted (a reply needs an ask)', async () => {
    const s = await start();
    const store = new InMemoryStore();
    const failures: unknown[] = [];
    s.events.on('supervision', (e) => failures.push(e.error));
    const acct = s.spawn(account(store), undefined, { name: 'told' });
    acct.tell({ type: 'deposit', amount: 5 });
    await waitUntil(() => failures.length > 0);
    expect((failures[0] as Error).name).toBe('ReplyOutsideAskError');
    expect(await store.journal.lastSeq('user/told')).toBe(0);
    expect(await acct.ask({ type: 'deposit', amount: 1 })).toBe(1);
  });

  it('refuse to recover an actor with a generated name (its id would go to another actor next run), saying how to fix it', async () => {
    const s = await start();
    const failures: unknown[] = [];
    s.events.on('supervision', (e) => failures.push(e.error));
    s.spawn(account(new InMemoryStore()));
    await waitUntil(() => failures.length > 0);
    expect((failures[0] as Error).message).toMatch(
      /generated name.*spawn it with a name.*\{ name: 'account-42' \}.*persistenceId/,
    );
  });

  it('refuse a definition that cannot work, saying what to fix', () => {
    expect(() =>
      eventSourced({ name: 'x', initial: 0, apply: undefined as never, command: () => undefined }),
    ).toThrow(/`apply` must be a function/);
    expect(() =>
      eventSourced({ name: 'x', initial: 0, apply: (n) => n, command: () => undefined, snapshotEvery: 0 }),
    ).toThrow(/snapshotEvery must be a whole number ≥ 1 \(got 0\)/);
  });
});
