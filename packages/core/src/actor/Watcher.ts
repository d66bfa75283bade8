/**
 * Death watch between the two ends: an actor that is watched, and a watcher — a cell of this
 * runtime, or a proxy for a watcher in another runtime. Each side knows the other only through
 * these interfaces, so the cell, the local and remote refs and the remote proxies need not import
 * one another. May not import anything above `api/`.
 */
import type { Terminated, TerminationReason } from '../api/terminated.js';

/** An actor of this runtime that can be watched (an actor cell). */
export interface Watched {
  /** Its address. */
  readonly address: string;
  /** The message its watchers get by default when it terminates for `reason`. */
  terminatedMessage(reason: TerminationReason): Terminated;
  /** Forget `watcher` (it stopped watching, or terminated itself). */
  forgetWatcher(watcher: Watcher): void;
}

/** Something notified when an actor it watches terminates. */
export interface Watcher {
  /** Its address: a cell's own, or, for a proxy, the watcher's address in its runtime. */
  readonly address: string;
  /** The actors of this runtime it watches, so it can unregister when it terminates first. */
  watching: Set<Watched> | null;
  /** `target` terminated: deliver `custom` (or the default {@link Terminated}). */
  notifyTerminated(target: Watched, custom: unknown, reason: TerminationReason): void;
}

/**
 * A watcher that is a cell of this runtime: what a ref needs to register it with the watched
 * actor, wherever that lives (see `RefBase.watchedBy`).
 */
export interface WatchingCell extends Watcher {
  /** Its path within its runtime. */
  readonly path: string;
  /** Enqueue a message; `force` bypasses a bounded mailbox (death-watch notices are never dropped). */
  enqueue(message: unknown, reply: undefined, force: boolean): boolean;
  /** Addresses of actors in other runtimes it watches. */
  remoteWatching: Set<string> | null;
}
