/**
 * Entities on a node: {@link startEntities} starts a region for each entity type on this node
 * (`region.ts`) and gives {@link Entities}, where `of(Type, key)` makes an {@link EntityRef} with
 * no round trip: the identity is the address, on every node, for ever.
 *
 * Owns: starting and stopping the regions, entity refs, the event listeners.
 * May not touch: routing and activations (`region.ts`), leases (`shard.ts`, `lease.ts`).
 */
import { type ActorRef, type ActorSystem, type AskOptions, InvalidOptionsError } from '@troupe/core';
import type { EntityType } from './entityType.js';
import type { EntityEvent } from './events.js';
import { shardOf } from './keys.js';
import type { AcquireHost } from './lease.js';
import type { LeaseStore } from './leases.js';
import { type RegionMessage, regionBehaviour, regionName } from './region.js';
import type { Envelope } from './shard.js';

/** Options of {@link startEntities}. */
export interface EntitiesOptions {
  /** The entity types this node hosts; each one's behaviour must be in the node's catalog. */
  readonly types: readonly EntityType[];
  /** Where shard leases live: `natsLeaseStore(...)` for a cluster, an `InMemoryLeaseStore` in one process. */
  readonly leases: LeaseStore;
  /**
   * How long a shard's lease lives without renewal (ms, default 6000). A node that was lost holds
   * its shards for about this long before another node takes them over; a node cut off from the
   * lease store stops its entities before then.
   */
  readonly leaseTtlMs?: number;
  /** The safety margin on each side of the lease's life (ms, default a sixth of `leaseTtlMs`). */
  readonly leaseMarginMs?: number;
  /**
   * True for a node that only sends to these types and runs none of their entities (an API
   * gateway, a load generator). Its catalog must then not hold the types' behaviours: the nodes
   * that offer a type are those whose catalog holds its behaviour. Default false.
   */
  readonly client?: boolean;
}

/**
 * A ref to an entity: its type and key. Tell and ask it from any node; the first message starts
 * the entity somewhere in the cluster, later ones go where it runs. Keep it for ever: it stays
 * valid when the entity is passivated, moved or restarted on another node.
 *
 * @example
 * ```ts
 * const cart = entities.of(Cart, 'cart-42');
 * cart.tell({ type: 'add', item: 'socks' });
 * const items = await cart.ask({ type: 'list' });
 * ```
 */
export interface EntityRef<Msg = any, Reply = unknown> {
  /** The entity type's name. */
  readonly type: string;
  /** The entity's key. */
  readonly key: string;
  /** Send a message; it never throws (a message that cannot be delivered is a dead letter). */
  tell(message: Msg): void;
  /** Send a message and get the entity's reply. */
  ask(message: Msg, options?: AskOptions): Promise<Reply>;
}

/** The entities of a node, made by {@link startEntities}. */
export interface Entities {
  /** The ref of the entity `key` of `type` (no round trip). */
  of<Msg, Reply>(type: EntityType<Msg, Reply>, key: string): EntityRef<Msg, Reply>;
  /** The keys active on each node that hosts `type`, by node id (asks every node's region). */
  activations(type: EntityType, options?: { timeoutMs?: number }): Promise<Record<string, string[]>>;
  /** Call `listener` on every activation, passivation, hand-off and lost lease of this node. */
  on(listener: (e: EntityEvent) => void): () => void;
  /** Stop this node's regions: entities stop, leases are given up, other nodes take the keys. */
  stop(): Promise<void>;
}

/** How a node's refs of one type reach its entities: the local region, or a known holder's directly. */
interface Route {
  readonly shards: number;
  readonly local: ActorRef<RegionMessage, unknown>;
  /** Shards held elsewhere, as the local region learned (cleared on every membership change). */
  readonly directory: Map<number, string>;
  /** The region of another node. */
  remote(node: string): ActorRef<RegionMessage, unknown>;
  /** The members that offer the type. */
  offering(): readonly string[];
  /** Membership changed: drop what was learned of it, and let the region know. */
  forget(): void;
}

class Ref<Msg, Reply> implements EntityRef<Msg, Reply> {
  private readonly shard: number;
  constructor(
    readonly type: string,
    readonly key: string,
    private readonly route: Route,
  ) {
    this.shard = shardOf(key, route.shards);
  }
  /** Where to send, and the envelope: straight to a known holder (one hop fewer), else the local region. */
  private target(message: Msg): [ActorRef<RegionMessage, unknown>, Envelope] {
    const holder = this.route.directory.get(this.shard);
    if (holder === undefined) return [this.route.local, { $e: 'm', k: this.key, m: message, h: 0 }];
    return [this.route.remote(holder), { $e: 'm', k: this.key, m: message, h: 1 }];
  }
  tell(message: Msg): void {
    const [to, e] = this.target(message);
    to.tell(e);
  }
  ask(message: Msg, options?: AskOptions): Promise<Reply> {
    const [to, e] = this.target(message);
    return to.ask(e, options) as Promise<Reply>;
  }
  toString(): string {
    return `EntityRef(${this.type}/${this.key})`;
  }
}

/**
 * Host entity types on this node. Call it on every node that offers the types (the same types,
 * the same lease store): the nodes share the shards of each type between them.
 *
 * @example
 * ```ts
 * const system = await createActorSystem({ name: 'shop', catalog: [CartBehaviour], transports: [nats({ servers })] });
 * const entities = await startEntities(system, { types: [Cart], leases: await natsLeaseStore({ connection: { servers } }) });
 * await entities.of(Cart, 'cart-42').ask({ type: 'add', item: 'socks' });
 * ```
 */
export async function startEntities(system: ActorSystem, options: EntitiesOptions): Promise<Entities> {
  const { types, leases } = options ?? ({} as never);
  if (!Array.isArray(types) || types.length === 0)
    throw new InvalidOptionsError(
      'startEntities: types must list the entity types this node hosts (defineEntity)',
    );
  if (typeof leases?.get !== 'function')
    throw new InvalidOptionsError(
      'startEntities: leases must be a lease store: natsLeaseStore({ connection }) from @troupe/transport-nats, or new InMemoryLeaseStore() in one process',
    );
  const ttlMs = options.leaseTtlMs ?? 6000;
  const marginMs = options.leaseMarginMs ?? Math.floor(ttlMs / 6);
  if (
    !Number.isFinite(ttlMs) ||
    ttlMs < 30 ||
    !Number.isFinite(marginMs) ||
    marginMs < 0 ||
    marginMs * 2 >= ttlMs
  )
    throw new InvalidOptionsError(
      `startEntities: leaseTtlMs must be ≥ 30 ms and leaseMarginMs ≥ 0 and less than half of it (got ${ttlMs} and ${marginMs})`,
    );
  for (const t of types) {
    if (options.client === true) {
      if (system.catalog.has(t.behaviour.name))
        throw new InvalidOptionsError(
          `startEntities: this node is a client of entity type '${t.name}', but its catalog holds '${t.behaviour.name}', so the other nodes would place entities here; leave the behaviour out of this node's catalog, or drop client: true`,
        );
      continue;
    }
    if (!system.catalog.has(t.behaviour.name))
      throw new InvalidOptionsError(
        `startEntities: entity type '${t.name}' runs behaviour '${t.behaviour.name}', which is not in this node's catalog; ` +
          `add it to createActorSystem({ catalog: [...] }) (or --catalog of troupe node) on every node that hosts '${t.name}'`,
      );
  }
  const listeners = new Set<(e: EntityEvent) => void>();
  const report = (e: EntityEvent) => {
    for (const l of listeners) l(e);
  };
  // When this node first saw each lease's current revision (if the store can be watched).
  const seen = new Map<string, { revision: number; at: number }>();
  const unwatch = leases.watch?.((name, revision) => {
    if (seen.get(name)?.revision !== revision) seen.set(name, { revision, at: performance.now() });
  });
  if (unwatch !== undefined) void system.whenTerminated.then(unwatch);
  const lease: AcquireHost = {
    store: leases,
    me: system.nodeId,
    timing: { ttlMs, marginMs },
    isMember: (node) => system.nodes().some((n) => n.id === node),
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    seenAt: (name, revision) => {
      const s = seen.get(name);
      return s?.revision === revision ? s.at : undefined;
    },
  };
  const regions = new Map<string, ActorRef<RegionMessage, unknown>>();
  const routes = new Map<string, Route>();
  const regionAt = (type: EntityType, node: string) =>
    system.lookup<RegionMessage, unknown>(`troupe://${system.name}/${node}/user/${regionName(type.name)}`)!;
  for (const type of types) {
    // The members whose catalog holds the behaviour, kept until membership changes (every
    // message routed by rendezvous needs them).
    let members: readonly string[] | undefined;
    const offering = () =>
      (members ??= system
        .nodes()
        .filter((n) => n.catalog.includes(type.behaviour.name))
        .map((n) => n.id));
    const directory = new Map<number, string>();
    const remotes = new Map<string, ActorRef<RegionMessage, unknown>>();
    const remote = (node: string) => {
      let r = remotes.get(node);
      if (r === undefined) remotes.set(node, (r = regionAt(type, node)));
      return r;
    };
    const ref = system.spawn(
      regionBehaviour(type),
      {
        type,
        lease,
        offering,
        regionOf: remote,
        report,
        client: options.client === true,
        directory,
      },
      { name: regionName(type.name) },
    );
    regions.set(type.name, ref);
    routes.set(type.name, {
      shards: type.shards,
      local: ref,
      directory,
      remote,
      offering,
      forget: () => {
        members = undefined;
        directory.clear();
        ref.tell({ $e: 'members' });
      },
    });
  }
  // Any change of membership may move shards: refs go through the local region until it knows.
  const unsubscribe = system.events.on('node', () => {
    for (const r of routes.values()) r.forget();
  });
  const regionOf = (type: EntityType<any, any>) => {
    const r = regions.get(type.name);
    if (r === undefined)
      throw new InvalidOptionsError(
        `entity type '${type.name}' is not hosted by this node: pass it in startEntities({ types }) (hosted: ${[...regions.keys()].join(', ')})`,
      );
    return r;
  };
  return {
    of: (type, key) => {
      if (typeof key !== 'string' || key.length === 0)
        throw new InvalidOptionsError(`entities.of('${type.name}', key): the key must be a non-empty string`);
      regionOf(type);
      return new Ref(type.name, key, routes.get(type.name)!);
    },
    async activations(type, opts) {
      regionOf(type);
      const out: Record<string, string[]> = {};
      const route = routes.get(type.name)!;
      const nodes = route.offering();
      await Promise.all(
        nodes.map(async (node) => {
          out[node] = (await route
            .remote(node)
            .ask({ $e: 'list' }, { timeoutMs: opts?.timeoutMs ?? 5000 })) as string[];
        }),
      );
      return out;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      unsubscribe();
      unwatch?.();
      await Promise.all([...regions.values()].map((r) => system.stop(r)));
      regions.clear();
    },
  };
}
