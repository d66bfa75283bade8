/**
 * The options of `spawn` that every placement shares: where an actor runs, its mailbox and its
 * restart type. Part of the public contract (`api/`): types only.
 */
import type { RestartType } from './supervision.js';

/**
 * What a bounded mailbox does with a message that arrives when it is full:
 * - `dropNewest`: the arriving message is dropped (a dead letter);
 * - `dropOldest`: the oldest queued message is dropped (a dead letter) to make room;
 * - `reject`: the arriving message is refused; an ask rejects at once with `MailboxFullError`,
 *   a tell becomes a dead letter with reason `mailbox-full`.
 *
 * @example
 * ```ts
 * // A price feed: only the latest quotes matter, so old ones make room for new ones.
 * system.spawn(Ticker, undefined, { mailbox: { capacity: 50, overflow: 'dropOldest' } });
 * ```
 */
export type OverflowPolicy = 'dropNewest' | 'dropOldest' | 'reject';

/**
 * Mailbox options of `spawn`. Unbounded by default.
 *
 * @example
 * ```ts
 * const worker = system.spawn(Worker, undefined, { mailbox: { capacity: 1000, overflow: 'reject' } });
 * await worker.ask(job).catch((e) => (isMailboxFullError(e) ? retryLater(job) : Promise.reject(e)));
 * ```
 */
export interface MailboxOptions {
  /** Most messages the mailbox holds; `Infinity` (the default) means unbounded. */
  readonly capacity?: number;
  /** What happens when a bounded mailbox is full. Default `dropNewest`. */
  readonly overflow?: OverflowPolicy;
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
