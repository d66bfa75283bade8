/**
 * xstate v5 machines (or any xstate `ActorLogic`) as Troupe behaviours: messages are events, the
 * machine runs inside a Troupe actor in any placement, its errors fail the Troupe actor to its
 * supervisor, and its snapshot can be persisted so a restarted actor resumes where it was.
 */
import {
  type AnyActorLogic,
  type AnyActorRef,
  createActor,
  type InspectionEvent,
  type Snapshot,
} from 'xstate';
import type { CellSystem } from '../actor/ActorCell.js';
import type { ReplyTarget } from '../actor/ask.js';
import { defineActor } from '../actor/defineActor.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { ActorContext, Behaviour } from '../api/ActorSystem.js';
import type { SupervisionOptions } from '../api/supervision.js';
import { InvalidOptionsError } from '../errors.js';
import { describeCause as describe } from '../serializedError.js';
import { pendingDelays, restoreDelays } from './delays.js';
import { MachineError, UnansweredAskError } from './errors.js';
import { persistedSnapshot, resolverOf, restoreRefs } from './refs.js';
import type { SnapshotStore } from './SnapshotStore.js';

/**
 * Options of {@link fromXState}.
 *
 * @example
 * ```ts
 * const store = await natsKvSnapshotStore({ connection: { servers: 'nats://127.0.0.1:4222' } });
 * export const Order = fromXState(orderMachine, {
 *   name: 'order',
 *   // A new key prefix after an incompatible change to the machine: old snapshots are not restored.
 *   persist: { store, key: (path) => `order-v2/${path}` },
 *   inspect: (e) => e.type === '@xstate.event' && console.debug(e.event.type),
 * });
 * ```
 */
export interface FromXStateOptions {
  /** The catalog name (default: the machine's `id`). */
  readonly name?: string;
  /**
   * Persist the snapshot after processed events, so a restarted actor (also one re-placed on
   * another node) resumes from it. `key` defaults to the actor's path, which survives restarts.
   */
  readonly persist?: {
    /** Where snapshots are kept: an {@link InMemorySnapshotStore}, or a store shared by nodes (NATS KV) so another node can resume. */
    readonly store: SnapshotStore;
    /** Persist after every `every` events (default 1). */
    readonly every?: number;
    /** The store key of an actor, from its path (default: the path itself). */
    readonly key?: (path: string) => string;
    /** Keep the snapshot when the actor stops normally (default: delete it, the work is done). */
    readonly keepOnStop?: boolean;
  };
  /** Receives xstate's own inspection events of the hosted machine (and its children). */
  readonly inspect?: (event: InspectionEvent) => void;
  /** How the machine actor supervises Troupe children it spawns. */
  readonly supervision?: SupervisionOptions;
}

/**
 * Ask a machine actor for its persisted (serializable) snapshot; {@link getSnapshot} sends it.
 *
 * @example
 * ```ts
 * const snap = await order.ask({ type: 'troupe.xstate.get-snapshot' } satisfies GetSnapshot);
 * ```
 */
export interface GetSnapshot {
  /** Always `'troupe.xstate.get-snapshot'`. */
  readonly type: 'troupe.xstate.get-snapshot';
}
/**
 * Subscribe `subscriber` to snapshot updates ({@link SnapshotUpdate} messages); works across threads and nodes.
 * The subscriber gets the current snapshot at once, then one update per change.
 *
 * @example
 * ```ts
 * order.tell({ type: 'troupe.xstate.subscribe', subscriber: dashboard } satisfies SubscribeSnapshots);
 * ```
 */
export interface SubscribeSnapshots {
  /** Always `'troupe.xstate.subscribe'`. */
  readonly type: 'troupe.xstate.subscribe';
  /** The actor that receives the {@link SnapshotUpdate} messages. */
  readonly subscriber: ActorRef;
}
/**
 * Sent to subscribers after every change of the machine's snapshot.
 *
 * @example
 * ```ts
 * const Dashboard = defineActor<SnapshotUpdate>({
 *   name: 'dashboard',
 *   receive(_ctx, _state, m) {
 *     console.log(m.from.name, (m.snapshot as { value: unknown }).value);
 *   },
 * });
 * ```
 */
export interface SnapshotUpdate {
  /** Always `'troupe.xstate.snapshot'`. */
  readonly type: 'troupe.xstate.snapshot';
  /** The machine actor whose snapshot changed. */
  readonly from: ActorRef;
  /** Its persisted snapshot (serializable: `value`, `context`, `status`, …). */
  readonly snapshot: unknown;
}
/** The machine erred outside a message (a delayed transition, an invoked promise). */
interface Failed {
  readonly type: 'troupe.xstate.failed';
}
/** The machine changed outside a message (a delay fired, a promise resolved): persist it. */
interface Changed {
  readonly type: 'troupe.xstate.changed';
}
type Control = GetSnapshot | SubscribeSnapshots | Failed | Changed;

const FAILED: Failed = { type: 'troupe.xstate.failed' };
const CHANGED: Changed = { type: 'troupe.xstate.changed' };

/**
 * The state a machine actor keeps: the running xstate actor and the adapter's bookkeeping. It
 * is opaque to users: exported only so that a declaration file can name the type of an
 * exported behaviour (`export const Order = fromXState(…)` under `declaration: true`).
 *
 * @example
 * ```ts
 * import type { MachineState } from '@troupe/core/xstate';
 * export const Order: Behaviour<OrderEvent, MachineState, OrderInput> = fromXState(orderMachine);
 * ```
 */
export interface MachineState {
  /** The running xstate actor. */
  actor: AnyActorRef & {
    /** The snapshot to persist. */
    getPersistedSnapshot(): Snapshot<unknown>;
    /** Stop the machine. */
    stop(): void;
  };
  /** Refs subscribed to snapshot updates. */
  subscribers: ActorRef[];
  /** Changes since the last save to the snapshot store. */
  sinceSave: number;
  /** The machine's error, once it failed. */
  error: unknown;
  /** The snapshot store key. */
  key: string;
  /** True while the adapter itself drives the machine (init, a message, a stop): changes are handled there. */
  busy: boolean;
  /** A change notice (the adapter's own message) is in the mailbox. */
  changePending: boolean;
  /** A `reply()` ran for the ask being processed. */
  replied: boolean;
}

/** The reply of the ask being processed, for {@link reply} actions (a machine runs synchronously inside `send`). */
let currentReply: ((value: unknown) => void) | undefined;

/**
 * An xstate action that answers the Troupe `ask` that delivered the current event.
 *
 * @example
 * ```ts
 * on: { GET_TOTAL: { actions: reply(({ context }) => context.total) } }
 * ```
 */
export function reply<A>(value: (args: A) => unknown): (args: A) => void {
  return (args: A) => {
    const r = currentReply;
    if (r === undefined) {
      throw new MachineError(
        'reply() ran outside an ask: send the event with ref.ask(), or check the event was asked',
      );
    }
    r(value(args));
  };
}

/**
 * A Troupe ref typed as an xstate actor ref, for `sendTo`: the event goes to the Troupe actor
 * (in any placement) with `tell`.
 *
 * @example
 * ```ts
 * actions: sendTo(({ event }) => asXStateRef(event.replyTo), { type: 'DONE' })
 * ```
 */
export function asXStateRef(ref: ActorRef): AnyActorRef {
  return ref as unknown as AnyActorRef;
}

/**
 * Ask a machine actor for its current snapshot (any placement).
 *
 * @example
 * ```ts
 * const snap = await getSnapshot<{ value: string; context: Order }>(order, 1000);
 * ```
 */
export function getSnapshot<S = unknown>(ref: ActorRef, timeoutMs?: number): Promise<S> {
  return ref.ask(
    { type: 'troupe.xstate.get-snapshot' } satisfies GetSnapshot,
    timeoutMs === undefined ? undefined : { timeoutMs },
  ) as Promise<S>;
}

const isControl = (m: unknown): m is Control =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as { type?: unknown }).type === 'string' &&
  (m as { type: string }).type.startsWith('troupe.xstate.');

/**
 * Turn an xstate v5 machine (or any ActorLogic: fromTransition, fromPromise, fromCallback…)
 * into a Troupe behaviour. Spawn arguments are the machine's `input`.
 *
 * @example
 * ```ts
 * export const Order = fromXState(orderMachine, { name: 'order', persist: { store } });
 * const order = system.spawn(Order, { id: 'o-1' }, { placement: 'any-node' });
 * order.tell({ type: 'PAY', amount: 30 });
 * ```
 */
export function fromXState<Ev = any, Input = any>(
  logic: AnyActorLogic,
  options: FromXStateOptions = {},
): Behaviour<Ev, MachineState, Input> {
  const name = options.name ?? (logic as { id?: string }).id;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidOptionsError('fromXState(): give the behaviour a name ({ name }) or the machine an id');
  }
  const persist = options.persist;
  const every = persist?.every ?? 1;
  if (persist !== undefined && (!Number.isInteger(every) || every < 1)) {
    throw new InvalidOptionsError('fromXState(): persist.every must be a whole number ≥ 1');
  }
  const save = async (s: MachineState): Promise<MachineState> => {
    if (persist === undefined) return s;
    s.sinceSave = 0;
    const snapshot = persistedSnapshot(s.actor);
    const delays = pendingDelays(s.actor);
    // Pending delays ride along with xstate's snapshot (which has no place for them).
    await persist.store.put(s.key, delays.length === 0 ? snapshot : { ...snapshot, troupe: { delays } });
    return s;
  };
  const control = (ctx: ActorContext<Ev>, s: MachineState, message: Control) => {
    switch (message.type) {
      case 'troupe.xstate.get-snapshot':
        ctx.reply(persistedSnapshot(s.actor));
        return s;
      case 'troupe.xstate.subscribe':
        s.subscribers.push(message.subscriber);
        message.subscriber.tell({
          type: 'troupe.xstate.snapshot',
          from: ctx.self,
          snapshot: persistedSnapshot(s.actor),
        } satisfies SnapshotUpdate);
        return s;
      case 'troupe.xstate.failed':
        // Already handled if the error surfaced inside a receive (the actor was failed then).
        if (s.actor.getSnapshot().status !== 'error') return s;
        throw new MachineError(`machine '${name}' failed: ${describe(s.error)}`, { cause: s.error });
      case 'troupe.xstate.changed':
        s.changePending = false;
        return persist !== undefined && ++s.sinceSave >= every ? save(s) : s;
    }
    return s;
  };
  return defineActor<Ev, MachineState, Input>({
    name,
    ...(options.supervision === undefined ? {} : { supervision: options.supervision }),
    async init(ctx, input) {
      const key = persist?.key?.(ctx.path) ?? ctx.path;
      const stored = persist === undefined ? undefined : await persist.store.get(key);
      const { snapshot: restored, delays } = unpack(stored, ctx);
      const state: MachineState = {
        actor: undefined as never,
        subscribers: [],
        sinceSave: 0,
        error: undefined,
        key,
        busy: true,
        changePending: false,
        replied: false,
      };
      // The system's clock drives the machine's delays too (a ManualClock in tests).
      const clock = (ctx.system as Partial<CellSystem>).clock;
      const actor = createActor(logic, {
        ...(input === undefined ? {} : { input }),
        ...(restored === undefined ? {} : { snapshot: restored as Snapshot<unknown> }),
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
        ...(clock === undefined ? {} : { clock }),
      });
      state.actor = actor as MachineState['actor'];
      actor.subscribe({
        next: () => {
          if (state.subscribers.length > 0) {
            const snapshot = persistedSnapshot(actor);
            for (const s of state.subscribers)
              s.tell({ type: 'troupe.xstate.snapshot', from: ctx.self, snapshot } satisfies SnapshotUpdate);
          }
          if (!state.busy && persist !== undefined && !state.changePending) {
            state.changePending = true;
            ctx.self.tell(CHANGED as never);
          }
        },
        error: (err) => {
          // Errors outside a receive (a delayed transition, an invoked promise): fail through the mailbox.
          state.error = err;
          if (!state.busy) ctx.self.tell(FAILED as never);
        },
      });
      actor.start();
      if (actor.getSnapshot().status === 'error')
        throw new MachineError(`machine '${name}' failed as it started`, {
          cause: actor.getSnapshot().error,
        });
      restoreDelays(actor, delays);
      state.busy = false;
      return state;
    },
    receive(ctx, s, message) {
      if (isControl(message)) return control(ctx, s, message);
      const asked = ctx.isAsk;
      const before = asked ? s.actor.getSnapshot() : undefined;
      s.replied = false;
      currentReply = asked
        ? (v) => {
            s.replied = true;
            ctx.reply(v);
          }
        : undefined;
      s.busy = true;
      try {
        s.actor.send(message as never);
      } finally {
        currentReply = undefined;
        s.busy = false;
      }
      const snap = s.actor.getSnapshot();
      if (snap.status === 'error') {
        s.error = snap.error;
        throw new MachineError(
          `machine '${name}' failed on ${describe((message as { type?: unknown }).type)}: ${describe(snap.error)}`,
          { cause: snap.error },
        );
      }
      if (asked && !s.replied) failUnanswered(ctx, name, before, message);
      // Synchronous unless a snapshot is written: no promise, no extra turn per event.
      return persist !== undefined && ++s.sinceSave >= every ? save(s) : s;
    },
    async onStop(_ctx, s, reason) {
      s.busy = true;
      s.actor.stop();
      // Only a deliberate stop ends the workflow. A shutdown or an orphaned copy (its parent's
      // node was declared down, a replacement runs elsewhere) keeps the snapshot for the next incarnation.
      if (persist !== undefined && !persist.keepOnStop && reason === 'stopped')
        await persist.store.delete(s.key);
    },
    onRestart(_ctx, s) {
      // Keep the last persisted snapshot: the next init resumes from it.
      s.busy = true;
      s.actor.stop();
    },
  });
}

/** Split what the store holds into xstate's snapshot and the delays saved with it; refs come back working. */
function unpack(stored: unknown, ctx: ActorContext): { snapshot: unknown; delays: unknown } {
  if (typeof stored !== 'object' || stored === null) return { snapshot: undefined, delays: undefined };
  const { troupe, ...snapshot } = restoreRefs(stored, resolverOf(ctx.system)) as {
    troupe?: { delays?: unknown };
  };
  return { snapshot, delays: troupe?.delays };
}

/**
 * A `reply()` can only run while the machine processes the asked event, so an ask it did not
 * answer then will never be answered: fail it now, saying why, instead of letting it time out.
 */
function failUnanswered(ctx: ActorContext, name: string, before: unknown, message: unknown): void {
  const target = (ctx as { detachReply?(): ReplyTarget | undefined }).detachReply?.();
  if (target === undefined) return;
  const snap = before as { status: string; value?: unknown; can?(event: unknown): boolean };
  let handled = snap.status === 'active';
  if (handled && typeof snap.can === 'function') {
    try {
      handled = snap.can(message);
    } catch {
      // A guard that throws here also threw in the transition: the event was seen.
    }
  }
  const value = snap.value;
  const state =
    typeof snap.can !== 'function'
      ? `'${snap.status}'`
      : typeof value === 'string'
        ? `'${value}'`
        : describe(value);
  const type = describe((message as { type?: unknown } | null)?.type ?? message);
  target.fail(new UnansweredAskError(name, state, type, handled, snap.status));
}
