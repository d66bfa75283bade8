/**
 * The transport contract against the in-memory network: once on a perfect network, once with
 * every batch delayed by 0–5 ms (order per pair of nodes kept, as the contract promises).
 */
import { createInMemoryNetwork } from '../../src/testing/index.js';
import { transportContract } from './transportContract.js';

const perfect = createInMemoryNetwork({ seed: 1, downAfterMs: 50 });
transportContract('in-memory', {
  transport: () => perfect.transport(),
  kill: async (system) => perfect.kill(system.nodeId),
});

const slow = createInMemoryNetwork({ seed: 2, downAfterMs: 100 });
slow.faults({ delay: { minMs: 0, maxMs: 5 } });
transportContract('in-memory, delayed', {
  transport: () => slow.transport(),
  kill: async (system) => slow.kill(system.nodeId),
});
