/**
 * The bridge between the main runtime and its network transports: it routes batches between
 * the transports, this process's main runtime and its worker threads (the main thread is the
 * gateway of its threads), keeps the membership view, and turns a lost node into failures of
 * its actors through the ordinary supervision path.
 *
 * It is the transports' step of the resolver chain (remote/Routes.ts): a record for a runtime of
 * another process goes out through the transport that announced that process. Each transport is
 * started with a {@link TransportLane} of its own, so the bridge knows which one reaches which
 * node; with a single transport, it also carries records for nodes not announced (yet).
 * Every batch to and from another node goes through the node's reliable links
 * ({@link ReliableLinks}): sequenced, acknowledged, sent again after a loss.
 * Owns: membership, and which transport reaches which node. May not touch: records (it moves
 * batches), actors.
 * @internal
 */

import { processNodeOf } from '../address.js';
import type { EventStream } from '../api/events.js';
import type { LinkOptions } from '../api/links.js';
import type { NodeInfo } from '../api/nodes.js';
import type { Clock } from '../clock.js';
import { NodeLostError } from '../errors.js';
import type { Port } from '../remote/Link.js';
import type { RemoteRuntime } from '../remote/RemoteRuntime.js';
import type { ThreadPool } from '../threads/ThreadPool.js';
import { ReliableLinks } from './ReliableLinks.js';
import type { Transport, TransportHost } from './Transport.js';

/** What the bridge needs from its system. */
export interface BridgeSystem {
  readonly name: string;
  readonly nodeId: string;
  readonly events: EventStream;
  readonly clock: Clock;
  catalogNames(): string[];
  threadNodes(): readonly string[];
  dropped(cause: string, detail: string): void;
}

export class TransportBridge implements TransportHost {
  /** Remote nodes that are up, by process node id. */
  readonly nodes = new Map<string, NodeInfo>();
  /** Sequencing, acks and resends of every batch to and from other nodes. */
  readonly links: ReliableLinks;

  constructor(
    private readonly system: BridgeSystem,
    private readonly runtime: RemoteRuntime,
    private readonly pool: ThreadPool | undefined,
    readonly transports: readonly Transport[],
    links?: LinkOptions,
  ) {
    runtime.routes.add({ name: 'transports', resolve: (node, from) => this.portFor(node, from) });
    this.links = new ReliableLinks(
      {
        send: (from, to, framed) => this.transportFor(to)?.send(from, to, framed),
        deliver: (from, to, batch, start) => this.route(from, to, batch, start),
        dropped: (cause, detail) => system.dropped(cause, detail),
        events: system.events,
        clock: system.clock,
      },
      links,
    );
  }

  /** The process nodes each transport announced: the one that carries their records. */
  private readonly reachedBy = new Map<string, Transport>();

  /** Start every transport, each with its own lane to this bridge. */
  async start(): Promise<void> {
    for (const t of this.transports) await t.start(new TransportLane(this, t));
  }

  /** `transport` announced `info` (see {@link TransportLane}). */
  reached(transport: Transport, info: NodeInfo): void {
    if (!this.reachedBy.has(info.id)) this.reachedBy.set(info.id, transport);
    this.nodeUp(info);
  }

  /** `transport` lost `node`. */
  lost(transport: Transport, node: string, how: 'down' | 'leave', detail: string): void {
    if (this.reachedBy.get(node) === transport) this.reachedBy.delete(node);
    this.nodeDown(node, how, detail);
  }

  get systemName(): string {
    return this.system.name;
  }
  get nodeId(): string {
    return this.system.nodeId;
  }
  get threadNodes(): readonly string[] {
    return this.system.threadNodes();
  }
  get catalog(): readonly string[] {
    return this.system.catalogNames();
  }
  get events(): EventStream {
    return this.system.events;
  }

  /**
   * The port of a runtime of another process: which transport carries a batch is decided when
   * it is posted, so a node announced later (or by another transport after a loss) is reached.
   */
  private portFor(node: string, from: string): Port | undefined {
    if (processNodeOf(node) === this.system.nodeId) return undefined;
    return { post: (batch) => this.send(from, node, batch) };
  }

  /** Send a batch from a runtime of this process (main or a thread) to another node. */
  send(from: string, to: string, batch: unknown[]): void {
    if (this.transportFor(to) === undefined) {
      const node = processNodeOf(to);
      this.system.dropped(
        'unroutable',
        `a batch for ${to}: none of this node's ${this.transports.length} transports has announced node ${node}`,
      );
      return;
    }
    this.links.send(from, to, batch);
  }

  /** The transport that carries batches for runtime `to` of another node, if any. */
  private transportFor(to: string): Transport | undefined {
    return (
      this.reachedBy.get(processNodeOf(to)) ?? (this.transports.length === 1 ? this.transports[0] : undefined)
    );
  }

  deliver(from: string, to: string, batch: unknown[]): void {
    if (processNodeOf(from) === this.system.nodeId) {
      // Nothing from the network speaks for this process's own runtimes.
      this.system.dropped('spoofed-sender', `a batch from the network claims to come from ${from}`);
      return;
    }
    if (to !== this.system.nodeId && !this.system.threadNodes().includes(to)) {
      this.system.dropped('unroutable', `a batch for ${to}, which is not a runtime of this node`);
      return;
    }
    this.links.receive(from, to, batch);
  }

  /** The records of a batch that arrived in order (from `start` on): to the main runtime or one of its threads. */
  private route(from: string, to: string, batch: unknown[], start: number): void {
    if (to === this.system.nodeId) {
      this.runtime.receive(from, batch, start);
      return;
    }
    if (this.pool?.forwardIn(to, from, start === 0 ? batch : batch.slice(start))) return;
    this.system.dropped('unroutable', `a batch for ${to}, which is not a runtime of this node`);
  }

  nodeUp(info: NodeInfo): void {
    const known = this.nodes.has(info.id);
    this.nodes.set(info.id, info);
    for (const n of [info.id, ...info.threads]) this.runtime.nodeUp(n);
    if (!known)
      this.system.events.publish({ kind: 'node', node: info.id, event: 'up', threads: info.threads });
  }

  nodeDown(node: string, how: 'down' | 'leave', detail: string): void {
    const info = this.nodes.get(node);
    if (info === undefined) return;
    this.nodes.delete(node);
    this.links.nodeDown(node);
    this.system.events.publish({ kind: 'node', node, event: how, threads: info.threads, detail });
    for (const n of [node, ...info.threads]) {
      this.runtime.nodeDown(n, detail, new NodeLostError(n, detail), 'node-lost');
      this.pool?.broadcastControl({ c: 'node-down', node: n, reason: 'node-lost', detail });
    }
  }

  dropped(cause: string, detail: string): void {
    this.system.dropped(cause, detail);
  }

  reconnected(): void {
    this.links.reconnected();
  }
}

/**
 * What one transport sees of the bridge: the bridge itself, except that the nodes this transport
 * announces (and loses) are recorded as reached by it.
 */
export class TransportLane implements TransportHost {
  constructor(
    private readonly bridge: TransportBridge,
    private readonly transport: Transport,
  ) {}

  get systemName(): string {
    return this.bridge.systemName;
  }
  get nodeId(): string {
    return this.bridge.nodeId;
  }
  get threadNodes(): readonly string[] {
    return this.bridge.threadNodes;
  }
  get catalog(): readonly string[] {
    return this.bridge.catalog;
  }
  get events(): EventStream {
    return this.bridge.events;
  }
  deliver(from: string, to: string, batch: unknown[]): void {
    this.bridge.deliver(from, to, batch);
  }
  nodeUp(info: NodeInfo): void {
    this.bridge.reached(this.transport, info);
  }
  nodeDown(node: string, how: 'down' | 'leave', detail: string): void {
    this.bridge.lost(this.transport, node, how, detail);
  }
  dropped(cause: string, detail: string): void {
    this.bridge.dropped(cause, detail);
  }
  reconnected(): void {
    this.bridge.reconnected();
  }
}
