/**
 * The counters of one runtime (`system.stats()`), on their own so that the introspection types
 * can use them without a cycle. Part of the public contract (`api/`): types only.
 */
import type { LinkStats } from './links.js';

/**
 * Counters and gauges of a running system (of this runtime: worker threads and other nodes
 * keep their own).
 *
 * @example
 * ```ts
 * setInterval(() => {
 *   const { queuedMessages, deepestMailboxes, deadLettersByReason } = system.stats();
 *   if (queuedMessages > 10_000) console.warn('backlog', deepestMailboxes, deadLettersByReason);
 * }, 10_000).unref();
 * ```
 */
export interface SystemStats {
  /** Live actors (not counting the root guardian). */
  readonly actors: number;
  /** Messages processed by all actors. */
  readonly messagesProcessed: number;
  /** Dead letters so far. */
  readonly deadLetters: number;
  /** Dead letters by reason. */
  readonly deadLettersByReason: Readonly<Record<string, number>>;
  /** Messages waiting in all mailboxes together. */
  readonly queuedMessages: number;
  /** The deepest mailboxes (up to 5), deepest first. */
  readonly deepestMailboxes: readonly {
    /** Address of the actor. */
    readonly actor: string;
    /** Messages waiting in its mailbox. */
    readonly depth: number;
  }[];
  /** Asks waiting for a reply. */
  readonly pendingAsks: number;
  /** Input from other runtimes or the network that was dropped, by cause (malformed, unknown version, unroutable, …). */
  readonly droppedByCause: Readonly<Record<string, number>>;
  /** Tells from this runtime that other nodes refused because a bounded mailbox was full (reported back to us). */
  readonly rejectedByPeers: number;
  /** This node's reliable links to other nodes: unacknowledged, resent and duplicate batches, stuck links. */
  readonly links: LinkStats;
}
