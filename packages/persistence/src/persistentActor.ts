/**
 * What event-sourced and durable-state actors have in common: the fields of their definitions
 * (name, store, persistence id, initial state, supervision, onStop) and their start: which store,
 * which id, which initial state.
 *
 * Owns: {@link PersistentDefinition} and {@link startOf}. May not touch: how state is recovered.
 */
import type { ActorContext, SupervisionOptions, TerminationReason } from '@troupe/core';
import { persistenceIdOf } from './context.js';
import { defaultStore } from './defaultStore.js';
import type { PersistenceStore } from './store.js';

/** The fields every persistent actor's definition has. */
export interface PersistentDefinition<Msg, State, Args, Reply> {
  /** The catalog name. */
  readonly name: string;
  /**
   * Where its events or state go. Default: {@link defaultStore} (a SQLite file). A function is
   * called at each start and may return a promise (a store that connects first).
   */
  readonly store?:
    | PersistenceStore
    | ((ctx: ActorContext<Msg, Reply>) => PersistenceStore | Promise<PersistenceStore>);
  /**
   * Its persistence id. Default: the actor's path (`ctx.path`), the same after a restart or a
   * move; an actor with a generated name needs one (or a name).
   */
  readonly persistenceId?: (ctx: ActorContext<Msg, Reply>, args: Args) => string;
  /** The state before any event, or when nothing was saved yet. */
  readonly initial: State | ((args: Args) => State);
  /** How it supervises its children. */
  readonly supervision?: SupervisionOptions;
  /**
   * Fence earlier activations: at every start, after recovery, write one record to the journal
   * (an event-sourced actor: a fence record that recovery skips; a durable-state actor: its state
   * again). An earlier activation of the same persistence id that still runs somewhere (a paused
   * process, a node cut off that has not noticed yet) then can no longer write: its next append
   * fails with a conflict, and it stops. Entities (`@troupe/entities`) want this; it costs one
   * write per start. Default false.
   */
  readonly fence?: boolean;
  /** Called when it stops (what is stored stays). */
  readonly onStop?: (
    ctx: ActorContext<Msg, Reply>,
    state: State,
    reason: TerminationReason,
  ) => void | Promise<void>;
}

/** Where a starting persistent actor keeps its data, under which id, and its state before any. @internal */
export async function startOf<Msg, State, Args, Reply>(
  def: PersistentDefinition<Msg, State, Args, Reply>,
  ctx: ActorContext<Msg, Reply>,
  args: Args,
): Promise<{ store: PersistenceStore; id: string; initial: State }> {
  const store =
    def.store === undefined
      ? defaultStore()
      : typeof def.store === 'function'
        ? await def.store(ctx)
        : def.store;
  const id = persistenceIdOf(ctx, args, def.persistenceId, def.name);
  const initial = typeof def.initial === 'function' ? (def.initial as (a: Args) => State)(args) : def.initial;
  return { store, id, initial };
}
