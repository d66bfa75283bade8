/**
 * The actor system: the root of the actor tree in this runtime, its dispatcher, catalog, event
 * stream and registry. `createActorSystem` is the entry point of Troupe.
 */

import { availableParallelism } from 'node:os';
import { type ActorCell, Status } from '../actor/ActorCell.js';
import type { ActorRef } from '../actor/ActorRef.js';
import type { PendingAsk } from '../actor/ask.js';
import { type Behaviour, defineActor, type Placement, type SpawnOptions } from '../actor/behaviour.js';
import { LocalActorRef } from '../actor/LocalActorRef.js';
import { parseAddress, validateName } from '../address.js';
import { Catalog, type CatalogEntry } from '../catalog/Catalog.js';
import { Dispatcher, type DispatcherOptions } from '../dispatch/Dispatcher.js';
import { InvalidOptionsError, SystemShutdownError, serializeError } from '../errors.js';
import { type PoolOptions, type PoolRef, spawnPool } from '../pool/Pool.js';
import { RemoteRuntime } from '../remote/RemoteRuntime.js';
import { Sys } from '../supervision/handles.js';
import { resolveSupervision } from '../supervision/options.js';
import type { SupervisionOptions } from '../supervision/types.js';
import type { ThreadOptions, ThreadsInfo } from '../threads/options.js';
import { ThreadPool } from '../threads/ThreadPool.js';
import { type Clock, systemClock } from './clock.js';
import { type DeadLetterReason, EventStream } from './events.js';
import { createGuardianCell } from './guardian.js';
import type { SystemInternals } from './internals.js';

/** Options of {@link createActorSystem}. */
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
}

/** Counters and gauges of a running system. */
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
  readonly deepestMailboxes: readonly { readonly actor: string; readonly depth: number }[];
  /** Asks waiting for a reply. */
  readonly pendingAsks: number;
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
  if (options.askTimeoutMs !== undefined && !(options.askTimeoutMs > 0)) {
    throw new InvalidOptionsError(`askTimeoutMs must be a number > 0, got ${String(options.askTimeoutMs)}`);
  }
  resolveSupervision(options.supervision);
  const threads = options.threads === true ? {} : options.threads === false ? undefined : options.threads;
  const system = new LocalActorSystem(options, undefined, threads);
  for (const entry of options.catalog ?? []) {
    if (typeof entry === 'string' || entry instanceof URL) await system.catalog.load(entry);
    else system.catalog.register(entry);
  }
  if (threads !== undefined) {
    try {
      await system.startThreads(threads);
    } catch (e) {
      await system.shutdown();
      throw e;
    }
  }
  return system;
}

/** @internal Where a runtime's peers are: set for every runtime of a system with threads. */
export interface Topology {
  readonly mainNode: string;
  readonly threadNodes: readonly string[];
}

let nodeCounter = 0;

/** @internal */
export class LocalActorSystem implements ActorSystem, SystemInternals {
  readonly name: string;
  readonly nodeId: string;
  readonly events = new EventStream();
  readonly catalog: Catalog;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly random: () => number;
  readonly askTimeoutMs: number;
  readonly pendingAsks = new Set<PendingAsk>();
  readonly whenTerminated: Promise<void>;
  processed = 0;
  isShutdown = false;
  private deadLetterCount = 0;
  private readonly deadLettersBy: Record<string, number> = {};
  private readonly registry = new Map<string, ActorCell>();
  private readonly guardian: ActorCell;
  private idSeq = 0;
  private shutdownPromise: Promise<void> | undefined;
  private resolveTerminated!: () => void;
  private readonly onFatal: ((error: unknown) => void) | undefined;
  readonly remote: RemoteRuntime | undefined;
  private topology: Topology | undefined;
  private pool: ThreadPool | undefined;
  private rr = 0;
  private readonly shutdownTimeoutMs: number;

  constructor(options: ActorSystemOptions, topology?: Topology, threads?: ThreadOptions) {
    this.name = options.name;
    this.nodeId =
      options.nodeId ??
      `n${process.pid.toString(36)}${(nodeCounter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    this.catalog = new Catalog(`node ${this.nodeId}`);
    this.dispatcher = new Dispatcher(options.dispatcher);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.askTimeoutMs = options.askTimeoutMs ?? 5000;
    this.onFatal = options.onFatal;
    this.whenTerminated = new Promise((r) => {
      this.resolveTerminated = r;
    });
    const guardianBehaviour = defineActor<unknown, undefined>({
      name: 'troupe.guardian',
      receive: () => undefined,
      ...(options.supervision === undefined ? {} : { supervision: options.supervision }),
    });
    this.guardian = createGuardianCell(this, guardianBehaviour);
    this.topology = topology;
    this.shutdownTimeoutMs = threads?.shutdownTimeoutMs ?? 5000;
    this.remote = topology !== undefined || threads !== undefined ? new RemoteRuntime(this) : undefined;
  }

  /** @internal Start the worker-thread pool (main runtime only). */
  async startThreads(threads: ThreadOptions): Promise<void> {
    const remote = this.remote!;
    const pool = new ThreadPool(
      remote,
      this.events,
      {
        system: this.name,
        mainNode: this.nodeId,
        catalog: [...this.catalog.modules],
        askTimeoutMs: this.askTimeoutMs,
      },
      threads,
    );
    this.pool = pool;
    this.topology = { mainNode: this.nodeId, threadNodes: pool.nodes };
    await pool.start();
  }

  get threads(): ThreadsInfo | undefined {
    const pool = this.pool;
    if (pool === undefined) return undefined;
    return { size: pool.slots.length, nodes: pool.nodes, terminate: (i) => pool.terminate(i) };
  }

  cellAt(path: string): ActorCell | undefined {
    return this.registry.get(path);
  }

  placementNode(placement: Placement, behaviour: Behaviour): string | undefined {
    if (placement === 'local') return undefined;
    const topo = this.topology;
    if (placement === 'main') return topo === undefined ? undefined : topo.mainNode;
    if (topo === undefined || topo.threadNodes.length === 0) {
      throw new InvalidOptionsError(
        `placement ${JSON.stringify(placement)}: this system has no worker threads; create it with createActorSystem({ threads: true, catalog: [...] })`,
      );
    }
    if (!this.catalog.isFromModule(behaviour.name)) {
      throw new InvalidOptionsError(
        `behaviour '${behaviour.name}' cannot run on a worker thread: threads load behaviours from catalog modules, and this one was registered as an object. ` +
          "Export it from a module and list that module in createActorSystem({ catalog: [new URL('./behaviours.js', import.meta.url)] })",
      );
    }
    if (placement === 'thread') {
      const usable = this.pool?.usableNodes() ?? topo.threadNodes;
      if (usable.length === 0)
        throw new InvalidOptionsError('no worker thread is usable: every thread failed to start');
      return usable[this.rr++ % usable.length];
    }
    if (typeof placement === 'object' && placement !== null && Number.isInteger(placement.thread)) {
      const node = topo.threadNodes[placement.thread];
      if (node === undefined) {
        throw new InvalidOptionsError(
          `placement { thread: ${placement.thread} }: threads are numbered 0 to ${topo.threadNodes.length - 1}`,
        );
      }
      return node;
    }
    throw new InvalidOptionsError(
      `placement must be 'local', 'thread', 'main' or { thread: i }, got ${JSON.stringify(placement)}`,
    );
  }

  nextId(): string {
    return (this.idSeq++).toString(36);
  }

  register(cell: ActorCell): void {
    this.registry.set(cell.path, cell);
  }

  unregister(cell: ActorCell): void {
    if (this.registry.get(cell.path) === cell) this.registry.delete(cell.path);
  }

  deadLetter(recipient: string, message: unknown, reason: DeadLetterReason, sender?: string): void {
    this.deadLetterCount++;
    this.deadLettersBy[reason] = (this.deadLettersBy[reason] ?? 0) + 1;
    if (this.events.listensTo('dead-letter')) {
      this.events.publish({
        kind: 'dead-letter',
        recipient,
        message,
        reason,
        ...(sender === undefined ? {} : { sender }),
      });
    }
  }

  fatal(error: unknown): void {
    this.events.publish({ kind: 'fatal', error: serializeError(error) });
    try {
      this.onFatal?.(error);
    } catch (e) {
      console.error('[troupe] onFatal threw:', e);
    }
    if (this.onFatal === undefined) {
      console.error(`[troupe] system '${this.name}' stops after a fatal error in its root guardian:`, error);
    }
    void this.shutdown();
  }

  spawn<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options?: SpawnOptions,
  ): ActorRef<M, R> {
    if (this.isShutdown) throw new SystemShutdownError(this.name, 'cannot spawn new actors');
    return this.guardian.spawnChild(behaviour as Behaviour | string, args, options) as ActorRef<M, R>;
  }

  spawnPool<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options: PoolOptions<M> = {},
  ): PoolRef<M, R> {
    if (this.isShutdown) throw new SystemShutdownError(this.name, 'cannot spawn new actors');
    const threaded =
      options.placement !== undefined && options.placement !== 'local' && options.placement !== 'main';
    const defaultSize =
      threaded && this.topology !== undefined ? this.topology.threadNodes.length : availableParallelism();
    return spawnPool(this.guardian, behaviour as Behaviour | string, args, options, defaultSize) as PoolRef<
      M,
      R
    >;
  }

  stop(ref: ActorRef): Promise<void> {
    const target = ref instanceof LocalActorRef ? ref : this.lookup(ref?.address ?? '');
    const cell = target instanceof LocalActorRef ? target.cell : undefined;
    if (cell === undefined || cell.system !== this) {
      return Promise.reject(
        new InvalidOptionsError(`system.stop(${String(ref?.address)}): not an actor of this system`),
      );
    }
    if (cell.parentCell !== this.guardian) {
      return Promise.reject(
        new InvalidOptionsError(
          `system.stop(${cell.address}): only top-level actors can be stopped from outside; its parent stops it with ctx.stop(ref)`,
        ),
      );
    }
    return this.whenStopped(cell, () => cell.sendSystem({ k: Sys.Stop, reason: 'stopped', self: false }));
  }

  private whenStopped(cell: ActorCell, start: () => void): Promise<void> {
    if (cell.status === Status.Stopped) return Promise.resolve();
    return new Promise((resolve) => {
      (cell.terminationWaiters ??= []).push(resolve);
      start();
    });
  }

  lookup<M = any, R = unknown>(nameOrPath: string): ActorRef<M, R> | undefined {
    if (typeof nameOrPath !== 'string' || nameOrPath.length === 0) return undefined;
    let path = nameOrPath;
    if (path.startsWith('troupe://')) {
      const a = parseAddress(path);
      if (a === undefined || a.system !== this.name) return undefined;
      if (a.node !== this.nodeId) return this.remote?.resolve(path) as ActorRef<M, R> | undefined;
      path = a.path;
    } else if (!path.startsWith('user/')) {
      path = `user/${path.replace(/^\/+/, '')}`;
    }
    return this.registry.get(path)?.ref as ActorRef<M, R> | undefined;
  }

  stats(): SystemStats {
    let queued = 0;
    const deepest: { actor: string; depth: number }[] = [];
    for (const cell of this.registry.values()) {
      const depth = cell.mailboxSize;
      if (depth === 0) continue;
      queued += depth;
      if (deepest.length < 5 || depth > deepest[deepest.length - 1]!.depth) {
        deepest.push({ actor: cell.address, depth });
        deepest.sort((a, b) => b.depth - a.depth);
        if (deepest.length > 5) deepest.pop();
      }
    }
    return {
      actors: this.registry.size - (this.registry.get('user') === this.guardian ? 1 : 0),
      messagesProcessed: this.processed,
      deadLetters: this.deadLetterCount,
      deadLettersByReason: { ...this.deadLettersBy },
      queuedMessages: queued,
      deepestMailboxes: deepest,
      pendingAsks: this.pendingAsks.size,
    };
  }

  shutdown(): Promise<void> {
    if (this.shutdownPromise !== undefined) return this.shutdownPromise;
    this.isShutdown = true;
    const stopped = this.whenStopped(this.guardian, () =>
      this.guardian.sendSystem({ k: Sys.Stop, reason: 'stopped', self: false }),
    );
    const pool = this.pool;
    let stopTimer: NodeJS.Timeout | undefined;
    if (pool !== undefined) {
      // Thread actors busy computing may not stop in time: end their threads.
      stopTimer = setTimeout(() => {
        pool.terminateAll();
      }, this.shutdownTimeoutMs);
    }
    this.shutdownPromise = stopped.then(async () => {
      clearTimeout(stopTimer);
      await pool?.close();
      this.remote?.rejectAll(new SystemShutdownError(this.name, 'the ask was still waiting'));
      for (const ask of [...this.pendingAsks])
        ask.fail(new SystemShutdownError(this.name, 'the ask was still waiting'));
      this.resolveTerminated();
    });
    return this.shutdownPromise;
  }
}
