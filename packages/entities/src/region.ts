/**
 * A region: the actor on each node that routes the messages of one entity type and runs the
 * entities of the shards this node holds, as its children named by key (so an entity's path, and
 * the persistence id a durable entity takes from it, is the same on every node). A message for a
 * key goes to the entity here when this node holds the key's shard; to the shard's holder when
 * another node does (as far as this node knows); and otherwise to the node that the type's
 * placement picks (`placement.ts`), which takes the shard's lease (`shard.ts`) before it runs the
 * entity. With `'least-loaded'` the regions of hosting nodes tell each other their counts of
 * activations on every rebalancing tick.
 * Every hop is a `ctx.forward`, so an asker gets the entity's own reply. When membership changes,
 * shards whose owner by placement is now another member are handed off, a few at a time: their
 * entities stop, the lease is given up, and what arrives meanwhile waits, in order, and then goes
 * to the new owner. Messages that cannot go anywhere yet (the shard's lease is being taken, for
 * instance after its node was lost; a hand-off; an entity stopping; no member offering the type)
 * wait in the region's outbox (`outbox.ts`), per key and in order, and go on when they can.
 *
 * Owns: routing, the activations of this node, passivation, hand-off, held messages. May not
 * touch: leases (the shard actors hold them).
 * @internal
 */
import { type ActorContext, type ActorRef, defineActor, isTerminated, type Terminated } from '@troupe/core';
import type { EntityType } from './entityType.js';
import { HoldFullError } from './errors.js';
import type { EntityEvent } from './events.js';
import { childName, shardOf } from './keys.js';
import type { AcquireHost } from './lease.js';
import { deliver, type Held, HOLD_PER_KEY, Outbox, type ReplyTarget, takeReply } from './outbox.js';
import { placeOf, rebalances } from './placement.js';
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
  /** The behaviour of this type's shard actors. */
  readonly shardActor: ReturnType<typeof shardBehaviour>;
  readonly shards: Map<number, Shard>;
  /** Holders learned from shard actors, for shards this node does not hold. */
  readonly owners: Map<number, string>;
  readonly active: Map<string, Active>;
  /** Keys whose entity is stopping, by its address. */
  readonly stopping: Map<string, string>;
  /** Messages that wait for their key to have somewhere to go. */
  readonly held: Outbox;
  /**
   * For `'least-loaded'`: the activations of the other hosting nodes, as they last said, plus
   * the shards this node placed on them since (so a burst of new shards spreads out).
   */
  readonly loads: Map<string, number>;
  /** For `'least-loaded'`: the shards this node placed on itself since it last counted. */
  placedHere: number;
  incarnation: number;
}

/** What a region gets. */
export type RegionMessage =
  | Envelope
  | ShardReport
  | Terminated
  | { readonly $e: 'sweep' }
  | { readonly $e: 'rebalance' }
  /** Another hosting node's count of activations of the type (`'least-loaded'`). */
  | { readonly $e: 'load'; readonly node: string; readonly n: number }
  /** Membership changed: messages held because no member offered the type may go now. */
  | { readonly $e: 'members' }
  | { readonly $e: 'list' };

type Ctx = ActorContext<RegionMessage, unknown>;

/**
 * How a message is sent on: `null` for the message being processed (`ctx.forward`), otherwise a
 * held message's reply target (undefined: it was a tell).
 */
type Via = ReplyTarget | undefined | null;

/** The behaviour of the region actors of `type`. */
export function regionBehaviour(type: EntityType) {
  const shardActor = shardBehaviour(type.name);
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
        shardActor,
        shards: new Map(),
        owners: new Map(),
        active: new Map(),
        stopping: new Map(),
        held: new Outbox(),
        loads: new Map(),
        placedHere: 0,
        incarnation: 0,
      };
    },
    receive(ctx, s, m) {
      if (isTerminated(m)) return ended(ctx, s, m);
      switch (m.$e) {
        case 'm':
          return direct(ctx, s, m) ? s : route(ctx, s, m, null);
        case 'owned':
        case 'elsewhere':
        case 'lost':
          return reported(ctx, s, m);
        case 'sweep':
          return sweep(ctx, s);
        case 'rebalance':
          return rebalance(ctx, s);
        case 'load':
          s.loads.set(m.node, m.n);
          return s;
        case 'members':
          return membersChanged(ctx, s);
        case 'list':
          ctx.reply([...s.active.keys()]);
          return s;
      }
      return s;
    },
  });
}

/**
 * The hot path, kept small: a message for a running entity of a shard this node owns, whose
 * entity is not stopping, goes straight to it. False: anything else (see {@link route}).
 */
function direct(ctx: Ctx, s: RegionState, e: Envelope): boolean {
  const sh = s.shards.get(shardOf(e.k, s.a.type.shards));
  if (sh === undefined || sh.mode !== 'owned') return false;
  const act = s.active.get(e.k);
  if (act === undefined || s.a.type.maxActivationsPerNode !== Number.POSITIVE_INFINITY) return false;
  act.last = s.a.lease.now();
  ctx.forward(act.ref, e.m);
  return true;
}

function route(ctx: Ctx, s: RegionState, e: Envelope, via: Via): RegionState {
  const a = s.a;
  const shard = shardOf(e.k, a.type.shards);
  const sh = s.shards.get(shard);
  if (sh !== undefined) {
    switch (sh.mode) {
      case 'owned':
        return runHere(ctx, s, e, shard, sh, via);
      case 'acquiring': // until the lease is decided
      case 'draining': // until the lease is given up
        return hold(ctx, s, e, shard, via);
      case 'elsewhere':
        if (e.h < MAX_HOPS && a.offering().includes(sh.holder)) {
          send(ctx, a.regionOf(sh.holder), { $e: 'm', k: e.k, m: e.m, h: e.h + 1 }, via);
          return s;
        }
        break; // too many hops, or its holder was lost: place it again, below
      case 'done':
        break;
    }
  }
  const cached = s.owners.get(shard);
  const members = a.offering();
  const me = a.lease.me;
  let target: string | undefined;
  let weighed = false; // a hosting node chose by the loads: the receiver takes the shard (`p`)
  if ((e.h >= MAX_HOPS || e.p === true) && !a.client) target = me;
  else if (cached !== undefined && members.includes(cached)) target = cached;
  else {
    target = placeOf(a.type, members, shard, me, (n) => loadOf(s, n));
    weighed = target !== undefined && a.type.placement === 'least-loaded' && !a.client;
    // Count the shard at once, before its node reports it: the next new shard may go elsewhere.
    if (weighed && target === me) s.placedHere++;
    else if (weighed) s.loads.set(target!, (s.loads.get(target!) ?? 0) + 1);
  }
  // No member offers the type (a client, or every host lost): hold it until membership changes.
  if (target === undefined || (a.client && target === me)) return hold(ctx, s, e, shard, via);
  if (target !== me) {
    if (e.h === 0) a.directory.set(shard, target); // this node's refs go there directly from now on
    const next: Envelope = weighed
      ? { $e: 'm', k: e.k, m: e.m, h: e.h + 1, p: true }
      : { $e: 'm', k: e.k, m: e.m, h: e.h + 1 };
    send(ctx, a.regionOf(target), next, via);
    return s;
  }
  // This node should hold the shard: a shard actor takes the lease; the message waits here.
  const args: ShardArgs = {
    name: `${a.type.name}.${shard}`,
    shard,
    lease: a.lease,
    region: ctx.self,
    regionOf: a.regionOf,
  };
  const ref = ctx.spawn(s.shardActor, args, { name: `~~s${shard}.${++s.incarnation}` });
  ctx.watch(ref);
  s.shards.set(shard, { ref, mode: 'acquiring', token: 0, holder: '', to: '', keys: new Set() });
  return hold(ctx, s, { $e: 'm', k: e.k, m: e.m, h: e.h >= MAX_HOPS ? 0 : e.h }, shard, via);
}

/** Send `m` to `to` with the reply target of the message: the one being processed, or a held one's. */
function send(ctx: Ctx, to: ActorRef, m: unknown, via: Via): void {
  if (via === null) ctx.forward(to, m);
  else deliver(to, m, via);
}

/**
 * Hold `e` (of `shard`) until its key has somewhere to go; past {@link HOLD_PER_KEY} for the
 * key it is refused: an ask fails with {@link HoldFullError}, and either way it is reported.
 */
function hold(ctx: Ctx, s: RegionState, e: Envelope, shard: number, via: Via): RegionState {
  const held: Held = { e, reply: via === null ? takeReply(ctx) : via };
  if (s.held.hold(held, shard)) return s;
  const a = s.a;
  const error = new HoldFullError(a.type.name, e.k, HOLD_PER_KEY, a.lease.me);
  a.report({
    kind: 'dropped',
    type: a.type.name,
    key: e.k,
    node: a.lease.me,
    shard,
    token: s.shards.get(shard)?.token ?? 0,
    detail: error.message,
  });
  held.reply?.fail(error);
  return s;
}

/** Send on, in order, what was held for keys of `shard` (`key`: only that key's). */
function release(ctx: Ctx, s: RegionState, shard: number, key?: string): void {
  const out = key === undefined ? s.held.takeShard(shard) : s.held.takeKey(key, shard);
  for (const h of out) route(ctx, s, h.e, h.reply);
}

/** Membership changed: what was held because no member offered the type may go now. */
function membersChanged(ctx: Ctx, s: RegionState): RegionState {
  for (const shard of s.held.shards()) {
    const sh = s.shards.get(shard);
    if (sh === undefined || sh.mode === 'elsewhere' || sh.mode === 'done') release(ctx, s, shard);
  }
  return s;
}

/** The activations of `node` as this node knows them (`'least-loaded'`); unknown counts as none. */
function loadOf(s: RegionState, node: string): number {
  return node === s.a.lease.me ? s.active.size + s.placedHere : (s.loads.get(node) ?? 0);
}

/** Deliver to the entity of `e.k` here, starting it if it is not running. */
function runHere(ctx: Ctx, s: RegionState, e: Envelope, shard: number, sh: Shard, via: Via): RegionState {
  const a = s.a;
  // Wait for a stopping entity to end (what is held for a key is let go when it has ended).
  if (s.stopping.has(e.k)) return hold(ctx, s, e, shard, via);
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
  if (via === null) ctx.forward(act.ref, e.m);
  else deliver(act.ref, e.m, via);
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
      release(ctx, s, r.shard); // before anything that arrives after: order per key holds
      return s;
    case 'elsewhere':
      sh.mode = 'elsewhere';
      sh.holder = r.holder;
      s.owners.set(r.shard, r.holder);
      a.directory.set(r.shard, r.holder);
      release(ctx, s, r.shard);
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

/**
 * Hand off a few shards whose owner by placement is now another member; with `'least-loaded'`,
 * tell the other hosting nodes how many entities run here instead (shards do not move).
 */
function rebalance(ctx: Ctx, s: RegionState): RegionState {
  const a = s.a;
  const members = a.offering();
  if (!rebalances(a.type)) {
    if (a.type.placement === 'least-loaded' && !a.client) shareLoad(s, members);
    return s;
  }
  let started = 0;
  for (const [shard, sh] of s.shards) {
    if (started >= HANDOFFS_PER_TICK) break;
    if (sh.mode !== 'owned') continue;
    const owner = placeOf(a.type, members, shard, a.lease.me, () => 0);
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

/** Tell the other hosting nodes this node's count of activations of the type. */
function shareLoad(s: RegionState, members: readonly string[]): void {
  const me = s.a.lease.me;
  s.placedHere = 0; // counted from now on by the activations themselves
  const msg: RegionMessage = { $e: 'load', node: me, n: s.active.size };
  for (const n of members) if (n !== me) s.a.regionOf(n).tell(msg);
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
      if (s.held.has(key)) release(ctx, s, shard, key);
      return s;
    }
  for (const [shard, sh] of s.shards)
    if (sh.ref.address === address) {
      // A shard actor ended (retired, or failed for good): its entities cannot stay without a lease.
      if (sh.mode === 'owned' || sh.mode === 'draining') stopEntities(ctx, s, sh, false);
      s.shards.delete(shard);
      release(ctx, s, shard); // what waited for its lease is placed again
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
