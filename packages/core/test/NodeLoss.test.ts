import { afterEach, describe, expect, it } from 'vitest';
import {
  type ActorRef,
  type ActorSystem,
  createActorSystem,
  defineActor,
  isTerminated,
  type SupervisionEvent,
  type Terminated,
  type Transport,
} from '../src/index.js';
import { createInMemoryNetwork, createProbe } from '../src/testing/index.js';
import { settle, waitFor } from './helpers.js';

const Worker = defineActor<'ping', undefined, void, string>({
  name: 'loss.worker',
  receive: (ctx) => ctx.reply('pong'),
});

/** Spawns one worker per placement at start-up; strict intensity, so every restart counts. */
const Boss = defineActor<'kids', undefined, readonly { node: string }[], ActorRef[]>({
  name: 'loss.boss',
  supervision: { maxRestarts: 1, withinMs: 60_000 },
  init(ctx, placements) {
    for (const [i, placement] of placements.entries())
      ctx.spawn(Worker, undefined, { placement, name: `w${i}` });
  },
  receive: (ctx) => ctx.reply([...ctx.children]),
});

/** Supervises one worker on any node, restarting it after a backoff. */
const SlowBoss = defineActor<'kid', undefined, void, ActorRef | undefined>({
  name: 'loss.slow-boss',
  supervision: { backoff: { minMs: 300, maxMs: 300, jitter: 0 } },
  init(ctx) {
    ctx.spawn(Worker, undefined, { placement: 'any-node', name: 'w' });
  },
  receive: (ctx) => ctx.reply(ctx.children[0]),
});

const catalog = [Worker, Boss, SlowBoss];
const systems: ActorSystem[] = [];
afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
});

async function node(nodeId: string, transport: Transport): Promise<ActorSystem> {
  const s = await createActorSystem({ name: 'loss', nodeId, catalog, transports: [transport] });
  systems.push(s);
  return s;
}

function supervisionEvents(system: ActorSystem): SupervisionEvent[] {
  const events: SupervisionEvent[] = [];
  system.events.on('supervision', (e) => events.push(e));
  return events;
}

describe('an actor pinned to a node that is lost', () => {
  it("is reported as stopped for good, not as 'restart', and its watchers see node-lost", async () => {
    const net = createInMemoryNetwork();
    await node('b', net.transport());
    const a = await node('a', net.transport());
    const events = supervisionEvents(a);
    const pinned = a.spawn(Worker, undefined, { placement: { node: 'b' }, name: 'pinned' });
    expect(await pinned.ask('ping')).toBe('pong');
    const probe = createProbe<Terminated>(a);
    a.spawn(
      defineActor<Terminated, undefined>({
        name: 'loss.watcher',
        init: (ctx) => void ctx.watch(pinned),
        receive: (_ctx, _s, m) => probe.ref.tell(m),
      }),
    );
    await settle();

    net.kill('b');
    const t = await probe.expect(isTerminated);
    expect(t.reason).toBe('node-lost');
    await waitFor(() => events.length > 0, 2000, 'a supervision event');
    await settle();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: pinned.address,
      directive: 'stop',
      error: { name: 'NodeLostError' },
    });
    expect(events[0]!.note).toBe(
      "its node b is gone and placement { node: 'b' } fits no node that is up: it stopped for good (not restarted)",
    );
    await expect(pinned.ask('ping', { timeoutMs: 500 })).rejects.toThrow(/node b was lost|gone/);
  });

  it('does not count against the restart intensity of its supervisor (nothing was restarted)', async () => {
    const net = createInMemoryNetwork();
    await node('b', net.transport());
    const a = await node('a', net.transport());
    const events = supervisionEvents(a);
    const boss = a.spawn(Boss, [{ node: 'b' }, { node: 'b' }], { name: 'boss' });
    const kids = await boss.ask('kids');
    expect(kids).toHaveLength(2);

    net.kill('b');
    await waitFor(() => events.length >= 2, 2000, 'two supervision events');
    await settle();
    // Two lost children with maxRestarts 1: had they counted as restarts, the boss would have
    // exceeded its intensity and failed itself.
    expect(events.map((e) => [e.actor, e.directive])).toEqual([
      [kids[0]!.address, 'stop'],
      [kids[1]!.address, 'stop'],
    ]);
    expect(await boss.ask('kids')).toEqual([]);
  });

  it("restarts an 'any-node' actor on a node that is up, and says 'restart'", async () => {
    const net = createInMemoryNetwork();
    await node('b', net.transport());
    const a = await node('a', net.transport());
    const events = supervisionEvents(a);
    const w = a.spawn(Worker, undefined, { placement: 'any-node', name: 'w' });
    expect(w.address).toBe('troupe://loss/b/user/w');
    await node('c', net.transport());

    net.kill('b');
    await waitFor(() => events.length > 0, 2000, 'a supervision event');
    expect(events[0]).toMatchObject({
      actor: w.address,
      directive: 'restart',
      error: { name: 'NodeLostError' },
    });
    await waitFor(() => a.lookup('troupe://loss/c/user/w') !== undefined, 2000, 'the new incarnation');
    expect(await a.lookup('troupe://loss/c/user/w')!.ask('ping')).toBe('pong');
  });

  it('says it stopped when the node chosen for a delayed restart is lost too', async () => {
    const net = createInMemoryNetwork();
    await node('b', net.transport());
    const a = await node('a', net.transport());
    const events = supervisionEvents(a);
    const boss = a.spawn(SlowBoss, undefined, { name: 'boss' });
    const w = (await boss.ask('kid'))!;
    expect(w.address).toBe('troupe://loss/b/user/boss/w');
    await node('c', net.transport());

    net.kill('b');
    await waitFor(() => events.length > 0, 2000, 'the restart decision');
    expect(events[0]).toMatchObject({ directive: 'restart', delayMs: 300 });
    net.kill('c'); // before the backoff ends: nowhere is left for it
    await waitFor(() => events.length > 1, 2000, 'a second supervision event');
    expect(events[1]).toMatchObject({
      actor: w.address,
      directive: 'stop',
      error: { name: 'NodeLostError' },
    });
    expect(events[1]!.note).toMatch(/its node b is gone and placement 'any-node' fits no node that is up/);
    expect(await boss.ask('kid')).toBeUndefined();
  });
});
