/**
 * Placement: turning a `placement` option into the node that should host the actor. Every
 * error says what is possible instead.
 * @internal
 */

import { processNodeOf } from '../address.js';
import type { NodeInfo } from '../api/nodes.js';
import type { Placement } from '../api/options.js';
import { InvalidOptionsError, UnknownBehaviourError } from '../errors.js';

export interface PlacementView {
  readonly nodeId: string;
  /** The main node of this process (differs from `nodeId` inside a worker thread). */
  readonly mainNode: string | undefined;
  /** Worker threads of this process. */
  readonly threadNodes: readonly string[];
  /** Threads still usable (not given up on). */
  usableThreads(): readonly string[];
  /** Remote nodes that are up. */
  readonly remoteNodes: ReadonlyMap<string, NodeInfo>;
  /** True if the behaviour comes from a catalog module (so threads can load it). */
  fromModule(behaviour: string): boolean;
  /** Round-robin counter. */
  next(): number;
}

const NO_THREADS =
  'this system has no worker threads; create it with createActorSystem({ threads: true, catalog: [...] })';

/** The node for `placement`, or `undefined` for this runtime. */
export function resolvePlacement(
  view: PlacementView,
  placement: Placement,
  behaviour: string,
): string | undefined {
  if (placement === 'local') return undefined;
  if (placement === 'main') return view.mainNode;
  if (placement === 'any-node') return anyNode(view, behaviour);
  if (
    placement === 'thread' ||
    (typeof placement === 'object' && placement !== null && 'thread' in placement)
  ) {
    if (view.threadNodes.length === 0)
      throw new InvalidOptionsError(`placement ${JSON.stringify(placement)}: ${NO_THREADS}`);
    checkModule(view, behaviour);
    if (placement === 'thread') {
      const usable = view.usableThreads();
      if (usable.length === 0)
        throw new InvalidOptionsError('no worker thread is usable: every thread failed to start');
      return usable[view.next() % usable.length];
    }
    const i = placement.thread;
    const node = Number.isInteger(i) ? view.threadNodes[i] : undefined;
    if (node === undefined) {
      throw new InvalidOptionsError(
        `placement { thread: ${i} }: threads are numbered 0 to ${view.threadNodes.length - 1}`,
      );
    }
    if (!view.usableThreads().includes(node)) {
      throw new InvalidOptionsError(
        `placement { thread: ${i} }: that thread kept failing at start-up and was given up; use 'thread' to place on a live one`,
      );
    }
    return node;
  }
  if (typeof placement === 'object' && placement !== null && typeof placement.node === 'string') {
    return onNode(view, placement.node, behaviour);
  }
  throw new InvalidOptionsError(
    `placement must be 'local', 'thread', 'main', 'any-node', { thread: i } or { node: id }, got ${JSON.stringify(placement)}`,
  );
}

function checkModule(view: PlacementView, behaviour: string): void {
  if (!view.fromModule(behaviour)) {
    throw new InvalidOptionsError(
      `behaviour '${behaviour}' cannot run on a worker thread: threads load behaviours from catalog modules, and this one was registered as an object. ` +
        "Export it from a module and list that module in createActorSystem({ catalog: [new URL('./behaviours.js', import.meta.url)] })",
    );
  }
}

function onNode(view: PlacementView, node: string, behaviour: string): string | undefined {
  if (node === view.nodeId) return undefined;
  const proc = processNodeOf(node);
  if (proc === (view.mainNode ?? view.nodeId)) {
    if (node !== proc && !view.threadNodes.includes(node)) {
      throw new InvalidOptionsError(
        `placement { node: '${node}' }: this node has no such thread (threads: ${view.threadNodes.join(', ') || 'none'})`,
      );
    }
    if (node !== proc) checkModule(view, behaviour);
    return node;
  }
  const info = view.remoteNodes.get(proc);
  if (info === undefined) {
    const up = [...view.remoteNodes.keys()];
    throw new InvalidOptionsError(
      `placement { node: '${node}' }: no such node is up (nodes up: ${up.length ? up.join(', ') : 'none besides this one'}); see system.nodes()`,
    );
  }
  if (node !== proc && !info.threads.includes(node)) {
    throw new InvalidOptionsError(
      `placement { node: '${node}' }: node ${proc} has no such thread (threads: ${info.threads.join(', ') || 'none'})`,
    );
  }
  if (!info.catalog.includes(behaviour))
    throw new UnknownBehaviourError(behaviour, `node ${proc}`, info.catalog, 'node');
  return node;
}

function anyNode(view: PlacementView, behaviour: string): string {
  const offering = [...view.remoteNodes.values()].filter((n) => n.catalog.includes(behaviour));
  if (offering.length === 0) {
    const up = [...view.remoteNodes.keys()];
    throw new InvalidOptionsError(
      `placement 'any-node': no other node offers behaviour '${behaviour}' (nodes up: ${up.length ? up.join(', ') : 'none besides this one'})`,
    );
  }
  return offering[view.next() % offering.length]!.id;
}
