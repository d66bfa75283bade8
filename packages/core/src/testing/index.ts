/**
 * Test helpers for Troupe users: a manual clock, a probe actor that records what it receives,
 * and an in-memory network (with seeded faults) that makes several systems of one process nodes.
 */

export type { ExposeReply } from './exposed.js';
export {
  createInMemoryNetwork,
  type DropCause,
  type InMemoryNetwork,
  type InMemoryNetworkOptions,
  type InMemoryNetworkStats,
  type InMemoryNode,
} from './InMemoryTransport.js';
export { ManualClock } from './ManualClock.js';
export { createProbe, type Probe } from './probe.js';
export { type FaultOptions, mulberry32, REORDER_HOLD_MS } from './wire.js';
