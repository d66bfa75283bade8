/**
 * Behaviours: what an actor does, as plain data plus functions. A behaviour has a catalog name,
 * so a runtime elsewhere (a worker thread, a remote node) can start it by name — code never
 * travels.
 */
import type { MailboxOptions } from '../mailbox/Mailbox.js';
import { resolveSupervision } from '../supervision/options.js';
import type { RestartType, SupervisionOptions } from '../supervision/types.js';
import type { ActorSystem } from '../system/ActorSystem.js';
import type { ActorRef } from './ActorRef.js';

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
 * The message an actor gets when an actor it watches stops (see {@link ActorContext.watch}).
 *
 * @example
 * ```ts
 * receive(ctx, s, m) { if (isTerminated(m)) console.log(m.actor.address, m.reason) }
 * ```
 */
export interface Terminated {
  /** Always `'troupe.terminated'`; test for it with {@link isTerminated}. */
  readonly type: 'troupe.terminated';
  /** The actor that stopped. */
  readonly actor: ActorRef;
  /** Why it stopped: see {@link TerminationReason}. */
  readonly reason: TerminationReason;
}

/**
 * Why an actor terminated:
 * - `stopped`: stopped on purpose (by itself, its parent, or `system.stop`), or because its parent stopped;
 * - `failed`: stopped by its supervisor after a failure;
 * - `shutdown`: stopped by `system.shutdown()`;
 * - `orphaned`: its parent's node was declared down, so its supervisor has started a replacement
 *   elsewhere and this copy stops (it is not the live incarnation any more);
 * - `thread-lost` / `node-lost`: the thread or node it ran on died.
 *
 * @example
 * ```ts
 * async onStop(_ctx, session, reason) {
 *   // Only a deliberate stop ends the session; after a shutdown the next run picks it up again.
 *   if (reason === 'stopped') await sessions.delete(session.id);
 * },
 * ```
 */
export type TerminationReason = (typeof TERMINATION_REASONS)[number];

/**
 * Every {@link TerminationReason}, e.g. to check one that arrived as data.
 *
 * @example
 * ```ts
 * const known = (TERMINATION_REASONS as readonly string[]).includes(reason);
 * ```
 */
export const TERMINATION_REASONS = [
  'stopped',
  'failed',
  'shutdown',
  'orphaned',
  'thread-lost',
  'node-lost',
] as const;

/**
 * True if `m` is a {@link Terminated} notification.
 *
 * @example
 * ```ts
 * if (isTerminated(m)) ctx.spawn(Worker)
 * ```
 */
export function isTerminated(m: unknown): m is Terminated {
  return typeof m === 'object' && m !== null && (m as Terminated).type === 'troupe.terminated';
}

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
 * Where `spawn` puts an actor:
 * - `'local'` (default): in the caller's runtime (thread);
 * - `'thread'`: on the system's pool of worker threads (round-robin);
 * - `{ thread: i }`: on worker thread `i` (0-based);
 * - `'main'`: on the main thread (from inside a worker thread);
 * - `{ node: id }`: on a node of the system (`id` from `system.nodes()`: a node, or one of its threads);
 * - `'any-node'`: on another node that offers the behaviour (round-robin).
 *
 * @example
 * ```ts
 * const a = system.spawn(Fib, undefined, { placement: 'thread' });
 * const b = system.spawn(Fib, undefined, { placement: { thread: 0 } });
 * const peer = system.nodes().find((n) => !n.self);
 * if (peer) system.spawn(Fib, undefined, { placement: { node: peer.id } });
 * ```
 */
export type Placement =
  | 'local'
  | 'thread'
  | 'main'
  | 'any-node'
  | {
      /** Index of the worker thread in the system's pool (0-based, below `system.threads.size`). */
      readonly thread: number;
    }
  | {
      /** A node id from `system.nodes()`: a node's `id` (its main thread) or one of its `threads`. */
      readonly node: string;
    };

/**
 * Options of `spawn` (from the system or from inside an actor).
 *
 * @example
 * ```ts
 * const cart = system.spawn(Cart, { user: 'ann' }, {
 *   name: 'cart-ann',
 *   mailbox: { capacity: 100, overflow: 'reject' },
 *   restart: 'permanent',
 *   placement: 'thread',
 * });
 * ```
 */
export interface SpawnOptions {
  /** A name unique among the siblings; default: a generated `$…` name. Named top-level actors can be found with `system.lookup(name)`. */
  readonly name?: string;
  /** Bounded mailbox and overflow policy; default unbounded. */
  readonly mailbox?: MailboxOptions;
  /** When the supervisor restarts this child (OTP's restart type). Default `transient`. */
  readonly restart?: RestartType;
  /** Where the actor runs. Default `'local'`. The ref works the same in every placement. */
  readonly placement?: Placement;
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
  /** Start a child actor supervised by this one. */
  spawn<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options?: SpawnOptions,
  ): ActorRef<M, R>;
  /** Stop a child of this actor, or this actor itself (`ctx.stop(ctx.self)`); children stop first. */
  stop(ref: ActorRef): void;
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
 * Define a behaviour with typed messages, state, spawn arguments and ask replies.
 *
 * @example
 * ```ts
 * type Msg = { type: 'inc'; by: number } | { type: 'get' };
 * export const Counter = defineActor<Msg, number, number, number>({
 *   name: 'counter',
 *   init: (_ctx, start) => start,
 *   receive(ctx, n, m) {
 *     if (m.type === 'inc') return n + m.by;
 *     ctx.reply(n);
 *   },
 * });
 * ```
 */
export function defineActor<Msg, State = undefined, Args = void, Reply = unknown>(
  definition: ActorDefinition<Msg, State, Args, Reply>,
): Behaviour<Msg, State, Args, Reply> {
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError(
      'defineActor() takes an object: { name, init?, receive, onStop?, onRestart?, supervision? }',
    );
  }
  if (typeof definition.name !== 'string' || definition.name.length === 0) {
    throw new TypeError(
      'defineActor(): `name` must be a non-empty string (the catalog name of the behaviour)',
    );
  }
  if (typeof definition.receive !== 'function') {
    throw new TypeError(
      `defineActor('${definition.name}'): \`receive\` must be a function (ctx, state, message) => state`,
    );
  }
  if (definition.supervision !== undefined) resolveSupervision(definition.supervision); // fail now, not at the first failure
  return Object.freeze({ ...definition, [BEHAVIOUR]: true as const });
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
