/**
 * The contract at the heart of Troupe: a behaviour, the context it runs in, and the system that
 * hosts it. They refer to one another (a behaviour's context exposes its system; the system
 * spawns behaviours and holds their catalog), so they live in one file: split across files they
 * would import each other. Everything here is a type (plus the behaviour brand and its guard);
 * the layers above implement it. See docs/architecture.md.
 */

import type { ActorRef } from './ActorRef.js';
import type { EventStream } from './events.js';
import type { ClusterStats, ClusterStatsOptions } from './introspection.js';
import type { NodeStatus, ThreadsInfo } from './nodes.js';
import type { SpawnOptions } from './options.js';
import type { PoolOptions, PoolRef } from './pool.js';
import type { SystemStats } from './stats.js';
import type { SupervisionOptions } from './supervision.js';
import type { TerminationReason } from './terminated.js';

/** Brand that marks an object as a Troupe behaviour (works across copies of this module). */
export const BEHAVIOUR: unique symbol = Symbol.for('troupe.behaviour') as never;

/**
 * What `receive` returns: the next state, `undefined` to keep the state, or a promise of either.
 *
 * @example
 * ```ts
 * const Log = defineActor<{ type: 'append'; line: string } | { type: 'flush' } | { type: 'count' }, string[], void, number>({
 *   name: 'log',
 *   init: () => [],
 *   receive(ctx, lines, m) {
 *     if (m.type === 'append') return [...lines, m.line]; // the next state
 *     if (m.type === 'flush') return writeLines(lines).then(() => []); // a promise of the next state
 *     ctx.reply(lines.length);
 *     return undefined; // keep the state
 *   },
 * });
 * ```
 */
export type ReceiveResult<State> = State | undefined | void | Promise<State | undefined | void>;

/**
 * Keyed timers that send a message to the actor itself; all are cancelled when it stops or restarts.
 *
 * @example
 * ```ts
 * init(ctx) {
 *   ctx.timers.repeat('poll', 5000, { type: 'poll' });
 *   return { misses: 0 };
 * },
 * receive(ctx, s, m) {
 *   if (m.type === 'stop-polling') ctx.timers.cancel('poll');
 * },
 * ```
 */
export interface Timers<Msg> {
  /** Send `message` to self once after `delayMs`. A timer with the same key is replaced. */
  once(key: string, delayMs: number, message: Msg): void;
  /** Send `message` to self every `intervalMs`. A timer with the same key is replaced. */
  repeat(key: string, intervalMs: number, message: Msg): void;
  /** Cancel the timer with this key (no-op if none). */
  cancel(key: string): void;
  /** Cancel all timers of this actor. */
  cancelAll(): void;
  /** True while a timer with this key is scheduled. */
  isActive(key: string): boolean;
}

/**
 * What an actor sees while it runs: itself, its parent, the current ask, children, timers.
 * One context per actor (not per message); it is valid for the actor's whole life.
 *
 * @example
 * ```ts
 * receive(ctx, s, m) {
 *   if (isTerminated(m)) return { ...s, done: s.done + 1 }; // a watched worker stopped
 *   if (m.type === 'job') ctx.watch(ctx.spawn(Worker, m.job));
 *   else if (ctx.isAsk) ctx.reply(s.done);
 *   return s;
 * },
 * ```
 */
export interface ActorContext<Msg = any, Reply = any> {
  /** This actor's own ref. */
  readonly self: ActorRef<Msg, Reply>;
  /** The supervising parent (the system's guardian for top-level actors). */
  readonly parent: ActorRef<never>;
  /** The actor system this actor belongs to. */
  readonly system: ActorSystem;
  /** This actor's path below its node, e.g. `user/farm/$3`. */
  readonly path: string;
  /** True while processing a message that was sent with `ask()`. */
  readonly isAsk: boolean;
  /** How many times this actor has been restarted by its supervisor. */
  readonly restartCount: number;
  /**
   * Reply to the message being processed, which must have been sent with `ask()`; throws
   * `ReplyOutsideAskError` for a message sent with `tell()`. The first reply wins.
   */
  reply(value: Reply): void;
  /**
   * Pass the message being processed on to `ref` (here, on a thread or on another node) with its
   * reply target: when it was an ask, `ref`'s reply goes straight to the asker, who never sees the
   * hop; when it was a tell, this is `ref.tell(message)`. A router or a shard region uses it to
   * hand work on without waiting for the answer. After it, this actor can no longer reply to the
   * message.
   *
   * @example
   * ```ts
   * receive: (ctx, routes, m: { key: string; body: unknown }) => {
   *   ctx.forward(routes.get(m.key)!, m.body); // the asker gets the reply of the actor for m.key
   *   return routes;
   * }
   * ```
   */
  forward(ref: ActorRef, message: unknown): void;
  /** Start a child actor supervised by this one. */
  spawn<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options?: SpawnOptions,
  ): ActorRef<M, R>;
  /**
   * Stop a child of this actor, or this actor itself (`ctx.stop(ctx.self)`); children stop first.
   * By default it stops after the message it is processing, and the messages still in its
   * mailbox become dead letters. With `{ drain: true }` it first processes the messages already
   * in its mailbox (Akka's `PoisonPill`); messages that arrive after are dead letters. `drain`
   * works for actors of this runtime (a child on another thread or node throws).
   */
  stop(ref: ActorRef, options?: { readonly drain?: boolean }): void;
  /** Watch another actor: when it terminates this actor receives `message`, or a {@link Terminated} by default. */
  watch(ref: ActorRef, message?: Msg): void;
  /** Stop watching an actor. */
  unwatch(ref: ActorRef): void;
  /** The current children, in start order. */
  readonly children: readonly ActorRef[];
  /** Timers that send messages to this actor. */
  readonly timers: Timers<Msg>;
}

/**
 * The definition of a behaviour, as passed to {@link defineActor}.
 * `init` builds the state from the spawn arguments; `receive` returns the next state.
 *
 * @example
 * ```ts
 * const definition: ActorDefinition<{ sql: string }, pg.Client, string, pg.QueryResult> = {
 *   name: 'db',
 *   init: async (_ctx, url) => {
 *     const client = new pg.Client(url);
 *     await client.connect();
 *     return client;
 *   },
 *   receive: async (ctx, client, m) => ctx.reply(await client.query(m.sql)),
 *   onStop: (_ctx, client) => client.end(),
 * };
 * export const Db = defineActor(definition);
 * ```
 */
export interface ActorDefinition<Msg, State, Args = void, Reply = unknown> {
  /** The catalog name; unique within a runtime's catalog. */
  readonly name: string;
  /** Build the initial state (also on restart). May be async: messages wait until it resolves. Default: `undefined` state. */
  readonly init?: (ctx: ActorContext<Msg, Reply>, args: Args) => State | Promise<State>;
  /**
   * Process one message and return the next state (`undefined` keeps the state). An async
   * receive is awaited before the next message: an actor never processes two messages at once.
   * A throw or a rejected promise is a failure that goes to the supervisor.
   */
  readonly receive: (ctx: ActorContext<Msg, Reply>, state: State, message: Msg) => ReceiveResult<State>;
  /**
   * Called when the actor stops (after its children stopped), and before a restart unless
   * `onRestart` is given (then `reason` is `'failed'`). `reason` tells a deliberate stop
   * (`'stopped'`) from a system shutdown or an orphaned copy, e.g. to delete persisted state
   * only when the actor is really done.
   */
  readonly onStop?: (
    ctx: ActorContext<Msg, Reply>,
    state: State,
    reason: TerminationReason,
  ) => void | Promise<void>;
  /** Called before a restart, with the error that caused it. */
  readonly onRestart?: (ctx: ActorContext<Msg, Reply>, state: State, error: unknown) => void | Promise<void>;
  /** How this actor supervises its children. */
  readonly supervision?: SupervisionOptions;
}

/**
 * A registered, named behaviour (the result of {@link defineActor}).
 *
 * @example
 * ```ts
 * function spawnAll<M, A, R>(system: ActorSystem, behaviour: Behaviour<M, any, A, R>, args: A[]): ActorRef<M, R>[] {
 *   return args.map((a) => system.spawn(behaviour, a));
 * }
 * ```
 */
export interface Behaviour<Msg = any, State = any, Args = any, Reply = any>
  extends ActorDefinition<Msg, State, Args, Reply> {
  /** The brand set by {@link defineActor}; {@link isBehaviour} checks it. */
  readonly [BEHAVIOUR]: true;
}

/**
 * True if `value` is a behaviour made by {@link defineActor} (or an adapter such as `fromXState`).
 *
 * @example
 * ```ts
 * Object.values(await import('./behaviours.js')).filter(isBehaviour)
 * ```
 */
export function isBehaviour(value: unknown): value is Behaviour {
  return typeof value === 'object' && value !== null && (value as Behaviour)[BEHAVIOUR] === true;
}

/**
 * The behaviours a runtime can start by name: what `system.catalog` offers. Every runtime (the
 * main thread, each worker thread, each node) has its own, loaded from the same modules.
 *
 * @example
 * ```ts
 * system.catalog.register(Counter);
 * console.log(system.catalog.names()); // ['counter', …]
 * await system.catalog.load(new URL('./behaviours.js', import.meta.url));
 * ```
 */
export interface Catalog {
  /** The module URLs loaded so far, in load order (worker threads load the same). */
  readonly modules: readonly string[];
  /** Register a behaviour under its name; registering the same object again is a no-op. */
  register(behaviour: Behaviour): void;
  /** The behaviour registered under `name`, or `undefined`. */
  get(name: string): Behaviour | undefined;
  /** The behaviour registered under `name`; throws `UnknownBehaviourError` naming the fix if there is none. */
  require(name: string): Behaviour;
  /** True if a behaviour is registered under `name`. */
  has(name: string): boolean;
  /** True if the behaviour named `name` came from a catalog module (so other runtimes can load it too). */
  isFromModule(name: string): boolean;
  /** The registered names, sorted. */
  names(): string[];
  /** Import a catalog module and register every behaviour it exports. */
  load(specifier: string | URL): Promise<void>;
}

/**
 * A running actor system.
 *
 * @example
 * ```ts
 * const system = await createActorSystem({ name: 'shop' });
 * const cart = system.spawn(Cart, { user: 'ann' }, { name: 'cart-ann' });
 * await cart.ask({ type: 'add', sku: 'x1' });
 * await system.shutdown();
 * ```
 */
export interface ActorSystem {
  /** The system's name. */
  readonly name: string;
  /** This runtime's node id. */
  readonly nodeId: string;
  /** Lifecycle, dead-letter, supervision and fatal events. */
  readonly events: EventStream;
  /** The behaviours this runtime can run. */
  readonly catalog: Catalog;
  /** Start a top-level actor (supervised by the root guardian) from a behaviour or its catalog name. */
  spawn<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options?: SpawnOptions,
  ): ActorRef<M, R>;
  /**
   * Start a pool of `size` routees of one behaviour behind one ref, supervised by a pool actor.
   * Routing: round-robin (default), broadcast, consistent-hash, or balancing (pull-based).
   */
  spawnPool<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options?: PoolOptions<M>,
  ): PoolRef<M, R>;
  /** Stop a top-level actor (its children first); resolves once it has terminated. */
  stop(ref: ActorRef): Promise<void>;
  /** Find an actor by top-level name (`'cart'`), path (`'cart/items'`, `'user/cart'`) or full address. */
  lookup<M = any, R = unknown>(nameOrPath: string): ActorRef<M, R> | undefined;
  /** The nodes of the system that this node knows to be up (itself first). */
  nodes(): NodeStatus[];
  /**
   * Make an actor answer plain requests on the transport (for NATS: subject
   * `troupe.<system>.svc.<name>`, JSON body and reply), so clients in any language can call it.
   * Resolves to a function that withdraws it. `timeoutMs` bounds each ask (default: the system's
   * `askTimeoutMs`). An error reply carries the error's `name` and `message` only; `stacks: true`
   * adds its `stack` and `cause`, which show this host's file paths: for development only.
   */
  expose(
    ref: ActorRef,
    name: string,
    options?: { readonly timeoutMs?: number; readonly stacks?: boolean },
  ): Promise<() => Promise<void>>;
  /** The worker threads, for systems created with `threads`. */
  readonly threads: ThreadsInfo | undefined;
  /** Counters: actors, messages processed, dead letters, mailbox depths. */
  stats(): SystemStats;
  /**
   * Ask every runtime of the cluster — each node's main thread and each of its worker threads —
   * for its counters, its busiest actors and its recent events (a `RuntimeReport` each). A
   * runtime that does not answer within `timeoutMs` is listed in `unreachable`. Pass each
   * runtime's `nextEvent` back in `since` to get the events after it: a cluster-wide event
   * stream whose reader can fall behind without costing memory (it loses the oldest events,
   * counted in `eventsLost`).
   *
   * @example
   * ```ts
   * const c = await system.clusterStats();
   * for (const r of c.runtimes) console.log(r.node, r.stats.actors, r.actors[0]?.path);
   * ```
   */
  clusterStats(options?: ClusterStatsOptions): Promise<ClusterStats>;
  /** Stop every actor (children before parents), reject pending asks, and release all timers. */
  shutdown(): Promise<void>;
  /** Resolves when the system has shut down (also after a fatal error). */
  readonly whenTerminated: Promise<void>;
}

export type { SystemStats } from './stats.js';
