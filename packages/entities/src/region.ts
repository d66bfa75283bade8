/**
 * A region: the actor on each node that routes the messages of one entity type and runs the
 * entities of the shards this node holds, as its children named by key (so an entity's path, and
 * the persistence id a durable entity takes from it, is the same on every node). A message for a
 * key goes to the entity here when this node holds the key's shard; to the shard's holder when
 * another node does (as far as this node knows); and otherwise to the node that rendezvous hashing
 * over the members picks, which takes the shard's lease (`shard.ts`) before it runs the entity.
 * Every hop is a `ctx.forward`, so an asker gets the entity's own reply. When membership changes,
 * shards whose owner by rendezvous is now another member are handed off, a few at a time: their
 * entities stop, the lease is given up, and what arrives meanwhile waits, in order, and then goes
 * to the new owner.
 *
 * Owns: routing, the activations of this node, passivation, hand-off. May not touch: leases
 * (the shard actors hold them).
 * @internal
 */
import { type ActorContext, type ActorRef, defineActor, isTerminated, type Terminated } from '@troupe/core';
import type { EntityType } from './entityType.js';
import type { EntityEvent } from './events.js';
import { childName, ownerOf, shardOf } from './keys.js';
import type { AcquireHost } from './lease.js';
import {
  type Envelope,
  type ShardArgs,
  type ShardControl,
  type ShardReport,
  shardBehaviour,
} from './shard.js';

/** The name of the region actor of type `type` (under `user/`), the same on every node. */
export const regionName = (type: string) => `entities.${type}`;

/** After this many hops a message stops following cached owners and asks the lease store. */
const MAX_HOPS = 4;
/** Shards handed off per rebalance tick, and the tick (ms): a joining node does not cause a storm. */
const HANDOFFS_PER_TICK = 4;
const REBALANCE_EVERY_MS = 500;

/**
 * The node that should run `shard` by the type's placement, among `members`, from the point of
 * view of `me`; undefined when no member offers the type.
 */
function placeOf(
  type: EntityType,
  members: readonly string[],
  shard: number,
  me: string,
): string | undefined {
  const p = type.placement;
  if (members.length === 0) return undefined;
  if (p === 'rendezvous') return ownerOf(members, shard);
  if (p === 'prefer-local') return members.includes(me) ? me : ownerOf(members, shard);
  const sorted = [...members].sort();
  const chosen = p(shard, sorted);
  // A choice outside the members would lose the message: fall back to rendezvous hashing.
  return sorted.includes(chosen) ? chosen : ownerOf(sorted, shard);
}

/** What a region is started with. */
export interface RegionArgs {
  readonly type: EntityType;
  readonly lease: AcquireHost;
  /** The nodes that offer the type now (members whose catalog holds its behaviour). */
  offering(): readonly string[];
  /** The region of `node`. */
  regionOf(node: string): ActorRef;
  /** True on a node that only sends (it never holds a shard). */
  readonly client: boolean;
  /**
   * Shards known to be held by another node, by shard: written here when this region sends a
   * shard's messages to another node, read by this node's entity refs to send there directly.
   */
  readonly directory: Map<number, string>;
  report(e: EntityEvent): void;
}

interface Shard {
  readonly ref: ActorRef;
  mode: 'acquiring' | 'owned' | 'draining' | 'elsewhere' | 'done';
  token: number;
  holder: string;
  /** For `draining`: where the shard goes. */
  to: string;
  readonly keys: Set<string>;
}

interface Active {
  readonly ref: ActorRef;
  readonly shard: number;
  last: number;
}

interface RegionState {
  readonly a: RegionArgs;
  readonly shards: Map<number, Shard>;
  /** Holders learned from shard actors, for shards this node does not hold. */
  readonly owners: Map<number, string>;
  readonly active: Map<string, Active>;
  /** Keys whose entity is stopping, by its address. */
  readonly stopping: Map<string, string>;
  /** Messages of a key sent round again while its entity stops. */
  readonly requeued: Map<string, number>;
  incarnation: number;
}

/** What a region gets. */
export type RegionMessage =
  | Envelope
  | ShardReport
  | Terminated
  | { readonly $e: 'sweep' }
  | { readonly $e: 'rebalance' }
  | { readonly $e: 'list' };

type Ctx = ActorContext<RegionMessage, unknown>;

/** The behaviour of the region actors of `type`. */
export function regionBehaviour(type: EntityType) {
  const Shard = shardBehaviour(type.name);
  return defineActor<RegionMessage, RegionState, RegionArgs, unknown>({
    name: `troupe.entities.${type.name}.region`,
    // A shard actor whose lease store failed is started again, with backoff, by this strategy.
    supervision: { maxRestarts: 1000, withinMs: 60_000, backoff: { minMs: 100, maxMs: 5000 } },
    init(ctx, a) {
      if (type.idleTimeoutMs > 0)
        ctx.timers.repeat('sweep', Math.max(10, Math.floor(type.idleTimeoutMs / 2)), { $e: 'sweep' });
      ctx.timers.repeat('rebalance', REBALANCE_EVERY_MS, { $e: 'rebalance' });
      return {
        a,
        shards: new Map(),
        owners: new Map(),
        active: new Map(),
        stopping: new Map(),
        requeued: new Map(),
        incarnation: 0,
      };
    },
    receive(ctx, s, m) {
      if (isTerminated(m)) return ended(ctx, s, m);
      switch (m.$e) {
        case 'm':
          return route(ctx, s, m, Shard);
        case 'owned':
        case 'elsewhere':
        case 'lost':
          return reported(ctx, s, m);
        case 'sweep':
          return sweep(ctx, s);
        case 'rebalance':
          return rebalance(ctx, s);
        case 'list':
          ctx.reply([...s.active.keys()]);
          return s;
      }
      return s;
    },
  });
}

function route(ctx: Ctx, s: RegionState, e: Envelope, Shard: ReturnType<typeof shardBehaviour>): RegionState {
  const a = s.a;
  const shard = shardOf(e.k, a.type.shards);
  const sh = s.shards.get(shard);
  if (sh !== undefined) {
    switch (sh.mode) {
      case 'owned':
        return runHere(ctx, s, e, shard, sh);
      case 'acquiring':
        ctx.forward(sh.ref, e); // waits in its mailbox until the lease is decided
        return s;
      case 'draining':
        ctx.forward(ctx.self, { ...e, r: undefined }); // waits until the lease is given up
        return s;
      case 'elsewhere':
        if (e.h < MAX_HOPS) {
          ctx.forward(a.regionOf(sh.holder), { ...e, h: e.h + 1 });
          return s;
        }
        break; // too many hops: ask the lease store again, below
      case 'done':
        break;
    }
  }
  const cached = s.owners.get(shard);
  const members = a.offering();
  const target =
    e.h >= MAX_HOPS && !a.client
      ? a.lease.me
      : cached !== undefined && members.includes(cached)
        ? cached
        : placeOf(a.type, members, shard, a.lease.me);
  if (target === undefined || (a.client && target === a.lease.me)) {
    // A client, and no member offers the type: the asker hears of it (no actor at this address).
    ctx.forward(ctx.system.lookup(`${ctx.self.address}/no-node-offers-this-type`)!, e.m);
    return s;
  }
  if (target !== a.lease.me) {
    if (e.h === 0) a.directory.set(shard, target); // this node's refs go there directly from now on
    ctx.forward(a.regionOf(target), { ...e, h: e.h + 1 });
    return s;
  }
  // This node should hold the shard: a shard actor takes the lease; the message waits there.
  const args: ShardArgs = {
    name: `${a.type.name}.${shard}`,
    shard,
    lease: a.lease,
    region: ctx.self,
    regionOf: a.regionOf,
  };
  const ref = ctx.spawn(Shard, args, { name: `~~s${shard}.${++s.incarnation}` });
  ctx.watch(ref);
  s.shards.set(shard, { ref, mode: 'acquiring', token: 0, holder: '', to: '', keys: new Set() });
  ctx.forward(ref, { ...e, h: e.h >= MAX_HOPS ? 0 : e.h });
  return s;
}

/** Deliver to the entity of `e.k` here, starting it if it is not running. */
function runHere(ctx: Ctx, s: RegionState, e: Envelope, shard: number, sh: Shard): RegionState {
  const a = s.a;
  const queued = s.requeued.get(e.k) ?? 0;
  if (e.r === true) s.requeued.set(e.k, queued - 1);
  // Wait for a stopping entity to end, behind any earlier message of its key that waits too.
  if (s.stopping.has(e.k) || (e.r !== true && queued > 0)) {
    s.requeued.set(e.k, (s.requeued.get(e.k) ?? 0) + 1);
    ctx.forward(ctx.self, { ...e, r: true });
    return s;
  }
  if (s.requeued.get(e.k) === 0) s.requeued.delete(e.k);
  const now = a.lease.now();
  let act = s.active.get(e.k);
  if (act === undefined) {
    // At the limit: passivate the entity that got a message least recently (the map's first).
    if (s.active.size >= a.type.maxActivationsPerNode) {
      const [lruKey, lru] = s.active.entries().next().value as [string, Active];
      passivate(ctx, s, lruKey, lru);
    }
    const ref = ctx.spawn(a.type.behaviour, e.k, { name: childName(e.k) });
    ctx.watch(ref);
    act = { ref, shard, last: now };
    s.active.set(e.k, act);
    sh.keys.add(e.k);
    a.report({ kind: 'activate', type: a.type.name, key: e.k, node: a.lease.me, shard, token: sh.token });
  } else if (a.type.maxActivationsPerNode !== Number.POSITIVE_INFINITY) {
    // Keep the map in order of use: the least recently used entity comes first.
    s.active.delete(e.k);
    s.active.set(e.k, act);
  }
  act.last = now;
  ctx.forward(act.ref, e.m);
  return s;
}

function reported(ctx: Ctx, s: RegionState, r: ShardReport): RegionState {
  const a = s.a;
  const sh = s.shards.get(r.shard);
  if (sh === undefined || sh.ref.address !== r.ref.address) return s; // an old shard actor's news
  switch (r.$e) {
    case 'owned':
      sh.mode = 'owned';
      sh.token = r.token;
      s.owners.delete(r.shard);
      a.directory.delete(r.shard);
      return s;
    case 'elsewhere':
      sh.mode = 'elsewhere';
      sh.holder = r.holder;
      s.owners.set(r.shard, r.holder);
      a.directory.set(r.shard, r.holder);
      return s;
    case 'lost':
      // Stop taking messages for the shard at once: its entities stop; new messages route anew.
      a.report({
        kind: 'lease-lost',
        type: a.type.name,
        key: '',
        node: a.lease.me,
        shard: r.shard,
        token: sh.token,
        detail: r.why,
      });
      stopEntities(ctx, s, sh, false);
      sh.mode = 'done';
      return s;
  }
}

/**
 * Stop every entity of a shard (they count as stopping until their `Terminated` arrives): after
 * the messages already handed to them (`drain`: a hand-off, the lease still held), or at once (the
 * lease is lost: they must not take another message).
 */
function stopEntities(ctx: Ctx, s: RegionState, sh: Shard, drain: boolean): void {
  for (const key of sh.keys) {
    const act = s.active.get(key);
    if (act === undefined) continue;
    s.active.delete(key);
    s.stopping.set(key, act.ref.address);
    ctx.stop(act.ref, { drain });
  }
  sh.keys.clear();
}

function sweep(ctx: Ctx, s: RegionState): RegionState {
  const now = s.a.lease.now();
  for (const [key, act] of s.active)
    if (now - act.last >= s.a.type.idleTimeoutMs) passivate(ctx, s, key, act);
  return s;
}

/** Stop the entity of `key` (idle, or least recently used at the limit); its next message starts it again. */
function passivate(ctx: Ctx, s: RegionState, key: string, act: Active): void {
  const a = s.a;
  s.active.delete(key);
  s.stopping.set(key, act.ref.address);
  const sh = s.shards.get(act.shard);
  sh?.keys.delete(key);
  ctx.stop(act.ref, { drain: true }); // what was handed to it before is processed first
  a.report({
    kind: 'passivate',
    type: a.type.name,
    key,
    node: a.lease.me,
    shard: act.shard,
    token: sh?.token ?? 0,
  });
}

/** Hand off a few shards whose owner by rendezvous is now another member. */
function rebalance(ctx: Ctx, s: RegionState): RegionState {
  const a = s.a;
  const members = a.offering();
  let started = 0;
  for (const [shard, sh] of s.shards) {
    if (started >= HANDOFFS_PER_TICK) break;
    if (sh.mode !== 'owned' || a.type.placement === 'prefer-local') continue;
    const owner = placeOf(a.type, members, shard, a.lease.me);
    if (owner === undefined || owner === a.lease.me) continue;
    started++;
    sh.mode = 'draining';
    sh.to = owner;
    a.report({
      kind: 'handoff',
      type: a.type.name,
      key: '',
      node: a.lease.me,
      shard,
      token: sh.token,
      detail: owner,
    });
    stopEntities(ctx, s, sh, true);
    releaseIfDrained(s, shard, sh);
  }
  return s;
}

function releaseIfDrained(s: RegionState, shard: number, sh: Shard): void {
  if (sh.mode !== 'draining') return;
  for (const key of s.stopping.keys()) if (shardOf(key, s.a.type.shards) === shard) return;
  sh.ref.tell({ $e: 'release', to: sh.to } satisfies ShardControl);
}

function ended(ctx: Ctx, s: RegionState, t: Terminated): RegionState {
  const address = t.actor.address;
  for (const [key, stopping] of s.stopping)
    if (stopping === address) {
      s.stopping.delete(key);
      const shard = shardOf(key, s.a.type.shards);
      const sh = s.shards.get(shard);
      if (sh !== undefined) releaseIfDrained(s, shard, sh);
      return s;
    }
  for (const [shard, sh] of s.shards)
    if (sh.ref.address === address) {
      // A shard actor ended (retired, or failed for good): its entities cannot stay without a lease.
      if (sh.mode === 'owned' || sh.mode === 'draining') stopEntities(ctx, s, sh, false);
      s.shards.delete(shard);
      return s;
    }
  // An entity that stopped by itself: its next message starts it again.
  for (const [key, act] of s.active)
    if (act.ref.address === address) {
      s.active.delete(key);
      s.shards.get(act.shard)?.keys.delete(key);
      break;
    }
  return s;
}
