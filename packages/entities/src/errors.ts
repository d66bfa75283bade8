/**
 * Errors of entities.
 *
 * Owns: {@link HoldFullError}. May not touch: anything else.
 */

/**
 * A message to an entity was refused because its node already holds the most messages it holds
 * for one key (1,000) while the key has nowhere to go: its shard has no owner yet (its node was
 * lost and the lease is not stale yet, or it is being handed off, or no member offers the type),
 * or its entity is stopping. An ask among them rejects with this error; a tell is dropped and
 * reported as an entity event `dropped`. Send less to one key while it moves, or ask again once
 * it answers.
 *
 * @example
 * ```ts
 * try {
 *   await cart.ask({ type: 'add', item });
 * } catch (e) {
 *   if (isHoldFullError(e)) await sleep(100); // the key is moving: ask again shortly
 * }
 * ```
 */
export class HoldFullError extends Error {
  /** Always `'HoldFullError'` (kept when the error crosses a thread or node). */
  override readonly name = 'HoldFullError';
  constructor(
    /** The entity type's name. */
    readonly type: string,
    /** The entity's key. */
    readonly key: string,
    /** How many messages were held for the key. */
    readonly held: number,
    /** The node that refused it. */
    readonly node: string,
  ) {
    super(
      `entity ${type}/${key}: not delivered: node ${node} already holds ${held} messages for this key while it has no owner yet (or its entity is stopping); send it again once the key answers`,
    );
  }
}

/** Is `e` a {@link HoldFullError} (also one that crossed a thread or node as a plain error)? */
export function isHoldFullError(e: unknown): e is HoldFullError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'HoldFullError';
}
