/**
 * The persistence store on NATS JetStream against a real nats-server with JetStream: the shared
 * store contract, then what only a server shows (two connections racing for one id, a server that
 * dies and comes back with its data, the stream's configuration, its limits).
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { storeContract } from '@troupe/persistence/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isJournalConflictError, type PersistenceStore } from '../../persistence/src/index.js';
import { type NatsJetStreamStoreOptions, natsJetStreamStore } from '../src/index.js';
import { type NatsServer, startNatsServer } from '../src/testing.js';

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer({ args: ['-js'], storeDir: true });
});
afterAll(async () => {
  await server?.stop();
});

let n = 0;
/** Options for a store of its own: a fresh stream, bucket and subjects. */
const fresh = (more: Partial<NatsJetStreamStoreOptions> = {}): NatsJetStreamStoreOptions => {
  n++;
  return {
    connection: { servers: server.url },
    stream: `J${n}`,
    snapshotBucket: `snaps-${n}`,
    subjectPrefix: `j${n}.journal`,
    ...more,
  };
};
const ev = (event: unknown) => ({ event, version: 1 });
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const isUnavailable = (e: unknown) => e instanceof Error && e.name === 'StoreUnavailableError';

storeContract('NATS JetStream', () => natsJetStreamStore(fresh()));

describe('natsJetStreamStore', () => {
  const stores: PersistenceStore[] = [];
  const open = async (options: NatsJetStreamStoreOptions) => {
    const s = await natsJetStreamStore(options);
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
  });

  it('lets exactly one of two stores on two connections append after the same sequence number', async () => {
    const options = fresh();
    const [a, b] = [await open(options), await open(options)];
    const id = 'order/7';
    await a.journal.append(id, 0, [ev('start')]);
    expect(await b.journal.lastSeq(id)).toBe(1); // both know the last message now
    for (let round = 0; round < 10; round++) {
      const at = await a.journal.lastSeq(id);
      const results = await Promise.allSettled([
        a.journal.append(id, at, [ev(`a${round}-1`), ev(`a${round}-2`)]),
        b.journal.append(id, at, [ev(`b${round}-1`), ev(`b${round}-2`)]),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(isJournalConflictError(lost.reason)).toBe(true);
    }
    const events = (await all(b.journal.read(id, 2))).map((e) => e.event as string);
    expect(events).toHaveLength(20);
    for (let i = 0; i < 20; i += 2) expect(events[i]!.split('-')[0]).toBe(events[i + 1]!.split('-')[0]);
    // A writer whose view is stale learns it from the server, not from its own cache.
    await expect(a.journal.append(id, 1, [ev('late')])).rejects.toSatisfy(isJournalConflictError);
  });

  it('creates the stream with the replicas and limits given, and refuses one with other subjects', async () => {
    const options = fresh({ replicas: 1, maxBytes: 10_000_000, maxAgeMs: 3_600_000 });
    await open(options);
    const nc = await connect({ servers: server.url });
    try {
      const { config } = await (await jetstreamManager(nc)).streams.info(options.stream!);
      expect(config).toMatchObject({
        subjects: [`${options.subjectPrefix}.>`],
        storage: 'file',
        num_replicas: 1,
        discard: 'new',
        max_bytes: 10_000_000,
        max_age: 3_600_000 * 1_000_000,
      });
    } finally {
      await nc.close();
    }
    await expect(natsJetStreamStore({ ...options, subjectPrefix: 'other.prefix' })).rejects.toThrow(
      /stream 'J\d+' exists with subjects \[j\d+\.journal\.>\], not 'other\.prefix\.>'/,
    );
    await expect(natsJetStreamStore(fresh({ replicas: 7 }))).rejects.toThrow(/replicas must be 1 to 5/);
  });

  it('refuses an append to a full stream, saying so, and writes nothing', async () => {
    const s = await open(fresh({ maxBytes: 4096 }));
    await s.journal.append('big', 0, [ev('x'.repeat(2000))]);
    const full = s.journal.append('big', 1, [ev('y'.repeat(3000))]);
    await expect(full).rejects.toSatisfy(isUnavailable);
    await expect(full).rejects.toThrow(/refused.*nothing was written.*full/);
    expect(await s.journal.lastSeq('big')).toBe(1);
  });

  it('reads 100 000 events back in order, from the start or from the middle', async () => {
    const s = await open(fresh());
    const id = 'busy';
    for (let i = 0; i < 100; i++)
      await s.journal.append(
        id,
        i * 1000,
        Array.from({ length: 1000 }, (_, j) => ev(i * 1000 + j + 1)),
      );
    let count = 0;
    for await (const e of s.journal.read(id, 1)) {
      count++;
      if (e.event !== e.seq || e.seq !== count)
        throw new Error(`event ${e.seq} read as #${count}: ${e.event}`);
    }
    expect(count).toBe(100_000);
    expect((await all(s.journal.read(id, 54_321))).map((e) => e.seq)[0]).toBe(54_321);
  }, 60_000);

  it('reads from any sequence number of ids whose messages are interleaved in the stream (a seek, not a scan)', async () => {
    const s = await open(fresh());
    const sizes = [1, 3, 2, 1, 4];
    const last = { x: 0, y: 0 };
    for (let i = 0; i < 300; i++) {
      for (const id of ['x', 'y'] as const) {
        const n = sizes[(i + (id === 'y' ? 2 : 0)) % sizes.length]!;
        await s.journal.append(
          id,
          last[id],
          Array.from({ length: n }, (_, j) => ev(`${id}${last[id] + j + 1}`)),
        );
        last[id] += n;
      }
    }
    for (const id of ['x', 'y'] as const) {
      for (const from of [1, 2, 3, 7, 100, 333, last[id] - 1, last[id]]) {
        const got = (await all(s.journal.read(id, from))).map((e) => e.event);
        expect(got[0]).toBe(`${id}${from}`);
        expect(got).toHaveLength(last[id] - from + 1);
      }
    }
  }, 60_000);

  it('reads a journal of many small appends, stops at the last message present and leaves no consumer', async () => {
    const options = fresh();
    const s = await open(options);
    const id = 'chatty';
    for (let i = 0; i < 2000; i++) await s.journal.append(id, i, [ev(i + 1)]);
    const seen: number[] = [];
    for await (const e of s.journal.read(id, 1500)) {
      if (seen.length === 0) await s.journal.append(id, 2000, [ev(2001)]); // after reading began
      seen.push(e.seq);
    }
    expect(seen).toEqual(Array.from({ length: 501 }, (_, i) => 1500 + i));
    await s.journal.deleteUpTo(id, 1800);
    expect((await all(s.journal.read(id, 1))).map((e) => e.seq)).toEqual(
      Array.from({ length: 201 }, (_, i) => 1801 + i),
    );
    const nc = await connect({ servers: server.url });
    try {
      const info = await (await jetstreamManager(nc)).streams.info(options.stream!);
      expect(info.state.consumer_count).toBe(0);
      expect(info.state.messages).toBe(201); // whole messages deleted: no mark needed
    } finally {
      await nc.close();
    }
  }, 30_000);
  it('deletes inside a message for every reader, and never lowers the deletion mark', async () => {
    const options = fresh();
    const [a, b] = [await open(options), await open(options)];
    const id = 'retained';
    for (let i = 0; i < 5; i++)
      await a.journal.append(id, i * 3, [ev(i * 3 + 1), ev(i * 3 + 2), ev(i * 3 + 3)]);
    await a.journal.deleteUpTo(id, 7); // messages 1-3 and 4-6 go, 7-9 stays but 7 is deleted
    expect((await all(b.journal.read(id, 1))).map((e) => e.seq)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    await b.journal.deleteUpTo(id, 5); // below the mark: nothing comes back
    expect((await all(a.journal.read(id, 1)))[0]!.seq).toBe(8);
    await b.journal.deleteUpTo(id, 100);
    expect((await all(a.journal.read(id, 1))).map((e) => e.seq)).toEqual([15]);
    expect(await b.journal.lastSeq(id)).toBe(15);
  });
});

describe('natsJetStreamStore when the server dies', () => {
  let own: NatsServer;
  beforeAll(async () => {
    own = await startNatsServer({ args: ['-js'], storeDir: true });
  });
  afterAll(async () => {
    await own?.stop();
  });

  it('rejects appends with StoreUnavailableError while it is down, and finds all its data when it is back', async () => {
    const store = await natsJetStreamStore({
      connection: { servers: own.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 },
      timeoutMs: 1000,
    });
    try {
      await store.journal.append('acct', 0, [ev(1), ev(2)]);
      await store.journal.append('acct', 2, [ev(3)]);
      await store.snapshots.put('acct', { seq: 3, version: 1, state: 6 });
      await own.kill('SIGKILL');
      const started = Date.now();
      const down = store.journal.append('acct', 3, [ev(4)]);
      await expect(down).rejects.toSatisfy(isUnavailable);
      await expect(down).rejects.toThrow(/could not be reached.*nothing was acknowledged/);
      expect(Date.now() - started).toBeLessThan(3000);
      await expect(store.journal.lastSeq('acct')).rejects.toSatisfy(isUnavailable);
      await expect(all(store.journal.read('acct', 1))).rejects.toSatisfy(isUnavailable);
      await expect(store.snapshots.get('acct')).rejects.toSatisfy(isUnavailable);

      await own.restart();
      const deadline = Date.now() + 10_000;
      let last: number | undefined;
      while (last === undefined) {
        last = await store.journal.lastSeq('acct').catch((e) => {
          if (Date.now() > deadline) throw e;
          return undefined;
        });
      }
      // The append refused while the server was down was never stored: the journal is as acknowledged.
      expect(last).toBe(3);
      expect((await all(store.journal.read('acct', 1))).map((e) => e.event)).toEqual([1, 2, 3]);
      expect(await store.snapshots.get('acct')).toEqual({ seq: 3, version: 1, state: 6 });
      await store.journal.append('acct', 3, [ev(4)]);
      expect(await store.journal.lastSeq('acct')).toBe(4);
    } finally {
      await store.close();
    }
  }, 30_000);
});
