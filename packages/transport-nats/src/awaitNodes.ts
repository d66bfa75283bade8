/**
 * Waiting for nodes to join, for programs that need a given number of nodes before they start.
 * When they do not join, the error says where they may be: nodes of a system with another name
 * (`Lab` against `lab`) on the same NATS server, or no nodes at all.
 */
import type { ActorSystem, NodeStatus } from '@troupe/core';
import { membershipOf, type OtherSystems } from './membership.js';

/**
 * Resolve once the system knows at least `count` nodes (itself included), or reject after
 * `timeoutMs` naming the nodes it did see. While it waits (and only then), a system on NATS also
 * listens to the announcements of other systems on its server, so that the error can name them:
 * a wrong system name is the usual reason why nodes that run do not join.
 *
 * @example
 * ```ts
 * const nodes = await awaitNodes(system, 3, 10_000);
 * // or: Error: only 1 of 3 nodes of system 'Lab' joined within 10000 ms (seen: n1); nodes of
 * // system 'lab' (2: n2, n3) are on this NATS server; did you mean system 'lab' (…)?
 * ```
 */
export function awaitNodes(system: ActorSystem, count: number, timeoutMs = 10_000): Promise<NodeStatus[]> {
  return new Promise((resolve, reject) => {
    const nodes = system.nodes();
    if (nodes.length >= count) {
      resolve(nodes);
      return;
    }
    const stopListening = membershipOf(system.events)?.listenToOtherSystems();
    const off = system.events.on('node', () => {
      const nodes = system.nodes();
      if (nodes.length < count) return;
      off();
      clearTimeout(timer);
      stopListening?.();
      resolve(nodes);
    });
    const timer = setTimeout(() => {
      off();
      const seen = system.nodes().map((n) => n.id);
      reject(new Error(notJoined(system.name, count, timeoutMs, seen, stopListening?.())));
    }, timeoutMs);
  });
}

/** Show at most a few node ids of a system. */
function listNodes(system: string, nodes: ReadonlySet<string>): string {
  const ids = [...nodes];
  return `'${system}' (${ids.length}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`;
}

/** The message of the timeout: what joined, and where the missing nodes may be. */
function notJoined(
  name: string,
  count: number,
  timeoutMs: number,
  seen: readonly string[],
  others: OtherSystems | undefined,
): string {
  const what = `only ${seen.length} of ${count} nodes of system '${name}' joined within ${timeoutMs} ms (seen: ${seen.join(', ')})`;
  const check = `check that the missing nodes were started with this system name (troupe node --system ${name}) and connect to the same NATS server`;
  if (others === undefined) return `${what}; ${check}`;
  const heard = [...others.systems].sort(([a], [b]) => (a < b ? -1 : 1));
  if (heard.length === 0) {
    return others.refused
      ? `${what}; other systems could not be looked for (this node's NATS user may not subscribe to troupe.*.members); ${check}`
      : `${what}; no node of any other system was heard on this NATS server either: ${check}`;
  }
  const match = heard.find(([other]) => other.toLowerCase() === name.toLowerCase()) ?? heard[0]!;
  if (heard.length === 1 || match[0].toLowerCase() === name.toLowerCase()) {
    const [other, nodes] = match;
    const also = heard.filter((h) => h !== match).map(([s, n]) => listNodes(s, n));
    return (
      `${what}; nodes of system ${listNodes(other, nodes)} are on this NATS server; ` +
      `did you mean system '${other}' (createActorSystem({ name: '${other}' }), troupe node --system ${other})?` +
      (also.length > 0 ? ` (also heard: ${also.join(', ')})` : '')
    );
  }
  return (
    `${what}; nodes of other systems are on this NATS server: ${heard.map(([s, n]) => listNodes(s, n)).join(', ')}; ` +
    'did you mean one of them? The program and all its nodes must use the same system name ' +
    '(createActorSystem({ name }), troupe node --system)'
  );
}
