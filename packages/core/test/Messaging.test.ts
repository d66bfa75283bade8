import { afterEach, describe, expect, it } from 'vitest';
import type { ActorCell } from '../src/actor/ActorCell.js';
import {
  type ActorSystem,
  createActorSystem,
  type DeadLetterEvent,
  defineActor,
  isActorFailedError,
  isActorStoppedError,
  isAskTimeoutError,
  isInvalidOptionsError,
  isMailboxFullError,
  isReplyOutsideAskError,
  isTerminated,
  type OverflowPolicy,
  type Terminated,
} from '../src/index.js';
import { createProbe, ManualClock } from '../src/testing/index.js';
import { settle, waitFor } from './helpers.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

/** Records every message it gets; replies with the list to an ask of 'dump'. */
const Recorder = defineActor<unknown, unknown[], void, unknown[]>({
  name: 'recorder',
  init: () => [],
  receive(ctx, seen, m) {
    if (m === 'dump') ctx.reply(seen);
    else seen.push(m);
    return seen;
  },
});

describe('ordering', () => {
  it('delivers messages from one sender in the order sent', async () => {
    system = await createActorSystem({ name: 'test' });
    const r = system.spawn(Recorder);
    for (let i = 0; i < 10_000; i++) r.tell(i);
    const seen = await r.ask('dump');
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('lets a stop overtake queued user messages, which become dead letters', async () => {
    system = await createActorSystem({ name: 'test' });
    const dead: DeadLetterEvent[] = [];
    system.events.on('dead-letter', (e) => dead.push(e));
    const processed: number[] = [];
    const Worker = defineActor<number, undefined>({
      name: 'worker',
      receive: (_c, _s, m) => void processed.push(m),
    });
    const w = system.spawn(Worker);
    for (let i = 0; i < 100; i++) w.tell(i);
    const stopped = system.stop(w); // system message, sent after the 100 user messages
    await stopped;
    expect(processed.length).toBeLessThan(100);
    expect(processed.length + dead.length).toBe(100);
    expect(dead.every((d) => d.reason === 'stopped' && d.recipient === w.address)).toBe(true);
  });
});

describe('async handlers', () => {
  it('process one message at a time: an async receive is never interleaved', async () => {
    system = await createActorSystem({ name: 'test' });
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const Async = defineActor<number, number, void, number>({
      name: 'async',
      init: () => 0,
      async receive(ctx, n, m) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        log.push(`start ${m}`);
        await new Promise((r) => setTimeout(r, 3 - (m % 3)));
        await Promise.resolve();
        log.push(`end ${m}`);
        inFlight--;
        if (ctx.isAsk) ctx.reply(n + 1);
        return n + 1;
      },
    });
    const a = system.spawn(Async);
    for (let i = 0; i < 9; i++) a.tell(i);
    expect(await a.ask(9)).toBe(10);
    expect(maxInFlight).toBe(1);
    expect(log).toEqual(Array.from({ length: 10 }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
  });

  it('holds messages until an async init has finished', async () => {
    system = await createActorSystem({ name: 'test' });
    const Lazy = defineActor<'get', string, void, string>({
      name: 'lazy',
      init: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return 'ready';
      },
      receive: (ctx, s) => void ctx.reply(s),
    });
    expect(await system.spawn(Lazy).ask('get')).toBe('ready');
  });
});

describe('ask', () => {
  it('times out with an error naming the actor and the message', async () => {
    system = await createActorSystem({ name: 'test' });
    const Silent = defineActor<{ type: string }, undefined>({ name: 'silent', receive: () => undefined });
    const s = system.spawn(Silent, undefined, { name: 'quiet' });
    const err = (await s.ask({ type: 'ping' }, { timeoutMs: 20 }).catch((e: Error) => e)) as Error;
    expect(isAskTimeoutError(err)).toBe(true);
    expect(err.message).toContain(s.address);
    expect(err.message).toContain("{ type: 'ping' }");
    expect(err.message).toContain('20 ms');
  });

  it('times out each ask at its own deadline, whatever the mix of timeouts and the order of replies', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'test', clock });
    const held: ((v: string) => void)[] = [];
    const Holder = defineActor<string, undefined, void, string>({
      name: 'holder',
      receive(ctx, _s, m) {
        if (m === 'now') ctx.reply('now');
        else {
          // Answer later (the mailbox moves on): the pool's way of keeping a reply target.
          const reply = (ctx as unknown as ActorCell).detachReply()!;
          held.push((v) => reply.reply(v));
        }
      },
    });
    const h = system.spawn(Holder);
    const outcome: Record<string, string> = {};
    const track = (name: string, p: Promise<unknown>) =>
      p.then(
        (v) => void (outcome[name] = `ok:${String(v)}`),
        (e) => void (outcome[name] = isAskTimeoutError(e) ? 'timeout' : `error:${String(e)}`),
      );
    const all = [
      track('a100', h.ask('x', { timeoutMs: 100 })),
      track('b50', h.ask('x', { timeoutMs: 50 })),
      track('c100', h.ask('x', { timeoutMs: 100 })),
      track('d200', h.ask('x', { timeoutMs: 200 })),
      track('forever', h.ask('x', { timeoutMs: Number.POSITIVE_INFINITY })),
    ];
    await waitFor(() => held.length === 5);
    expect(system.stats().pendingAsks).toBe(5);
    held[0]!('first'); // a100 answered: c100 is now the oldest of its list
    clock.advance(60); // b50 expires
    await settle();
    expect(outcome).toEqual({ a100: 'ok:first', b50: 'timeout' });
    clock.advance(30); // t = 90: nothing due
    await settle();
    expect(Object.keys(outcome)).toHaveLength(2);
    clock.advance(15); // t = 105: c100 expires
    await settle();
    expect(outcome.c100).toBe('timeout');
    held[3]!('late-d'); // d200 answered in time
    clock.advance(1_000_000);
    await settle();
    expect(outcome.d200).toBe('ok:late-d');
    expect(outcome.forever).toBeUndefined(); // Infinity: no deadline
    held[4]!('at last');
    await Promise.all(all);
    expect(outcome.forever).toBe('ok:at last');
    expect(system.stats().pendingAsks).toBe(0);
    expect(await h.ask('now', { timeoutMs: 10 })).toBe('now'); // a fresh list after the old ones emptied
  });

  it('refuses an ask timeout that is not a number ≥ 0, naming it', async () => {
    system = await createActorSystem({ name: 'test' });
    const r = system.spawn(Recorder);
    for (const bad of [-1, Number.NaN]) {
      const err = await r.ask('x', { timeoutMs: bad }).catch((e) => e);
      expect(isInvalidOptionsError(err)).toBe(true);
      expect(String(err)).toContain(`got ${String(bad)}`);
    }
    const pool = system.spawnPool(Recorder, undefined, { size: 2 });
    expect(isInvalidOptionsError(await pool.ask('x', { timeoutMs: -5 }).catch((e) => e))).toBe(true);
  });

  it('rejects at once when the actor has stopped', async () => {
    system = await createActorSystem({ name: 'test' });
    const r = system.spawn(Recorder);
    await system.stop(r);
    const t0 = Date.now();
    const err = await r.ask('dump', { timeoutMs: 5000 }).catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(100);
    expect(isActorStoppedError(err)).toBe(true);
    expect(err.message).toContain(r.address);
  });

  it('rejects with ActorFailedError when the actor fails on the asked message', async () => {
    system = await createActorSystem({ name: 'test' });
    const Boom = defineActor<string, undefined>({
      name: 'boom',
      receive() {
        throw new RangeError('bad input');
      },
    });
    const err = (await system
      .spawn(Boom)
      .ask('x')
      .catch((e: Error) => e)) as Error;
    expect(isActorFailedError(err)).toBe(true);
    expect(err.cause).toBeInstanceOf(RangeError);
    expect(err.message).toContain('RangeError: bad input');
  });

  it('makes a reply to a tell an error the user can see', async () => {
    system = await createActorSystem({ name: 'test' });
    const errors: string[] = [];
    system.events.on('supervision', (e) => errors.push(`${e.error.name}: ${e.error.message}`));
    const Replier = defineActor<string, undefined, void, string>({
      name: 'replier',
      receive: (ctx, _s, m) => void ctx.reply(m),
    });
    const r = system.spawn(Replier);
    r.tell('told');
    await waitFor(() => errors.length > 0);
    expect(errors[0]).toMatch(/^ReplyOutsideAskError: .*ctx.reply\(\).*sent with tell\(\)/);
    // The actor was restarted by its supervisor and still answers asks.
    expect(await r.ask('asked')).toBe('asked');
    expect(isReplyOutsideAskError({ name: 'ReplyOutsideAskError' })).toBe(true);
  });
});

describe('bounded mailboxes', () => {
  /** An actor blocked on a gate until released, so its mailbox fills up. */
  async function blocked(policy: OverflowPolicy, capacity: number) {
    system = await createActorSystem({ name: 'test' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: number[] = [];
    const B = defineActor<number, undefined, void, number>({
      name: 'blocked',
      async receive(ctx, _s, m) {
        if (m === 0) await gate;
        got.push(m);
        if (ctx.isAsk) ctx.reply(m);
      },
    });
    const dead: DeadLetterEvent[] = [];
    system.events.on('dead-letter', (e) => dead.push(e));
    const ref = system.spawn(B, undefined, { mailbox: { capacity, overflow: policy } });
    ref.tell(0); // taken at once and blocks on the gate
    await settle();
    return { ref, got, dead, release };
  }

  it('dropNewest drops arriving messages when full and counts them as dead letters', async () => {
    const { ref, got, dead, release } = await blocked('dropNewest', 3);
    for (let i = 1; i <= 6; i++) ref.tell(i);
    release();
    await waitFor(() => got.length === 4);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(dead.map((d) => d.message)).toEqual([4, 5, 6]);
    expect(dead.every((d) => d.reason === 'mailbox-full')).toBe(true);
    expect(system!.stats().deadLettersByReason['mailbox-full']).toBe(3);
  });

  it('dropOldest evicts the oldest queued message to make room', async () => {
    const { ref, got, dead, release } = await blocked('dropOldest', 3);
    for (let i = 1; i <= 6; i++) ref.tell(i);
    release();
    await waitFor(() => got.length === 4);
    expect(got).toEqual([0, 4, 5, 6]);
    expect(dead.map((d) => d.message)).toEqual([1, 2, 3]);
  });

  it('reject refuses the message; an ask rejects at once with MailboxFullError', async () => {
    const { ref, got, dead, release } = await blocked('reject', 2);
    ref.tell(1);
    ref.tell(2);
    ref.tell(3); // refused: dead letter
    const err = await ref.ask(4, { timeoutMs: 5000 }).catch((e) => e);
    expect(isMailboxFullError(err)).toBe(true);
    expect(err.message).toContain('capacity 2');
    release();
    await waitFor(() => got.length === 3);
    expect(got).toEqual([0, 1, 2]);
    expect(dead.map((d) => d.message)).toEqual([3, 4]);
    expect(await ref.ask(5)).toBe(5);
  });
});

describe('dispatcher fairness', () => {
  it('fires a timer within 50 ms during a flood of 10M messages', async () => {
    system = await createActorSystem({ name: 'test' });
    let processed = 0;
    const Sink = defineActor<number, undefined>({
      name: 'sink',
      receive() {
        processed++;
      },
    });
    const sink = system.spawn(Sink);
    const N = 10_000_000;
    for (let i = 0; i < N; i++) sink.tell(i);
    const setAt = performance.now();
    const firedAfter = await new Promise<number>((r) => setTimeout(() => r(performance.now() - setAt), 10));
    const processedWhenFired = processed;
    expect(firedAfter).toBeLessThan(50);
    expect(processedWhenFired).toBeGreaterThan(0);
    expect(processedWhenFired).toBeLessThan(N); // the flood was still being processed
    await waitFor(() => processed === N, 15_000, 'the flood to drain');
  });

  it('shares the dispatcher between actors: a second actor runs while the first is flooded', async () => {
    system = await createActorSystem({ name: 'test', dispatcher: { throughput: 10 } });
    const order: string[] = [];
    const Tag = defineActor<string, undefined>({ name: 'tag', receive: (_c, _s, m) => void order.push(m) });
    const a = system.spawn(Tag);
    const b = system.spawn(Tag);
    for (let i = 0; i < 30; i++) a.tell('a');
    b.tell('b');
    await waitFor(() => order.length === 31);
    expect(order.indexOf('b')).toBeLessThan(30);
  });
});

describe('death watch', () => {
  it('delivers Terminated when a watched actor stops', async () => {
    system = await createActorSystem({ name: 'test' });
    const probe = createProbe<Terminated | string>(system);
    const target = system.spawn(Recorder, undefined, { name: 'target' });
    const Watcher = defineActor<Terminated | { watch: typeof target }, undefined>({
      name: 'watcher',
      receive(ctx, _s, m) {
        if (isTerminated(m)) probe.ref.tell(m);
        else ctx.watch(m.watch);
      },
    });
    const w = system.spawn(Watcher);
    w.tell({ watch: target });
    await settle();
    await system.stop(target);
    const t = (await probe.expect(isTerminated)) as Terminated;
    expect(t.actor).toBe(target);
    expect(t.reason).toBe('stopped');
  });

  it('delivers a custom message, and at once for an already stopped actor', async () => {
    system = await createActorSystem({ name: 'test' });
    const probe = createProbe<string>(system);
    const target = system.spawn(Recorder);
    await system.stop(target);
    const Watcher = defineActor<string, undefined>({
      name: 'watcher2',
      init: (ctx) => void ctx.watch(target, 'target is gone'),
      receive: (_c, _s, m) => void probe.ref.tell(m),
    });
    system.spawn(Watcher);
    expect(await probe.expect()).toBe('target is gone');
  });

  it('stops delivering after unwatch', async () => {
    system = await createActorSystem({ name: 'test' });
    const probe = createProbe<unknown>(system);
    const target = system.spawn(Recorder);
    const Watcher = defineActor<string, undefined>({
      name: 'watcher3',
      init(ctx) {
        ctx.watch(target);
        ctx.unwatch(target);
      },
      receive: (_c, _s, m) => void probe.ref.tell(m),
    });
    system.spawn(Watcher);
    await settle();
    await system.stop(target);
    await settle();
    expect(probe.received).toEqual([]);
  });
});

describe('timers', () => {
  it('sends once and repeat messages to self, and cancels by key', async () => {
    system = await createActorSystem({ name: 'test' });
    const probe = createProbe<string>(system);
    const T = defineActor<'once' | 'tick' | 'stop-ticking', number>({
      name: 'timers',
      init(ctx) {
        ctx.timers.once('o', 5, 'once');
        ctx.timers.repeat('r', 5, 'tick');
        return 0;
      },
      receive(ctx, n, m) {
        probe.ref.tell(m);
        if (m === 'tick' && n + 1 === 3) {
          ctx.timers.cancel('r');
          ctx.timers.once('done', 20, 'stop-ticking');
        }
        return m === 'tick' ? n + 1 : n;
      },
    });
    system.spawn(T);
    await probe.expect((m) => m === 'stop-ticking');
    expect(probe.received.filter((m) => m === 'tick')).toHaveLength(3);
    expect(probe.received.filter((m) => m === 'once')).toHaveLength(1);
  });

  it('cancels timers when the actor stops and when it restarts', async () => {
    system = await createActorSystem({ name: 'test' });
    const probe = createProbe<string>(system);
    const T = defineActor<'arm' | 'fire' | 'crash', undefined>({
      name: 'timers2',
      receive(ctx, _s, m) {
        if (m === 'arm') ctx.timers.once('x', 30, 'fire');
        if (m === 'fire') probe.ref.tell('fired');
        if (m === 'crash') throw new Error('crash');
      },
    });
    const a = system.spawn(T);
    a.tell('arm');
    a.tell('crash'); // restart cancels the timer
    const b = system.spawn(T);
    b.tell('arm');
    await settle();
    await system.stop(b); // stop cancels the timer
    const c = system.spawn(T);
    c.tell('arm'); // control: this one fires
    await probe.expect((m) => m === 'fired');
    await new Promise((r) => setTimeout(r, 50));
    expect(probe.received).toEqual(['fired']);
  });
});

describe('dead letters', () => {
  it('turns a tell to a stopped actor into a counted dead letter, never a crash', async () => {
    system = await createActorSystem({ name: 'test' });
    const dead: DeadLetterEvent[] = [];
    system.events.on('dead-letter', (e) => dead.push(e));
    const r = system.spawn(Recorder);
    await system.stop(r);
    r.tell('late');
    expect(dead).toEqual([{ kind: 'dead-letter', recipient: r.address, message: 'late', reason: 'stopped' }]);
    expect(system.stats().deadLetters).toBe(1);
  });
});

describe('fairness with async handlers', () => {
  it('fires timers during a flood to an actor whose async receive settles at once', async () => {
    system = await createActorSystem({ name: 'test' });
    let processed = 0;
    const AsyncSink = defineActor<number, undefined>({
      name: 'async-sink',
      async receive() {
        processed++;
      },
    });
    const sink = system.spawn(AsyncSink);
    const N = 1_000_000;
    for (let i = 0; i < N; i++) sink.tell(i);
    const setAt = performance.now();
    const firedAfter = await new Promise<number>((r) => setTimeout(() => r(performance.now() - setAt), 10));
    expect(firedAfter).toBeLessThan(50);
    expect(processed).toBeLessThan(N);
    await waitFor(() => processed === N, 20_000, 'the flood to drain');
  });

  it('rejects dispatcher options that would hang it', async () => {
    await expect(createActorSystem({ name: 't', dispatcher: { throughput: 0 } })).rejects.toThrow(
      /throughput must be a whole number/,
    );
  });
});

describe('death watch and bounded mailboxes', () => {
  it('never drops a Terminated notification because the watcher mailbox is full', async () => {
    system = await createActorSystem({ name: 'test' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: unknown[] = [];
    const target = system.spawn(Recorder);
    const Watcher = defineActor<unknown, undefined>({
      name: 'full-watcher',
      init: (ctx) => void ctx.watch(target),
      async receive(_ctx, _s, m) {
        if (m === 'block') await gate;
        got.push(m);
      },
    });
    const w = system.spawn(Watcher, undefined, { mailbox: { capacity: 1, overflow: 'dropNewest' } });
    w.tell('block');
    await settle();
    w.tell('fills-the-mailbox');
    await system.stop(target);
    release();
    await waitFor(() => got.some(isTerminated));
    expect(got[0]).toBe('block');
  });
});
