/**
 * An entity type: a behaviour whose actors are addressed by a key instead of by where they were
 * spawned, with the options of its activations.
 *
 * Owns: {@link defineEntity}, {@link EntityType} and the checks of its options.
 * May not touch: where entities run.
 */
import { type Behaviour, InvalidOptionsError } from '@troupe/core';

/**
 * Which node a new shard goes to: see {@link EntityOptions.placement}.
 *
 * @example
 * ```ts
 * const placement: Placement = (shard, nodes) => nodes[shard % nodes.length]!;
 * ```
 */
export type Placement =
  | 'rendezvous'
  | 'prefer-local'
  | 'least-loaded'
  | ((shard: number, nodes: readonly string[]) => string);

/** Options of {@link defineEntity}. */
export interface EntityOptions<Msg, State, Reply> {
  /** The type's name: a valid actor name (letters, digits, `_`, `-`, `.`, `~`), the same on every node. */
  readonly name: string;
  /**
   * What each entity runs. Its `args` is the entity's key. Any behaviour: plain, durable
   * (`eventSourced`, `durableState`: give it a `persistenceId` made from the key) or xstate.
   * Its name must be in the catalog of every node that hosts the type.
   */
  readonly behaviour: Behaviour<Msg, State, string, Reply>;
  /** An entity that got no message for this long is stopped (passivated); 0: never. Default 120 000 ms. */
  readonly idleTimeoutMs?: number;
  /** The number of shards, the unit of placement and of leases. The same on every node. Default 64. */
  readonly shards?: number;
  /**
   * Which node a shard goes to (the same on every node):
   * - `'rendezvous'` (default): rendezvous hashing over the members that offer the type;
   * - `'prefer-local'`: the node that sends the first message of a shard runs it, if it offers
   *   the type (a shard stays where it is until its node leaves: no rebalancing);
   * - `'least-loaded'`: the offering member that runs the fewest entities of the type (as the
   *   deciding node last heard: every hosting node tells the others its count twice a second),
   *   ties broken by rendezvous hashing; like prefer-local, a shard stays where it was placed
   *   until its node leaves. A client node leaves the choice to a hosting node;
   * - a function `(shard, nodes) => node`: your choice among the offering members (sorted by id);
   *   return one of them. Shards move when its answer changes, as with rendezvous.
   *
   * @example
   * ```ts
   * const Session = defineEntity({ name: 'session', behaviour: SessionBehaviour, placement: 'least-loaded' });
   * ```
   */
  readonly placement?: Placement;
  /**
   * The most entities of this type a node runs at once; past it, starting one passivates the one
   * that got a message least recently. Default: no limit.
   */
  readonly maxActivationsPerNode?: number;
}

/**
 * An entity type, made by {@link defineEntity}.
 *
 * @example
 * ```ts
 * const ref = entities.of(Cart, 'cart-42');
 * ```
 */
export interface EntityType<Msg = any, Reply = any> {
  /** The type's name. */
  readonly name: string;
  /** What each entity runs (its args: the key). */
  readonly behaviour: Behaviour<Msg, any, string, Reply>;
  /** Idle time before passivation (ms; 0: never). */
  readonly idleTimeoutMs: number;
  /** The number of shards. */
  readonly shards: number;
  /** Where shards go (see {@link EntityOptions.placement}). */
  readonly placement: Placement;
  /** The most activations per node (`Infinity`: no limit). */
  readonly maxActivationsPerNode: number;
}

const NAME = /^[A-Za-z0-9_~-][A-Za-z0-9_.~-]*$/;

/**
 * Define an entity type: actors addressed by a key, activated on first message somewhere in
 * the cluster, one at a time per key.
 *
 * @example
 * ```ts
 * const Cart = defineEntity({
 *   name: 'cart',
 *   behaviour: defineActor({ name: 'shop.cart', init: () => [] as string[], receive: cartReceive }),
 *   idleTimeoutMs: 60_000,
 * });
 * ```
 */
export function defineEntity<Msg, State, Reply>(
  options: EntityOptions<Msg, State, Reply>,
): EntityType<Msg, Reply> {
  const {
    name,
    behaviour,
    idleTimeoutMs = 120_000,
    shards = 64,
    placement = 'rendezvous',
    maxActivationsPerNode = Number.POSITIVE_INFINITY,
  } = options ?? ({} as never);
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 100)
    throw new InvalidOptionsError(
      `defineEntity: name ${JSON.stringify(name)} is not valid: use 1–100 letters, digits, '_', '-', '.' or '~'`,
    );
  if (typeof behaviour !== 'object' || behaviour === null || typeof behaviour.receive !== 'function')
    throw new InvalidOptionsError(
      `defineEntity('${name}'): behaviour must be a behaviour (defineActor, eventSourced, durableState, fromXState)`,
    );
  if (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs < 0)
    throw new InvalidOptionsError(
      `defineEntity('${name}'): idleTimeoutMs must be a number of milliseconds ≥ 0 (0: never passivate), got ${idleTimeoutMs}`,
    );
  if (!Number.isInteger(shards) || shards < 1 || shards > 65_536)
    throw new InvalidOptionsError(
      `defineEntity('${name}'): shards must be an integer from 1 to 65536, got ${shards}`,
    );
  if (
    placement !== 'rendezvous' &&
    placement !== 'prefer-local' &&
    placement !== 'least-loaded' &&
    typeof placement !== 'function'
  )
    throw new InvalidOptionsError(
      `defineEntity('${name}'): placement must be 'rendezvous', 'prefer-local', 'least-loaded' or a function (shard, nodes) => node, got ${JSON.stringify(placement)}`,
    );
  if (
    !(
      maxActivationsPerNode === Number.POSITIVE_INFINITY ||
      (Number.isInteger(maxActivationsPerNode) && maxActivationsPerNode >= 1)
    )
  )
    throw new InvalidOptionsError(
      `defineEntity('${name}'): maxActivationsPerNode must be an integer ≥ 1 (leave it out for no limit), got ${maxActivationsPerNode}`,
    );
  return {
    name,
    behaviour: behaviour as Behaviour<Msg, any, string, Reply>,
    idleTimeoutMs,
    shards,
    placement,
    maxActivationsPerNode,
  };
}
