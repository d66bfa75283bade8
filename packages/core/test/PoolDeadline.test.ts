/**
 * The per-dispatch deadline of balancing pools (`redispatchAfterMs`): a task whose routee does not
 * answer in time goes to another routee, the caller gets one result, and a late reply is dropped
 * and counted. Local routees on a manual clock: no timing assumptions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ActorCell } from '../src/actor/ActorCell.js';
import type { ReplyTarget } from '../src/actor/ask.js';
import {
  type ActorSystem,
  createActorSystem,
  defineActor,
  isAskTimeoutError,
  isInvalidOptionsError,
  type PoolOptions,
} from '../src/index.js';
import { ManualClock } from '../src/testing/index.js';
import { settle } from './helpers.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** A task a routee holds, for the test to answer (or not). */
interface Held {
  readonly routee: string;
  readonly message: unknown;
  readonly reply: ReplyTarget;
}

/** Routees that answer nothing themselves: each keeps its reply target in `held`. */
function holding() {
  const held: Held[] = [];
  const Holder = defineActor<unknown, undefined>({
    name: 'holder',
    receive(ctx, _s, message) {
      const reply = (ctx as unknown as ActorCell).detachReply()!;
      held.push({ routee: ctx.self.name, message, reply });
    },
  });
  return { Holder, held };
}

async function start(options: PoolOptions, size = 2) {
  const clock = new ManualClock();
  system = await createActorSystem({ name: 'deadline', clock });
  const { Holder, held } = holding();
  const pool = system.spawnPool(Holder, undefined, {
    size,
    routing: 'balancing',
    credit: 1,
    ...options,
  });
  return { clock, pool, held };
}

/** Let the pool re-dispatch (a microtask) and the routees take their messages. */
const turn = () => settle();

describe('balancing pools with redispatchAfterMs', () => {
  it('dispatches a task that its routee does not answer in time to another routee, and drops and counts the late reply', async () => {
    const { clock, pool, held } = await start({ redispatchAfterMs: 1000 });
    const answer = pool.ask('job', { timeoutMs: 60_000 });
    await turn();
    expect(held.map((h) => h.routee)).toEqual(['routee-0']);
    clock.advance(999);
    await turn();
    expect(held).toHaveLength(1); // not yet
    clock.advance(1);
    await turn();
    expect(held.map((h) => [h.routee, h.message])).toEqual([
      ['routee-0', 'job'],
      ['routee-1', 'job'],
    ]);
    expect(pool.stats()).toMatchObject({ inFlight: 1, overdue: 1, lateReplies: 0 });
    held[1]!.reply.reply('from routee-1');
    expect(await answer).toBe('from routee-1');
    held[0]!.reply.reply('from routee-0, late'); // dropped and counted
    await turn();
    const s = pool.stats();
    expect(s).toMatchObject({ inFlight: 0, queued: 0, overdue: 1, lateReplies: 1 });
    expect(s.completed).toEqual({ [pool.routees[1]!.address]: 1 });
  });

  it('lets the first reply win, also from the dispatch that missed its deadline', async () => {
    const { clock, pool, held } = await start({ redispatchAfterMs: 1000 });
    const answer = pool.ask('job', { timeoutMs: 60_000 });
    await turn();
    clock.advance(1000);
    await turn();
    expect(held.map((h) => h.routee)).toEqual(['routee-0', 'routee-1']);
    held[0]!.reply.reply('from routee-0'); // slow, not lost: its answer is the first
    expect(await answer).toBe('from routee-0');
    held[1]!.reply.reply('from routee-1'); // now the late one
    await turn();
    const s = pool.stats();
    expect(s).toMatchObject({ inFlight: 0, overdue: 1, lateReplies: 1 });
    expect(s.completed).toEqual({ [pool.routees[0]!.address]: 1 });
  });

  it('starts the deadline when a task is dispatched, not when it was queued', async () => {
    const { clock, pool, held } = await start({ redispatchAfterMs: 1000 }, 1);
    const first = pool.ask('first', { timeoutMs: 60_000 });
    const second = pool.ask('second', { timeoutMs: 60_000 });
    await turn();
    clock.advance(900);
    held[0]!.reply.reply(1);
    expect(await first).toBe(1);
    await turn(); // 'second' is dispatched now, 900 ms after it was queued
    expect(held.map((h) => h.message)).toEqual(['first', 'second']);
    clock.advance(999);
    await turn();
    expect(pool.stats().overdue).toBe(0);
    clock.advance(1);
    await turn();
    // The only routee: the task goes back to it.
    expect(held.map((h) => h.message)).toEqual(['first', 'second', 'second']);
    expect(pool.stats().overdue).toBe(1);
    held[2]!.reply.reply(2);
    expect(await second).toBe(2);
    held[1]!.reply.reply(-2);
    await turn();
    expect(pool.stats()).toMatchObject({ inFlight: 0, lateReplies: 1 });
  });

  it('waits for another routee rather than giving the task back to the one that missed its deadline', async () => {
    const { clock, pool, held } = await start({ redispatchAfterMs: 1000 });
    const x = pool.ask('x', { timeoutMs: 60_000 });
    await turn();
    clock.advance(500);
    const y = pool.ask('y', { timeoutMs: 60_000 });
    await turn();
    expect(held.map((h) => [h.routee, h.message])).toEqual([
      ['routee-0', 'x'],
      ['routee-1', 'y'],
    ]);
    clock.advance(500); // x misses its deadline on routee-0, while routee-1 is busy with y
    await turn();
    expect(held).toHaveLength(2);
    expect(pool.stats()).toMatchObject({ queued: 1, inFlight: 1, overdue: 1 });
    held[1]!.reply.reply('y done');
    expect(await y).toBe('y done');
    await turn();
    expect(held.map((h) => [h.routee, h.message])[2]).toEqual(['routee-1', 'x']);
    held[2]!.reply.reply('x done');
    expect(await x).toBe('x done');
  });

  it('gives a task that misses its deadline again twice the time, and still times it out at the ask’s own deadline', async () => {
    const { clock, pool, held } = await start({ redispatchAfterMs: 1000 }, 1);
    const answer = pool.ask('hang', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    await turn();
    const overdueAt = async (ms: number) => {
      clock.advance(ms);
      await turn();
      return pool.stats().overdue;
    };
    expect(await overdueAt(1000)).toBe(1); // t = 1000
    expect(await overdueAt(1999)).toBe(1);
    expect(await overdueAt(1)).toBe(2); // t = 3000: 2000 after the second dispatch
    expect(await overdueAt(3999)).toBe(2);
    expect(await overdueAt(1)).toBe(3); // t = 7000: 4000 after the third
    expect(held).toHaveLength(4);
    expect(isAskTimeoutError(await overdueAt(3000).then(() => answer))).toBe(true);
    expect(pool.stats()).toMatchObject({ inFlight: 0, queued: 0 });
    for (const h of held) h.reply.reply('too late');
    await turn();
    expect(pool.stats().lateReplies).toBe(3); // the last dispatch was cancelled with the ask
  });

  it('re-dispatches to the same routee when it is the only one, after it ignored its first message', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'deadline', clock });
    let ignored = 0;
    const Forgetful = defineActor<number, undefined, void, number>({
      name: 'forgetful',
      receive(ctx, _s, n) {
        if (ignored++ === 0) return; // never answers the first message it gets
        ctx.reply(n * 2);
      },
    });
    const pool = system.spawnPool(Forgetful, undefined, {
      size: 1,
      routing: 'balancing',
      credit: 1,
      redispatchAfterMs: (n: number) => 100 * n,
    });
    const answers: number[] = [];
    const asks = [5, 6, 7].map((n) => pool.ask(n, { timeoutMs: 60_000 }).then((v) => answers.push(v)));
    await turn();
    expect(answers).toEqual([]);
    clock.advance(500); // 5's deadline: 100 × 5
    await Promise.all(asks);
    expect(answers).toEqual([10, 12, 14]);
    expect(pool.stats()).toMatchObject({ overdue: 1, lateReplies: 0, inFlight: 0 });
  });

  it('fails a task for which the redispatchAfterMs function gives no deadline, saying what to return', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'deadline', clock });
    const { Holder } = holding();
    const pool = system.spawnPool(Holder, undefined, {
      routing: 'balancing',
      redispatchAfterMs: (m: string) => {
        if (m === 'throw') throw new Error('no estimate');
        return m === 'nan' ? Number.NaN : 1000;
      },
    });
    const nan = await pool.ask('nan').catch((e: unknown) => e);
    expect(isInvalidOptionsError(nan)).toBe(true);
    expect(String(nan)).toContain(
      'redispatchAfterMs returned NaN for "nan"; make it return a time in ms > 0',
    );
    const threw = await pool.ask('throw').catch((e: unknown) => e);
    expect(isInvalidOptionsError(threw)).toBe(true);
    expect(String(threw)).toContain('redispatchAfterMs threw for "throw": Error: no estimate');
    expect((threw as Error).cause).toBeInstanceOf(Error);
  });

  it('checks the option when the pool is spawned', async () => {
    system = await createActorSystem({ name: 'deadline' });
    const s = system;
    const { Holder } = holding();
    for (const bad of [0, -1, Number.NaN, '5s', {}]) {
      let err: unknown;
      try {
        s.spawnPool(Holder, undefined, { routing: 'balancing', redispatchAfterMs: bad as never });
      } catch (e) {
        err = e;
      }
      expect(isInvalidOptionsError(err)).toBe(true);
      expect(String(err)).toContain('pool option redispatchAfterMs must be a time in ms > 0');
    }
    expect(() => s.spawnPool(Holder, undefined, { redispatchAfterMs: 1000 })).toThrow(
      /'redispatchAfterMs' works with routing: 'balancing' only/,
    );
    // Without the option the counts are there, at 0.
    const plain = s.spawnPool(Holder, undefined, { routing: 'balancing' });
    expect(plain.stats()).toMatchObject({ overdue: 0, lateReplies: 0 });
  });
});
