/**
 * Death watch's vocabulary: the message a watcher gets when an actor it watches terminates, and
 * why an actor terminated. Part of the public contract (`api/`): types and their guard only.
 */
import type { ActorRef } from './ActorRef.js';

/**
 * The message an actor gets when an actor it watches stops (see {@link ActorContext.watch}).
 *
 * @example
 * ```ts
 * receive(ctx, s, m) { if (isTerminated(m)) console.log(m.actor.address, m.reason) }
 * ```
 */
export interface Terminated {
  /** Always `'troupe.terminated'`; test for it with {@link isTerminated}. */
  readonly type: 'troupe.terminated';
  /** The actor that stopped. */
  readonly actor: ActorRef;
  /** Why it stopped: see {@link TerminationReason}. */
  readonly reason: TerminationReason;
}

/**
 * Why an actor terminated:
 * - `stopped`: stopped on purpose (by itself, its parent, or `system.stop`), or because its parent stopped;
 * - `failed`: stopped by its supervisor after a failure;
 * - `shutdown`: stopped by `system.shutdown()`;
 * - `orphaned`: its parent's node was declared down, so its supervisor has started a replacement
 *   elsewhere and this copy stops (it is not the live incarnation any more);
 * - `thread-lost` / `node-lost`: the thread or node it ran on died.
 *
 * @example
 * ```ts
 * async onStop(_ctx, session, reason) {
 *   // Only a deliberate stop ends the session; after a shutdown the next run picks it up again.
 *   if (reason === 'stopped') await sessions.delete(session.id);
 * },
 * ```
 */
export type TerminationReason = (typeof TERMINATION_REASONS)[number];

/**
 * Every {@link TerminationReason}, e.g. to check one that arrived as data.
 *
 * @example
 * ```ts
 * const known = (TERMINATION_REASONS as readonly string[]).includes(reason);
 * ```
 */
export const TERMINATION_REASONS = [
  'stopped',
  'failed',
  'shutdown',
  'orphaned',
  'thread-lost',
  'node-lost',
] as const;

/**
 * True if `m` is a {@link Terminated} notification.
 *
 * @example
 * ```ts
 * if (isTerminated(m)) ctx.spawn(Worker)
 * ```
 */
export function isTerminated(m: unknown): m is Terminated {
  return typeof m === 'object' && m !== null && (m as Terminated).type === 'troupe.terminated';
}
