/**
 * The bridge between the main runtime and its network transports: it routes batches between
 * the transport, this process's main runtime and its worker threads (the main thread is the
 * gateway of its threads), keeps the membership view, and turns a lost node into failures of
 * its actors through the ordinary supervision path.
 * @internal
 */

import { processNodeOf } from '../address.js';
import type { EventStream } from '../api/events.js';
import type { NodeInfo } from '../api/nodes.js';
import { NodeLostError } from '../errors.js';
import type { Port } from '../remote/Link.js';
import type { RemoteRuntime } from '../remote/RemoteRuntime.js';
import type { ThreadPool } from '../threads/ThreadPool.js';
import type { Transport, TransportHost } from './Transport.js';

/** What the bridge needs from its system. */
export interface BridgeSystem {
  readonly name: string;
  readonly nodeId: string;
  readonly events: EventStream;
  catalogNames(): string[];
  threadNodes(): readonly string[];
  dropped(cause: string, detail: string): void;
}

export class TransportBridge implements TransportHost {
  /** Remote nodes that are up, by process node id. */
  readonly nodes = new Map<string, NodeInfo>();

  constructor(
    private readonly system: BridgeSystem,
    private readonly runtime: RemoteRuntime,
    private readonly pool: ThreadPool | undefined,
    readonly transports: readonly Transport[],
  ) {
    runtime.defaultPort = (node) => this.portFor(node);
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

  /** The port of a node reached over the network (anything that is not this process). */
  private portFor(node: string): Port | undefined {
    if (processNodeOf(node) === this.system.nodeId) return undefined;
    const from = this.system.nodeId;
    return { post: (batch) => this.send(from, node, batch) };
  }

  /** Send a batch from a runtime of this process (main or a thread) to another node. */
  send(from: string, to: string, batch: unknown[]): void {
    const t = this.transports[0];
    if (t === undefined) {
      this.system.dropped('unroutable', `no transport reaches node ${to}`);
      return;
    }
    t.send(from, to, batch);
  }

  deliver(from: string, to: string, batch: unknown[]): void {
    if (processNodeOf(from) === this.system.nodeId) {
      // Nothing from the network speaks for this process's own runtimes.
      this.system.dropped('spoofed-sender', `a batch from the network claims to come from ${from}`);
      return;
    }
    if (to === this.system.nodeId) {
      this.runtime.receive(from, batch);
      return;
    }
    if (this.pool?.forwardIn(to, from, batch)) return;
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
    this.system.events.publish({ kind: 'node', node, event: how, threads: info.threads, detail });
    for (const n of [node, ...info.threads]) {
      this.runtime.nodeDown(n, detail, new NodeLostError(n, detail), 'node-lost');
      this.pool?.broadcastControl({ c: 'node-down', node: n, reason: 'node-lost', detail });
    }
  }

  dropped(cause: string, detail: string): void {
    this.system.dropped(cause, detail);
  }
}
