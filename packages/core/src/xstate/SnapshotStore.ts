/**
 * Snapshot stores: where machine actors persist their last snapshot, so a restarted actor resumes
 * from it (also on another node, with a shared store such as NATS KV).
 */

/**
 * A key-value store of snapshots (JSON-serializable values).
 *
 * @example
 * ```ts
 * // A store in Redis (with ioredis), shared by every node of the system.
 * const redisStore = (redis: Redis): SnapshotStore => ({
 *   get: async (key) => {
 *     const text = await redis.get(`snapshot:${key}`);
 *     return text === null ? undefined : JSON.parse(text);
 *   },
 *   put: async (key, snapshot) => {
 *     await redis.set(`snapshot:${key}`, JSON.stringify(snapshot));
 *   },
 *   delete: async (key) => {
 *     await redis.del(`snapshot:${key}`);
 *   },
 * });
 * export const Order = fromXState(orderMachine, { name: 'order', persist: { store: redisStore(new Redis()) } });
 * ```
 */
export interface SnapshotStore {
  /** The snapshot stored under `key`, or `undefined`. */
  get(key: string): Promise<unknown>;
  /** Store `snapshot` under `key` (replacing what was there). */
  put(key: string, snapshot: unknown): Promise<void>;
  /** Forget `key` (an actor that stopped for good). */
  delete(key: string): Promise<void>;
}

/**
 * A snapshot store in this process's memory: survives actor restarts, not process restarts.
 * Values are stored as JSON text, so what comes back is exactly what a network store would give.
 *
 * @example
 * ```ts
 * fromXState(orderMachine, { name: 'order', persist: { store: new InMemorySnapshotStore() } })
 * ```
 */
export class InMemorySnapshotStore implements SnapshotStore {
  private readonly data = new Map<string, string>();

  /** The snapshot stored under `key` (a fresh copy, parsed from JSON), or `undefined`. */
  async get(key: string): Promise<unknown> {
    const v = this.data.get(key);
    return v === undefined ? undefined : JSON.parse(v);
  }

  /** Store `snapshot` under `key` as JSON text (replacing what was there). */
  async put(key: string, snapshot: unknown): Promise<void> {
    this.data.set(key, JSON.stringify(snapshot));
  }

  /** Forget `key` (a no-op if nothing is stored under it). */
  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }

  /** Number of stored snapshots. */
  get size(): number {
    return this.data.size;
  }
}
