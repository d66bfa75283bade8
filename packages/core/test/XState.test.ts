import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise, fromTransition, type InspectionEvent } from 'xstate';
import { type ActorSystem, createActorSystem, type SupervisionEvent } from '../src/index.js';
import { createProbe, ManualClock } from '../src/testing/index.js';
import {
  fromXState,
  getSnapshot,
  isUnansweredAskError,
  type SnapshotUpdate,
  type UnansweredAskError,
} from '../src/xstate/index.js';
import {
  Counter,
  type CounterEvent,
  counterMachine,
  memoryStore,
  type OwnedEvent,
  ownedMachine,
  PersistentCounter,
  PersistentOwned,
  PersistentParent,
  PersistentTimer,
  type TimerEvent,
  timerMachine,
} from './fixtures/machines.js';
import { settle, waitFor } from './helpers.js';

let system: ActorSystem | undefined;
afterEach(async () => {
  vi.useRealTimers();
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

type Notified = { type: 'NOTIFIED'; text: string; notes: number };

describe('Troupe refs in the context', () => {
  it('persists a ref as its address and restores it as a working ref after a restart', async () => {
    system = await createActorSystem({ name: 'xs' });
    const probe = createProbe<Notified>(system);
    const m = system.spawn(PersistentOwned, undefined, { name: 'owned' });
    m.tell({ type: 'OWN', owner: probe.ref });
    m.tell({ type: 'NOTIFY', text: 'one' });
    expect(await probe.expect()).toEqual({ type: 'NOTIFIED', text: 'one', notes: 1 });
    expect(await memoryStore.get('user/owned')).toMatchObject({
      context: { owner: { $ref: probe.ref.address }, notes: 1 },
    });
    await m.ask({ type: 'CRASH' }).catch(() => undefined);
    m.tell({ type: 'NOTIFY', text: 'two' }); // the restored machine sends to the ref it restored
    expect(await probe.expect()).toEqual({ type: 'NOTIFIED', text: 'two', notes: 2 });
    const snap = await getSnapshot<{ context: { owner: { address: string } } }>(m);
    expect(snap.context.owner.address).toBe(probe.ref.address);
    expect(JSON.parse(JSON.stringify(snap)).context.owner).toEqual({ $ref: probe.ref.address });
    await system.stop(m);
  });

  it('answers getSnapshot and subscriptions while a live ref is in the context', async () => {
    system = await createActorSystem({ name: 'xs' });
    const probe = createProbe<SnapshotUpdate>(system);
    const Owned = fromXState<OwnedEvent>(ownedMachine, { name: 'owned-unpersisted' });
    const m = system.spawn(Owned);
    m.tell({ type: 'troupe.xstate.subscribe', subscriber: probe.ref } as never);
    m.tell({ type: 'OWN', owner: probe.ref });
    const u = await probe.expect(
      (x) => (x.snapshot as { context: { owner: unknown } }).context.owner !== null,
    );
    expect((u.snapshot as { context: { owner: { address: string } } }).context.owner.address).toBe(
      probe.ref.address,
    );
    expect(await getSnapshot(m)).toMatchObject({ context: { notes: 0 } });
  });

  it('persists and restores a ref in the context of an invoked child machine', async () => {
    system = await createActorSystem({ name: 'xs' });
    const probe = createProbe<{ type: string }>(system);
    const m = system.spawn(PersistentParent, undefined, { name: 'parent' });
    m.tell({ type: 'START', to: probe.ref });
    m.tell({ type: 'REPORT' });
    expect(await probe.expect()).toEqual({ type: 'REPORTED' });
    expect(await memoryStore.get('user/parent')).toMatchObject({
      value: 'running',
      context: { to: { $ref: probe.ref.address } },
      children: { reporter: { snapshot: { context: { to: { $ref: probe.ref.address } } } } },
    });
    await m.ask({ type: 'CRASH' }).catch(() => undefined);
    m.tell({ type: 'REPORT' }); // the restored child sends to the ref restored in its context
    expect(await probe.expect()).toEqual({ type: 'REPORTED' });
    await system.stop(m);
  });
});

describe('stop reasons and the persisted snapshot', () => {
  it('keeps the snapshot when the system shuts down, so the next system resumes it', async () => {
    system = await createActorSystem({ name: 'xs' });
    const c = system.spawn(PersistentCounter, { start: 40 }, { name: 'kept' });
    c.tell({ type: 'INC' });
    expect(await c.ask({ type: 'GET' })).toBe(41);
    await system.shutdown();
    expect(await memoryStore.get('user/kept')).toMatchObject({ context: { count: 41 } });
    system = await createActorSystem({ name: 'xs' });
    const again = system.spawn(PersistentCounter, { start: 0 }, { name: 'kept' });
    expect(await again.ask({ type: 'GET' })).toBe(41); // resumed, not the input's 0
    await system.stop(again);
    expect(await memoryStore.get('user/kept')).toBeUndefined();
  });

  it('deletes the snapshot when the actor is stopped on purpose, by its parent or by itself', async () => {
    system = await createActorSystem({ name: 'xs' });
    const c = system.spawn(PersistentCounter, undefined, { name: 'done-with' });
    c.tell({ type: 'INC' });
    expect(await c.ask({ type: 'GET' })).toBe(1);
    expect(await memoryStore.get('user/done-with')).toBeDefined();
    await system.stop(c);
    expect(await memoryStore.get('user/done-with')).toBeUndefined();
  });
});

describe('delayed transitions across restarts', () => {
  it('runs delays on the system clock and saves the machine when a delay fires', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'xs', clock });
    const t = system.spawn(PersistentTimer, undefined, { name: 'timer-1' });
    t.tell({ type: 'START' });
    expect(await t.ask({ type: 'GET' })).toBe('waiting');
    clock.advance(1000);
    expect(await t.ask({ type: 'GET' })).toBe('timedOut');
    const saved = (await memoryStore.get('user/timer-1')) as { value: string; troupe?: unknown };
    expect(saved.value).toBe('timedOut'); // persisted although no event caused the change
    expect(saved.troupe).toBeUndefined(); // nothing pending any more
    await system.stop(t);
  });

  it('resumes a pending delay after a restart, at its original deadline', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'xs', clock });
    const t = system.spawn(PersistentTimer, undefined, { name: 'timer-2' });
    t.tell({ type: 'START' });
    expect(await t.ask({ type: 'GET' })).toBe('waiting');
    expect(await memoryStore.get('user/timer-2')).toMatchObject({
      value: 'waiting',
      troupe: { delays: [{ source: [], target: [], due: 1_001_000 }] },
    });
    vi.setSystemTime(1_000_600); // 600 ms of the 1000 have passed when it crashes
    await t.ask({ type: 'CRASH' }).catch(() => undefined);
    expect(await t.ask({ type: 'GET' })).toBe('waiting');
    clock.advance(399);
    expect(await t.ask({ type: 'GET' })).toBe('waiting');
    clock.advance(1);
    expect(await t.ask({ type: 'GET' })).toBe('timedOut');
    await system.stop(t);
  });

  it('fires a delay that fell due while no system ran at once when the machine is restored', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(2_000_000);
    let clock = new ManualClock();
    system = await createActorSystem({ name: 'xs', clock });
    const t = system.spawn(PersistentTimer, undefined, { name: 'timer-3' });
    t.tell({ type: 'START' });
    expect(await t.ask({ type: 'GET' })).toBe('waiting');
    await system.shutdown(); // keeps the snapshot and its pending delay
    vi.setSystemTime(2_005_000);
    clock = new ManualClock();
    system = await createActorSystem({ name: 'xs', clock });
    const again = system.spawn(PersistentTimer, undefined, { name: 'timer-3' });
    expect(await again.ask({ type: 'GET' })).toBe('waiting');
    clock.advance(0);
    expect(await again.ask({ type: 'GET' })).toBe('timedOut');
    await system.stop(again);
  });

  it('does not restore a delay that was cancelled by leaving its state', async () => {
    const clock = new ManualClock();
    system = await createActorSystem({ name: 'xs', clock });
    const t = system.spawn(PersistentTimer, undefined, { name: 'timer-4' });
    t.tell({ type: 'START' });
    t.tell({ type: 'CANCEL' });
    expect(await t.ask({ type: 'GET' })).toBe('idle');
    expect(await memoryStore.get('user/timer-4')).not.toHaveProperty('troupe');
    await t.ask({ type: 'CRASH' }).catch(() => undefined);
    clock.advance(5000);
    expect(await t.ask({ type: 'GET' })).toBe('idle');
    await system.stop(t);
  });
});

describe('asks that no reply() answers', () => {
  const asked = async (p: Promise<unknown>) => (await p.catch((e: unknown) => e)) as UnansweredAskError;

  it('fails at once, naming the machine, state and event, when no transition takes the event', async () => {
    system = await createActorSystem({ name: 'xs', askTimeoutMs: 60_000 });
    const Timer = fromXState<TimerEvent>(timerMachine, { name: 'timer' });
    const t = system.spawn(Timer);
    const err = await asked(t.ask({ type: 'CANCEL' })); // only 'waiting' handles CANCEL
    expect(isUnansweredAskError(err)).toBe(true);
    expect(err).toMatchObject({ machine: 'timer', state: "'idle'", event: 'CANCEL', handled: false });
    expect(err.message).toContain("machine 'timer' in state 'idle' did not handle the asked event 'CANCEL'");
    expect(await t.ask({ type: 'GET' })).toBe('idle'); // the actor is fine
  });

  it('fails at once when a transition takes the event but no reply() runs', async () => {
    system = await createActorSystem({ name: 'xs', askTimeoutMs: 60_000 });
    const c = system.spawn(Counter);
    const err = await asked(c.ask({ type: 'INC' }));
    expect(err).toMatchObject({ name: 'UnansweredAskError', event: 'INC', handled: true });
    expect(err.message).toContain('no reply() action ran');
    expect(await c.ask({ type: 'GET' })).toBe(1); // the event was processed
  });

  it('fails at once for a machine that is done', async () => {
    system = await createActorSystem({ name: 'xs', askTimeoutMs: 60_000 });
    const c = system.spawn(Counter);
    c.tell({ type: 'FINISH' });
    const err = await asked(c.ask({ type: 'GET' }));
    expect(err).toMatchObject({ name: 'UnansweredAskError', state: "'done'", handled: false });
    expect(err.message).toContain('is done');
    expect(await getSnapshot(c)).toMatchObject({ status: 'done' });
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

  it('restores a ref to a main-thread actor kept in the context of a machine on a thread', async () => {
    const machines = new URL('./fixtures/machines.ts', import.meta.url).href;
    system = await createActorSystem({ name: 'xst', catalog: [machines], threads: { size: 1 } });
    const probe = createProbe<Notified>(system);
    const m = system.spawn<OwnedEvent, unknown, void, number>('test.persistent-owned', undefined, {
      placement: 'thread',
      name: 'owned-on-thread',
    });
    m.tell({ type: 'OWN', owner: probe.ref });
    m.tell({ type: 'NOTIFY', text: 'one' });
    expect(await probe.expect()).toEqual({ type: 'NOTIFIED', text: 'one', notes: 1 });
    await m.ask({ type: 'CRASH' }).catch(() => undefined);
    m.tell({ type: 'NOTIFY', text: 'two' });
    expect(await probe.expect()).toEqual({ type: 'NOTIFIED', text: 'two', notes: 2 });
    // The snapshot crosses back with the ref as a working ref, and an unanswered ask fails at once.
    const snap = await getSnapshot<{ context: { owner: { address: string } } }>(m);
    expect(snap.context.owner.address).toBe(probe.ref.address);
    const err = await m.ask({ type: 'OWN', owner: probe.ref }, { timeoutMs: 60_000 }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'UnansweredAskError' });
  });
});
