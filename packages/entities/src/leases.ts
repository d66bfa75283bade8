/**
 * Where the leases of shards are kept: a small compare-and-set key-value store. A lease record
 * says which node holds a shard; every change gives it a new, larger revision, which is the
 * lease's fencing token. NATS JetStream KV is the store for a cluster (`natsLeaseStore` from
 * `@troupe/transport-nats`); {@link InMemoryLeaseStore} is the one for tests and for nodes of one
 * process. Expiry is not the store's business: a lease is stale when its revision has not changed
 * for longer than its time to live, as the node that wants it observes with its own clock (see
 * `lease.ts`), so no two clocks are ever compared.
 *
 * Owns: the store interface and the in-memory store. May not touch: when leases are taken.
 */

/** A lease as the store holds it. */
export interface LeaseRecord {
  /** The node id that holds it. */
  readonly holder: string;
  /** Its revision: larger after every change, never reused (the fencing token). */
  readonly revision: number;
}

/**
 * A compare-and-set store of leases by name. Every method rejects when the store cannot be
 * reached; `create`, `update` and `remove` resolve `undefined` (or `false`) when another writer
 * changed the record first.
 *
 * @example
 * ```ts
 * const leases: LeaseStore = new InMemoryLeaseStore();
 * const rev = await leases.create('cart.17', 'node-a'); // a number: node-a holds shard 17 of 'cart'
 * ```
 */
export interface LeaseStore {
  /** The lease `name`, or undefined when nobody holds it. */
  get(name: string): Promise<LeaseRecord | undefined>;
  /** Take `name` if nobody holds it: its new revision, or undefined when someone does. */
  create(name: string, holder: string): Promise<number | undefined>;
  /** Write `name` for `holder` if it is still at `revision`: the new revision, or undefined. */
  update(name: string, holder: string, revision: number): Promise<number | undefined>;
  /** Give `name` up if it is still at `revision`; false when it was changed meanwhile. */
  remove(name: string, revision: number): Promise<boolean>;
  /**
   * Optional: call `onChange(name, revision)` for the current revision of every lease and then
   * for every change, until the returned function is called. A node that watches knows how long
   * each lease has stood still, so it can take the shards of a lost node as soon as their leases
   * are stale instead of watching them for a whole time to live first. Updates that are missed
   * only make it wait longer.
   */
  watch?(onChange: (name: string, revision: number) => void): () => void;
  /** Release what the store holds open (a connection); leases stay. */
  close?(): Promise<void>;
}

/** One change of a lease, as {@link InMemoryLeaseStore.grants} records it. */
export interface LeaseGrant {
  /** The lease's name (`<type>.<shard>`). */
  readonly name: string;
  /** The node it was granted to. */
  readonly holder: string;
  /** Its new revision (the fencing token). */
  readonly revision: number;
  /** `Date.now()` when it was granted. */
  readonly at: number;
}

/**
 * A {@link LeaseStore} in memory, shared by the nodes of one process (tests, examples). It records
 * every grant ({@link grants}), so a test can check that no two nodes ever held a shard at once,
 * and it can be cut off from a node ({@link cut}) to play a partition from the store.
 *
 * @example
 * ```ts
 * const leases = new InMemoryLeaseStore();
 * const a = await startEntities(systemA, { types: [Cart], leases });
 * const b = await startEntities(systemB, { types: [Cart], leases });
 * ```
 */
export class InMemoryLeaseStore implements LeaseStore {
  private readonly records = new Map<string, LeaseRecord>();
  private revision = 0;
  private readonly unreachable = new Set<string>();
  private readonly listeners = new Set<(name: string, revision: number) => void>();
  /** Every grant (create or update), oldest first. */
  readonly grants: LeaseGrant[] = [];

  /** The view of node `node`: a store it can be cut off from with {@link cut}. */
  as(node: string): LeaseStore {
    const check = () => {
      if (this.unreachable.has(node))
        return Promise.reject(new Error(`the lease store is unreachable from ${node}`));
      return undefined;
    };
    return {
      get: (name) => check() ?? this.get(name),
      create: (name, holder) => check() ?? this.create(name, holder),
      update: (name, holder, rev) => check() ?? this.update(name, holder, rev),
      remove: (name, rev) => check() ?? this.remove(name, rev),
      // A node cut off from the store hears nothing (as from a real store).
      watch: (onChange) => this.watch((name, rev) => this.unreachable.has(node) || onChange(name, rev)),
    };
  }

  /** Hear every change of every lease (see {@link LeaseStore.watch}). */
  watch(onChange: (name: string, revision: number) => void): () => void {
    for (const [name, rec] of this.records) onChange(name, rec.revision);
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  /** Make the store unreachable from `node` (`false`: reachable again). */
  cut(node: string, unreachable = true): void {
    if (unreachable) this.unreachable.add(node);
    else this.unreachable.delete(node);
  }

  async get(name: string): Promise<LeaseRecord | undefined> {
    return this.records.get(name);
  }

  async create(name: string, holder: string): Promise<number | undefined> {
    if (this.records.has(name)) return undefined;
    return this.grant(name, holder);
  }

  async update(name: string, holder: string, revision: number): Promise<number | undefined> {
    if (this.records.get(name)?.revision !== revision) return undefined;
    return this.grant(name, holder);
  }

  async remove(name: string, revision: number): Promise<boolean> {
    if (this.records.get(name)?.revision !== revision) return false;
    this.records.delete(name);
    const next = ++this.revision;
    for (const l of this.listeners) l(name, next);
    return true;
  }

  private grant(name: string, holder: string): number {
    const revision = ++this.revision;
    this.records.set(name, { holder, revision });
    this.grants.push({ name, holder, revision, at: Date.now() });
    for (const l of this.listeners) l(name, revision);
    return revision;
  }
}
