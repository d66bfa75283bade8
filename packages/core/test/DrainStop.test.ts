/**
 * `ctx.stop(ref, { drain: true })`: the actor processes the messages already queued, then stops;
 * messages that arrive after are dead letters. Without drain the queued ones are dead letters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  defineActor,
  isInvalidOptionsError,
} from '../src/index.js';
import { createInMemoryNetwork } from '../src/testing/index.js';

let systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems) await s.shutdown();
  systems = [];
});

const seen: number[] = [];
const Slow = defineActor<number, undefined, void, number>({
  name: 'test.drain.slow',
  receive: async (ctx, _s, n) => {
    await new Promise((r) => setTimeout(r, 2));
    seen.push(n);
    if (ctx.isAsk) ctx.reply(n);
  },
});

type ParentMsg = { type: 'load-and-stop'; drain: boolean; n: number } | { type: 'child' };
const Parent = defineActor<ParentMsg, ActorRef<number, number> | undefined, void, unknown>({
  name: 'test.drain.parent',
  receive(ctx, child, m) {
    const c = child ?? ctx.spawn(Slow);
    if (m.type === 'child') {
      ctx.reply(c);
      return c;
    }
    for (let i = 0; i < m.n; i++) c.tell(i);
    ctx.stop(c, { drain: m.drain });
    c.tell(-1); // after the stop: never processed
    ctx.reply('stopping');
    return c;
  },
});

describe('ctx.stop with drain', () => {
  it('processes the queued messages first, then stops; later ones are dead letters', async () => {
    const system = await createActorSystem({ name: 'drain' });
    systems.push(system);
    const dead: unknown[] = [];
    system.events.on('dead-letter', (e) => dead.push(e.message));
    seen.length = 0;
    const p = system.spawn(Parent);
    await p.ask({ type: 'load-and-stop', drain: true, n: 20 });
    await expect.poll(() => dead.length, { timeout: 3000 }).toBeGreaterThan(0);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(dead).toEqual([-1]);
  });

  it('without drain, the queued messages are dead letters', async () => {
    const system = await createActorSystem({ name: 'nodrain' });
    systems.push(system);
    const dead: unknown[] = [];
    system.events.on('dead-letter', (e) => dead.push(e.message));
    seen.length = 0;
    const p = system.spawn(Parent);
    await p.ask({ type: 'load-and-stop', drain: false, n: 20 });
    await expect.poll(() => dead.length, { timeout: 3000 }).toBeGreaterThan(15);
    expect(seen.length).toBeLessThan(20);
  });

  it('refuses drain for a child in another runtime, naming the fix', async () => {
    const net = createInMemoryNetwork({ seed: 9 });
    const a = await createActorSystem({
      name: 'drain-remote',
      catalog: [Slow],
      transports: [net.transport()],
    });
    const b = await createActorSystem({
      name: 'drain-remote',
      catalog: [Slow],
      transports: [net.transport()],
    });
    systems.push(a, b);
    await expect.poll(() => a.nodes().length, { timeout: 5000 }).toBe(2);
    const Remote = defineActor<string, undefined, void, unknown>({
      name: 'test.drain.remote-parent',
      receive(ctx) {
        const child = ctx.spawn(Slow, undefined, { placement: { node: b.nodeId } });
        try {
          ctx.stop(child, { drain: true });
          ctx.reply('stopped');
        } catch (e) {
          ctx.reply(isInvalidOptionsError(e) ? (e as Error).message : 'other');
        }
      },
    });
    const r = a.spawn(Remote);
    expect(await r.ask('go')).toMatch(
      /runs in another runtime \(a thread or a node\); stop it without drain/,
    );
  });
});
