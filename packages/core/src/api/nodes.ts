/**
 * What a system knows of the runtimes it reaches: nodes (processes) and their worker threads.
 * Part of the public contract (`api/`): types only.
 */

/**
 * What a node announces about itself.
 *
 * @example
 * ```ts
 * // In a transport, when a peer's announcement arrives:
 * host.nodeUp({ id: 'n2', threads: ['n2.t0', 'n2.t1'], catalog: ['shop.cart', 'shop.fib'] });
 * ```
 */
export interface NodeInfo {
  /** The node id of the process (its main thread). */
  readonly id: string;
  /** The node ids of its worker threads. */
  readonly threads: readonly string[];
  /** The behaviours its catalog holds. */
  readonly catalog: readonly string[];
}

/**
 * A node of the system, as `system.nodes()` lists it.
 *
 * @example
 * ```ts
 * for (const n of system.nodes()) {
 *   console.log(n.self ? `${n.id} (this node)` : n.id, `${n.threads.length} threads`, n.catalog.join(', '));
 * }
 * ```
 */
export interface NodeStatus extends NodeInfo {
  /** True for the node of this process. */
  readonly self: boolean;
}

/**
 * The worker threads of a system (`system.threads`).
 *
 * @example
 * ```ts
 * console.log(system.threads?.size); // e.g. 8
 * await system.threads?.terminate(0); // chaos: kill thread 0; its actors fail and are restarted
 * ```
 */
export interface ThreadsInfo {
  /** Number of worker threads. */
  readonly size: number;
  /** The node id of each thread (stable across replacements). */
  readonly nodes: readonly string[];
  /** Kill thread `index` at once, as a crash would (for chaos tests); the pool replaces it. */
  terminate(index: number): Promise<void>;
}
