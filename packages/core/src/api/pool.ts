/**
 * The public types of pools: the options of `system.spawnPool`, the ref it returns, and the
 * figures of `stats()`. Exported from the package's index.
 * Owns: these declarations. May not touch: anything at run time — it holds no code (the options
 * are checked in pool/options.ts, the ref is pool/PoolActorRef.ts, the figures are counted by
 * pool/PoolCore.ts).
 */
import type { ActorRef } from './ActorRef.js';
import type { MailboxOptions, Placement } from './options.js';
import type { SupervisionOptions } from './supervision.js';

/**
 * How a pool spreads messages over its routees:
 * - `round-robin`: each routee in turn;
 * - `broadcast`: every routee gets every tell (asks are refused: there would be many replies);
 * - `consistent-hash`: by a key of the message (`hashKey`), so equal keys go to the same routee
 *   and adding or losing a routee moves few keys;
 * - `balancing`: routees pull work — each holds at most `credit` asks at a time and the next ask
 *   goes to whoever has room, so fast and slow routees share a load fairly.
 *
 * @example
 * ```ts
 * const sessions = system.spawnPool(Session, undefined, {
 *   size: 8,
 *   routing: 'consistent-hash',
 *   hashKey: (m) => m.user, // every message of one user goes to the same routee
 * });
 * ```
 */
export type Routing = 'round-robin' | 'broadcast' | 'consistent-hash' | 'balancing';

/**
 * Options of `system.spawnPool`.
 *
 * @example
 * ```ts
 * // One routee per worker thread; idle routees take the next task; a lost thread's task runs again.
 * const farm = system.spawnPool('farm.fib', undefined, {
 *   placement: 'thread',
 *   routing: 'balancing',
 *   credit: 1,
 *   redispatchOnLost: true,
 *   supervision: { maxRestarts: 100, withinMs: 10_000 },
 * });
 * ```
 */
export interface PoolOptions<Msg = any> {
  /** Number of routees. Default: the number of worker threads for `placement: 'thread'`, 1 for a single thread or node (`{ thread: i }`, `{ node }`), else the number of cores. */
  readonly size?: number;
  /** How messages are spread. Default `round-robin`. */
  readonly routing?: Routing;
  /** Where each routee runs (`'thread'` spreads them over the pool of threads). Default `'local'`. */
  readonly placement?: Placement;
  /** One placement per routee (e.g. one routee on each thread of each node); sets the size. */
  readonly placements?: readonly Placement[];
  /** Name of the pool actor (routees are named `routee-<i>` below it). */
  readonly name?: string;
  /** `consistent-hash` routing: the key of a message. */
  readonly hashKey?: (message: Msg) => string | number;
  /**
   * `balancing` routing: asks each routee holds at once, fixed (1 gives the fairest split of long
   * tasks). Default: adaptive, per routee — 2 for tasks that take longer than a round trip, growing
   * up to 256 (or the routees' mailbox capacity, if smaller) for short ones, so that each routee
   * holds about the round trip plus 2 ms of work. It falls back to 2 when an ask to the routee
   * times out while it answers nothing else, when its runtime is lost, and after 20 ms without
   * work.
   */
  readonly credit?: number;
  /** `balancing` routing: most asks waiting in the pool; beyond it asks reject with `MailboxFullError`. Default unbounded. */
  readonly maxQueued?: number;
  /**
   * `balancing` routing: when a routee's thread is lost with an ask in flight, send the ask to
   * another routee instead of failing it (the task must be safe to run twice: the lost run's
   * reply can never arrive, so the caller still gets exactly one result).
   */
  readonly redispatchOnLost?: boolean;
  /**
   * `balancing` routing: a deadline per dispatch, in ms, that starts when a task is handed to a
   * routee (not when it was queued). A task with no reply by then is taken back — the routee's
   * credit is freed — and handed to another routee (to the same one only when no other is up),
   * first in line. The caller still gets exactly one result: the first reply wins, from whichever
   * dispatch gives it, and a reply that comes after it is dropped and counted in
   * `stats().lateReplies` (misses are counted in `stats().overdue`; no event is published).
   * Each further miss of the same task doubles its deadline, so a deadline that was too short
   * costs a few extra runs, never an endless series. A function gives each task its own deadline
   * (called at every dispatch; `Infinity`: none for that task). The task must be safe to run
   * twice, and the routee must `ctx.reply()` to tells too (a tell to a balancing pool is a task).
   * The ask's own `timeoutMs` still counts from the call, time in the queue included.
   * Default: none (a routee may take as long as the ask's timeout allows).
   *
   * @example
   * ```ts
   * // A task answered by no one within 10 × its expected time (at least 5 s) runs elsewhere.
   * const pool = system.spawnPool('farm.fib', undefined, {
   *   placement: 'thread',
   *   routing: 'balancing',
   *   credit: 1,
   *   redispatchAfterMs: (task: { n: number }) => Math.max(5_000, 10 * expectedMs(task.n)),
   * });
   * ```
   */
  readonly redispatchAfterMs?: number | ((message: Msg) => number);
  /** Mailbox of each routee. */
  readonly mailbox?: MailboxOptions;
  /** How the pool actor supervises its routees. Default: one-for-one, restart, 10 within 10 s. */
  readonly supervision?: SupervisionOptions;
}

/**
 * A ref to a pool: an {@link ActorRef} whose messages are spread over routees.
 *
 * @example
 * ```ts
 * const fib = system.spawnPool('fib', undefined, { placement: 'thread', routing: 'balancing' });
 * const results = await Promise.all([30, 31, 32].map((n) => fib.ask(n)));
 * ```
 */
export interface PoolRef<Msg = any, Reply = unknown> extends ActorRef<Msg, Reply> {
  /** The current routees, in order. */
  readonly routees: readonly ActorRef<Msg, Reply>[];
  /** Asks completed by each routee (by address), and what is queued or in flight now. */
  stats(): PoolStats;
}

/**
 * Load figures of a pool.
 *
 * @example
 * ```ts
 * const { queued, inFlight, completed } = pool.stats();
 * if (queued > 1000) console.warn(`farm behind: ${queued} queued, ${inFlight} running`, completed);
 * ```
 */
export interface PoolStats {
  /** Routees in the pool now. */
  readonly routees: number;
  /** Asks waiting in the pool for a routee with credit (balancing pools). */
  readonly queued: number;
  /** Asks handed to routees and not answered yet. */
  readonly inFlight: number;
  /** Asks each routee answered, by routee address (the pool tracks every ask; tells are not counted). */
  readonly completed: Readonly<Record<string, number>>;
  /** Dispatches that got no reply within `redispatchAfterMs` (each time, the task was dispatched again). */
  readonly overdue: number;
  /** Replies from a dispatch of a task that was settled by then (another dispatch of it answered first): dropped. */
  readonly lateReplies: number;
}
