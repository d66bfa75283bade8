/**
 * Durable-state actors: the simpler form of persistence, for actors that need no history. The
 * state itself is saved after each message that changed it (or every N), in the journal of its
 * persistence id, where the store's one-writer check fences a second activation; older saves are
 * deleted. A restarted actor starts from the last saved state. A reply leaves after the save.
 *
 * Owns: the receive → save → reply cycle. May not touch: how a store writes.
 */
import { type ActorContext, type Behaviour, defineActor } from '@troupe/core';
import { HeldContext } from './context.js';
import { PersistFailedError } from './errors.js';
import { type PersistentDefinition, startOf } from './persistentActor.js';
import { RecoveryError, type Upcasters, upcast } from './recovery.js';
import { isJournalConflictError, type PersistenceStore } from './store.js';

/** The message a durable-state actor's save timer sends itself (never leaves the actor). */
const SAVE_NOW = Object.freeze({ troupe: 'durable-state-save' });
const SAVE_TIMER = 'troupe.durable-state.save';

/** The definition of a durable-state actor ({@link durableState}). */
export interface DurableStateDefinition<Msg, State, Args = void, Reply = unknown>
  extends PersistentDefinition<Msg, State, Args, Reply> {
  /** Handle a message and return the next state (JSON-serializable). Replies are sent after it is saved. */
  readonly receive: (ctx: ActorContext<Msg, Reply>, state: State, message: Msg) => State | Promise<State>;
  /**
   * Save after every this many changed states (default 1). Above 1, replies do not wait for a
   * save, and a crash loses up to `saveEvery - 1` changes.
   */
  readonly saveEvery?: number;
  /**
   * Save changes at most this long after the first one not saved (ms): a save on a timer. With it,
   * `saveEvery` defaults to no limit (only the timer saves); replies do not wait for a save, and a
   * crash loses the changes of the last `saveAfterMs` at most.
   */
  readonly saveAfterMs?: number;
  /** The version of the state's shape (default 1). */
  readonly stateVersion?: number;
  /** Upcasters for saved states of older versions: `{ 1: (v1) => v2 }`. */
  readonly upcasters?: Upcasters;
}

/** What a durable-state actor keeps between messages. */
export interface DurableStateState<State> {
  /** The user's state. */
  readonly state: State;
  /** The sequence number of the last save. */
  readonly seq: number;
  /** The persistence id. */
  readonly id: string;
  /** Changes not saved yet. */
  readonly unsaved: number;
  /** @internal */
  readonly store: PersistenceStore;
}

/**
 * Define a durable-state actor: spawn it like any behaviour, in any placement.
 *
 * @example
 * ```ts
 * export const Cart = durableState<CartMsg, string[], void, number>({
 *   name: 'cart',
 *   initial: [],
 *   receive(ctx, items, msg) {
 *     const next = msg.type === 'add' ? [...items, msg.item] : items;
 *     ctx.reply(next.length); // sent once `next` is saved
 *     return next;
 *   },
 * });
 * ```
 */
export function durableState<Msg, State, Args = void, Reply = unknown>(
  def: DurableStateDefinition<Msg, State, Args, Reply>,
): Behaviour<Msg, DurableStateState<State>, Args, Reply> {
  if (typeof def !== 'object' || def === null)
    throw new TypeError('durableState() takes an object: { name, initial, receive, store?, … }');
  const name = def.name;
  if (typeof def.receive !== 'function')
    throw new TypeError(
      `durableState('${name}'): \`receive\` must be a function (ctx, state, message) => state`,
    );
  for (const [k, v] of [
    ['saveEvery', def.saveEvery],
    ['stateVersion', def.stateVersion],
  ] as const)
    if (v !== undefined && (!Number.isInteger(v) || v < 1))
      throw new TypeError(`durableState('${name}'): ${k} must be a whole number ≥ 1 (got ${String(v)})`);
  if (def.saveAfterMs !== undefined && !(def.saveAfterMs > 0 && Number.isFinite(def.saveAfterMs)))
    throw new TypeError(
      `durableState('${name}'): saveAfterMs must be a positive number of ms (got ${String(def.saveAfterMs)})`,
    );
  const saveEvery = def.saveEvery ?? (def.saveAfterMs === undefined ? 1 : Number.POSITIVE_INFINITY);
  const version = def.stateVersion ?? 1;
  const upcasters = def.upcasters ?? {};

  const save = async (s: DurableStateState<State>): Promise<DurableStateState<State>> => {
    try {
      await s.store.journal.append(s.id, s.seq, [{ event: s.state, version }]);
    } catch (cause) {
      throw new PersistFailedError(s.id, s.seq, 1, cause, isJournalConflictError(cause), 'state');
    }
    const seq = s.seq + 1;
    // Older saves are of no use: delete them (best effort, the next save tries again).
    await s.store.journal.deleteUpTo(s.id, seq - 1).catch(() => undefined);
    return { ...s, seq, unsaved: 0 };
  };

  return defineActor<Msg, DurableStateState<State>, Args, Reply>({
    name,
    ...(def.supervision === undefined ? {} : { supervision: def.supervision }),
    async init(ctx, args) {
      const { store, id, initial } = await startOf(def, ctx, args);
      const last = await store.journal.lastSeq(id);
      let state = initial;
      if (last > 0) {
        let found = false;
        for await (const e of store.journal.read(id, last)) {
          state = upcast(id, e.seq, e.event, e.version, version, upcasters, 'stateVersion') as State;
          found = true;
        }
        if (!found) throw new RecoveryError(id, last, 'the last saved state is missing from the journal');
      }
      if (def.fence === true) {
        // The state again, one sequence number on: an earlier activation's save now conflicts.
        try {
          await store.journal.append(id, last, [{ event: state, version }]);
        } catch (cause) {
          throw new PersistFailedError(id, last, 1, cause, isJournalConflictError(cause), 'state');
        }
        return { state, seq: last + 1, id, store, unsaved: 0 };
      }
      return { state, seq: last, id, store, unsaved: 0 };
    },
    async receive(ctx, s, message) {
      if ((message as unknown) === SAVE_NOW) return s.unsaved > 0 ? save(s) : s;
      const held = new HeldContext<Msg, Reply, never>(ctx, s.seq);
      const state = await def.receive(held, s.state, message);
      if (state === s.state) {
        held.release();
        return s;
      }
      const changed = { ...s, state, unsaved: s.unsaved + 1 };
      if (changed.unsaved < saveEvery) {
        held.release();
        if (def.saveAfterMs !== undefined && s.unsaved === 0)
          ctx.timers.once(SAVE_TIMER, def.saveAfterMs, SAVE_NOW as unknown as Msg);
        return changed;
      }
      ctx.timers.cancel(SAVE_TIMER);
      const saved = await save(changed);
      held.release();
      return saved;
    },
    async onStop(ctx, s, reason) {
      // Changes held back by saveEvery are saved on the way out (not after a crash: 'failed').
      if (s !== undefined && s.unsaved > 0 && reason !== 'failed') await save(s).catch(() => undefined);
      await def.onStop?.(ctx, s?.state, reason);
    },
  });
}
