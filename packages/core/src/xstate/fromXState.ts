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
import type { ActorRef } from '../actor/ActorRef.js';
import { type Behaviour, defineActor } from '../actor/behaviour.js';
import { InvalidOptionsError, TroupeError } from '../errors.js';
import type { SupervisionOptions } from '../supervision/types.js';
import type { SnapshotStore } from './SnapshotStore.js';

/** Options of {@link fromXState}. */
export interface FromXStateOptions {
  /** The catalog name (default: the machine's `id`). */
  readonly name?: string;
  /**
   * Persist the snapshot after processed events, so a restarted actor (also one re-placed on
   * another node) resumes from it. `key` defaults to the actor's path, which survives restarts.
   */
  readonly persist?: {
    readonly store: SnapshotStore;
    /** Persist after every `every` events (default 1). */
    readonly every?: number;
    readonly key?: (path: string) => string;
    /** Keep the snapshot when the actor stops normally (default: delete it, the work is done). */
    readonly keepOnStop?: boolean;
  };
  /** Receives xstate's own inspection events of the hosted machine (and its children). */
  readonly inspect?: (event: InspectionEvent) => void;
  /** How the machine actor supervises Troupe children it spawns. */
  readonly supervision?: SupervisionOptions;
}

/** The error a machine actor fails with when its machine errs; the xstate error is the `cause`. */
export class MachineError extends TroupeError {
  override readonly name = 'MachineError';
}

/** Ask a machine actor for its persisted (serializable) snapshot. */
export interface GetSnapshot {
  readonly type: 'troupe.xstate.get-snapshot';
}
/** Subscribe `subscriber` to snapshot updates ({@link SnapshotUpdate} messages); works across threads and nodes. */
export interface SubscribeSnapshots {
  readonly type: 'troupe.xstate.subscribe';
  readonly subscriber: ActorRef;
}
/** Sent to subscribers after every change of the machine's snapshot. */
export interface SnapshotUpdate {
  readonly type: 'troupe.xstate.snapshot';
  readonly from: ActorRef;
  readonly snapshot: unknown;
}
interface Failed {
  readonly type: 'troupe.xstate.failed';
}
type Control = GetSnapshot | SubscribeSnapshots | Failed;

interface MachineState {
  actor: AnyActorRef & { getPersistedSnapshot(): Snapshot<unknown>; stop(): void };
  subscribers: ActorRef[];
  sinceSave: number;
  error: unknown;
  key: string;
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

/** Ask a machine actor for its current snapshot (any placement). */
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
  const save = async (s: MachineState) => {
    if (persist === undefined) return;
    s.sinceSave = 0;
    await persist.store.put(s.key, s.actor.getPersistedSnapshot());
  };
  return defineActor<Ev, MachineState, Input>({
    name,
    ...(options.supervision === undefined ? {} : { supervision: options.supervision }),
    async init(ctx, input) {
      const key = persist?.key?.(ctx.path) ?? ctx.path;
      const restored = persist === undefined ? undefined : await persist.store.get(key);
      const state: MachineState = {
        actor: undefined as never,
        subscribers: [],
        sinceSave: 0,
        error: undefined,
        key,
      };
      const actor = createActor(logic, {
        ...(input === undefined ? {} : { input }),
        ...(restored === undefined ? {} : { snapshot: restored as Snapshot<unknown> }),
        ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
      });
      state.actor = actor as MachineState['actor'];
      actor.subscribe({
        next: (snapshot) => {
          if (state.subscribers.length === 0) return;
          const persisted = actor.getPersistedSnapshot();
          void snapshot;
          for (const s of state.subscribers)
            s.tell({
              type: 'troupe.xstate.snapshot',
              from: ctx.self,
              snapshot: persisted,
            } satisfies SnapshotUpdate);
        },
        error: (err) => {
          // Errors outside a receive (a delayed transition, an invoked promise): fail through the mailbox.
          state.error = err;
          ctx.self.tell({ type: 'troupe.xstate.failed' } as never);
        },
      });
      actor.start();
      if (actor.getSnapshot().status === 'error')
        throw new MachineError(`machine '${name}' failed as it started`, {
          cause: actor.getSnapshot().error,
        });
      return state;
    },
    async receive(ctx, s, message) {
      if (isControl(message)) {
        if (message.type === 'troupe.xstate.get-snapshot') ctx.reply(s.actor.getPersistedSnapshot());
        else if (message.type === 'troupe.xstate.subscribe') {
          s.subscribers.push(message.subscriber);
          message.subscriber.tell({
            type: 'troupe.xstate.snapshot',
            from: ctx.self,
            snapshot: s.actor.getPersistedSnapshot(),
          } satisfies SnapshotUpdate);
        } else if (message.type === 'troupe.xstate.failed') {
          // Already handled if the error surfaced inside a receive (the actor was failed then).
          if (s.actor.getSnapshot().status !== 'error') return s;
          throw new MachineError(`machine '${name}' failed: ${describe(s.error)}`, { cause: s.error });
        }
        return s;
      }
      currentReply = ctx.isAsk ? (v) => ctx.reply(v) : undefined;
      try {
        s.actor.send(message as never);
      } finally {
        currentReply = undefined;
      }
      const snap = s.actor.getSnapshot();
      if (snap.status === 'error') {
        s.error = snap.error;
        throw new MachineError(
          `machine '${name}' failed on ${describe((message as { type?: unknown }).type)}: ${describe(snap.error)}`,
          {
            cause: snap.error,
          },
        );
      }
      if (persist !== undefined && ++s.sinceSave >= every) await save(s);
      return s;
    },
    async onStop(_ctx, s, reason) {
      s.actor.stop();
      // Only a deliberate stop ends the workflow. A shutdown or an orphaned copy (its parent's
      // node was declared down, a replacement runs elsewhere) keeps the snapshot for the next incarnation.
      if (persist !== undefined && !persist.keepOnStop && reason === 'stopped')
        await persist.store.delete(s.key);
    },
    onRestart(_ctx, s) {
      // Keep the last persisted snapshot: the next init resumes from it.
      s.actor.stop();
    },
  });
}

function describe(v: unknown): string {
  if (v instanceof Error) return `${v.name}: ${v.message}`;
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
}
