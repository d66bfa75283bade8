/**
 * `@troupe/entities`: virtual actors. An entity is addressed by its type and key, from any node,
 * with no round trip; its first message starts it on the node that owns its shard, which holds
 * the shard's lease, so one activation per key runs in the cluster at a time.
 *
 * @packageDocumentation
 */
export { type Entities, type EntitiesOptions, type EntityRef, startEntities } from './entities.js';
export { defineEntity, type EntityOptions, type EntityType, type Placement } from './entityType.js';
export { HoldFullError, isHoldFullError } from './errors.js';
export type { EntityEvent } from './events.js';
export { InMemoryLeaseStore, type LeaseGrant, type LeaseRecord, type LeaseStore } from './leases.js';
