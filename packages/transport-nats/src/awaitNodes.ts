/** Waiting for nodes to join, for programs that need a given number of nodes before they start. */
import type { ActorSystem, NodeStatus } from '@troupe/core';

/**
 * Resolve once the system knows at least `count` nodes (itself included), or reject after
 * `timeoutMs` naming the nodes it did see.
 *
 * @example
 * ```ts
 * const nodes = await awaitNodes(system, 3, 10_000);
 * ```
 */
export function awaitNodes(system: ActorSystem, count: number, timeoutMs = 10_000): Promise<NodeStatus[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const nodes = system.nodes();
      if (nodes.length >= count) {
        off();
        clearTimeout(timer);
        resolve(nodes);
        return true;
      }
      return false;
    };
    const off = system.events.on('node', () => void check());
    const timer = setTimeout(() => {
      off();
      const seen = system.nodes().map((n) => n.id);
      reject(
        new Error(
          `only ${seen.length} of ${count} nodes joined within ${timeoutMs} ms (seen: ${seen.join(', ')})`,
        ),
      );
    }, timeoutMs);
    check();
  });
}
