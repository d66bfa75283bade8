/**
 * Event-sourced actors: a behaviour handles a command by persisting events, and its state is the
 * fold of its events. After any restart (a supervisor's, a process's, on another node) it replays
 * its journal from the latest snapshot before it takes its first message; messages that arrive
 * meanwhile wait in its mailbox, in order. A reply leaves only after the events are durable; a
 * write that fails fails the message to the supervisor (Akka's rule: the actor does not go on
 * with a state the journal does not have).
 *
 * Owns: the command → persist → apply → reply cycle, snapshots and retention.
 * May not touch: how a store writes.
 */
import { type ActorContext, type Behaviour, defineActor, type TerminationReason } from '@troupe/core';
import { HeldContext, type PersistentContext } from './context.js';
import { PersistFailedError } from './errors.js';
import { type PersistentDefinition, startOf } from './persistentActor.js';
import { FENCE_VERSION, recover, type Upcasters } from './recovery.js';
import { isJournalConflictError, type PersistenceStore, type StoredSnapshot } from './store.js';

/** The definition of an event-sourced actor ({@link eventSourced}). */
export interface EventSourcedDefinition<Msg, State, Event, Args = void, Reply = unknown>
  extends PersistentDefinition<Msg, State, Args, Reply> {
  /** The fold: the state after `event`. Pure; called during recovery and after each persist. */
  readonly apply: (state: State, event: Event) => State;
  /**
   * Handle a message: persist events with `ctx.persist(...)` and/or return them. Replies
   * (`ctx.reply`) are sent after the events are durable. Throwing fails the message as usual.
   */
  readonly command: (
    ctx: PersistentContext<Msg, Reply, Event>,
    state: State,
    message: Msg,
  ) => void | readonly Event[] | Promise<void | readonly Event[]>;
  /** Save a snapshot every this many events (default: never, unless the handler calls `ctx.snapshot()`). */
  readonly snapshotEvery?: number;
  /** Delete the events a snapshot covers (default false: keep the whole history). */
  readonly deleteEventsOnSnapshot?: boolean;
  /** The version of the events it writes now (default 1). */
  readonly eventVersion?: number;
  /** Upcasters from older event versions: `{ 1: (v1) => v2, 2: (v2) => v3 }`. */
  readonly upcasters?: Upcasters;
  /** The version of the state's shape in snapshots (default 1); a snapshot of another version fails recovery. */
  readonly snapshotVersion?: number;
}

/** What an event-sourced actor keeps between messages. */
export interface EventSourcedState<State> {
  /** The user's state: the fold of the events. */
  readonly state: State;
  /** The sequence number of the last event applied. */
  readonly seq: number;
  /** The persistence id. */
  readonly id: string;
  /** Events since the last snapshot. */
  readonly sinceSnapshot: number;
  /** @internal */
  readonly store: PersistenceStore;
}

const positive = (name: string, what: string, v: unknown) => {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1))
    throw new TypeError(`eventSourced('${name}'): ${what} must be a whole number ≥ 1 (got ${String(v)})`);
};

/**
 * Define an event-sourced actor: spawn it like any behaviour, in any placement.
 *
 * @example
 * ```ts
 * type Cmd = { type: 'deposit'; amount: number } | { type: 'balance' };
 * type Ev = { type: 'deposited'; amount: number };
 * export const Account = eventSourced<Cmd, { balance: number }, Ev, void, number>({
 *   name: 'account',
 *   initial: { balance: 0 },
 *   apply: (s, e) => ({ balance: s.balance + e.amount }),
 *   command(ctx, s, msg) {
 *     if (msg.type === 'balance') return ctx.reply(s.balance);
 *     ctx.persist({ type: 'deposited', amount: msg.amount });
 *     ctx.reply(s.balance + msg.amount); // sent once the event is durable
 *   },
 *   snapshotEvery: 1000,
 * });
 * ```
 */
export function eventSourced<Msg, State, Event, Args = void, Reply = unknown>(
  def: EventSourcedDefinition<Msg, State, Event, Args, Reply>,
): Behaviour<Msg, EventSourcedState<State>, Args, Reply> {
  if (typeof def !== 'object' || def === null)
    throw new TypeError('eventSourced() takes an object: { name, initial, apply, command, store?, … }');
  const name = def.name;
  if (typeof def.apply !== 'function')
    throw new TypeError(`eventSourced('${name}'): \`apply\` must be a function (state, event) => state`);
  if (typeof def.command !== 'function')
    throw new TypeError(
      `eventSourced('${name}'): \`command\` must be a function (ctx, state, message) => events`,
    );
  positive(name, 'snapshotEvery', def.snapshotEvery);
  positive(name, 'eventVersion', def.eventVersion);
  positive(name, 'snapshotVersion', def.snapshotVersion);
  const eventVersion = def.eventVersion ?? 1;
  const snapshotVersion = def.snapshotVersion ?? 1;
  const upcasters = def.upcasters ?? {};

  // A snapshot is an optimisation: the events are durable already and the sender has its reply.
  // One that fails is tried again after the next event, and never fails the actor.
  const snapshot = async (s: EventSourcedState<State>): Promise<EventSourcedState<State>> => {
    const snap: StoredSnapshot = { seq: s.seq, state: s.state, version: snapshotVersion };
    try {
      await s.store.snapshots.put(s.id, snap);
    } catch {
      return s;
    }
    if (def.deleteEventsOnSnapshot === true)
      await s.store.journal.deleteUpTo(s.id, s.seq).catch(() => undefined);
    return { ...s, sinceSnapshot: 0 };
  };

  return defineActor<Msg, EventSourcedState<State>, Args, Reply>({
    name,
    ...(def.supervision === undefined ? {} : { supervision: def.supervision }),
    async init(ctx, args) {
      const { store, id, initial } = await startOf(def, ctx, args);
      const r = await recover(store, id, initial, def.apply, eventVersion, upcasters, snapshotVersion);
      let seq = r.seq;
      if (def.fence === true) {
        // From now on an earlier activation's append (which expects `seq`) fails with a conflict.
        try {
          await store.journal.append(id, seq, [
            { event: { fence: ctx.self.address }, version: FENCE_VERSION },
          ]);
        } catch (cause) {
          throw new PersistFailedError(id, seq, 1, cause, isJournalConflictError(cause));
        }
        seq++;
      }
      return { state: r.state, seq, id, store, sinceSnapshot: r.replayed };
    },
    async receive(ctx, s, message) {
      const held = new HeldContext<Msg, Reply, Event>(ctx, s.seq);
      const returned = await def.command(held, s.state, message);
      const events = Array.isArray(returned) ? [...held.events, ...returned] : held.events;
      if (events.length === 0) {
        held.release();
        return held.snapshotRequested && s.seq > 0 ? snapshot(s) : s;
      }
      try {
        await s.store.journal.append(
          s.id,
          s.seq,
          events.map((event) => ({ event, version: eventVersion })),
        );
      } catch (cause) {
        throw new PersistFailedError(s.id, s.seq, events.length, cause, isJournalConflictError(cause));
      }
      let state = s.state;
      for (const e of events) state = def.apply(state, e);
      let next: EventSourcedState<State> = {
        ...s,
        state,
        seq: s.seq + events.length,
        sinceSnapshot: s.sinceSnapshot + events.length,
      };
      held.release();
      if (
        held.snapshotRequested ||
        (def.snapshotEvery !== undefined && next.sinceSnapshot >= def.snapshotEvery)
      )
        next = await snapshot(next);
      return next;
    },
    ...(def.onStop === undefined
      ? {}
      : {
          onStop: (ctx: ActorContext<Msg, Reply>, s: EventSourcedState<State>, reason: TerminationReason) =>
            def.onStop!(ctx, s?.state, reason),
        }),
  });
}
