/**
 * The options of `createActorSystem`, and the topology a system is started with (its main
 * runtime and its worker threads). Types only: kept apart from `createActorSystem` so that the
 * system class can use them without importing the function that constructs it.
 */

import type { LinkOptions } from '../api/links.js';
import type { SupervisionOptions } from '../api/supervision.js';
import type { CatalogEntry } from '../catalog/BehaviourCatalog.js';
import type { Clock } from '../clock.js';
import type { DispatcherOptions } from '../dispatch/Dispatcher.js';
import type { ThreadOptions } from '../threads/options.js';
import type { Transport } from '../transport/Transport.js';

/**
 * Options of {@link createActorSystem}.
 *
 * @example
 * ```ts
 * const system = await createActorSystem({
 *   name: 'shop',
 *   catalog: [new URL('./behaviours.js', import.meta.url)],
 *   threads: { size: 4 },
 *   askTimeoutMs: 2000,
 *   supervision: { maxRestarts: 3, withinMs: 60_000 },
 *   onFatal: (e) => {
 *     console.error('actor system failed', e);
 *     process.exitCode = 1;
 *   },
 * });
 * ```
 */
export interface ActorSystemOptions {
  /** The system's name: part of every address; systems with different names never see each other. */
  readonly name: string;
  /** This runtime's node id (unique per runtime). Default: generated. */
  readonly nodeId?: string;
  /**
   * Behaviours, or absolute module URLs whose exported behaviours are registered. Other runtimes
   * (worker threads, remote nodes) load the same modules.
   */
  readonly catalog?: readonly CatalogEntry[];
  /** How the root guardian supervises top-level actors. Default: one-for-one, restart, 10 within 10 s. */
  readonly supervision?: SupervisionOptions;
  /** Called if the root guardian itself fails (e.g. its restart intensity is exceeded); the system then shuts down. */
  readonly onFatal?: (error: unknown) => void;
  /** Default ask timeout in ms. Default 5000. */
  readonly askTimeoutMs?: number;
  /** Dispatcher tuning (batch size, time slice). */
  readonly dispatcher?: DispatcherOptions;
  /** Time source for timers, backoff and ask timeouts; tests pass a manual clock. */
  readonly clock?: Clock;
  /** Random source for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Start a pool of worker threads for `placement: 'thread'` (`true`: one per core). Threads load
   * the catalog modules listed in `catalog`.
   */
  readonly threads?: boolean | ThreadOptions;
  /**
   * Network transports that make this process a node of a distributed system, e.g.
   * `[nats({ servers: 'nats://host:4222' })]` from `@troupe/transport-nats`.
   */
  readonly transports?: readonly Transport[];
  /**
   * The reliable links between this node and the others (with a network transport): the resend
   * buffer's bound, ack and resend timing, when a link is reported stuck. See {@link LinkOptions}.
   */
  readonly links?: LinkOptions;
}

/** @internal Where a runtime's peers are: set for every runtime of a system with threads. */
export interface Topology {
  readonly mainNode: string;
  readonly threadNodes: readonly string[];
}
