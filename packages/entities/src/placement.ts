/**
 * Where a new shard goes: the placement strategies of entity types. Rendezvous hashing and a
 * user function give every node the same answer from the same membership; prefer-local and
 * least-loaded depend on who asks and on what it knows of the others' loads, so with them a
 * shard stays where it was first placed until its node leaves (the lease decides, not this).
 *
 * Owns: {@link placeOf}, {@link leastLoaded}, {@link rebalances}. May not touch: anything with state.
 * @internal
 */
import type { EntityType } from './entityType.js';
import { ownerOf } from './keys.js';

/**
 * The member with the fewest activations (`load(node)`); among equally loaded members, the one
 * rendezvous hashing picks for `shard`, so the answer depends only on the members and their
 * loads, not on their order. Undefined when there are no members.
 */
export function leastLoaded(
  members: readonly string[],
  shard: number,
  load: (node: string) => number,
): string | undefined {
  let min = Number.POSITIVE_INFINITY;
  for (const n of members) min = Math.min(min, load(n));
  return ownerOf(
    members.filter((n) => load(n) === min),
    shard,
  );
}

/**
 * The node that should run `shard` by the type's placement, among `members`, from the point of
 * view of `me` (`load`: the activations of a node as `me` knows them, for `'least-loaded'`);
 * undefined when no member offers the type.
 */
export function placeOf(
  type: EntityType,
  members: readonly string[],
  shard: number,
  me: string,
  load: (node: string) => number,
): string | undefined {
  const p = type.placement;
  if (members.length === 0) return undefined;
  if (p === 'rendezvous') return ownerOf(members, shard);
  if (p === 'prefer-local') return members.includes(me) ? me : ownerOf(members, shard);
  if (p === 'least-loaded') return leastLoaded(members, shard, load);
  const sorted = [...members].sort();
  const chosen = p(shard, sorted);
  // A choice outside the members would lose the message: fall back to rendezvous hashing.
  return sorted.includes(chosen) ? chosen : ownerOf(sorted, shard);
}

/**
 * True when shards of the type move to the node its placement picks as membership changes
 * (rendezvous, a function); false when a shard stays where it was placed until its node leaves
 * (prefer-local, least-loaded: moving a shard because loads changed would make them change again).
 */
export function rebalances(type: EntityType): boolean {
  return type.placement !== 'prefer-local' && type.placement !== 'least-loaded';
}
