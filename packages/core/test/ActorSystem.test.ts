import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  defineActor,
  isDuplicateNameError,
  isInvalidOptionsError,
  isSystemShutdownError,
  isUnknownBehaviourError,
  parseAddress,
} from '../src/index.js';
import { recordEvents, settle, waitFor } from './helpers.js';

type CounterMsg = { type: 'inc'; by?: number } | { type: 'get' };
const Counter = defineActor<CounterMsg, number, number, number>({
  name: 'counter',
  init: (_ctx, start) => start,
  receive(ctx, n, m) {
    if (m.type === 'inc') return n + (m.by ?? 1);
    ctx.reply(n);
    return n;
  },
});

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

describe('createActorSystem and spawn', () => {
  it('runs an actor: tells change its state, an ask reads it', async () => {
    system = await createActorSystem({ name: 'test' });
    const c = system.spawn(Counter, 10);
    c.tell({ type: 'inc' });
    c.tell({ type: 'inc', by: 5 });
    expect(await c.ask({ type: 'get' })).toBe(16);
  });

  it('gives actors addresses troupe://<system>/<node>/<path>', async () => {
    system = await createActorSystem({ name: 'shop', nodeId: 'node-a' });
    const c = system.spawn(Counter, 0, { name: 'cart' });
    expect(c.address).toBe('troupe://shop/node-a/user/cart');
    expect(parseAddress(c.address)).toEqual({ system: 'shop', node: 'node-a', path: 'user/cart' });
    expect(JSON.parse(JSON.stringify({ to: c }))).toEqual({ to: { $ref: c.address } });
  });

  it('finds named actors with lookup by name, path or address', async () => {
    system = await createActorSystem({ name: 'test' });
    const Parent = defineActor<{ type: 'spawn' }, undefined>({
      name: 'parent',
      receive(ctx) {
        ctx.spawn(Counter, 1, { name: 'child' });
        ctx.reply(undefined);
      },
    });
    const p = system.spawn(Parent, undefined, { name: 'p' });
    await p.ask({ type: 'spawn' });
    const child = system.lookup<CounterMsg, number>('p/child');
    expect(child).toBeDefined();
    expect(await child!.ask({ type: 'get' })).toBe(1);
    expect(system.lookup('p')).toBe(p);
    expect(system.lookup('user/p')).toBe(p);
    expect(system.lookup(p.address)).toBe(p);
    expect(system.lookup('nobody')).toBeUndefined();
    expect(system.lookup('troupe://other/node/user/p')).toBeUndefined();
  });

  it('spawns by catalog name and names the known behaviours when the name is unknown', async () => {
    system = await createActorSystem({ name: 'test', catalog: [Counter] });
    const c = system.spawn<CounterMsg, number, number, number>('counter', 3);
    expect(await c.ask({ type: 'get' })).toBe(3);
    let err: unknown;
    try {
      system.spawn('countr');
    } catch (e) {
      err = e;
    }
    expect(isUnknownBehaviourError(err)).toBe(true);
    expect((err as Error).message).toContain("no behaviour named 'countr'");
    expect((err as Error).message).toContain('known: counter');
  });

  it('loads behaviours from a catalog module', async () => {
    const url = new URL('./fixtures/catalog.ts', import.meta.url).href;
    system = await createActorSystem({ name: 'test', catalog: [url] });
    expect(system.catalog.names()).toEqual(['echo', 'greeter']);
    const g = system.spawn<{ name: string }, undefined, void, string>('greeter');
    expect(await g.ask({ name: 'Ada' })).toBe('hello, Ada');
  });

  it('rejects invalid options with errors that say what is allowed', async () => {
    await expect(createActorSystem({ name: 'bad/name' })).rejects.toThrow(
      /system name "bad\/name" is not valid/,
    );
    await expect(createActorSystem({ name: 'x', nodeID: 'n' } as never)).rejects.toThrow(
      /unknown createActorSystem option 'nodeID'/,
    );
    system = await createActorSystem({ name: 'test' });
    const s = system;
    expect(() => s.spawn(Counter, 0, { name: 'a/b' })).toThrow(/actor name "a\/b" is not valid/);
    expect(() => s.spawn(Counter, 0, { mailBox: {} } as never)).toThrow(/unknown spawn option 'mailBox'/);
    expect(() => s.spawn(Counter, 0, { mailbox: { capacity: 0 } })).toThrow(
      /mailbox.capacity must be a whole number/,
    );
    expect(() => s.spawn(Counter, 0, { mailbox: { capacity: 2, overflow: 'drop' as never } })).toThrow(
      /mailbox.overflow must be/,
    );
    expect(() => s.spawn(Counter, 0, { restart: 'always' as never })).toThrow(/restart must be/);
    expect(() => s.spawn({ name: 'x' } as never)).toThrow(/behaviour made by defineActor/);
    try {
      s.spawn(Counter, 0, { name: 'a/b' });
    } catch (e) {
      expect(isInvalidOptionsError(e)).toBe(true);
    }
    expect(() => defineActor({ name: 'x' } as never)).toThrow(/receive/);
  });

  it('refuses two siblings with the same name', async () => {
    system = await createActorSystem({ name: 'test' });
    system.spawn(Counter, 0, { name: 'dup' });
    let err: unknown;
    try {
      system.spawn(Counter, 0, { name: 'dup' });
    } catch (e) {
      err = e;
    }
    expect(isDuplicateNameError(err)).toBe(true);
  });
});

describe('stats', () => {
  it('counts actors, processed messages, dead letters and mailbox depths', async () => {
    system = await createActorSystem({ name: 'test' });
    const Slow = defineActor<number, undefined>({
      name: 'slow',
      receive: () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)),
    });
    const c = system.spawn(Counter, 0);
    const slow = system.spawn(Slow);
    for (let i = 0; i < 10; i++) c.tell({ type: 'inc' });
    await c.ask({ type: 'get' });
    for (let i = 0; i < 4; i++) slow.tell(i);
    await settle();
    const s = system.stats();
    expect(s.actors).toBe(2);
    expect(s.messagesProcessed).toBe(11);
    expect(s.queuedMessages).toBe(3);
    expect(s.deepestMailboxes[0]).toEqual({ actor: slow.address, depth: 3 });
    await system.stop(c);
    c.tell({ type: 'inc' });
    expect(system.stats().deadLetters).toBe(1);
    expect(system.stats().deadLettersByReason).toEqual({ stopped: 1 });
    expect(system.stats().actors).toBe(1);
  });
});

describe('shutdown', () => {
  it('stops children before parents and runs onStop for each', async () => {
    system = await createActorSystem({ name: 'test' });
    const order: string[] = [];
    const Node = defineActor<never, undefined, { label: string; children: number }>({
      name: 'tree-node',
      init(ctx, { label, children }) {
        for (let i = 0; i < children; i++)
          ctx.spawn(Node, { label: `${label}.${i}`, children: 0 }, { name: `c${i}` });
        return undefined;
      },
      receive: () => undefined,
      onStop: (ctx) => void order.push(ctx.path),
    });
    system.spawn(Node, { label: 'a', children: 2 }, { name: 'a' });
    system.spawn(Node, { label: 'b', children: 1 }, { name: 'b' });
    await settle();
    await system.shutdown();
    expect(order).toHaveLength(5);
    expect(order.indexOf('user/a')).toBeGreaterThan(order.indexOf('user/a/c0'));
    expect(order.indexOf('user/a')).toBeGreaterThan(order.indexOf('user/a/c1'));
    expect(order.indexOf('user/b')).toBeGreaterThan(order.indexOf('user/b/c0'));
    expect(system.stats().actors).toBe(0);
  });

  it('tells onStop why: a deliberate stop, a stop with the parent, a failure, or the shutdown', async () => {
    system = await createActorSystem({ name: 'test' });
    const seen: string[] = [];
    const Leaf = defineActor<'boom', undefined>({
      name: 'leaf',
      receive: () => {
        throw new Error('boom');
      },
      onStop: (ctx, _s, reason) => void seen.push(`${ctx.path.split('/').pop()}:${reason}`),
    });
    const Parent = defineActor<never, undefined>({
      name: 'parent',
      init(ctx) {
        ctx.spawn(Leaf, undefined, { name: 'child' });
        return undefined;
      },
      receive: () => undefined,
      onStop: (ctx, _s, reason) => void seen.push(`${ctx.path.split('/').pop()}:${reason}`),
    });
    await system.stop(system.spawn(Leaf, undefined, { name: 'alone' }));
    await system.stop(system.spawn(Parent, undefined, { name: 'p1' }));
    const failing = system.spawn(Leaf, undefined, { name: 'failing' }); // restarted: onStop before the restart
    failing.tell('boom');
    await settle();
    system.spawn(Parent, undefined, { name: 'p2' });
    await settle();
    await system.shutdown();
    expect(seen).toHaveLength(7);
    expect(seen.slice(0, 4)).toEqual(['alone:stopped', 'child:stopped', 'p1:stopped', 'failing:failed']);
    expect(seen.slice(4).sort()).toEqual(['child:shutdown', 'failing:shutdown', 'p2:shutdown']);
  });

  it('rejects pending asks with a clear error and refuses new work', async () => {
    system = await createActorSystem({ name: 'test' });
    const Never = defineActor<string, undefined>({ name: 'never-replies', receive: () => undefined });
    const Slow = defineActor<string, undefined>({
      name: 'slow',
      receive: () => new Promise<undefined>((r) => setTimeout(() => r(undefined), 30)),
    });
    const n = system.spawn(Never);
    const s = system.spawn(Slow);
    s.tell('first'); // keeps it busy, so the ask below waits in the mailbox
    const pending = n.ask('hello', { timeoutMs: 10_000 });
    const queued = s.ask('second', { timeoutMs: 10_000 });
    const sys = system;
    await sys.shutdown();
    system = undefined;
    await expect(queued).rejects.toSatisfy(isSystemShutdownError);
    await expect(pending).rejects.toSatisfy(isSystemShutdownError);
    await expect(pending).rejects.toThrow(/actor system 'test' is shut down/);
    expect(() => sys.spawn(Never)).toThrow(/is shut down: cannot spawn/);
    await expect(n.ask('again')).rejects.toSatisfy(isSystemShutdownError);
  });

  it('leaves no timers behind, so the process can exit', async () => {
    // A clock that tracks its outstanding timers (actor timers and ask timeouts use the clock).
    const active = new Set<NodeJS.Timeout>();
    const clock = {
      now: () => Date.now(),
      setTimeout(fn: () => void, ms: number) {
        const h: NodeJS.Timeout = setTimeout(() => {
          active.delete(h);
          fn();
        }, ms);
        active.add(h);
        return h;
      },
      clearTimeout(h: unknown) {
        active.delete(h as NodeJS.Timeout);
        clearTimeout(h as NodeJS.Timeout);
      },
    };
    system = await createActorSystem({ name: 'test', clock });
    const Ticker = defineActor<'tick', number>({
      name: 'ticker',
      init(ctx) {
        ctx.timers.repeat('t', 5, 'tick');
        ctx.timers.once('later', 60_000, 'tick');
        return 0;
      },
      receive: (_ctx, n) => n + 1,
    });
    const t = system.spawn(Ticker);
    const pendingAsk = t.ask('tick', { timeoutMs: 60_000 }).catch(() => 'rejected');
    await new Promise((r) => setTimeout(r, 20));
    expect(active.size).toBe(3);
    await system.shutdown();
    expect(active.size).toBe(0);
    expect(await pendingAsk).toBe('rejected');
  });
});

describe('events', () => {
  it('publishes lifecycle events and lets subscribers unsubscribe', async () => {
    system = await createActorSystem({ name: 'test' });
    const events = recordEvents(system);
    const seen: string[] = [];
    const off = system.events.on('lifecycle', (e) => seen.push(e.phase));
    const c = system.spawn(Counter, 0, { name: 'c' });
    await c.ask({ type: 'get' });
    off();
    await system.stop(c);
    expect(seen).toEqual(['started']);
    expect(events.filter((e) => e.kind === 'lifecycle').map((e) => (e as { phase: string }).phase)).toEqual([
      'started',
      'stopped',
    ]);
  });

  it('survives a subscriber that throws', async () => {
    system = await createActorSystem({ name: 'test' });
    const orig = console.error;
    console.error = () => {};
    try {
      const off = system.events.on('lifecycle', () => {
        throw new Error('bad subscriber');
      });
      const c = system.spawn(Counter, 2);
      expect(await c.ask({ type: 'get' })).toBe(2);
      off();
    } finally {
      console.error = orig;
    }
  });
});

describe('refs', () => {
  it('carries refs inside messages', async () => {
    system = await createActorSystem({ name: 'test' });
    const Forwarder = defineActor<{ to: ActorRef<CounterMsg>; by: number }, undefined>({
      name: 'forwarder',
      receive(_ctx, _s, m) {
        m.to.tell({ type: 'inc', by: m.by });
      },
    });
    const c = system.spawn(Counter, 0);
    const f = system.spawn(Forwarder);
    f.tell({ to: c, by: 7 });
    await waitFor(() => system!.stats().messagesProcessed >= 2);
    expect(await c.ask({ type: 'get' })).toBe(7);
  });
});
