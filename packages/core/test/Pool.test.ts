import { afterEach, describe, expect, it } from 'vitest';
import type { ActorCell } from '../src/actor/ActorCell.js';
import {
  type ActorSystem,
  createActorSystem,
  defineActor,
  isActorStoppedError,
  isAskTimeoutError,
  isInvalidOptionsError,
  isMailboxFullError,
  type PoolRef,
} from '../src/index.js';
import { ManualClock } from '../src/testing/index.js';
import { settle, waitFor } from './helpers.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** Replies with its own name; optional delay (async) per routee index. */
const Named = defineActor<{ key?: string; delayMs?: number } | 'fail', string, void, string>({
  name: 'named',
  init: (ctx) => ctx.path.split('/').pop()!,
  async receive(ctx, name, m) {
    if (m === 'fail') throw new Error('routee failed');
    if (m.delayMs) await new Promise((r) => setTimeout(r, m.delayMs));
    if (ctx.isAsk) ctx.reply(name);
    return name;
  },
});

/** Sleeps the number of ms it is asked (0: answers at once), then answers with it. */
const Sleeper = defineActor<number, undefined, void, number>({
  name: 'sleeper',
  async receive(ctx, _s, sleepMs) {
    if (sleepMs > 0) await new Promise((r) => setTimeout(r, sleepMs));
    ctx.reply(sleepMs);
  },
});

/** A routee that hangs on `'hang'` until `release()`, and answers `'ok'` with `'ok'`. */
function stuckRoutee(name: string) {
  let resume: (() => void) | undefined;
  const Stuck = defineActor<'hang' | 'ok', undefined, void, string>({
    name,
    async receive(ctx, _s, m) {
      if (m === 'hang') await new Promise<void>((r) => (resume = r));
      ctx.reply(m);
    },
  });
  return { Stuck, release: () => resume!() };
}

describe('pools', () => {
  it('round-robin spreads asks evenly over the routees', async () => {
    system = await createActorSystem({ name: 'pool' });
    const pool = system.spawnPool(Named, undefined, { size: 4, name: 'rr' });
    expect(pool.routees).toHaveLength(4);
    const names = await Promise.all(Array.from({ length: 40 }, () => pool.ask({})));
    const counts: Record<string, number> = {};
    for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
    expect(counts).toEqual({ 'routee-0': 10, 'routee-1': 10, 'routee-2': 10, 'routee-3': 10 });
    expect(system.lookup('rr/routee-2')).toBeDefined();
  });

  it('broadcast sends every tell to every routee, and refuses asks', async () => {
    system = await createActorSystem({ name: 'pool' });
    const got: string[] = [];
    const Rec = defineActor<string, undefined>({
      name: 'rec',
      receive: (ctx, _s, m) => void got.push(`${ctx.path.split('/').pop()}:${m}`),
    });
    const pool = system.spawnPool(Rec, undefined, { size: 3, routing: 'broadcast' });
    pool.tell('hi');
    await waitFor(() => got.length === 3);
    expect(got.sort()).toEqual(['routee-0:hi', 'routee-1:hi', 'routee-2:hi']);
    await expect(pool.ask('x')).rejects.toThrow(/broadcast routing: use tell/);
  });

  it('consistent-hash sends equal keys to the same routee', async () => {
    system = await createActorSystem({ name: 'pool' });
    const pool = system.spawnPool(Named, undefined, {
      size: 5,
      routing: 'consistent-hash',
      hashKey: (m) => (typeof m === 'string' ? m : (m.key ?? '')),
    });
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const first = await Promise.all(keys.map((key) => pool.ask({ key })));
    const again = await Promise.all(keys.map((key) => pool.ask({ key })));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(5);
    // Losing one routee moves only the keys it owned.
    await system.stop(pool); // stop everything, then check the ring directly
    const { HashRing } = await import('../src/pool/routing.js');
    const ring = new HashRing();
    const ids = ['a', 'b', 'c', 'd', 'e'];
    ring.set(ids);
    const before = keys.map((k) => ids[ring.lookup(k)]);
    ring.set(ids.filter((i) => i !== 'c'));
    const after = keys.map((k) => ['a', 'b', 'd', 'e'][ring.lookup(k)]);
    const moved = keys.filter((_, i) => before[i] !== after[i]);
    expect(moved.length).toBe(before.filter((o) => o === 'c').length);
  });

  it('balancing lets fast routees take more work and never exceeds the credit', async () => {
    system = await createActorSystem({ name: 'pool' });
    let inFlight = 0;
    let maxInFlight = 0;
    const Worker = defineActor<number, number, void, number>({
      name: 'balanced-worker',
      init: (ctx) => Number(ctx.path.split('-').pop()),
      async receive(ctx, index, n) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // routee-0 is 6× slower than the others
        await new Promise((r) => setTimeout(r, index === 0 ? 12 : 2));
        inFlight--;
        ctx.reply(n);
        return index;
      },
    });
    const pool = system.spawnPool(Worker, undefined, { size: 3, routing: 'balancing', credit: 1 });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => pool.ask(i, { timeoutMs: 10_000 })),
    );
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(maxInFlight).toBeLessThanOrEqual(3); // credit 1 × 3 routees
    const done = pool.stats().completed;
    const slow = done[pool.routees[0]!.address] ?? 0;
    const fast = (done[pool.routees[1]!.address] ?? 0) + (done[pool.routees[2]!.address] ?? 0);
    expect(slow + fast).toBe(60);
    expect(slow).toBeLessThan(fast / 4);
  });

  it('balancing without a fixed credit gives short tasks more in flight, and long ones 2 per routee', async () => {
    system = await createActorSystem({ name: 'pool' });
    const peakWhile = async (pool: PoolRef, sleepMs: number, count: number) => {
      let peak = 0;
      const asks = Array.from({ length: count }, () =>
        pool.ask(sleepMs, { timeoutMs: 30_000 }).then((v) => {
          peak = Math.max(peak, pool.stats().inFlight);
          return v;
        }),
      );
      expect(await Promise.all(asks)).toEqual(asks.map(() => sleepMs));
      return peak;
    };
    // Trivial tasks: a credit of 2 would hold at most 4 in flight over 2 routees.
    const short = system.spawnPool(Sleeper, undefined, { size: 2, routing: 'balancing' });
    expect(await peakWhile(short, 0, 5000)).toBeGreaterThan(32);
    // Tasks far longer than a round trip keep the minimum credit, 2 per routee.
    const long = system.spawnPool(Sleeper, undefined, { size: 2, routing: 'balancing' });
    expect(await peakWhile(long, 8, 30)).toBeLessThanOrEqual(4);
  });

  it('an adaptive credit stays within a bounded routee mailbox, and starts again at 2 after a pause', async () => {
    system = await createActorSystem({ name: 'pool' });
    let deadLetters = 0;
    system.events.on('dead-letter', () => deadLetters++);
    const bounded = system.spawnPool(Sleeper, undefined, {
      size: 2,
      routing: 'balancing',
      mailbox: { capacity: 16 },
    });
    let peak = 0;
    const asks = Array.from({ length: 3000 }, () =>
      bounded.ask(0, { timeoutMs: 5000 }).then(() => void (peak = Math.max(peak, bounded.stats().inFlight))),
    );
    await Promise.all(asks); // none dropped by a full mailbox, none timed out
    expect(deadLetters).toBe(0);
    expect(peak).toBeGreaterThan(4);
    expect(peak).toBeLessThanOrEqual(32);
    // After a pause, a burst of long tasks is not handed out at the credit short ones had earned.
    const pool = system.spawnPool(Sleeper, undefined, { size: 2, routing: 'balancing' });
    await Promise.all(Array.from({ length: 5000 }, () => pool.ask(0)));
    await new Promise((r) => setTimeout(r, 60));
    const long = Array.from({ length: 40 }, () => pool.ask(5, { timeoutMs: 30_000 }));
    expect(pool.stats().inFlight).toBeLessThanOrEqual(4);
    await Promise.all(long);
  });

  it('an adaptive credit falls back when a routee hangs, so the next asks do not wait on it', async () => {
    system = await createActorSystem({ name: 'pool' });
    let hang = false;
    const resumes: (() => void)[] = [];
    const W = defineActor<number, undefined, void, number>({
      name: 'hanging-routee',
      async receive(ctx, _s, n) {
        if (hang && ctx.path.endsWith('routee-0')) await new Promise<void>((r) => resumes.push(r));
        ctx.reply(n);
      },
    });
    const pool = system.spawnPool(W, undefined, { size: 2, routing: 'balancing' });
    const wave = async () => {
      const settled = await Promise.allSettled(
        Array.from({ length: 2000 }, (_, i) => pool.ask(i, { timeoutMs: 200 })),
      );
      return settled.filter((r) => r.status === 'rejected').length;
    };
    expect(await wave()).toBe(0); // warm: both routees' credits grow
    hang = true;
    const first = await wave(); // what routee-0 held when it hung times out
    const second = await wave(); // its credit is back to 2
    expect(first).toBeGreaterThan(0);
    expect(second).toBeLessThanOrEqual(2);
    hang = false;
    for (const r of resumes.splice(0)) r();
  });

  it('balancing bounds its queue with maxQueued', async () => {
    system = await createActorSystem({ name: 'pool' });
    const pool = system.spawnPool(Named, undefined, {
      size: 1,
      routing: 'balancing',
      credit: 1,
      maxQueued: 2,
    });
    const asks = [0, 1, 2].map(() => pool.ask({ delayMs: 20 }));
    const err = await pool.ask({}).catch((e: Error) => e);
    expect(isMailboxFullError(err)).toBe(true);
    expect(await Promise.all(asks)).toEqual(['routee-0', 'routee-0', 'routee-0']);
  });

  it('restarts a failed routee and keeps routing to it', async () => {
    system = await createActorSystem({ name: 'pool' });
    const pool = system.spawnPool(Named, undefined, { size: 2 });
    await expect(pool.ask('fail')).rejects.toThrow(/routee failed/);
    const names = await Promise.all([pool.ask({}), pool.ask({}), pool.ask({}), pool.ask({})]);
    expect(new Set(names)).toEqual(new Set(['routee-0', 'routee-1']));
  });

  it('routes messages sent to the pool address, and rejects queued asks when it stops', async () => {
    system = await createActorSystem({ name: 'pool' });
    const pool = system.spawnPool(Named, undefined, { size: 1, routing: 'balancing', credit: 1, name: 'p' });
    const viaAddress = system.lookup<{ delayMs?: number }, string>(pool.address)!;
    expect(await viaAddress.ask({})).toBe('routee-0');
    const busy = pool.ask({ delayMs: 50 });
    const queued = pool.ask({});
    await system.stop(pool);
    await expect(queued).rejects.toSatisfy(isActorStoppedError);
    await busy.catch(() => undefined);
  });

  it('drops its last routee when it stops for good, then stops; a tell after that is a dead letter', async () => {
    system = await createActorSystem({ name: 'pool' });
    const Quitter = defineActor<'quit' | 'hi', undefined>({
      name: 'quitter',
      receive: (ctx, _s, m) => (m === 'quit' ? ctx.stop(ctx.self) : undefined),
    });
    const pool = system.spawnPool(Quitter, undefined, { size: 2, name: 'q' });
    const dead: unknown[] = [];
    system.events.on('dead-letter', (e) => dead.push(e.message));
    pool.routees[0]!.tell('quit');
    await waitFor(() => pool.routees.length === 1);
    pool.routees[0]!.tell('quit');
    await waitFor(() => pool.routees.length === 0 && system!.lookup('q') === undefined);
    expect(() => pool.tell('hi')).not.toThrow();
    expect(dead).toContain('hi');
    await expect(pool.ask('hi')).rejects.toSatisfy(isActorStoppedError);
  });

  it('times out asks at their deadline, running or queued, and keeps serving afterwards', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'pool', clock });
    const { Stuck, release } = stuckRoutee('stuck');
    const pool = system.spawnPool(Stuck, undefined, { size: 1, routing: 'balancing', credit: 1, name: 'p' });
    const running = pool.ask('hang', { timeoutMs: 100 });
    const queued = pool.ask('ok', { timeoutMs: 50 });
    const later = pool.ask('ok', { timeoutMs: 1000 });
    await settle();
    expect(pool.stats()).toMatchObject({ queued: 2, inFlight: 1 });
    clock.advance(60); // the queued ask's deadline
    await expect(queued).rejects.toSatisfy(
      (e) => isAskTimeoutError(e) && (e as Error).message.includes(pool.address),
    );
    clock.advance(50); // the running ask's deadline: its credit is freed, the next ask goes out
    await expect(running).rejects.toSatisfy(isAskTimeoutError);
    release(); // the late reply of the timed-out ask is ignored; the routee moves on
    expect(await later).toBe('ok');
    expect(pool.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it('round-robin asks time out at their deadline with the pool named, and count in the stats', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'pool', clock });
    const { Stuck, release } = stuckRoutee('stuck-rr');
    const pool = system.spawnPool(Stuck, undefined, { size: 2, name: 'rr' });
    const hung = pool.ask('hang', { timeoutMs: 100 }); // routee-0
    const ok = pool.ask('ok', { timeoutMs: 100 }); // routee-1
    expect(await ok).toBe('ok');
    expect(pool.stats()).toMatchObject({ queued: 0, inFlight: 1 });
    clock.advance(101);
    await expect(hung).rejects.toSatisfy(
      (e) => isAskTimeoutError(e) && (e as Error).message.includes(pool.address),
    );
    release(); // the late reply is ignored
    expect(await pool.ask('ok')).toBe('ok'); // routee-0 again
    const s = pool.stats();
    expect(s.inFlight).toBe(0);
    expect(s.completed).toEqual({ [pool.routees[0]!.address]: 1, [pool.routees[1]!.address]: 1 });
  });

  it('routes around a routee that stops for good, even with its queue full of asks', async () => {
    system = await createActorSystem({ name: 'pool' });
    const Worker = defineActor<'quit' | number, undefined, void, number>({
      name: 'quitting-worker',
      async receive(ctx, _s, m) {
        if (m === 'quit') {
          ctx.stop(ctx.self);
          return;
        }
        await new Promise((r) => setTimeout(r, 1));
        ctx.reply(m);
      },
    });
    const pool = system.spawnPool(Worker, undefined, { size: 2, routing: 'balancing', credit: 1 });
    const asks = Array.from({ length: 2000 }, (_, i) => pool.ask(i, { timeoutMs: 20_000 }));
    pool.routees[0]!.tell('quit');
    const results = await Promise.allSettled(asks);
    const failed = results.filter((r) => r.status === 'rejected');
    // At most the one ask that routee held when it stopped fails; the rest go to the other routee.
    expect(failed.length).toBeLessThanOrEqual(1);
    await waitFor(() => pool.routees.length === 1);
  });

  it('keeps working after its own restart (a routee escalated)', async () => {
    system = await createActorSystem({ name: 'pool' });
    const Flaky = defineActor<'boom' | 'ping', undefined, void, string>({
      name: 'flaky',
      receive(ctx, _s, m) {
        if (m === 'boom') throw new Error('boom');
        ctx.reply('pong');
      },
    });
    for (const routing of ['balancing', 'round-robin'] as const) {
      const pool = system.spawnPool(Flaky, undefined, {
        size: 2,
        routing,
        supervision: { decider: () => 'escalate' },
      });
      const before = pool.routees.map((r) => r.address);
      await pool.ask('boom').catch(() => undefined); // escalates: the guardian restarts the pool
      await waitFor(() => pool.routees.length === 2 && pool.routees[0] !== undefined);
      expect(await pool.ask('ping', { timeoutMs: 2000 })).toBe('pong');
      expect(pool.routees.map((r) => r.address)).toEqual(before); // same names, new incarnations
    }
  });

  it('checks its options', async () => {
    system = await createActorSystem({ name: 'pool' });
    const s = system;
    expect(() => s.spawnPool(Named, undefined, { routing: 'random' as never })).toThrow(
      /pool routing must be/,
    );
    expect(() => s.spawnPool(Named, undefined, { routing: 'consistent-hash' })).toThrow(/needs hashKey/);
    expect(() => s.spawnPool(Named, undefined, { size: 0 })).toThrow(/pool size/);
    expect(() => s.spawnPool(Named, undefined, { sise: 2 } as never)).toThrow(/unknown pool option 'sise'/);
    for (const opt of [{ credit: 2 }, { maxQueued: 10 }, { redispatchOnLost: true }]) {
      let err: unknown;
      try {
        s.spawnPool(Named, undefined, { routing: 'round-robin', ...opt });
      } catch (e) {
        err = e;
      }
      expect(isInvalidOptionsError(err)).toBe(true);
      expect(String(err)).toContain(`'${Object.keys(opt)[0]}' works with routing: 'balancing' only`);
    }
  });

  it('fails the asks it still holds when it stops, also those a routee will never answer', async () => {
    system = await createActorSystem({ name: 'pool' });
    const Sink = defineActor<string, undefined>({
      name: 'sink',
      // Keeps the reply target and never answers (a bug in a routee, or work that hangs).
      receive: (ctx) => void (ctx as unknown as ActorCell).detachReply(),
    });
    for (const routing of ['round-robin', 'balancing'] as const) {
      const pool = system.spawnPool(Sink, undefined, { size: 2, routing, name: `sink-${routing}` });
      const asks = [1, 2, 3].map(() =>
        pool.ask('x', { timeoutMs: Number.POSITIVE_INFINITY }).catch((e: unknown) => e),
      );
      await settle();
      expect(pool.stats().inFlight).toBeGreaterThan(0);
      await system.stop(pool);
      for (const e of await Promise.all(asks)) {
        expect(isActorStoppedError(e)).toBe(true);
        expect(String(e)).toContain('the pool stopped');
      }
    }
  });
});

describe('pools of thread actors', () => {
  const catalog = new URL('./fixtures/threadCatalog.ts', import.meta.url).href;

  it('runs routees on the threads and re-dispatches the work of a lost thread exactly once', async () => {
    system = await createActorSystem({ name: 'tpool', catalog: [catalog], threads: { size: 2 } });
    const pool = system.spawnPool<unknown, unknown, void, { n: number; sq: number; threadId: number }>(
      'test.square',
      undefined,
      { placement: 'thread', routing: 'balancing', credit: 1, redispatchOnLost: true },
    );
    expect(pool.routees).toHaveLength(2);
    const tasks = Array.from({ length: 40 }, (_, n) => pool.ask({ sleep: 5, n }, { timeoutMs: 20_000 }));
    setTimeout(() => pool.routees[0]!.tell({ exit: true }), 30);
    const results = await Promise.all(tasks);
    expect(results.map((r) => r.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(results.every((r) => r.sq === r.n * r.n)).toBe(true);
    expect(new Set(results.map((r) => r.threadId)).size).toBeGreaterThanOrEqual(2);
  });

  it('keeps every routee after each of its threads is lost, again and again', async () => {
    system = await createActorSystem({ name: 'tpool', catalog: [catalog], threads: { size: 2 } });
    const pool = system.spawnPool<unknown, unknown, void, { n: number; sq: number; threadId: number }>(
      'test.square',
      undefined,
      { placement: 'thread', routing: 'balancing', credit: 1, redispatchOnLost: true },
    );
    const routees = pool.routees.map((r) => r.address);
    // Kill each thread twice, one after the other; after each loss its routee is started again on
    // the replacement thread and must take work again (before the fix, the pool dropped it for good).
    for (const victim of [0, 1, 0, 1]) {
      await system.threads!.terminate(victim);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, n) => pool.ask({ sleep: 20, n }, { timeoutMs: 20_000 })),
      );
      expect(results.every((r) => r.sq === r.n * r.n)).toBe(true);
      expect(pool.routees.map((r) => r.address)).toEqual(routees);
      expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
    }
  });

  it('does not give up a thread that is killed on purpose while it starts', async () => {
    system = await createActorSystem({
      name: 'tpool',
      catalog: [catalog],
      threads: { size: 1, maxStartFailures: 2 },
    });
    const errors: string[] = [];
    system.events.on('error', (e) => errors.push(e.error.message));
    const pool = system.spawnPool<unknown, unknown, void, { n: number; sq: number }>(
      'test.square',
      undefined,
      {
        placement: 'thread',
        routing: 'balancing',
      },
    );
    // Kill the thread, then kill each replacement before it is ready: these are not start-up failures.
    await system.threads!.terminate(0);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 1));
      await system.threads!.terminate(0);
    }
    expect((await pool.ask(7, { timeoutMs: 10_000 })).sq).toBe(49);
    expect(errors).toEqual([]);
  });
});
