/**
 * The interface between core and a network transport (such as `@troupe/transport-nats`). Core
 * never imports a transport: one is passed to `createActorSystem({ transports: [...] })`. A
 * transport moves batches of records between nodes and reports membership; core does
 * everything else (refs, asks, supervision, death watch) the same way as for worker threads.
 */
import type { EventStream } from '../system/events.js';

/** What a node announces about itself. */
export interface NodeInfo {
  /** The node id of the process (its main thread). */
  readonly id: string;
  /** The node ids of its worker threads. */
  readonly threads: readonly string[];
  /** The behaviours its catalog holds. */
  readonly catalog: readonly string[];
}

/** What core offers a transport. */
export interface TransportHost {
  /** The system's name (nodes of different systems never see each other). */
  readonly systemName: string;
  /** This process's node id. */
  readonly nodeId: string;
  /** The node ids of this process's worker threads. */
  readonly threadNodes: readonly string[];
  /** The behaviours of this node's catalog. */
  readonly catalog: readonly string[];
  readonly events: EventStream;
  /** A batch arrived from node `from` for runtime `to` of this process (its main thread or one of its threads). */
  deliver(from: string, to: string, batch: unknown[]): void;
  /** A node joined (or was seen again after a reconnect). */
  nodeUp(info: NodeInfo): void;
  /** A node left gracefully (`leave`) or stopped answering (`down`). */
  nodeDown(node: string, how: 'down' | 'leave', detail: string): void;
  /** Input from the network was dropped: count it by cause (and log the first of each cause). */
  dropped(cause: string, detail: string): void;
}

/** Answers a plain request to an exposed actor: the decoded body in, the reply value out. */
export type ExposeHandler = (body: unknown) => Promise<unknown>;

/**
 * A network transport.
 *
 * @example
 * ```ts
 * import { nats } from '@troupe/transport-nats';
 * const system = await createActorSystem({ name: 'shop', transports: [nats({ servers: 'nats://127.0.0.1:4222' })] });
 * ```
 */
export interface Transport {
  readonly name: string;
  /** Connect and join; resolves when the node can send and receive. */
  start(host: TransportHost): Promise<void>;
  /** Send a batch from runtime `from` of this process to runtime `to` of another node. Throws if it cannot (e.g. too large). */
  send(from: string, to: string, batch: unknown[]): void;
  /** Leave gracefully (peers see `leave`, not `down`) and disconnect. */
  stop(): Promise<void>;
  /** Make `name` answer plain requests from any client; returns a function that withdraws it. */
  expose?(name: string, handler: ExposeHandler): Promise<() => Promise<void>>;
}

/** A node id of a worker thread is `<process node>.t<i>`; this returns the process node. */
export function processNodeOf(node: string): string {
  const m = /^(.*)\.t\d+$/.exec(node);
  return m === null ? node : m[1]!;
}
