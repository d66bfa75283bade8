/**
 * The context a persistent actor's handler gets: the actor's own context, plus `persist()`, with
 * replies held back until what the message persisted is durable (a sender is never told of a
 * change the store has not acknowledged).
 *
 * Owns: the held-back replies and the events a handler persists. May not touch: the store.
 */
import type { ActorContext, ActorRef, ActorSystem, Behaviour, SpawnOptions, Timers } from '@troupe/core';

/**
 * The context of an event-sourced actor's `command` handler: an {@link ActorContext} whose
 * `reply` is sent only after the events are durable, and `persist`.
 */
export interface PersistentContext<Msg = any, Reply = any, Event = any> extends ActorContext<Msg, Reply> {
  /** Persist `events` (after the handler returns, all of this message's events together, before any reply). */
  persist(...events: Event[]): void;
  /** The sequence number of the last event applied to the state. */
  readonly lastSeq: number;
  /** Save a snapshot of the state once this message's events are persisted (on demand, besides `snapshotEvery`). */
  snapshot(): void;
}

/** A context that delegates to the actor's own and holds back replies and events. */
export class HeldContext<Msg, Reply, Event> implements PersistentContext<Msg, Reply, Event> {
  readonly events: Event[] = [];
  readonly replies: Reply[] = [];
  readonly forwards: [ActorRef, unknown][] = [];
  /** `snapshot()` was called. */
  snapshotRequested = false;
  constructor(
    private readonly ctx: ActorContext<Msg, Reply>,
    readonly lastSeq: number,
  ) {}
  get self(): ActorRef<Msg, Reply> {
    return this.ctx.self;
  }
  get parent(): ActorRef<never> {
    return this.ctx.parent;
  }
  get system(): ActorSystem {
    return this.ctx.system;
  }
  get path(): string {
    return this.ctx.path;
  }
  get isAsk(): boolean {
    return this.ctx.isAsk;
  }
  get restartCount(): number {
    return this.ctx.restartCount;
  }
  get children(): readonly ActorRef[] {
    return this.ctx.children;
  }
  get timers(): Timers<Msg> {
    return this.ctx.timers;
  }
  snapshot(): void {
    this.snapshotRequested = true;
  }
  persist(...events: Event[]): void {
    this.events.push(...events);
  }
  reply(value: Reply): void {
    // A reply to a tell is a mistake: let the actor's own context say so now, before anything is
    // persisted (it throws ReplyOutsideAskError), not after.
    if (!this.ctx.isAsk) this.ctx.reply(value);
    this.replies.push(value);
  }
  /** Held like a reply: the message goes on once this message's events are durable. */
  forward(ref: ActorRef, message: unknown): void {
    this.forwards.push([ref, message]);
  }
  spawn<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options?: SpawnOptions,
  ): ActorRef<M, R> {
    return this.ctx.spawn(behaviour, args, options);
  }
  stop(ref: ActorRef, options?: { readonly drain?: boolean }): void {
    this.ctx.stop(ref, options);
  }
  watch(ref: ActorRef, message?: Msg): void {
    this.ctx.watch(ref, message);
  }
  unwatch(ref: ActorRef): void {
    this.ctx.unwatch(ref);
  }
  /** Send the held replies and forwards (the events are durable). */
  release(): void {
    for (const r of this.replies) this.ctx.reply(r);
    for (const [ref, m] of this.forwards) this.ctx.forward(ref, m);
  }
}

/**
 * The persistence id of an actor: the behaviour's `persistenceId`, or its path. A path with a
 * generated name (`$0`, `$1`, … for an actor spawned without `name`) is refused: the next run
 * hands that name to whichever actor is spawned first, which would read another actor's journal.
 */
export function persistenceIdOf<Args>(
  ctx: ActorContext,
  args: Args,
  persistenceId: ((ctx: ActorContext, args: Args) => string) | undefined,
  behaviour: string,
): string {
  if (persistenceId !== undefined) return persistenceId(ctx, args);
  if (ctx.path.split('/').some((segment) => segment.startsWith('$')))
    throw new TypeError(
      `the durable actor '${behaviour}' at ${ctx.path} has a generated name, so its persistence id would ` +
        'belong to whichever actor gets that name next time: spawn it with a name ' +
        "(system.spawn(behaviour, args, { name: 'account-42' })) or give the behaviour a persistenceId",
    );
  return ctx.path;
}
