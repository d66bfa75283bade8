/**
 * An in-memory network for tests: transports that make several actor systems of one process
 * nodes of each other, with membership, asynchronous copied delivery, and seeded faults (drops,
 * duplicates, delays, reordering, partitions, killed nodes). It meets core only at the
 * `Transport` seam, like any network transport.
 */

import { processNodeOf } from '../address.js';
import type { NodeInfo } from '../api/nodes.js';
import { type Clock, systemClock } from '../clock.js';
import { InvalidOptionsError } from '../errors.js';
import { serializeError } from '../serializedError.js';
import type { ExposeHandler, Transport, TransportHost } from '../transport/Transport.js';
import { ExposedActors, type ExposeReply } from './exposed.js';
import { checkFaults, decide, type FaultOptions, type Faults, Lane, mulberry32, NO_FAULTS } from './wire.js';

/**
 * Options of {@link createInMemoryNetwork}.
 *
 * @example
 * ```ts
 * const net = createInMemoryNetwork({ seed: 7, downAfterMs: 200, clock: new ManualClock() });
 * ```
 */
export interface InMemoryNetworkOptions {
  /** Seed of the fault decisions. Default: a random one (read it back from `net.seed` to replay a run). */
  readonly seed?: number;
  /** How long a node that stopped answering (killed, partitioned away) takes to be declared down (ms). Default 50. */
  readonly downAfterMs?: number;
  /** Time source of delays, failure detection and request timeouts. Default: the real clock. */
  readonly clock?: Clock;
}

/**
 * Why the network did not deliver a batch: a `fault` it injected, a `partition` between the two
 * nodes, a `killed` sender or receiver, a receiver that is `unreachable` (not up, or not any more),
 * or a `reconnect` of the sender or the receiver while the batch was on its way.
 *
 * @example
 * ```ts
 * const { droppedByCause } = net.stats();
 * expect(droppedByCause.partition).toBeGreaterThan(0);
 * ```
 */
export type DropCause = 'fault' | 'partition' | 'killed' | 'unreachable' | 'reconnect';

/**
 * What the network did so far. Once nothing is in flight, `delivered + dropped === sent + duplicated`.
 *
 * @example
 * ```ts
 * const { sent, delivered, dropped, duplicated } = net.stats();
 * console.log(`${sent} sent, ${delivered} delivered, ${dropped} dropped, ${duplicated} duplicated`);
 * ```
 */
export interface InMemoryNetworkStats {
  /** Batches handed to a transport's `send` (not counting the ones it refused to copy). */
  readonly sent: number;
  /** Batches handed to a receiving node (a duplicate counts twice). */
  readonly delivered: number;
  /** Batches lost, all causes together. */
  readonly dropped: number;
  /** Batches lost, by cause. */
  readonly droppedByCause: Readonly<Record<DropCause, number>>;
  /** Batches sent twice by the `duplicate` fault. */
  readonly duplicated: number;
  /** Batches given a delay by the `delay` fault. */
  readonly delayed: number;
  /** Batches held back by the `reorder` fault. */
  readonly reordered: number;
}

/**
 * A node as the network sees it.
 *
 * @example
 * ```ts
 * const up = net.nodes().filter((n) => n.state === 'up').map((n) => n.id);
 * ```
 */
export interface InMemoryNode {
  /** Its system's name. */
  readonly system: string;
  /** Its node id. */
  readonly id: string;
  /** `up`; `left` after its transport stopped; `killed` after {@link InMemoryNetwork.kill}. */
  readonly state: 'up' | 'left' | 'killed';
}

/**
 * A network in this process: hand `net.transport()` to each system that should join it.
 *
 * @example
 * ```ts
 * const net = createInMemoryNetwork({ seed: 1 });
 * const a = await createActorSystem({ name: 'shop', catalog: [Cart], transports: [net.transport()] });
 * const b = await createActorSystem({ name: 'shop', catalog: [Cart], transports: [net.transport()] });
 * const cart = a.spawn(Cart, undefined, { placement: { node: b.nodeId } });
 * net.faults({ delay: { minMs: 1, maxMs: 5 } });
 * net.kill(b.nodeId); // a.events: { kind: 'node', event: 'down', node: b.nodeId } after downAfterMs
 * ```
 */
export interface InMemoryNetwork {
  /** The seed of the fault decisions. */
  readonly seed: number;
  /** A new transport; each system gets its own. */
  transport(): Transport;
  /** Inject these faults into every batch sent from now on (`{}`: none). */
  faults(options: FaultOptions): void;
  /**
   * Split the network into groups of node ids: nodes in different groups cannot reach each
   * other, and nodes named in no group form one more group. Batches between groups are dropped,
   * in flight too; each side declares the other down after `downAfterMs`. Replaces any partition.
   */
  partition(...groups: readonly (readonly string[])[]): void;
  /** End the partition: nodes that declared each other down see each other up again. */
  heal(): void;
  /**
   * The node vanishes, as a crashed process does: nothing more is delivered to or from it
   * (batches in flight included) and it says no `leave`; the others declare it down after
   * `downAfterMs`. Its own system is told nothing. A thread id kills its whole node.
   */
  kill(node: string): void;
  /**
   * The node's connection drops and comes back at once, as a NATS client's does when its server
   * restarts: every batch on its way to or from it is lost (cause `reconnect`), nobody is declared
   * down, and its transport reports the reconnect (`TransportHost.reconnected`).
   */
  reconnect(node: string): void;
  /** Every node that joined, in join order. */
  nodes(): InMemoryNode[];
  /**
   * Send a plain request to an actor exposed as `name` (with `system.expose`), as a NATS client
   * would: `body` travels as JSON, the reply comes back as JSON. Rejects if no node answers to
   * `name` (in `system`, if given) or after `timeoutMs` (default 5000).
   */
  request(
    name: string,
    body?: unknown,
    options?: { readonly system?: string; readonly timeoutMs?: number },
  ): Promise<ExposeReply>;
  /** Counters of what the network did. */
  stats(): InMemoryNetworkStats;
}

/**
 * Create an in-memory network for tests.
 *
 * @example
 * ```ts
 * import { createInMemoryNetwork } from '@troupe/core/testing';
 * const net = createInMemoryNetwork({ seed: 42 });
 * const systems = await Promise.all(
 *   ['a', 'b', 'c'].map((nodeId) => createActorSystem({ name: 't', nodeId, catalog, transports: [net.transport()] })),
 * );
 * net.partition(['a'], ['b', 'c']);
 * ```
 */
export function createInMemoryNetwork(options: InMemoryNetworkOptions = {}): InMemoryNetwork {
  return new Network(options);
}

interface Member {
  readonly system: string;
  readonly id: string;
  readonly host: TransportHost;
  readonly info: NodeInfo;
  state: InMemoryNode['state'];
  /** The peers this node holds to be up: it was told `nodeUp` and no `nodeDown` since. */
  readonly sees: Set<Member>;
  /** Its connections so far: a batch sent before a reconnect of its sender or receiver is lost. */
  connection: number;
}

/** A batch on its way, or the sender's leave notice. */
interface Entry {
  readonly from: string;
  readonly to: string;
  readonly batch: unknown;
  readonly leave: boolean;
  /** The sender's and the receiver's connections when it was sent. */
  readonly connections?: readonly [number, number];
}

class Network implements InMemoryNetwork {
  readonly seed: number;
  private readonly random: () => number;
  private readonly clock: Clock;
  private readonly downAfterMs: number;
  private current: Faults = NO_FAULTS;
  /** Node id → partition group; undefined: no partition. */
  private groups: Map<string, number> | undefined;
  private readonly members: Member[] = [];
  private readonly lanes = new Map<Member, Map<Member, Lane<Entry>>>();
  private readonly exposed: ExposedActors<Member>;
  private readonly counts = { sent: 0, delivered: 0, duplicated: 0, delayed: 0, reordered: 0 };
  private readonly drops: Record<DropCause, number> = {
    fault: 0,
    partition: 0,
    killed: 0,
    unreachable: 0,
    reconnect: 0,
  };

  constructor(options: InMemoryNetworkOptions) {
    const { seed = Math.floor(Math.random() * 2 ** 32), downAfterMs = 50, clock = systemClock } = options;
    if (!Number.isInteger(seed))
      throw new InvalidOptionsError(`createInMemoryNetwork(): seed must be an integer, got ${String(seed)}`);
    if (!(typeof downAfterMs === 'number' && downAfterMs >= 0 && Number.isFinite(downAfterMs)))
      throw new InvalidOptionsError(
        `createInMemoryNetwork(): downAfterMs must be a number of milliseconds >= 0, got ${String(downAfterMs)}`,
      );
    this.seed = seed;
    this.random = mulberry32(seed);
    this.clock = clock;
    this.downAfterMs = downAfterMs;
    this.exposed = new ExposedActors(clock);
  }

  transport(): Transport {
    return new InMemoryTransport(this);
  }

  faults(options: FaultOptions): void {
    this.current = checkFaults(options);
  }

  nodes(): InMemoryNode[] {
    return this.members.map(({ system, id, state }) => ({ system, id, state }));
  }

  stats(): InMemoryNetworkStats {
    const dropped = Object.values(this.drops).reduce((a, b) => a + b, 0);
    return { ...this.counts, dropped, droppedByCause: { ...this.drops } };
  }

  // ---- membership ----

  join(host: TransportHost): Member {
    const { systemName: system, nodeId: id } = host;
    const old = this.members.find((m) => m.system === system && m.id === id);
    if (old?.state === 'up') {
      throw new InvalidOptionsError(
        `node '${id}' of system '${system}' is already up on this in-memory network; give each system its own nodeId (or leave nodeId out)`,
      );
    }
    const member: Member = {
      system,
      id,
      host,
      info: { id, threads: [...host.threadNodes], catalog: [...host.catalog] },
      state: 'up',
      sees: new Set(),
      connection: 0,
    };
    if (old !== undefined) {
      // A new incarnation under the same id: forget the old one everywhere.
      this.members.splice(this.members.indexOf(old), 1);
      for (const m of this.members) m.sees.delete(old);
    }
    this.members.push(member);
    for (const peer of this.peersOf(member)) {
      if (!this.connected(peer, member)) continue;
      this.see(peer, member);
      this.see(member, peer);
    }
    return member;
  }

  leave(member: Member): void {
    if (member.state !== 'up') return;
    member.state = 'left';
    member.sees.clear();
    this.exposed.withdrawAll(member);
    // The leave notice travels behind the batches already on their way, as on a real connection.
    for (const peer of this.peersOf(member)) {
      this.lane(member, peer).push({ from: member.id, to: peer.id, batch: undefined, leave: true });
    }
  }

  kill(node: string): void {
    const id = processNodeOf(String(node));
    const victims = this.members.filter((m) => m.id === id && m.state === 'up');
    if (victims.length === 0) {
      const up = this.members.filter((m) => m.state === 'up').map((m) => m.id);
      throw new InvalidOptionsError(
        `kill('${String(node)}'): no node '${id}' is up on this in-memory network (up: ${up.join(', ') || 'none'})`,
      );
    }
    for (const v of victims) {
      v.state = 'killed';
      v.sees.clear();
      this.exposed.withdrawAll(v);
      for (const peer of this.peersOf(v)) if (peer.sees.has(v)) this.detect(peer, v);
    }
  }

  reconnect(node: string): void {
    const id = processNodeOf(String(node));
    const m = this.members.find((x) => x.id === id && x.state === 'up');
    if (m === undefined) {
      const up = this.members.filter((x) => x.state === 'up').map((x) => x.id);
      throw new InvalidOptionsError(
        `reconnect('${String(node)}'): no node '${id}' is up on this in-memory network (up: ${up.join(', ') || 'none'})`,
      );
    }
    m.connection++;
    // Reported after the current turn, as a client's status stream reports it.
    this.clock.setTimeout(() => {
      if (m.state === 'up') m.host.reconnected();
    }, 0);
  }

  partition(...groups: readonly (readonly string[])[]): void {
    const map = new Map<string, number>();
    groups.forEach((group, i) => {
      if (!Array.isArray(group) || group.some((id) => typeof id !== 'string')) {
        throw new InvalidOptionsError(
          `partition(): each group must be an array of node ids, e.g. partition(['a'], ['b', 'c']); got ${JSON.stringify(group)}`,
        );
      }
      for (const raw of group) {
        const id = processNodeOf(raw);
        if (map.has(id) && map.get(id) !== i)
          throw new InvalidOptionsError(`partition(): node '${id}' is in two groups`);
        map.set(id, i);
      }
    });
    this.groups = map;
    for (const a of this.members) {
      for (const b of a.sees) if (!this.connected(a, b)) this.detect(a, b);
    }
  }

  heal(): void {
    this.groups = undefined;
    for (const a of this.members) {
      if (a.state !== 'up') continue;
      for (const b of this.peersOf(a)) this.see(a, b);
    }
  }

  /** The other nodes of `m`'s system that are up. */
  private peersOf(m: Member): Member[] {
    return this.members.filter((p) => p !== m && p.system === m.system && p.state === 'up');
  }

  /** No partition lies between the two. */
  private connected(a: Member, b: Member): boolean {
    const g = this.groups;
    return g === undefined || (g.get(a.id) ?? -1) === (g.get(b.id) ?? -1);
  }

  private see(observer: Member, subject: Member): void {
    if (observer.sees.has(subject)) return;
    observer.sees.add(subject);
    observer.host.nodeUp(subject.info);
  }

  /** Like a missed-heartbeat failure detector: `observer` declares `subject` down unless it is heard again in time. */
  private detect(observer: Member, subject: Member): void {
    const ms = this.downAfterMs;
    this.clock.setTimeout(() => {
      if (observer.state !== 'up' || !observer.sees.has(subject)) return;
      if (subject.state === 'up' && this.connected(observer, subject)) return; // healed in time
      observer.sees.delete(subject);
      observer.host.nodeDown(subject.id, 'down', `no heartbeat for ${ms} ms (down after ${ms} ms)`);
    }, ms);
  }

  // ---- batches ----

  send(member: Member | undefined, from: string, to: string, batch: unknown[]): void {
    if (member === undefined || member.state === 'left') return; // not started, or stopped
    // A real wire copies before it knows the receiver: what cannot be copied fails at the sender.
    const copy = structuredClone(batch);
    this.counts.sent++;
    const target = this.members.find((m) => m.system === member.system && m.id === processNodeOf(to));
    if (target === undefined) {
      this.drops.unreachable++;
      return;
    }
    const lost = this.lostBetween(member, target);
    if (lost !== undefined) {
      this.drops[lost]++;
      return;
    }
    const d = decide(this.random, this.current);
    if (d.drop) {
      this.drops.fault++;
      return;
    }
    if (d.delayMs > 0) this.counts.delayed++;
    if (d.holdMs > 0) this.counts.reordered++;
    const lane = this.lane(member, target);
    const connections = [member.connection, target.connection] as const;
    lane.push({ from, to, batch: copy, leave: false, connections }, d.delayMs, d.holdMs);
    if (d.duplicate) {
      this.counts.duplicated++;
      const again = structuredClone(batch);
      lane.push({ from, to, batch: again, leave: false, connections }, d.delayMs, d.holdMs); // right behind it
    }
  }

  /** Why nothing goes from `from` to `to` now, if so. */
  private lostBetween(from: Member, to: Member): DropCause | undefined {
    if (from.state === 'killed' || to.state === 'killed') return 'killed';
    if (to.state !== 'up') return 'unreachable';
    if (!this.connected(from, to)) return 'partition';
    return undefined;
  }

  private lane(from: Member, to: Member): Lane<Entry> {
    let byTo = this.lanes.get(from);
    if (byTo === undefined) this.lanes.set(from, (byTo = new Map()));
    let lane = byTo.get(to);
    if (lane === undefined) {
      lane = new Lane(this.clock, (e) => this.deliver(from, to, e));
      byTo.set(to, lane);
    }
    return lane;
  }

  private deliver(from: Member, to: Member, e: Entry): void {
    const c = e.connections;
    const lost =
      c !== undefined && (c[0] !== from.connection || c[1] !== to.connection)
        ? 'reconnect'
        : this.lostBetween(from, to);
    if (e.leave) {
      if (lost === undefined && to.sees.delete(from))
        to.host.nodeDown(from.id, 'leave', 'it left the system');
      return;
    }
    if (lost !== undefined) {
      this.drops[lost]++;
      return;
    }
    this.counts.delivered++;
    try {
      to.host.deliver(e.from, e.to, e.batch as unknown[]);
    } catch (err) {
      to.host.events.publish({
        kind: 'error',
        where: `in-memory delivery from ${e.from}`,
        error: serializeError(err),
      });
    }
  }

  request(
    name: string,
    body?: unknown,
    options?: { readonly system?: string; readonly timeoutMs?: number },
  ): Promise<ExposeReply> {
    return this.exposed.request(name, body, options);
  }

  expose(member: Member, name: string, handler: ExposeHandler, stacks: boolean): () => Promise<void> {
    return this.exposed.add(member, name, handler, stacks);
  }
}

/** One system's door to the network. */
class InMemoryTransport implements Transport {
  readonly name = 'in-memory';
  private member: Member | undefined;

  constructor(private readonly net: Network) {}

  async start(host: TransportHost): Promise<void> {
    if (this.member !== undefined) {
      throw new InvalidOptionsError(
        'this in-memory transport is in use already; give each system its own net.transport()',
      );
    }
    this.member = this.net.join(host);
  }

  send(from: string, to: string, batch: unknown[]): void {
    this.net.send(this.member, from, to, batch);
  }

  async stop(): Promise<void> {
    if (this.member !== undefined) this.net.leave(this.member);
  }

  async expose(
    name: string,
    handler: ExposeHandler,
    options?: { readonly stacks?: boolean },
  ): Promise<() => Promise<void>> {
    const member = this.member;
    if (member === undefined || member.state !== 'up')
      throw new InvalidOptionsError('expose(): this in-memory transport is not started (or has stopped)');
    return this.net.expose(member, name, handler, options?.stacks ?? false);
  }
}
