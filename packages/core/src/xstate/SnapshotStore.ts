/**
 * Snapshot stores: where machine actors persist their last snapshot, so a restarted actor resumes
 * from it (also on another node, with a shared store such as NATS KV).
 */

/**
 * A key-value store of snapshots (JSON-serializable values).
 *
 * @example
 * ```ts
 * const store = new InMemorySnapshotStore();
 * defineActor / fromXState(machine, { name: 'order', persist: { store } })
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

  async get(key: string): Promise<unknown> {
    const v = this.data.get(key);
    return v === undefined ? undefined : JSON.parse(v);
  }

  async put(key: string, snapshot: unknown): Promise<void> {
    this.data.set(key, JSON.stringify(snapshot));
  }

  async delete(key: string): Promise<void> {
    this.data.delete(key);
  }

  /** Number of stored snapshots. */
  get size(): number {
    return this.data.size;
  }
}
