/**
 * The interface between core and a network transport (such as `@troupe/transport-nats`). Core
 * never imports a transport: one is passed to `createActorSystem({ transports: [...] })`. A
 * transport moves batches of records between nodes and reports membership; core does
 * everything else (refs, asks, supervision, death watch) the same way as for worker threads.
 */
import type { EventStream } from '../api/events.js';
import type { NodeInfo } from '../api/nodes.js';
import type { jsonReplyProblem } from './jsonReply.js';

/**
 * What core offers a transport: it is passed to {@link Transport.start}.
 *
 * @example
 * ```ts
 * async start(host: TransportHost) {
 *   this.sub = bus.subscribe(`troupe.${host.systemName}.${host.nodeId}`, (raw) => {
 *     const env = decode(raw);
 *     if (env === undefined) host.dropped('undecodable', `${raw.length} bytes`);
 *     else host.deliver(env.from, env.to, env.batch);
 *   });
 * }
 * ```
 */
export interface TransportHost {
  /** The system's name (nodes of different systems never see each other). */
  readonly systemName: string;
  /** This process's node id. */
  readonly nodeId: string;
  /** The node ids of this process's worker threads. */
  readonly threadNodes: readonly string[];
  /** The behaviours of this node's catalog. */
  readonly catalog: readonly string[];
  /** The system's event stream, e.g. to publish an `error` event the transport cannot throw. */
  readonly events: EventStream;
  /** A batch arrived from node `from` for runtime `to` of this process (its main thread or one of its threads). */
  deliver(from: string, to: string, batch: unknown[]): void;
  /** A node joined (or was seen again after a reconnect). */
  nodeUp(info: NodeInfo): void;
  /** A node left gracefully (`leave`) or stopped answering (`down`). */
  nodeDown(node: string, how: 'down' | 'leave', detail: string): void;
  /** Input from the network was dropped: count it by cause (and log the first of each cause). */
  dropped(cause: string, detail: string): void;
  /**
   * The transport's connection was lost and is back (e.g. a NATS reconnect): batches in flight
   * may be lost. Core sends what the other nodes have not acknowledged again, and asks them to.
   */
  reconnected(): void;
}

/**
 * Answers a plain request to an exposed actor: the decoded body in, the reply value out. Core
 * makes one for `system.expose` and gives it to {@link Transport.expose}.
 *
 * @example
 * ```ts
 * async expose(name: string, handler: ExposeHandler) {
 *   const sub = bus.serve(`svc.${name}`, (req) =>
 *     handler(JSON.parse(req.body)).then(
 *       (value) => req.respond(JSON.stringify({ ok: true, value })),
 *       (e: Error) => req.respond(JSON.stringify({ ok: false, error: { name: e.name, message: e.message } })),
 *     ),
 *   );
 *   return async () => sub.close();
 * }
 * ```
 */
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
  /** A short name for logs and errors, e.g. `'nats'`. */
  readonly name: string;
  /** Connect and join; resolves when the node can send and receive. */
  start(host: TransportHost): Promise<void>;
  /**
   * Send a batch from runtime `from` of this process to runtime `to` of another node. Throws if it
   * cannot (e.g. too large). Encode or copy the batch before returning: core may send the same
   * array again later. Losing, duplicating or reordering batches is allowed (core's links make
   * delivery exactly-once and in order between live nodes); report a reconnect with
   * {@link TransportHost.reconnected} so lost batches are sent again at once.
   */
  send(from: string, to: string, batch: unknown[]): void;
  /** Leave gracefully (peers see `leave`, not `down`) and disconnect. */
  stop(): Promise<void>;
  /**
   * Make `name` answer plain requests from any client; returns a function that withdraws it. An
   * error reply carries the error's `name` and `message` only, unless `options.stacks` is true
   * (then also its `stack` and `cause`: file paths of this host, for development only). A reply
   * that JSON would change (a Map written as `{}`) is answered with a `ReplyError` that says why,
   * not sent changed: see {@link jsonReplyProblem}.
   */
  expose?(
    name: string,
    handler: ExposeHandler,
    options?: { readonly stacks?: boolean },
  ): Promise<() => Promise<void>>;
}
