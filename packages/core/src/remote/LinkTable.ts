/**
 * The runtime's links and its outbound side: one {@link Link} per peer runtime, tells and asks to
 * actors elsewhere (replies come back on the same link under correlation ids, never through a
 * new channel per ask), control records, local delivery, and refs revived from addresses.
 *
 * Owns: the link table, the ref encoder, the nodes known to be down (asks to them fail at once),
 * the resolver chain (`Routes.ts`: which port a new link gets). Only {@link link} adds a link, and links are never removed, so a `Link` object
 * stays the one for its node for the runtime's life (a lost runtime's link is detached and may be
 * re-attached, see `NodeLoss.ts`).
 * May not touch: the tables of actors tied to other runtimes (`RemoteTies.ts`), inbound records
 * (`Inbound.ts`). Records that cannot be posted are handed to `refusedRecords.ts`. This is the
 * bottom layer of `RemoteRuntime`: it calls nothing above it.
 * @internal
 */
import type { Transferable } from 'node:worker_threads';
import { PendingAsk, type ReplyTarget, settling } from '../actor/ask.js';
import {
  instrumentation,
  lastSending,
  outbound,
  settleWith,
  Traced,
  tracing,
} from '../actor/instrumentation.js';
import { askTimeout } from '../actor/messageOptions.js';
import type { WatchingCell } from '../actor/Watcher.js';
import { formatAddress, parseAddress } from '../address.js';
import type { ActorRef, AskOptions } from '../api/ActorRef.js';
import { ActorStoppedError, SystemShutdownError } from '../errors.js';
import { RefEncoder } from './codec.js';
import type { RefHost, RemoteTarget } from './host.js';
import { Link } from './Link.js';
import { type Control, Rec } from './protocol.js';
import { RemoteActorRef } from './RemoteActorRef.js';
import type { RemoteHost } from './RemoteHost.js';
import { LATER, Routes } from './Routes.js';
import { refuseRecords } from './refusedRecords.js';

export abstract class LinkTable implements RefHost {
  readonly encoder = new RefEncoder();
  /** Read by the layers above (they look a link up; only {@link link} adds one). */
  protected readonly links = new Map<string, Link>();
  /** For reviving refs in received messages, allocated once. */
  protected readonly resolveFn = (a: string) => this.resolve(a);

  /**
   * Nodes on the network declared down (until they are heard again): asks to them fail at once.
   * Set by `NodeLoss.nodeDown`, cleared by {@link nodeUp}.
   */
  protected readonly downNodes = new Map<string, Error>();

  /** A node on the network is up again. */
  nodeUp(node: string): void {
    this.downNodes.delete(node);
  }

  /** The resolver chain: which port carries the records for another runtime (see `Routes.ts`). */
  readonly routes: Routes;

  constructor(readonly host: RemoteHost) {
    this.routes = new Routes(host.nodeId);
  }

  /** The main thread of this process (the only runtime trusted to report lost runtimes). */
  get mainNode(): string {
    return this.host.mainNodeId;
  }

  now(): number {
    return this.host.clock.now();
  }

  /** The link to `node`, created on first use (records wait until a port is attached). */
  link(node: string): Link {
    let l = this.links.get(node);
    if (l === undefined) {
      l = new Link(node, (batch, error) => this.postFailed(node, batch, error));
      this.links.set(node, l);
      const port = this.routes.resolve(node);
      if (port !== undefined && port !== LATER) l.attach(port);
    }
    return l;
  }

  /** Why records for `node` cannot go anywhere, or `undefined` when a step of the chain owns it. */
  protected unroutable(node: string): string | undefined {
    if (this.routes.resolve(node) !== undefined) return undefined;
    return `no route to runtime ${node}: it is not a worker thread of this process, and no transport reaches it (routes: ${this.routes.names().join(' → ') || 'none'})`;
  }

  // ---- Outbound -----------------------------------------------------------------------------

  tell(ref: RemoteTarget, message: unknown, transfer: readonly Transferable[] | undefined): void {
    if (instrumentation !== undefined) message = outbound('tell', ref.address, message);
    if (ref.node === this.host.nodeId || ref.node === '') {
      this.deliverLocal(ref.path, ref.address, message, undefined);
      return;
    }
    const link = this.link(ref.node);
    // The chain's last step: what no step owns is a dead letter (checked only while unattached).
    if (!link.open || (!link.connected && this.unroutable(ref.node) !== undefined)) {
      this.host.deadLetter(ref.address, message, 'no-such-actor');
      return;
    }
    const enc = this.encoder;
    if (tracing && message instanceof Traced) {
      // The trace context goes as a record of its own, just ahead of the tell it belongs to.
      const m = enc.encode(message.message);
      if (transfer !== undefined && transfer.length > 0) link.addTransfer(transfer);
      link.push5(Rec.Trace, message.carrier, enc.hadRefs ? Rec.TellRefs : Rec.Tell, ref.path, m);
      return;
    }
    const m = enc.encode(message);
    if (transfer !== undefined && transfer.length > 0) link.addTransfer(transfer);
    link.push3(enc.hadRefs ? Rec.TellRefs : Rec.Tell, ref.path, m);
  }

  ask(ref: RemoteTarget, message: unknown, options: AskOptions | undefined): Promise<unknown> {
    const host = this.host;
    const timeoutMs = askTimeout(options, host.askTimeoutMs);
    if (typeof timeoutMs !== 'number') return Promise.reject(timeoutMs);
    // A promise with a deadline; settled (a reply, a timeout) it leaves the link's table, so a
    // late reply is dropped.
    const pending = new PendingAsk(host, ref.address, message, timeoutMs);
    let id: number;
    if (instrumentation === undefined) id = this.sendAsk(ref, message, pending, options?.transfer);
    else {
      const traced = outbound('ask', ref.address, message);
      const sending = lastSending;
      id = this.sendAsk(ref, traced, pending, options?.transfer);
      settleWith(sending, pending.promise);
    }
    if (id !== 0 && !pending.settled) {
      pending.index = this.links.get(ref.node)!.asks;
      pending.indexId = id;
    }
    return pending.promise;
  }

  /**
   * An ask without a promise or a timer, for callers that keep their own deadline (a balancing
   * pool has one timer for all its asks): `target` gets the reply or the failure. Returns the
   * ask's id, for {@link cancelAsk} when the caller gives up on it (0: nothing to cancel).
   */
  askInto(
    ref: RemoteTarget,
    message: unknown,
    target: ReplyTarget,
    transfer: readonly Transferable[] | undefined,
  ): number {
    if (instrumentation === undefined) return this.sendAsk(ref, message, target, transfer);
    const traced = outbound('ask', ref.address, message);
    return this.sendAsk(ref, traced, settling(target), transfer);
  }

  /** {@link askInto} once the instrumentation (if any) has seen the ask. */
  private sendAsk(
    ref: RemoteTarget,
    message: unknown,
    target: ReplyTarget,
    transfer: readonly Transferable[] | undefined,
  ): number {
    const host = this.host;
    if (host.isShutdown) {
      target.fail(new SystemShutdownError(host.name, `cannot ask ${ref.address}`));
      return 0;
    }
    if (ref.node === host.nodeId || ref.node === '') {
      this.deliverLocal(ref.path, ref.address, message, target);
      return 0;
    }
    const traced = tracing && message instanceof Traced ? message : undefined;
    const enc = this.encoder;
    let m: unknown;
    try {
      m = enc.encode(traced === undefined ? message : traced.message);
    } catch (e) {
      target.fail(e);
      return 0;
    }
    const link = this.link(ref.node);
    if (!link.open) {
      target.fail(new ActorStoppedError(ref.address, `its runtime ${ref.node} is gone for good`));
      return 0;
    }
    const nowhere = link.connected ? undefined : this.unroutable(ref.node);
    if (nowhere !== undefined) {
      target.fail(new ActorStoppedError(ref.address, nowhere));
      return 0;
    }
    const down = this.downNodes.get(ref.node);
    if (down !== undefined) {
      target.fail(down);
      return 0;
    }
    const id = link.asks.add(target);
    if (transfer !== undefined && transfer.length > 0) link.addTransfer(transfer);
    const kind = enc.hadRefs ? Rec.AskRefs : Rec.Ask;
    if (traced === undefined) link.push4(kind, ref.path, m, id);
    else link.push6(Rec.Trace, traced.carrier, kind, ref.path, m, id);
    return id;
  }

  /** A reply to an ask from a runtime that was lost since (see `Link.epoch`) is dropped and counted. */
  droppedReply(node: string): void {
    this.host.dropped('stale-reply', `a reply to an ask from ${node}, lost since it asked`);
  }

  /** Forget an ask made with {@link askInto} (its caller gave up): a late reply is dropped. */
  cancelAsk(node: string, id: number): void {
    this.links.get(node)?.asks.take(id);
  }

  sendControl(node: string, control: Control): void {
    this.link(node).pushControl(Rec.Control, control);
  }

  /** A control record that keeps its place among the user records (a `Terminated` notice). */
  sendOrdered(node: string, control: Control): void {
    this.link(node).pushOrdered(Rec.Control, control);
  }

  /** Post every queued record now (shutdown: the last turn's records must leave before the transports close). */
  flushAll(): void {
    for (const l of this.links.values()) l.flush();
  }

  /** Reject every remote ask (the system shuts down). */
  rejectAll(error: Error): void {
    for (const link of this.links.values()) for (const a of link.asks.drain()) a.fail(error);
  }

  // ---- Local delivery and refs --------------------------------------------------------------

  /**
   * Deliver to the actor at `path` in this runtime: a ref that points here, or a record that
   * came in. Nobody there: a dead letter, and an ask fails with `ActorStoppedError`.
   */
  protected deliverLocal(
    path: string,
    address: string | undefined,
    message: unknown,
    reply: ReplyTarget | undefined,
  ): void {
    const cell = this.host.cellAt(path);
    if (cell !== undefined) {
      cell.enqueue(message, reply);
      return;
    }
    const addr =
      address ?? formatAddress({ system: this.host.name, node: this.host.nodeId, path: String(path) });
    this.host.deadLetter(addr, message, 'no-such-actor');
    reply?.fail(new ActorStoppedError(addr, 'no such actor (it never existed or has stopped)'));
  }

  /** Death watch of actors elsewhere: implemented by `RemoteTies`, the layer above. */
  abstract watch(watcher: WatchingCell, ref: RemoteTarget, custom: unknown): void;
  abstract unwatch(watcher: WatchingCell, address: string): void;

  /** A working ref for an address (local cell, or a remote ref). */
  resolve(address: string): ActorRef {
    const a = parseAddress(address);
    if (a === undefined || a.system !== this.host.name) {
      // A ref we cannot route: messages to it become dead letters.
      return new RemoteActorRef(this, address, '', address);
    }
    if (a.node === this.host.nodeId) {
      const cell = this.host.cellAt(a.path);
      if (cell !== undefined) return cell.ref;
    }
    return new RemoteActorRef(this, address, a.node, a.path);
  }

  // ---- Records that could not be posted -----------------------------------------------------

  /** A batch could not be posted: retry record by record and report the ones that fail, at their senders. */
  private postFailed(node: string, batch: unknown[], error: unknown): void {
    const link = this.links.get(node);
    refuseRecords(this.host, node, batch, error, (record) => link?.postRaw(record), link?.asks, undefined);
  }

  /**
   * A batch a worker thread sent to a node (through this main thread) could not be sent, e.g. a
   * message with a cycle or over the payload limit: retry record by record and answer each
   * refused ask to the thread with the error, so the asker's ask rejects at once. Never throws.
   */
  forwardFailed(
    to: string,
    batch: unknown[],
    error: unknown,
    send: (b: unknown[]) => void,
    answerThread: (records: unknown[]) => void,
  ): void {
    // The asks in the batch are the thread's, not this runtime's: they are answered through `answerThread`.
    refuseRecords(this.host, to, batch, error, send, undefined, answerThread);
  }
}
