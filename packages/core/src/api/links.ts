/**
 * The public contract of reliable links between nodes: their options and their counters.
 * (The links themselves are transport/ReliableLinks.ts.)
 */

/**
 * Options of the reliable links between this node's runtimes and those of other nodes (given as
 * `createActorSystem({ links })`; they matter only with a network transport). Every batch between
 * two live nodes is delivered once and in order: the sender keeps what the receiver has not
 * acknowledged and sends it again after a loss (a NATS server restart, a dropped message).
 *
 * @example
 * ```ts
 * const system = await createActorSystem({
 *   name: 'shop',
 *   transports: [nats({ servers })],
 *   links: { maxUnackedBatches: 16_384, stuckAfterMs: 10_000 },
 * });
 * ```
 */
export interface LinkOptions {
  /**
   * The resend buffer's bound, per link (one direction between two runtimes): batches sent and
   * not yet acknowledged. When it is full, the next batch is refused with `LinkBufferFullError`
   * (its asks reject, its tells become dead letters with reason `link-full`): never lost
   * silently. A batch holds up to 512 records. Default 8192.
   */
  readonly maxUnackedBatches?: number;
  /** How long a receiver waits for a batch going back to carry its ack before sending the ack alone (ms). Default 10. */
  readonly ackDelayMs?: number;
  /** How long a sender waits for an ack before sending the unacknowledged batches again (ms); doubled after each try, up to 8 s. Default 500. */
  readonly resendAfterMs?: number;
  /** A link with batches to deliver and no ack for this long is reported `stuck` (a `link` event) (ms). Default 5000. */
  readonly stuckAfterMs?: number;
}

/**
 * Counters of this node's reliable links (`system.stats().links`); all zero without a network
 * transport.
 *
 * @example
 * ```ts
 * const { unackedBatches, resentBatches, stuckLinks } = system.stats().links;
 * if (stuckLinks > 0) alert(`${stuckLinks} links stuck, ${unackedBatches} batches waiting`);
 * ```
 */
export interface LinkStats {
  /** Outbound links (a pair of runtimes, one direction) with a session. */
  readonly links: number;
  /** Batches sent and not yet acknowledged, all links together. */
  readonly unackedBatches: number;
  /** Links reported `stuck` and not recovered. */
  readonly stuckLinks: number;
  /** Batches sent again (after a gap, a reconnect, or silence). */
  readonly resentBatches: number;
  /** Batches received twice and dropped. */
  readonly duplicatesDropped: number;
  /** `stuck` events so far. */
  readonly stuckEvents: number;
  /** Unacknowledged batches dropped because their node was declared down (their asks failed with `NodeLostError`). */
  readonly lostOnDown: number;
  /** Batches refused because a resend buffer was full (`LinkBufferFullError`). */
  readonly refusedFull: number;
}
