/**
 * The actor system: the root of the actor tree in this runtime, its dispatcher, catalog, event
 * stream and registry. `createActorSystem` is the entry point of Troupe.
 */

import type { ActorRef } from '../actor/ActorRef.js';
import type { Behaviour, SpawnOptions } from '../actor/behaviour.js';
import { validateName } from '../address.js';
import type { Catalog, CatalogEntry } from '../catalog/Catalog.js';
import type { DispatcherOptions } from '../dispatch/Dispatcher.js';
import { InvalidOptionsError } from '../errors.js';
import type { PoolOptions, PoolRef } from '../pool/Pool.js';
import { resolveSupervision } from '../supervision/options.js';
import type { SupervisionOptions } from '../supervision/types.js';
import type { ThreadOptions, ThreadsInfo } from '../threads/options.js';
import type { NodeInfo, Transport } from '../transport/Transport.js';
import type { Clock } from './clock.js';
import type { EventStream } from './events.js';
import { LocalActorSystem } from './LocalActorSystem.js';

/**
 * Options of {@link createActorSystem}.
 *
 * @example
 * ```ts
 * const system = await createActorSystem({
 *   name: 'shop',
 *   catalog: [new URL('./behaviours.js', import.meta.url)],
 *   threads: { size: 4 },
 *   askTimeoutMs: 2000,
 *   supervision: { maxRestarts: 3, withinMs: 60_000 },
 *   onFatal: (e) => {
 *     console.error('actor system failed', e);
 *     process.exitCode = 1;
 *   },
 * });
 * ```
 */
export interface ActorSystemOptions {
  /** The system's name: part of every address; systems with different names never see each other. */
  readonly name: string;
  /** This runtime's node id (unique per runtime). Default: generated. */
  readonly nodeId?: string;
  /**
   * Behaviours, or absolute module URLs whose exported behaviours are registered. Other runtimes
   * (worker threads, remote nodes) load the same modules.
   */
  readonly catalog?: readonly CatalogEntry[];
  /** How the root guardian supervises top-level actors. Default: one-for-one, restart, 10 within 10 s. */
  readonly supervision?: SupervisionOptions;
  /** Called if the root guardian itself fails (e.g. its restart intensity is exceeded); the system then shuts down. */
  readonly onFatal?: (error: unknown) => void;
  /** Default ask timeout in ms. Default 5000. */
  readonly askTimeoutMs?: number;
  /** Dispatcher tuning (batch size, time slice). */
  readonly dispatcher?: DispatcherOptions;
  /** Time source for timers, backoff and ask timeouts; tests pass a manual clock. */
  readonly clock?: Clock;
  /** Random source for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Start a pool of worker threads for `placement: 'thread'` (`true`: one per core). Threads load
   * the catalog modules listed in `catalog`.
   */
  readonly threads?: boolean | ThreadOptions;
  /**
   * Network transports that make this process a node of a distributed system, e.g.
   * `[nats({ servers: 'nats://host:4222' })]` from `@troupe/transport-nats`.
   */
  readonly transports?: readonly Transport[];
}

/**
 * Counters and gauges of a running system (of this runtime: worker threads and other nodes
 * keep their own).
 *
 * @example
 * ```ts
 * setInterval(() => {
 *   const { queuedMessages, deepestMailboxes, deadLettersByReason } = system.stats();
 *   if (queuedMessages > 10_000) console.warn('backlog', deepestMailboxes, deadLettersByReason);
 * }, 10_000).unref();
 * ```
 */
export interface SystemStats {
  /** Live actors (not counting the root guardian). */
  readonly actors: number;
  /** Messages processed by all actors. */
  readonly messagesProcessed: number;
  /** Dead letters so far. */
  readonly deadLetters: number;
  /** Dead letters by reason. */
  readonly deadLettersByReason: Readonly<Record<string, number>>;
  /** Messages waiting in all mailboxes together. */
  readonly queuedMessages: number;
  /** The deepest mailboxes (up to 5), deepest first. */
  readonly deepestMailboxes: readonly {
    /** Address of the actor. */
    readonly actor: string;
    /** Messages waiting in its mailbox. */
    readonly depth: number;
  }[];
  /** Asks waiting for a reply. */
  readonly pendingAsks: number;
  /** Input from other runtimes or the network that was dropped, by cause (malformed, unknown version, unroutable, …). */
  readonly droppedByCause: Readonly<Record<string, number>>;
  /** Tells from this runtime that other nodes refused because a bounded mailbox was full (reported back to us). */
  readonly rejectedByPeers: number;
}

/**
 * A node of the system, as `system.nodes()` lists it.
 *
 * @example
 * ```ts
 * for (const n of system.nodes()) {
 *   console.log(n.self ? `${n.id} (this node)` : n.id, `${n.threads.length} threads`, n.catalog.join(', '));
 * }
 * ```
 */
export interface NodeStatus extends NodeInfo {
  /** True for the node of this process. */
  readonly self: boolean;
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
  /** Stop every actor (children before parents), reject pending asks, and release all timers. */
  shutdown(): Promise<void>;
  /** Resolves when the system has shut down (also after a fatal error). */
  readonly whenTerminated: Promise<void>;
}

const OPTION_KEYS = new Set([
  'name',
  'nodeId',
  'catalog',
  'supervision',
  'onFatal',
  'askTimeoutMs',
  'dispatcher',
  'clock',
  'random',
  'threads',
  'transports',
]);

/**
 * Create an actor system in this runtime.
 *
 * @example
 * ```ts
 * import { createActorSystem } from '@troupe/core';
 * const system = await createActorSystem({ name: 'demo', catalog: [new URL('./behaviours.js', import.meta.url)] });
 * ```
 */
export async function createActorSystem(options: ActorSystemOptions): Promise<ActorSystem> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError("createActorSystem() takes an options object, e.g. { name: 'my-system' }");
  }
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.has(k)) {
      throw new InvalidOptionsError(
        `unknown createActorSystem option '${k}'; the options are: ${[...OPTION_KEYS].join(', ')}`,
      );
    }
  }
  validateName(options.name, 'system name');
  if (options.nodeId !== undefined) validateName(options.nodeId, 'nodeId');
  const askTimeoutMs: unknown = options.askTimeoutMs;
  // A string such as '100' compares as a number but would make every deadline a string.
  if (askTimeoutMs !== undefined && !(typeof askTimeoutMs === 'number' && askTimeoutMs > 0)) {
    throw new InvalidOptionsError(
      `askTimeoutMs must be a number of milliseconds > 0 (Infinity: no timeout), got ${typeof askTimeoutMs === 'string' ? `'${askTimeoutMs}' (a string)` : String(askTimeoutMs)}`,
    );
  }
  resolveSupervision(options.supervision);
  const threads = options.threads === true ? {} : options.threads === false ? undefined : options.threads;
  const system = new LocalActorSystem(options, undefined, threads);
  for (const entry of options.catalog ?? []) {
    if (typeof entry === 'string' || entry instanceof URL) await system.catalog.load(entry);
    else system.catalog.register(entry);
  }
  const transports = options.transports ?? [];
  if (!Array.isArray(transports) || transports.some((t) => typeof t?.start !== 'function')) {
    throw new InvalidOptionsError('transports must be an array of transports, e.g. [nats({ servers })]');
  }
  try {
    if (threads !== undefined) await system.startThreads(threads);
    if (transports.length > 0) await system.startTransports(transports);
  } catch (e) {
    await system.shutdown();
    throw e;
  }
  return system;
}

/** @internal Where a runtime's peers are: set for every runtime of a system with threads. */
export interface Topology {
  readonly mainNode: string;
  readonly threadNodes: readonly string[];
}
