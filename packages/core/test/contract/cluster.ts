/**
 * Nodes for the transport contract suite: actor systems of this process, each with its own
 * transport from the harness, started together and awaited until they all see each other.
 */
import {
  type ActorSystem,
  createActorSystem,
  type EventOf,
  type Transport,
  type TransportHost,
  type TroupeEventKind,
} from '../../src/index.js';
import { catalog, OnlyHere } from './behaviours.js';

/**
 * What a transport gives the contract suite.
 *
 * @example
 * ```ts
 * const net = createInMemoryNetwork({ seed: 1 });
 * transportContract('in-memory', { transport: () => net.transport(), kill: async (s) => net.kill(s.nodeId) });
 * ```
 */
export interface TransportHarness {
  /** A fresh transport for one more node. */
  transport(): Transport | Promise<Transport>;
  /** Make the node of `system` vanish without a `leave`, as a crashed process does. */
  kill(system: ActorSystem): Promise<void>;
  /** Called once after the suite (servers, proxies). */
  teardown?(): Promise<void>;
}

/** A node of a contract test. */
export interface ContractNode {
  readonly system: ActorSystem;
  /** The transport of the node (as the harness gave it). */
  readonly transport: Transport;
  /** What core handed the transport at start. */
  readonly host: TransportHost;
}

let clusters = 0;

/** A transport that hands through to `inner`, remembering the host it was started with. */
function recording(inner: Transport, started: (host: TransportHost) => void): Transport {
  const t: Transport = {
    name: inner.name,
    start: (host) => {
      started(host);
      return inner.start(host);
    },
    send: (from, to, batch) => inner.send(from, to, batch),
    stop: () => inner.stop(),
  };
  const expose = inner.expose;
  return expose === undefined ? t : { ...t, expose: (...args) => expose.apply(inner, args) };
}

/**
 * Start `count` nodes of a fresh system (a name of its own, so tests never see each other's
 * nodes) and wait until each sees all the others. The first node also offers {@link OnlyHere}.
 */
export async function startNodes(
  harness: TransportHarness,
  count: number,
  started: ContractNode[],
): Promise<ContractNode[]> {
  const name = `contract-${process.pid}-${++clusters}`;
  const nodes: ContractNode[] = [];
  for (let i = 0; i < count; i++) {
    const transport = await harness.transport();
    let host: TransportHost | undefined;
    const system = await createActorSystem({
      name,
      catalog: i === 0 ? [...catalog, OnlyHere] : [...catalog],
      askTimeoutMs: 5000,
      transports: [recording(transport, (h) => (host = h))],
    });
    const node = { system, transport, host: host! };
    nodes.push(node);
    started.push(node);
  }
  await waitFor(
    () => nodes.every((n) => n.system.nodes().length === count),
    10_000,
    () => `every node to see ${count} nodes (${nodes.map((n) => n.system.nodes().length).join(', ')})`,
  );
  return nodes;
}

/** Wait until `cond()` holds, polling every 5 ms, or throw after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Record the system's events of `kind`. */
export function record<K extends TroupeEventKind>(system: ActorSystem, kind: K): EventOf<K>[] {
  const seen: EventOf<K>[] = [];
  system.events.on(kind, (e) => seen.push(e));
  return seen;
}

/** Everything the system dropped so far, all causes together. */
export function droppedTotal(system: ActorSystem): number {
  return Object.values(system.stats().droppedByCause).reduce((a, b) => a + b, 0);
}
