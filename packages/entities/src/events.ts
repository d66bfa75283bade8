/**
 * What the entities of a node report: activations, passivations, hand-offs and lost leases.
 *
 * Owns: {@link EntityEvent}. May not touch: anything else.
 */

/**
 * One change of where entities run, as `entities.on(listener)` reports it.
 *
 * - `activate`: an entity started here (its first message, or its next after a passivation);
 * - `passivate`: an idle entity was stopped here; its next message starts it again;
 * - `handoff`: this node gave a shard up to `detail` (a node that joined, or this node leaving);
 * - `lease-lost`: this node could not keep a shard's lease and stopped its entities (`detail`: why);
 * - `dropped`: a message to `key` was refused because this node already held the most it holds
 *   for one key (1,000) while the key had nowhere to go (`detail`: the error an ask gets).
 *
 * @example
 * ```ts
 * entities.on((e) => console.log(e.kind, e.type, e.key, 'on', e.node, 'token', e.token));
 * ```
 */
export interface EntityEvent {
  /** What happened (see above). */
  readonly kind: 'activate' | 'passivate' | 'handoff' | 'lease-lost' | 'dropped';
  /** The entity type's name. */
  readonly type: string;
  /** The entity's key (`''` for the shard-wide `handoff` and `lease-lost`). */
  readonly key: string;
  /** The node this happened on. */
  readonly node: string;
  /** The shard of the key. */
  readonly shard: number;
  /** The revision of the shard's lease when it happened (its fencing token). */
  readonly token: number;
  /** For `handoff`, the node the shard goes to; for `lease-lost` and `dropped`, why. */
  readonly detail?: string;
}
