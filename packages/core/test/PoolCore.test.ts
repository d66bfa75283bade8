import { describe, expect, it } from 'vitest';
import type { ReplyTarget } from '../src/actor/ask.js';
import type { PoolOptions } from '../src/api/pool.js';
import { isAskTimeoutError, isMailboxFullError, ThreadLostError } from '../src/errors.js';
import { PoolCore } from '../src/pool/PoolCore.js';
import { ManualClock } from '../src/testing/ManualClock.js';

/** A routee ref that keeps every ask it is given, for the test to answer. */
function fakeRoutee(name: string) {
  const held: { m: unknown; t: ReplyTarget }[] = [];
  let seq = 0;
  const ref = {
    address: `troupe://sys/main/user/pool/${name}`,
    askInto: (m: unknown, t: ReplyTarget) => {
      held.push({ m, t });
      return ++seq;
    },
    cancelAsk: () => undefined,
    tell: () => undefined,
    ask: () => Promise.reject(new Error('unused')),
  };
  return { ref, held };
}

function pool(clock: ManualClock, options: PoolOptions, ...routees: { ref: unknown }[]) {
  const core = new PoolCore('balancing', clock, 60_000, () => 'pool', { routing: 'balancing', ...options });
  core.setRoutees(routees.map((r) => r.ref) as never);
  return core;
}

describe('PoolCore (balancing, on a manual clock)', () => {
  it('grows a busy routee’s credit for short tasks, and keeps it when a task fails with a user error', async () => {
    const clock = new ManualClock(1000);
    const r = fakeRoutee('routee-0');
    const core = pool(clock, {}, r);
    // 10,000 tasks of 0.01 ms each, answered in order; the last stays unanswered.
    for (let i = 0; i < 10_000; i++) void core.ask(i).catch(() => undefined);
    while (r.held.length > 1 || core.stats().queued > 0) {
      clock.advance(0.01);
      r.held.shift()!.t.reply('ok');
    }
    r.held.shift()!.t.fail(new Error('a user error: an answer of sorts'));
    await Promise.resolve();
    for (let i = 0; i < 300; i++) void core.ask(i).catch(() => undefined);
    // The grown credit, not 2: (shortest round trip + 2 ms) / time per task = (0.02 + 2) / 0.01.
    expect(core.stats().inFlight).toBe(202);
  });

  it('puts the asks of a lost routee back first in line, oldest first', async () => {
    const clock = new ManualClock();
    const a = fakeRoutee('a');
    const b = fakeRoutee('b');
    const core = pool(clock, { credit: 2, redispatchOnLost: true }, a, b);
    for (let i = 1; i <= 5; i++) void core.ask(i).catch(() => undefined);
    const lost = a.held.map((x) => x.m); // a holds two, b two, one is queued
    core.markDown(a.ref.address);
    const err = new ThreadLostError('t0', 'gone');
    for (const x of a.held.splice(0)) x.t.fail(err); // oldest first, as a node loss fails them
    await Promise.resolve();
    await Promise.resolve();
    for (const x of b.held.splice(0)) x.t.reply('ok');
    expect(b.held.map((x) => x.m)).toEqual(lost);
  });

  it('asks that time out in the queue give up their place: maxQueued and stats count live asks only', async () => {
    const clock = new ManualClock();
    const hung = fakeRoutee('hung'); // never answers
    const core = pool(clock, { credit: 1, maxQueued: 100 }, hung);
    // It holds the routee's only credit for 10 s, so nothing leaves the queue meanwhile.
    const blocker = core.ask('blocker', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    const queued = Array.from({ length: 100 }, (_, i) =>
      core.ask(i, { timeoutMs: 50 }).catch((e: unknown) => e),
    );
    expect(core.stats()).toMatchObject({ inFlight: 1, queued: 100 });
    clock.advance(60);
    expect((await Promise.all(queued)).every(isAskTimeoutError)).toBe(true);
    expect(core.stats()).toMatchObject({ inFlight: 1, queued: 0 });
    // Their places are free again, up to maxQueued.
    const more = Array.from({ length: 100 }, (_, i) =>
      core.ask(i, { timeoutMs: 20_000 }).catch((e: unknown) => e),
    );
    expect(core.stats()).toMatchObject({ inFlight: 1, queued: 100 });
    expect(isMailboxFullError(await core.ask('one too many').catch((e: unknown) => e))).toBe(true);
    // The blocker times out: the routee takes the oldest live ask, not one that timed out.
    clock.advance(10_000);
    expect(isAskTimeoutError(await blocker)).toBe(true);
    await Promise.resolve();
    expect(hung.held.at(-1)!.m).toBe(0);
    expect(core.stats()).toMatchObject({ inFlight: 1, queued: 99 });
    clock.advance(10_000);
    expect((await Promise.all(more)).every(isAskTimeoutError)).toBe(true);
    await Promise.resolve();
    expect(core.stats()).toMatchObject({ inFlight: 0, queued: 0 });
  });

  it('keeps no timer for asks that wait for ever, so they never keep the process up', async () => {
    const clock = new ManualClock();
    const hung = fakeRoutee('hung');
    const core = pool(clock, { credit: 1 }, hung);
    const running = core.ask('a', { timeoutMs: Number.POSITIVE_INFINITY }).catch((e: unknown) => e);
    const queued = core.ask('b', { timeoutMs: Number.POSITIVE_INFINITY }).catch((e: unknown) => e);
    expect(core.stats()).toMatchObject({ inFlight: 1, queued: 1 });
    expect(clock.pending).toBe(0);
    // A finite ask beside them arms one timer, and leaves none once it has timed out.
    const finite = core.ask('c', { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(clock.pending).toBe(1);
    clock.advance(60);
    expect(isAskTimeoutError(await finite)).toBe(true);
    expect(clock.pending).toBe(0);
    core.close();
    expect((await running) instanceof Error && (await queued) instanceof Error).toBe(true);
  });

  it('lets the event loop turn when a routee keeps refusing a task at once as lost', async () => {
    const clock = new ManualClock();
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    let refusals = 0;
    const held: ReplyTarget[] = [];
    // A routee whose runtime refuses every ask at once as lost, until the event loop has turned
    // (where the loss would be reported and the routee marked down); capped so the test ends.
    const refusing = {
      address: 'troupe://sys/main/user/pool/refusing',
      askInto: (_m: unknown, t: ReplyTarget) => {
        if (!turned && refusals < 10_000) {
          refusals++;
          t.fail(new ThreadLostError('t0', 'gone'));
        } else held.push(t);
        return refusals + 1;
      },
      cancelAsk: () => undefined,
      tell: () => undefined,
      ask: () => Promise.reject(new Error('unused')),
    };
    const core = pool(clock, { credit: 1, redispatchOnLost: true }, { ref: refusing });
    const answer = core.ask('job');
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(turned).toBe(true);
    expect(refusals).toBeLessThan(10); // not 10,000 microtask bounces before the loop turned
    expect(held).toHaveLength(1);
    held[0]!.reply('done');
    expect(await answer).toBe('done');
  });
});
