/**
 * The actor system of one runtime (the main thread, or a worker thread): the root guardian, the
 * dispatcher, the catalog, the registry, and — when threads or transports are used — the remote
 * layer that connects it to the other runtimes.
 * @internal
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CellSystem } from '../actor/ActorCell.js';
import { ActorCell } from '../actor/ActorCell.js';
import { PendingAsks } from '../actor/ask.js';
import { Status } from '../actor/CellBase.js';
import { defineActor } from '../actor/defineActor.js';
import { unwrap } from '../actor/instrumentation.js';
import { LocalActorRef } from '../actor/LocalActorRef.js';
import { parseAddress, processNodeOf } from '../address.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { ActorSystem, Behaviour, SystemStats } from '../api/ActorSystem.js';
import { type DeadLetterReason, EventStream } from '../api/events.js';
import type { ClusterStats, ClusterStatsOptions } from '../api/introspection.js';
import type { LinkOptions, LinkStats } from '../api/links.js';
import type { NodeStatus, ThreadsInfo } from '../api/nodes.js';
import type { Placement, SpawnOptions } from '../api/options.js';
import type { PoolOptions, PoolRef } from '../api/pool.js';
import { BehaviourCatalog } from '../catalog/BehaviourCatalog.js';
import { type Clock, systemClock } from '../clock.js';
import { Dispatcher } from '../dispatch/Dispatcher.js';
import { InvalidOptionsError, SystemShutdownError } from '../errors.js';
import { spawnPool } from '../pool/spawnPool.js';
import { RemoteRuntime } from '../remote/RemoteRuntime.js';
import { serializeError } from '../serializedError.js';
import { type ChildHandle, Sys } from '../supervision/handles.js';
import type { ThreadOptions } from '../threads/options.js';
import { ThreadPool } from '../threads/ThreadPool.js';
import { TransportBridge } from '../transport/bridge.js';
import type { Transport } from '../transport/Transport.js';
import { CellDirectory } from './CellDirectory.js';
import { createGuardianCell } from './guardian.js';
import { clusterStats, type IntrospectionHost, startIntrospection } from './introspection.js';
import type { ActorSystemOptions, Topology } from './options.js';
import { type PlacementView, resolvePlacement } from './placement.js';
import { mailboxFigures, SystemCounters } from './SystemCounters.js';

let nodeCounter = 0;

export class LocalActorSystem implements ActorSystem, CellSystem {
  readonly name: string;
  readonly nodeId: string;
  readonly events = new EventStream();
  readonly catalog: BehaviourCatalog;
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly random: () => number;
  readonly askTimeoutMs: number;
  readonly pendingAsks: PendingAsks;
  readonly whenTerminated: Promise<void>;
  processed = 0;
  isShutdown = false;
  remote: RemoteRuntime | undefined;
  private readonly counters: SystemCounters;
  /** The live cells by path (see CellDirectory.ts). */
  private readonly cells = new CellDirectory();
  private readonly guardian: ActorCell;
  private idSeq = 0;
  private shutdownPromise: Promise<void> | undefined;
  private resolveTerminated!: () => void;
  private readonly onFatal: ((error: unknown) => void) | undefined;
  private topology: Topology | undefined;
  private pool: ThreadPool | undefined;
  private bridge: TransportBridge | undefined;
  private rr = 0;
  private readonly shutdownTimeoutMs: number;
  private readonly placementView: PlacementView;

  constructor(options: ActorSystemOptions, topology?: Topology, threads?: ThreadOptions) {
    this.name = options.name;
    this.nodeId =
      options.nodeId ??
      `n${process.pid.toString(36)}${(nodeCounter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    // In a worker thread (its main node is another) the catalog is the thread's.
    const inThread = topology !== undefined && topology.mainNode !== this.nodeId;
    this.catalog = inThread
      ? new BehaviourCatalog(`worker thread ${this.nodeId}`, 'thread')
      : new BehaviourCatalog(`node ${this.nodeId} (this process)`);
    this.counters = new SystemCounters(this.events, this.nodeId);
    this.dispatcher = new Dispatcher(options.dispatcher, (e) =>
      this.events.publish({ kind: 'error', where: 'dispatcher', error: serializeError(e) }),
    );
    this.clock = options.clock ?? systemClock;
    this.pendingAsks = new PendingAsks(this.clock);
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
    this.cells.root = this.guardian;
    const introspect = startIntrospection(this, this.introspection);
    this.cells.systemCells.set(introspect.path, introspect);
    this.topology = topology;
    this.shutdownTimeoutMs = threads?.shutdownTimeoutMs ?? 5000;
    if (topology !== undefined || threads !== undefined) this.remote = new RemoteRuntime(this);
    const self = this;
    this.placementView = {
      nodeId: this.nodeId,
      get mainNode() {
        return self.topology?.mainNode;
      },
      get threadNodes() {
        return self.topology?.threadNodes ?? [];
      },
      usableThreads: () => this.pool?.usableNodes() ?? this.topology?.threadNodes ?? [],
      get remoteNodes() {
        return self.bridge?.nodes ?? new Map();
      },
      fromModule: (b) => this.catalog.isFromModule(b),
      next: () => this.rr++,
    };
  }

  /** Start the worker-thread pool (main runtime only). */
  async startThreads(threads: ThreadOptions): Promise<void> {
    this.remote ??= new RemoteRuntime(this);
    const pool = new ThreadPool(
      this.remote,
      this.events,
      {
        system: this.name,
        mainNode: this.nodeId,
        catalog: [...this.catalog.modules],
        askTimeoutMs: this.askTimeoutMs,
      },
      threads,
      workerEntry(),
    );
    this.pool = pool;
    this.topology = { mainNode: this.nodeId, threadNodes: pool.nodes };
    await pool.start();
  }

  /** Connect the transports (main runtime only): this process becomes a node of the system. */
  async startTransports(transports: readonly Transport[], links?: LinkOptions): Promise<void> {
    this.remote ??= new RemoteRuntime(this);
    const bridge = new TransportBridge(
      {
        name: this.name,
        nodeId: this.nodeId,
        events: this.events,
        catalogNames: () => this.catalog.names(),
        threadNodes: () => this.topology?.threadNodes ?? [],
        dropped: (cause, detail) => this.dropped(cause, detail),
        clock: this.clock,
      },
      this.remote,
      this.pool,
      transports,
      links,
    );
    this.bridge = bridge;
    await bridge.start();
  }

  get threads(): ThreadsInfo | undefined {
    const pool = this.pool;
    if (pool === undefined) return undefined;
    return { size: pool.slots.length, nodes: pool.nodes, terminate: (i) => pool.terminate(i) };
  }

  nodes(): NodeStatus[] {
    const self: NodeStatus = {
      id: this.nodeId,
      threads: this.topology?.threadNodes ?? [],
      catalog: this.catalog.names(),
      self: true,
    };
    return [self, ...[...(this.bridge?.nodes.values() ?? [])].map((n) => ({ ...n, self: false }))];
  }

  async expose(
    ref: ActorRef,
    name: string,
    options?: { readonly timeoutMs?: number; readonly stacks?: boolean },
  ): Promise<() => Promise<void>> {
    const t = this.bridge?.transports.find((x) => typeof x.expose === 'function');
    if (t === undefined || t.expose === undefined) {
      throw new InvalidOptionsError(
        'system.expose() needs a transport that can expose actors, e.g. createActorSystem({ transports: [nats({ servers })] })',
      );
    }
    if (typeof name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(name)) {
      throw new InvalidOptionsError(
        `expose(): the name must be letters, digits, '_' or '-', got ${JSON.stringify(name)}`,
      );
    }
    const stacks = options?.stacks ?? false;
    if (typeof stacks !== 'boolean') {
      throw new InvalidOptionsError(`expose(): stacks must be true or false, got ${JSON.stringify(stacks)}`);
    }
    const timeoutMs = options?.timeoutMs ?? this.askTimeoutMs;
    return t.expose(name, (body) => ref.ask(body, { timeoutMs }), { stacks });
  }

  get mainNodeId(): string {
    return this.topology?.mainNode ?? this.nodeId;
  }

  cellAt(path: string): ActorCell | undefined {
    return this.cells.cellAt(path);
  }

  stoppedLately(path: string): boolean {
    return this.cells.stoppedLately(path);
  }

  nodeIsUp(node: string): boolean {
    const proc = processNodeOf(node);
    if (proc === this.nodeId) return node === proc || (this.pool?.usableNodes().includes(node) ?? false);
    if (this.bridge !== undefined) return this.bridge.nodes.has(proc);
    // Inside a worker thread: the main thread and the sibling threads are up (the pool replaces them).
    return this.topology !== undefined && proc === processNodeOf(this.topology.mainNode);
  }

  placementNode(placement: Placement, behaviour: Behaviour | string): string | undefined {
    return resolvePlacement(
      this.placementView,
      placement,
      typeof behaviour === 'string' ? behaviour : behaviour.name,
    );
  }

  nextId(): string {
    return (this.idSeq++).toString(36);
  }

  register(cell: ActorCell): void {
    this.cells.register(cell);
  }

  unregister(cell: ActorCell): void {
    this.cells.unregister(cell);
  }

  deadLetter(recipient: string, message: unknown, reason: DeadLetterReason): void {
    this.counters.deadLetter(recipient, unwrap(message), reason);
  }

  rejectedByPeer(recipient: string, count: number): void {
    this.counters.rejectedByPeer(recipient, count);
  }

  /** Input from another runtime was dropped: counted by cause, logged once per cause. */
  dropped(cause: string, detail: string): void {
    this.counters.dropped(cause, detail);
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
    // Default size: one routee per thread for 'thread', one for a single thread or node, else one per core.
    const p = options.placement;
    const defaultSize =
      p === 'thread' && this.topology !== undefined
        ? this.topology.threadNodes.length
        : typeof p === 'object'
          ? 1
          : availableParallelism();
    return spawnPool(this.guardian, behaviour as Behaviour | string, args, options, defaultSize) as PoolRef<
      M,
      R
    >;
  }

  stop(ref: ActorRef): Promise<void> {
    const address = typeof ref?.address === 'string' ? ref.address : String(ref);
    // A top-level actor is a child of the guardian: a cell here, or a proxy for one on a thread or node.
    const child = this.guardian.childCells?.get(ref?.name);
    if (child === undefined || child.address !== address) {
      const known = ref instanceof LocalActorRef ? ref : this.lookup(address);
      return Promise.reject(
        new InvalidOptionsError(
          known !== undefined && known instanceof LocalActorRef && known.cell.system === this
            ? `system.stop(${address}): only top-level actors can be stopped from outside; its parent stops it with ctx.stop(ref)`
            : `system.stop(${address}): not a running top-level actor of this system`,
        ),
      );
    }
    // Here or in another runtime: done once it has terminated (a proxy's waiters run when the
    // guardian hears that it did).
    return this.whenStopped(child, () => child.sendSystem({ k: Sys.Stop, reason: 'stopped', self: false }));
  }

  private whenStopped(child: ChildHandle, start: () => void): Promise<void> {
    if (child instanceof ActorCell && child.status === Status.Stopped) return Promise.resolve();
    return new Promise((resolve) => {
      (child.terminationWaiters ??= []).push(resolve);
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
    const cell = this.cellAt(path);
    if (cell !== undefined) return cell.ref as ActorRef<M, R>;
    // A child placed on a thread or node, under a parent here.
    const slash = path.lastIndexOf('/');
    const parent = slash > 0 ? this.cellAt(path.slice(0, slash)) : undefined;
    return parent?.childCells?.get(path.slice(slash + 1))?.ref as ActorRef<M, R> | undefined;
  }

  /** What introspection reads of this runtime (see introspection.ts). */
  private get introspection(): IntrospectionHost {
    const self = this;
    return {
      name: this.name,
      nodeId: this.nodeId,
      get mainNodeId() {
        return self.mainNodeId;
      },
      events: this.events,
      now: () => Date.now(),
      stats: () => this.stats(),
      liveCells: () => this.cells.list(),
      nodes: () => this.nodes(),
      lookup: (a) => this.lookup(a),
    };
  }

  clusterStats(options?: ClusterStatsOptions): Promise<ClusterStats> {
    return clusterStats(this.introspection, options);
  }

  stats(): SystemStats {
    const { queued, deepest } = mailboxFigures(this.cells.list());
    const { deadLettersByReason, droppedByCause } = this.counters.byReason();
    return {
      actors: this.cells.live,
      messagesProcessed: this.processed,
      deadLetters: this.counters.deadLetters,
      deadLettersByReason,
      queuedMessages: queued,
      deepestMailboxes: deepest,
      pendingAsks: this.pendingAsks.size,
      droppedByCause,
      rejectedByPeers: this.counters.rejectedByPeers,
      links: this.bridge?.links.stats() ?? NO_LINKS,
    };
  }

  shutdown(): Promise<void> {
    if (this.shutdownPromise !== undefined) return this.shutdownPromise;
    this.isShutdown = true;
    const stopped = this.whenStopped(this.guardian, () =>
      this.guardian.sendSystem({ k: Sys.Stop, reason: 'shutdown', self: false }),
    );
    const pool = this.pool;
    // Thread actors busy computing, or nodes that do not answer, may not stop in time: give up on them.
    const stopTimer =
      this.remote === undefined
        ? undefined
        : setTimeout(() => {
            pool?.terminateAll();
            this.remote?.abandonRemoteChildren();
          }, this.shutdownTimeoutMs);
    this.shutdownPromise = stopped.then(async () => {
      clearTimeout(stopTimer);
      // Replies, failures and Terminated notices of the last turn leave before threads and
      // transports close (links flush at the end of a turn, which may come too late).
      this.remote?.flushAll();
      await pool?.close();
      this.bridge?.links.close();
      for (const t of this.bridge?.transports ?? []) {
        try {
          await t.stop();
        } catch (e) {
          this.events.publish({
            kind: 'error',
            where: `stopping transport ${t.name}`,
            error: serializeError(e),
          });
        }
      }
      const err = new SystemShutdownError(this.name, 'the ask was still waiting');
      this.remote?.rejectAll(err);
      this.pendingAsks.failAll(err);
      this.resolveTerminated();
    });
    return this.shutdownPromise;
  }
}

const NO_LINKS: LinkStats = {
  links: 0,
  unackedBatches: 0,
  stuckLinks: 0,
  resentBatches: 0,
  duplicatesDropped: 0,
  stuckEvents: 0,
  lostOnDown: 0,
  refusedFull: 0,
};

/** The compiled worker entry (workerEntry.ts, next to this file); from sources (tests) the built copy in dist. */
function workerEntry(): URL {
  const url = new URL('./workerEntry.js', import.meta.url);
  if (existsSync(fileURLToPath(url))) return url;
  const dist = new URL(url.href.replace('/src/system/', '/dist/system/'));
  if (existsSync(fileURLToPath(dist))) return dist;
  throw new InvalidOptionsError(
    `cannot find the worker entry ${url.href}; build @troupe/core first (pnpm build)`,
  );
}
