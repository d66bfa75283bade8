import { afterEach, describe, expect, it } from 'vitest';
import { createActor, fromPromise, fromTransition, type InspectionEvent } from 'xstate';
import { type ActorSystem, createActorSystem, type SupervisionEvent } from '../src/index.js';
import { createProbe } from '../src/testing/index.js';
import { fromXState, getSnapshot, type SnapshotUpdate } from '../src/xstate/index.js';
import {
  Counter,
  type CounterEvent,
  counterMachine,
  memoryStore,
  PersistentCounter,
} from './fixtures/machines.js';
import { settle, waitFor } from './helpers.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  await system?.shutdown();
  system = undefined;
});

type Snap = { value: string; context: { count: number }; status: string };

describe('xstate machines as Troupe actors', () => {
  it('turns messages into events and answers asks from an action', async () => {
    system = await createActorSystem({ name: 'xs' });
    const c = system.spawn(Counter, { start: 5 });
    c.tell({ type: 'INC' });
    c.tell({ type: 'INC' });
    expect(await c.ask({ type: 'GET' })).toBe(7);
    const snap = await getSnapshot<Snap>(c);
    expect(snap).toMatchObject({ value: 'counting', context: { count: 7 }, status: 'active' });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap); // serializable: it can cross threads and nodes
  });

  it('sends to a Troupe ref carried in an event (sendTo)', async () => {
    system = await createActorSystem({ name: 'xs' });
    const probe = createProbe<{ type: string; count: number }>(system);
    const c = system.spawn(Counter);
    c.tell({ type: 'INC' });
    c.tell({ type: 'PING', replyTo: probe.ref });
    expect(await probe.expect()).toEqual({ type: 'PONG', count: 1 });
  });

  it('fails to its supervisor when an action throws, with the xstate error as cause, and is restarted (not deaf)', async () => {
    system = await createActorSystem({ name: 'xs' });
    const events: SupervisionEvent[] = [];
    system.events.on('supervision', (e) => events.push(e));
    const c = system.spawn(Counter);
    c.tell({ type: 'INC' });
    const err = (await c.ask({ type: 'CRASH' }).catch((e: Error) => e)) as Error & {
      cause: Error & { cause: Error };
    };
    expect(err.name).toBe('ActorFailedError');
    expect(err.cause.name).toBe('MachineError');
    expect(err.cause.cause).toBeInstanceOf(RangeError);
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({
      directive: 'restart',
      error: { name: 'MachineError', cause: { name: 'RangeError', message: 'the machine broke' } },
    });
    expect(await c.ask({ type: 'GET' })).toBe(0); // restarted from the initial state (no persistence)
  });

  it('resumes from the last persisted snapshot after a restart', async () => {
    system = await createActorSystem({ name: 'xs' });
    const c = system.spawn(PersistentCounter, undefined, { name: 'persistent' });
    for (let i = 0; i < 3; i++) c.tell({ type: 'INC' });
    expect(await c.ask({ type: 'GET' })).toBe(3);
    expect(await memoryStore.get('user/persistent')).toMatchObject({ context: { count: 3 } });
    await c.ask({ type: 'CRASH' }).catch(() => undefined);
    expect(await c.ask({ type: 'GET' })).toBe(3); // resumed, not 0
    c.tell({ type: 'INC' });
    expect(await c.ask({ type: 'GET' })).toBe(4);
    await system.stop(c);
    expect(await memoryStore.get('user/persistent')).toBeUndefined(); // stopped for good: the snapshot is gone
  });

  it('publishes snapshot updates to a subscriber', async () => {
    system = await createActorSystem({ name: 'xs' });
    const probe = createProbe<SnapshotUpdate>(system);
    const c = system.spawn(Counter);
    c.tell({ type: 'troupe.xstate.subscribe', subscriber: probe.ref } as never);
    c.tell({ type: 'INC' });
    c.tell({ type: 'FINISH' });
    const last = await probe.expect((u) => (u.snapshot as Snap).status === 'done');
    expect(last.snapshot).toMatchObject({ value: 'done', context: { count: 1 } });
    expect(last.from.address).toBe(c.address);
  });

  it('hosts any ActorLogic: fromTransition and fromPromise', async () => {
    system = await createActorSystem({ name: 'xs' });
    const Sum = fromXState<{ type: 'ADD'; n: number }>(
      fromTransition((total: number, e: { type: 'ADD'; n: number }) => total + e.n, 0),
      { name: 'sum' },
    );
    const s = system.spawn(Sum);
    s.tell({ type: 'ADD', n: 2 });
    s.tell({ type: 'ADD', n: 40 });
    await settle();
    expect(await getSnapshot<{ context: number }>(s)).toMatchObject({ context: 42 });
    const Fetch = fromXState(
      fromPromise(async ({ input }: { input: { x: number } }) => input.x * 2),
      { name: 'double' },
    );
    const f = system.spawn(Fetch, { x: 21 });
    await waitFor(() => true);
    await expect.poll(async () => (await getSnapshot<{ output?: number }>(f)).output).toBe(42);
  });

  it('fails its actor when invoked logic rejects later, outside any message', async () => {
    system = await createActorSystem({ name: 'xs', supervision: { decider: () => 'stop' } });
    const events: SupervisionEvent[] = [];
    system.events.on('supervision', (e) => events.push(e));
    const Failing = fromXState(
      fromPromise(async () => {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('the promise rejected');
      }),
      { name: 'failing-promise' },
    );
    system.spawn(Failing);
    await waitFor(() => events.length === 1);
    expect(events[0]).toMatchObject({ directive: 'stop', error: { name: 'MachineError' } });
  });

  it('emits xstate inspection events', async () => {
    system = await createActorSystem({ name: 'xs' });
    const seen: InspectionEvent[] = [];
    const Inspected = fromXState<CounterEvent>(counterMachine, {
      name: 'inspected',
      inspect: (e) => seen.push(e),
    });
    const c = system.spawn(Inspected);
    c.tell({ type: 'INC' });
    expect(await c.ask({ type: 'GET' })).toBe(1);
    expect(seen.some((e) => e.type === '@xstate.event' && (e.event as { type: string }).type === 'INC')).toBe(
      true,
    );
    expect(seen.some((e) => e.type === '@xstate.snapshot')).toBe(true);
    void createActor;
  });
});

describe('machines on worker threads', () => {
  const catalog = new URL('./fixtures/threadCatalog.ts', import.meta.url).href;

  it('runs a machine on a thread: events, asks, snapshots and updates cross the boundary; restarts resume', async () => {
    system = await createActorSystem({ name: 'xst', catalog: [catalog], threads: { size: 1 } });
    const probe = createProbe<SnapshotUpdate>(system);
    const c = system.spawn<CounterEvent, unknown, { start: number }, number>(
      'test.persistent-counter',
      { start: 10 },
      {
        placement: 'thread',
        name: 'tc',
      },
    );
    c.tell({ type: 'troupe.xstate.subscribe', subscriber: probe.ref } as never);
    c.tell({ type: 'INC' });
    expect(await c.ask({ type: 'GET' })).toBe(11);
    await probe.expect((u) => (u.snapshot as Snap).context.count === 11);
    expect((await getSnapshot<Snap>(c)).context.count).toBe(11);
    await c.ask({ type: 'CRASH' }).catch(() => undefined);
    expect(await c.ask({ type: 'GET' })).toBe(11); // resumed from the snapshot persisted on that thread
  });
});
