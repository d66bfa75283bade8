/**
 * Routing logic of pools: which routee gets a message. Balancing (pull) routing is done by the
 * pool's queue (PoolCore.ts); the others pick a routee directly.
 * Owns: the hash ring of consistent hashing (the `Routing` type is in `api/pool.ts`). May not touch: routees or
 * messages — it maps keys to routee indexes, and the core does the rest.
 */

/**
 * FNV-1a, 32 bits, with an avalanche finish: a fast, well-spread string hash, the same in every
 * process and version (consistent-hashing pools and entity shards rely on that).
 *
 * @example
 * ```ts
 * const shard = fnv1a('cart-42') % 64;
 * ```
 */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // murmur3's finalizer: FNV alone spreads similar keys (user-1, user-2…) poorly.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A hash ring with virtual nodes: a key maps to the first point clockwise of its hash.
 * @internal
 */
export class HashRing {
  private points: Uint32Array = new Uint32Array(0);
  private owners: number[] = [];

  constructor(private readonly virtualNodes = 64) {}

  /** Rebuild for routees identified by `ids` (their addresses). */
  set(ids: readonly string[]): void {
    const pts: [number, number][] = [];
    ids.forEach((id, index) => {
      for (let v = 0; v < this.virtualNodes; v++) pts.push([fnv1a(`${id}#${v}`), index]);
    });
    pts.sort((a, b) => a[0] - b[0]);
    this.points = Uint32Array.from(pts.map((p) => p[0]));
    this.owners = pts.map((p) => p[1]);
  }

  /** Index of the routee that owns `key`, or -1 when the ring is empty. */
  lookup(key: string): number {
    const pts = this.points;
    if (pts.length === 0) return -1;
    const h = fnv1a(key);
    let lo = 0;
    let hi = pts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pts[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === pts.length ? 0 : lo]!;
  }
}
