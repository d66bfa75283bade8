/**
 * What a runtime tells about itself when asked (`system.clusterStats()`, the dashboard): its
 * counters, its busiest actors and its recent events, for every node and worker thread of the
 * cluster. Part of the public contract (`api/`): types only.
 */
import type { SystemStats } from './stats.js';

/** One actor, as a runtime reports it. */
export interface ActorReport {
  /** Its path (`user/farm/routee-0`). */
  readonly path: string;
  /** Its behaviour's name: the actor's type. */
  readonly behaviour: string;
  /** Messages waiting in its mailbox. */
  readonly mailbox: number;
  /** Messages it processed, over all its incarnations. */
  readonly processed: number;
  /** Times it was restarted. */
  readonly restarts: number;
}

/**
 * An event of a runtime, as reported: the event's own fields, with what must not leave the
 * runtime removed — a dead letter's message is replaced by its `type` (`messageType`), an
 * error keeps its name and message but not its stack.
 */
export interface ReportedEvent {
  /** Its number in the runtime's event log (from 0, one more per event). */
  readonly seq: number;
  /** When it happened (ms since the epoch, the runtime's clock). */
  readonly at: number;
  /** The event's kind (`supervision`, `dead-letter`, `node`, `lifecycle`, …). */
  readonly kind: string;
  /** The event's fields, sanitized as above. */
  readonly [field: string]: unknown;
}

/** What one runtime (a node's main thread, or one of its worker threads) reports. */
export interface RuntimeReport {
  /** The runtime's node id (`n1`, or `n1.t0` for a worker thread). */
  readonly node: string;
  /** The node id of its process (its main thread). */
  readonly process: string;
  /** When the report was made (ms since the epoch). */
  readonly at: number;
  /** Its counters, as `system.stats()` there gives them. */
  readonly stats: SystemStats;
  /** Its actors with the deepest mailboxes, then the busiest, at most `actors` of them. */
  readonly actors: readonly ActorReport[];
  /** Live actors not in `actors`. */
  readonly actorsOmitted: number;
  /**
   * Its events from the cursor asked for on (none on the first call: the runtime starts keeping
   * its last 1,000 events when it is first asked).
   */
  readonly events: readonly ReportedEvent[];
  /** Events that were dropped from the runtime's log before they were asked for. */
  readonly eventsLost: number;
  /** The cursor to ask with next time (the seq of the next event). */
  readonly nextEvent: number;
}

/** Options of `system.clusterStats()`. */
export interface ClusterStatsOptions {
  /** How many actors each runtime lists (default 100, at most 2,000). */
  readonly actors?: number;
  /** How long to wait for each runtime (default 2,000 ms). */
  readonly timeoutMs?: number;
  /** Per runtime node id: the `nextEvent` of its last report, to get the events since then. */
  readonly since?: Readonly<Record<string, number>>;
}

/** Every runtime of the cluster, as `system.clusterStats()` gathers them. */
export interface ClusterStats {
  /** When the gathering started (ms since the epoch). */
  readonly at: number;
  /** The runtimes that answered: each node's main thread, then its worker threads. */
  readonly runtimes: readonly RuntimeReport[];
  /** The runtimes that did not answer in time, and why. */
  readonly unreachable: readonly UnreachableRuntime[];
}

/** A runtime that did not answer `clusterStats()`. */
export interface UnreachableRuntime {
  /** Its node id. */
  readonly node: string;
  /** Why: the ask's error (a timeout, a lost node). */
  readonly error: string;
}
