/**
 * Taking a shard's lease. A free lease is created; one held by a live member of the cluster is
 * left to it (the caller forwards to the holder); one held by this node is taken back; one held
 * by a node that is not a member (lost, or cut off from us) is taken only once it is **stale**:
 * its revision did not change for `ttlMs + marginMs` of this node's own clock (counted from when
 * this node first saw that revision, when it watches the store), so its holder,
 * which stops taking messages `marginMs` before `ttlMs` has passed since its last renewal began,
 * has stopped. Only durations of one clock are compared, never two clocks' times.
 *
 * Owns: {@link acquire} and the timing of leases. May not touch: actors.
 * @internal
 */
import type { LeaseStore } from './leases.js';

/** How long a lease lives without renewal, and the safety margin on each side (ms). */
export interface LeaseTiming {
  readonly ttlMs: number;
  readonly marginMs: number;
}

/** The outcome of {@link acquire}. */
export type Acquired =
  | { readonly kind: 'owned'; readonly revision: number; readonly renewedAt: number }
  | { readonly kind: 'elsewhere'; readonly holder: string };

/** What {@link acquire} needs from its caller. */
export interface AcquireHost {
  readonly store: LeaseStore;
  /** This node's id. */
  readonly me: string;
  readonly timing: LeaseTiming;
  /** True when `node` is a member now (its holder renews if it still can). */
  isMember(node: string): boolean;
  /** A monotonic clock (ms). */
  now(): number;
  sleep(ms: number): Promise<void>;
  /** When this node first saw lease `name` at `revision` (its clock), if it watches the store. */
  seenAt(name: string, revision: number): number | undefined;
}

/** Take the lease `name`, waiting for a stale one to expire; see the file's header. */
export async function acquire(host: AcquireHost, name: string): Promise<Acquired> {
  const { store, me } = host;
  for (;;) {
    const rec = await store.get(name);
    const started = host.now(); // a renewal is valid from before its write
    if (rec === undefined) {
      const revision = await store.create(name, me);
      if (revision !== undefined) return { kind: 'owned', revision, renewedAt: started };
      continue;
    }
    if (rec.holder === me) {
      const revision = await store.update(name, me, rec.revision);
      if (revision !== undefined) return { kind: 'owned', revision, renewedAt: started };
      continue;
    }
    if (host.isMember(rec.holder)) return { kind: 'elsewhere', holder: rec.holder };
    // Held by a node that is not a member: wait until it is stale, unless it changes meanwhile.
    // Stale means unchanged for ttl + margin: counted from when this node first saw the revision
    // (it watches the store), or else from now. Seeing it happens after it was written, so the
    // holder, which stops `margin` before `ttl` from its renewal, has stopped by then.
    const seen = host.seenAt(name, rec.revision);
    const stale = host.timing.ttlMs + host.timing.marginMs;
    await host.sleep(seen === undefined ? stale : Math.max(0, seen + stale - host.now()));
    const again = await store.get(name);
    if (again?.revision !== rec.revision) continue;
    const at = host.now();
    const revision = await store.update(name, me, rec.revision);
    if (revision !== undefined) return { kind: 'owned', revision, renewedAt: at };
  }
}
