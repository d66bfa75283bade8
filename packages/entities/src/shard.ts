/**
 * A shard's lease holder: the actor on one node that takes the lease of one shard of one entity
 * type, renews it every third of its time to live, and gives it up. It takes the lease in `init`,
 * and tells its region when it holds the lease (the region runs the shard's entities from then
 * on, and sends on what it held meanwhile) or that another member holds it. When the
 * lease cannot be renewed before it could be stale to another node, it tells the region to stop
 * the shard's entities: a node cut off from the lease store stops taking messages for a shard
 * before anyone else may take it.
 *
 * Owns: one shard's lease. May not touch: entities (the region runs them).
 * @internal
 */
import { type ActorContext, type ActorRef, defineActor } from '@troupe/core';
import { type AcquireHost, acquire } from './lease.js';

/**
 * A message for an entity, as regions pass it on (`h`: hops so far; `p`: placed on the receiving
 * node by a node that weighed the loads, `'least-loaded'`).
 */
export interface Envelope {
  readonly $e: 'm';
  readonly k: string;
  readonly m: unknown;
  readonly h: number;
  readonly p?: true;
}

/** What a shard actor tells its region. */
export type ShardReport =
  | { readonly $e: 'owned'; readonly shard: number; readonly ref: ActorRef; readonly token: number }
  | { readonly $e: 'elsewhere'; readonly shard: number; readonly ref: ActorRef; readonly holder: string }
  | { readonly $e: 'lost'; readonly shard: number; readonly ref: ActorRef; readonly why: string };

/** What a shard actor gets besides envelopes. */
export type ShardControl =
  | { readonly $e: 'renew' }
  | {
      readonly $e: 'renewed';
      readonly revision: number | undefined;
      readonly at: number;
      readonly failed?: string;
    }
  /** Give the lease up (its entities have stopped) and send what comes after to `to`. */
  | { readonly $e: 'release'; readonly to: string }
  | { readonly $e: 'retire' };

/** The arguments of a shard actor. */
export interface ShardArgs {
  readonly name: string;
  readonly shard: number;
  readonly lease: AcquireHost;
  readonly region: ActorRef;
  /** The region actor of another node. */
  regionOf(node: string): ActorRef;
}

interface ShardState {
  readonly a: ShardArgs;
  mode: 'owned' | 'elsewhere' | 'done';
  holder: string;
  revision: number;
  validUntil: number;
  renewing: boolean;
}

/** How long a shard actor that no longer holds its shard stays to pass late messages on (ms). */
const RETIRE_AFTER_MS = 2000;

/** The behaviour of the shard actors of one entity type. */
export function shardBehaviour(typeName: string) {
  return defineActor<Envelope | ShardControl, ShardState, ShardArgs, unknown>({
    name: `troupe.entities.${typeName}.shard`,
    async init(ctx, a) {
      const got = await acquire(a.lease, a.name);
      const t = a.lease.timing;
      if (got.kind === 'owned') {
        ctx.timers.repeat('renew', Math.max(1, Math.floor(t.ttlMs / 3)), { $e: 'renew' });
        a.region.tell({
          $e: 'owned',
          shard: a.shard,
          ref: ctx.self,
          token: got.revision,
        } satisfies ShardReport);
        return {
          a,
          mode: 'owned',
          holder: a.lease.me,
          revision: got.revision,
          validUntil: got.renewedAt + t.ttlMs - t.marginMs,
          renewing: false,
        };
      }
      a.region.tell({
        $e: 'elsewhere',
        shard: a.shard,
        ref: ctx.self,
        holder: got.holder,
      } satisfies ShardReport);
      ctx.timers.once('retire', RETIRE_AFTER_MS, { $e: 'retire' });
      return { a, mode: 'elsewhere', holder: got.holder, revision: 0, validUntil: 0, renewing: false };
    },
    receive(ctx, s, m) {
      const a = s.a;
      switch (m.$e) {
        case 'm':
          // Regions hold what waits for a lease (outbox.ts) and send a shard actor none; should
          // one come, back to the region, which routes it anew.
          ctx.forward(a.region, m);
          return s;
        case 'renew':
          if (s.mode !== 'owned' || s.renewing) return s;
          if (a.lease.now() > s.validUntil) return lose(ctx, s, 'the lease could not be renewed in time');
          s.renewing = true;
          {
            const at = a.lease.now();
            const self = ctx.self;
            a.lease.store.update(a.name, a.lease.me, s.revision).then(
              (revision) => self.tell({ $e: 'renewed', revision, at }),
              (e: unknown) =>
                self.tell({ $e: 'renewed', revision: undefined, at, failed: (e as Error).message }),
            );
          }
          return s;
        case 'renewed':
          s.renewing = false;
          if (s.mode !== 'owned') return s;
          if (m.revision !== undefined) {
            s.revision = m.revision;
            s.validUntil = m.at + a.lease.timing.ttlMs - a.lease.timing.marginMs;
          } else if (m.failed === undefined) return lose(ctx, s, 'another node took the lease');
          else if (a.lease.now() > s.validUntil)
            return lose(ctx, s, `the lease store could not be reached in time (${m.failed})`);
          return s;
        case 'release':
          return (async () => {
            if (s.mode === 'owned') await a.lease.store.remove(a.name, s.revision).catch(() => false);
            s.mode = 'elsewhere';
            s.holder = m.to;
            ctx.timers.cancelAll();
            a.region.tell({
              $e: 'elsewhere',
              shard: a.shard,
              ref: ctx.self,
              holder: m.to,
            } satisfies ShardReport);
            ctx.timers.once('retire', RETIRE_AFTER_MS, { $e: 'retire' });
            return s;
          })();
        case 'retire':
          ctx.stop(ctx.self);
          return s;
      }
    },
    onStop(_ctx, s) {
      // Stopped while holding the lease (the node shuts down): give it up, so no one need wait.
      if (s?.mode === 'owned') {
        s.mode = 'done';
        s.a.lease.store.remove(s.a.name, s.revision).catch(() => undefined);
      }
    },
  });
}

function lose(ctx: ActorContext<Envelope | ShardControl, unknown>, s: ShardState, why: string): ShardState {
  s.mode = 'done';
  s.a.region.tell({ $e: 'lost', shard: s.a.shard, ref: ctx.self, why } satisfies ShardReport);
  ctx.timers.cancelAll();
  ctx.timers.once('retire', RETIRE_AFTER_MS, { $e: 'retire' });
  return s;
}
