import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  type DeadLetterEvent,
  defineActor,
  isTerminated,
  type RestartType,
  type StrategyName,
  type SupervisionEvent,
  type SupervisionOptions,
  type Terminated,
} from '../src/index.js';
import { createProbe, ManualClock } from '../src/testing/index.js';
import { settle, waitFor } from './helpers.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

type ChildMsg = 'inc' | 'fail' | 'fail-async' | 'quit' | 'get';
interface ChildInfo {
  count: number;
  restarts: number;
}
const Child = defineActor<ChildMsg, number, void, ChildInfo>({
  name: 'child',
  init: () => 0,
  async receive(ctx, n, m) {
    switch (m) {
      case 'inc':
        return n + 1;
      case 'fail':
        throw new Error('child failed');
      case 'fail-async':
        await Promise.resolve();
        throw new Error('child failed asynchronously');
      case 'quit':
        ctx.stop(ctx.self);
        return n;
      case 'get':
        ctx.reply({ count: n, restarts: ctx.restartCount });
        return n;
    }
  },
});

/** A supervisor whose init spawns children a, b, c with the given restart type. */
function supervisorOf(supervision: SupervisionOptions, restart: RestartType) {
  return defineActor<never, undefined>({
    name: `sup-${supervision.strategy}-${restart}`,
    supervision,
    init(ctx) {
      for (const name of ['a', 'b', 'c']) ctx.spawn(Child, undefined, { name, restart });
      return undefined;
    },
    receive: () => undefined,
  });
}

async function info(name: string): Promise<ChildInfo | 'gone'> {
  const ref = system!.lookup<ChildMsg, ChildInfo>(`sup/${name}`);
  if (ref === undefined) return 'gone';
  return ref.ask('get', { timeoutMs: 1000 }).catch(() => 'gone' as const);
}

async function setUp(strategy: StrategyName, restart: RestartType) {
  system = await createActorSystem({ name: 'test' });
  const events: SupervisionEvent[] = [];
  system.events.on('supervision', (e) => events.push(e));
  system.spawn(supervisorOf({ strategy }, restart), undefined, { name: 'sup' });
  await settle();
  for (const name of ['a', 'b', 'c']) {
    const ref = system.lookup<ChildMsg>(`sup/${name}`)!;
    ref.tell('inc');
    ref.tell('inc');
  }
  return events;
}

const restarted = { count: 0, restarts: 1 };
const kept = { count: 2, restarts: 0 };

describe('strategies × restart types (child b fails)', () => {
  const expectations: Record<StrategyName, Record<RestartType, [unknown, unknown, unknown]>> = {
    'one-for-one': {
      permanent: [kept, restarted, kept],
      transient: [kept, restarted, kept],
      temporary: [kept, 'gone', kept],
    },
    'one-for-all': {
      permanent: [restarted, restarted, restarted],
      transient: [restarted, restarted, restarted],
      temporary: [kept, 'gone', kept],
    },
    'rest-for-one': {
      permanent: [kept, restarted, restarted],
      transient: [kept, restarted, restarted],
      temporary: [kept, 'gone', kept],
    },
  };
  for (const strategy of Object.keys(expectations) as StrategyName[]) {
    for (const restart of ['permanent', 'transient', 'temporary'] as RestartType[]) {
      it(`${strategy} with ${restart} children`, async () => {
        const events = await setUp(strategy, restart);
        const b = system!.lookup<ChildMsg>('sup/b')!;
        b.tell('fail');
        await waitFor(() => events.length === 1);
        await settle(10);
        const got = [await info('a'), await info('b'), await info('c')];
        expect(got).toEqual(expectations[strategy][restart]);
        expect(events[0]).toMatchObject({
          actor: b.address,
          directive: restart === 'temporary' ? 'stop' : 'restart',
          restartCount: 0,
          error: { name: 'Error', message: 'child failed' },
        });
      });
    }
  }
});

describe('restart types on a normal exit', () => {
  for (const [restart, expected] of [
    ['permanent', { count: 0, restarts: 1 }],
    ['transient', 'gone'],
    ['temporary', 'gone'],
  ] as const) {
    it(`a ${restart} child that stops itself is ${expected === 'gone' ? 'not ' : ''}started again`, async () => {
      await setUp('one-for-one', restart);
      system!.lookup<ChildMsg>('sup/b')!.tell('quit');
      await settle(10);
      expect(await info('b')).toEqual(expected);
      expect(await info('a')).toEqual(kept);
    });
  }
});

describe('directives', () => {
  async function withDecider(decider: SupervisionOptions['decider']) {
    system = await createActorSystem({ name: 'test', ...(decider ? { supervision: { decider } } : {}) });
    const events: SupervisionEvent[] = [];
    system.events.on('supervision', (e) => events.push(e));
    const c = system.spawn(Child, undefined, { name: 'c' });
    c.tell('inc');
    c.tell('fail');
    return { c, events };
  }

  it('resume keeps the state', async () => {
    const { c } = await withDecider(() => 'resume');
    expect(await c.ask('get')).toEqual({ count: 1, restarts: 0 });
  });

  it('restart re-runs init and keeps the mailbox', async () => {
    const { c } = await withDecider(() => 'restart');
    c.tell('inc'); // sent while the actor fails and restarts: processed afterwards
    expect(await c.ask('get')).toEqual({ count: 1, restarts: 1 });
  });

  it('stop stops the child, and watchers see reason "failed"', async () => {
    system = await createActorSystem({ name: 'test', supervision: { decider: () => 'stop' } });
    const probe = createProbe<Terminated>(system);
    const c = system.spawn(Child);
    const W = defineActor<Terminated, undefined>({
      name: 'w',
      init: (ctx) => void ctx.watch(c),
      receive: (_ctx, _s, m) => void probe.ref.tell(m),
    });
    system.spawn(W);
    await settle();
    c.tell('fail');
    const t = await probe.expect(isTerminated);
    expect(t.reason).toBe('failed');
    expect(t.actor).toBe(c);
  });

  it('the decider can map errors to directives; a throwing decider escalates', async () => {
    system = await createActorSystem({ name: 'test' });
    const events: SupervisionEvent[] = [];
    system.events.on('supervision', (e) => events.push(e));
    const Parent = defineActor<'go', undefined>({
      name: 'decider-parent',
      supervision: {
        decider: (e) => {
          if ((e as Error).message === 'child failed') return 'resume';
          throw new Error('decider bug');
        },
      },
      init: (ctx) => void ctx.spawn(Child, undefined, { name: 'kid' }),
      receive: () => undefined,
    });
    system.spawn(Parent, undefined, { name: 'p' });
    await settle();
    const kid = system.lookup<ChildMsg, ChildInfo>('p/kid')!;
    kid.tell('fail');
    await waitFor(() => events.length === 1);
    expect(events[0]!.directive).toBe('resume');
    kid.tell('fail-async');
    await waitFor(() => events.length >= 3);
    expect(events[1]).toMatchObject({ directive: 'escalate', actor: kid.address });
    expect(events[1]!.note).toContain('decider threw');
    // The guardian restarted the parent, which spawned a fresh kid.
    expect(events[2]).toMatchObject({ directive: 'restart', actor: system.lookup('p')!.address });
    await waitFor(() => system!.lookup('p/kid') !== undefined);
  });
});

describe('restart intensity and escalation', () => {
  it('escalates through three levels, each decision on the event stream', async () => {
    const fatal: unknown[] = [];
    system = await createActorSystem({
      name: 'test',
      supervision: { maxRestarts: 0, withinMs: 60_000 },
      onFatal: (e) => fatal.push(e),
    });
    const events: SupervisionEvent[] = [];
    system.events.on('supervision', (e) => events.push(e));
    const Leaf = defineActor<'boom', undefined>({
      name: 'leaf',
      receive() {
        throw new Error('leaf exploded');
      },
    });
    const Mid = defineActor<never, undefined>({
      name: 'mid',
      supervision: { maxRestarts: 2, withinMs: 60_000 },
      init: (ctx) => void ctx.spawn(Leaf, undefined, { name: 'leaf' }),
      receive: () => undefined,
    });
    const Top = defineActor<never, undefined>({
      name: 'top',
      supervision: { decider: () => 'escalate' },
      init: (ctx) => void ctx.spawn(Mid, undefined, { name: 'mid' }),
      receive: () => undefined,
    });
    system.spawn(Top, undefined, { name: 'top' });
    await settle();
    for (let i = 0; i < 3; i++) {
      await waitFor(() => system!.lookup('top/mid/leaf') !== undefined);
      system.lookup('top/mid/leaf')!.tell('boom');
      await waitFor(() => events.length >= i + 1);
    }
    await system.whenTerminated;
    const summary = events.map(
      (e) => `${e.actor.split('/').slice(4).join('/')}:${e.directive}:${e.error.name}`,
    );
    expect(summary).toEqual([
      'user/top/mid/leaf:restart:Error',
      'user/top/mid/leaf:restart:Error',
      'user/top/mid/leaf:stop:Error', // third restart exceeds mid's intensity of 2
      'user/top/mid:escalate:RestartIntensityError', // top escalates
      'user/top:stop:RestartIntensityError', // the guardian's intensity is 0: fatal
    ]);
    expect(events[2]!.note).toContain('restart intensity exceeded');
    expect(fatal).toHaveLength(1);
    expect((fatal[0] as Error).name).toBe('RestartIntensityError');
  });

  it('a failing root guardian stops the system instead of crashing the process', async () => {
    let fatalError: unknown;
    system = await createActorSystem({
      name: 'test',
      supervision: { decider: () => 'escalate' },
      onFatal: (e) => (fatalError = e),
    });
    const fatalEvents: unknown[] = [];
    system.events.on('fatal', (e) => fatalEvents.push(e));
    system.spawn(Child).tell('fail');
    await system.whenTerminated;
    expect((fatalError as Error).message).toBe('child failed');
    expect(fatalEvents).toHaveLength(1);
    expect(() => system!.spawn(Child)).toThrow(/shut down/);
  });
});

describe('backoff', () => {
  it('delays restarts exponentially and resets after a stable period (manual clock)', async () => {
    const clock = new ManualClock(1000);
    system = await createActorSystem({
      name: 'test',
      clock,
      supervision: {
        maxRestarts: 100,
        withinMs: 1_000_000,
        backoff: { minMs: 100, maxMs: 1000, jitter: 0.5, resetAfterMs: 5000 },
      },
      random: () => 0.5,
    });
    const events: SupervisionEvent[] = [];
    system.events.on('supervision', (e) => events.push(e));
    let restarts = 0;
    system.events.on('lifecycle', (e) => {
      if (e.phase === 'restarted') restarts++;
    });
    const c = system.spawn(Child);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      c.tell('fail');
      await waitFor(() => events.length === i + 1);
      const delay = events[i]!.delayMs!;
      delays.push(delay);
      clock.advance(delay - 1);
      await settle();
      expect(restarts).toBe(i); // not restarted before the delay has passed
      clock.advance(1);
      await settle();
      expect(restarts).toBe(i + 1);
    }
    // min·2^n capped at max, plus jitter·random (0.5·0.5 = +25%)
    expect(delays).toEqual([125, 250, 500, 1000, 1250, 1250]);
    // After a stable period the next failure starts from minMs again.
    clock.advance(5000);
    c.tell('fail');
    await waitFor(() => events.length === 7);
    expect(events[6]!.delayMs).toBe(125);
  });

  it('holds messages sent during the backoff and processes them after the restart', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({
      name: 'test',
      clock,
      supervision: { backoff: { minMs: 500, maxMs: 500 } },
    });
    const c = system.spawn(Child);
    c.tell('fail');
    c.tell('inc');
    c.tell('inc');
    await settle();
    const answer = c.ask('get', { timeoutMs: 10_000 });
    await settle();
    clock.advance(500);
    expect(await answer).toEqual({ count: 2, restarts: 1 });
  });
});

describe('failures and messages', () => {
  it('1,000 messages, every 100th throws: 990 processed in order, 10 dead letters', async () => {
    system = await createActorSystem({ name: 'test', supervision: { maxRestarts: 100 } });
    const dead: DeadLetterEvent[] = [];
    system.events.on('dead-letter', (e) => dead.push(e));
    const processed: number[] = [];
    const Picky = defineActor<number, undefined>({
      name: 'picky',
      receive(_ctx, _s, m) {
        if (m % 100 === 99) throw new Error(`no ${m}`);
        processed.push(m);
      },
    });
    const p = system.spawn(Picky);
    for (let i = 0; i < 1000; i++) p.tell(i);
    await waitFor(() => processed.length + dead.length === 1000);
    expect(processed).toHaveLength(990);
    expect(processed).toEqual(Array.from({ length: 1000 }, (_, i) => i).filter((i) => i % 100 !== 99));
    expect(dead.map((d) => d.message)).toEqual([99, 199, 299, 399, 499, 599, 699, 799, 899, 999]);
    expect(dead.every((d) => d.reason === 'failed')).toBe(true);
  });

  it('rejected promises behave exactly like thrown errors', async () => {
    const run = async (msg: ChildMsg) => {
      const sys = await createActorSystem({ name: 'test' });
      const events: SupervisionEvent[] = [];
      const dead: DeadLetterEvent[] = [];
      sys.events.on('supervision', (e) => events.push(e));
      sys.events.on('dead-letter', (e) => dead.push(e));
      const c = sys.spawn(Child, undefined, { name: 'c' });
      c.tell('inc');
      const askErr = await c.ask(msg).catch((e: Error) => e.name);
      const after = await c.ask('get');
      await sys.shutdown();
      return { directives: events.map((e) => e.directive), dead: dead.map((d) => d.reason), askErr, after };
    };
    const sync = await run('fail');
    const async = await run('fail-async');
    expect(async).toEqual(sync);
    expect(sync).toEqual({
      directives: ['restart'],
      dead: ['failed'],
      askErr: 'ActorFailedError',
      after: { count: 0, restarts: 1 },
    });
  });

  it('a failure in init goes to the supervisor too', async () => {
    system = await createActorSystem({ name: 'test', supervision: { maxRestarts: 100 } });
    let attempts = 0;
    const Flaky = defineActor<'get', number, void, number>({
      name: 'flaky-init',
      async init() {
        attempts++;
        if (attempts < 3) throw new Error(`init attempt ${attempts}`);
        return attempts;
      },
      receive: (ctx, n) => void ctx.reply(n),
    });
    expect(await system.spawn(Flaky).ask('get')).toBe(3);
  });

  it('calls onRestart with the error before a restart, and onStop otherwise', async () => {
    system = await createActorSystem({ name: 'test' });
    const calls: string[] = [];
    const Hooked = defineActor<'fail' | 'get', string, void, string>({
      name: 'hooked',
      init: () => 'fresh',
      receive(ctx, s, m) {
        if (m === 'fail') throw new Error('oops');
        ctx.reply(s);
      },
      onRestart: (_ctx, s, e) => void calls.push(`onRestart(${s}, ${(e as Error).message})`),
      onStop: (_ctx, s) => void calls.push(`onStop(${s})`),
    });
    const h = system.spawn(Hooked);
    h.tell('fail');
    expect(await h.ask('get')).toBe('fresh');
    await system.stop(h);
    expect(calls).toEqual(['onRestart(fresh, oops)', 'onStop(fresh)']);
  });

  it('stops the children of a restarting actor and lets init start them again', async () => {
    system = await createActorSystem({ name: 'test' });
    const Parent = defineActor<'fail' | 'kid', undefined, void, ActorRef>({
      name: 'parent-restart',
      init: (ctx) => void ctx.spawn(Child, undefined, { name: 'kid' }),
      receive(ctx, _s, m) {
        if (m === 'fail') throw new Error('parent failed');
        ctx.reply(ctx.children[0]!);
      },
    });
    const p = system.spawn(Parent, undefined, { name: 'p' });
    const kid1 = await p.ask('kid');
    (kid1 as ActorRef<ChildMsg>).tell('inc');
    p.tell('fail');
    const kid2 = await p.ask('kid');
    expect(kid2).not.toBe(kid1);
    expect(await (kid2 as ActorRef<ChildMsg, ChildInfo>).ask('get')).toEqual({ count: 0, restarts: 0 });
    // A ref names a path (ADR 0004): the old ref reaches the child that init started again.
    expect(await (kid1 as ActorRef<ChildMsg, ChildInfo>).ask('get')).toEqual({ count: 0, restarts: 0 });
  });
});

describe('edge cases', () => {
  it('resuming a supervisor that escalated also resumes the child that failed', async () => {
    system = await createActorSystem({ name: 'test', supervision: { decider: () => 'resume' } });
    const Sup = defineActor<'kid', undefined, void, ActorRef>({
      name: 'escalating-sup',
      supervision: { decider: () => 'escalate' },
      init: (ctx) => void ctx.spawn(Child, undefined, { name: 'kid' }),
      receive: (ctx) => void ctx.reply(ctx.children[0]!),
    });
    const sup = system.spawn(Sup);
    const kid = (await sup.ask('kid')) as ActorRef<ChildMsg, ChildInfo>;
    kid.tell('inc');
    kid.tell('fail');
    kid.tell('inc');
    expect(await kid.ask('get', { timeoutMs: 1000 })).toEqual({ count: 2, restarts: 0 });
  });

  it('a resume after a failed init starts the actor again instead of running it without state', async () => {
    system = await createActorSystem({ name: 'test', supervision: { decider: () => 'resume' } });
    let attempts = 0;
    const FlakyInit = defineActor<'get', string, void, string>({
      name: 'flaky-init-resume',
      init() {
        if (++attempts === 1) throw new Error('first init fails');
        return 'initialised';
      },
      receive: (ctx, s) => void ctx.reply(s),
    });
    expect(await system.spawn(FlakyInit).ask('get')).toBe('initialised');
  });

  it('rest-for-one restarts the later children when a permanent child stops itself, keeping the start order', async () => {
    await setUp('rest-for-one', 'permanent');
    system!.lookup<ChildMsg>('sup/b')!.tell('quit');
    await settle(10);
    expect([await info('a'), await info('b'), await info('c')]).toEqual([kept, restarted, restarted]);
  });

  it('refs to a permanent child reach its new incarnation', async () => {
    await setUp('one-for-one', 'permanent');
    const b = system!.lookup<ChildMsg, ChildInfo>('sup/b')!;
    b.tell('quit');
    await settle(10);
    expect(await b.ask('get')).toEqual({ count: 0, restarts: 1 });
  });

  it('checks supervision options when the behaviour is defined', () => {
    expect(() =>
      defineActor({
        name: 'typo',
        supervision: { stratgy: 'one-for-all' } as never,
        receive: () => undefined,
      }),
    ).toThrow(/unknown supervision option 'stratgy'/);
    expect(() =>
      defineActor({ name: 'bad', supervision: { maxRestarts: -1 }, receive: () => undefined }),
    ).toThrow(/maxRestarts must be a whole number/);
  });
});
