/**
 * The remote side of one runtime: links to the other runtimes, remote tells and asks (replies
 * through correlation ids on the link, never a new channel per ask), remote spawn, supervision
 * and death watch across runtimes, and what happens when a runtime is lost. Transports (worker
 * threads, NATS) only move batches; everything else is here, once.
 * @internal
 */
import type { Transferable } from 'node:worker_threads';
import { ActorCell, Status } from '../actor/ActorCell.js';
import type { ActorRef, AskOptions } from '../actor/ActorRef.js';
import { PendingAsk, type ReplyTarget } from '../actor/ask.js';
import type { Behaviour, Placement, TerminationReason } from '../actor/behaviour.js';
import { askTimeout } from '../actor/messageOptions.js';
import { formatAddress, parseAddress } from '../address.js';
import {
  ActorStoppedError,
  DuplicateNameError,
  NodeLostError,
  PayloadTooLargeError,
  reviveError,
  type SerializedError,
  SystemShutdownError,
  serializeError,
  ThreadLostError,
  UnknownBehaviourError,
  UnserializableMessageError,
} from '../errors.js';
import type { MailboxOptions } from '../mailbox/Mailbox.js';
import { Sys } from '../supervision/handles.js';
import type { RestartType } from '../supervision/types.js';
import type { SystemInternals } from '../system/internals.js';
import { processNodeOf } from '../transport/Transport.js';
import { RefEncoder, reviveRefs } from './codec.js';
import { Link, type Port } from './Link.js';
import { type Control, RECORD_SIZE, Rec, type SpawnSpec, wireReason } from './protocol.js';
import { RemoteChild, RemoteParent, RemoteWatcher } from './proxies.js';
import { RemoteActorRef } from './RemoteActorRef.js';

/** What the runtime needs from its system beyond {@link SystemInternals}. */
export interface RemoteHost extends SystemInternals {
  /** The live cell at a path, if any. */
  cellAt(path: string): ActorCell | undefined;
  /** Input from another runtime was dropped: count it by cause. */
  dropped(cause: string, detail: string): void;
  /** True while `node` can host actors (a thread being replaced counts; a lost node does not). */
  nodeIsUp(node: string): boolean;
  /** The node id of this process's main thread. */
  readonly mainNodeId: string;
  /** `count` tells from this runtime were refused by the full mailbox of `recipient` on another node. */
  rejectedByPeer(recipient: string, count: number): void;
}

/** A reply target for an ask that came from another runtime. */
class RemoteReply implements ReplyTarget {
  private readonly epoch: number;
  constructor(
    private readonly runtime: RemoteRuntime,
    private readonly link: Link,
    private readonly id: number,
  ) {
    this.epoch = link.epoch;
  }
  /** The asker is gone (its runtime was lost, maybe replaced): the answer has nobody to go to. */
  private stale(): boolean {
    if (this.link.epoch === this.epoch && this.link.open) return false;
    this.runtime.droppedReply(this.link.node);
    return true;
  }
  reply(value: unknown): void {
    if (this.stale()) return;
    const enc = this.runtime.encoder;
    let v: unknown;
    try {
      v = enc.encode(value, 'reply');
    } catch (e) {
      this.fail(e);
      return;
    }
    this.link.push3(enc.hadRefs ? Rec.ReplyRefs : Rec.Reply, this.id, v);
  }
  fail(error: unknown): void {
    if (this.stale()) return;
    this.link.push3(Rec.ReplyError, this.id, serializeError(error));
  }
}

export class RemoteRuntime {
  readonly encoder = new RefEncoder();
  private readonly links = new Map<string, Link>();
  /** Children here whose parent lives on another node: stopped if that node is lost. */
  private readonly orphansByNode = new Map<string, Set<ActorCell>>();
  /** Remote children (proxies) by the node they live on. */
  private readonly childrenByNode = new Map<string, Set<RemoteChild>>();
  /** Watches of actors elsewhere: target address → watcher cell → custom message. */
  private readonly remoteWatches = new Map<string, Map<ActorCell, unknown>>();
  private readonly resolveFn = (a: string) => this.resolve(a);

  /** Nodes on the network declared down (until they are heard again): asks to them fail at once. */
  private readonly downNodes = new Map<string, Error>();

  /** A node on the network is up again. */
  nodeUp(node: string): void {
    this.downNodes.delete(node);
  }

  /** The port for a node no one attached one for (reached through a transport or a gateway), if any. */
  defaultPort: ((node: string) => Port | undefined) | undefined;

  constructor(readonly host: RemoteHost) {}

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
      const port = this.defaultPort?.(node);
      if (port !== undefined) l.attach(port);
    }
    return l;
  }

  // ---- Outbound -----------------------------------------------------------------------------

  tell(ref: RemoteActorRef, message: unknown, transfer: readonly Transferable[] | undefined): void {
    if (ref.node === this.host.nodeId || ref.node === '') {
      this.deliverLocal(ref.path, ref.address, message, undefined);
      return;
    }
    const link = this.link(ref.node);
    if (!link.open) {
      this.host.deadLetter(ref.address, message, 'no-such-actor');
      return;
    }
    const enc = this.encoder;
    const m = enc.encode(message);
    if (transfer !== undefined && transfer.length > 0) link.addTransfer(transfer);
    link.push3(enc.hadRefs ? Rec.TellRefs : Rec.Tell, ref.path, m);
  }

  ask(ref: RemoteActorRef, message: unknown, options: AskOptions | undefined): Promise<unknown> {
    const host = this.host;
    const timeoutMs = askTimeout(options, host.askTimeoutMs);
    if (typeof timeoutMs !== 'number') return Promise.reject(timeoutMs);
    // A promise with a deadline; settled (a reply, a timeout) it leaves the link's table, so a
    // late reply is dropped.
    const pending = new PendingAsk(host, ref.address, message, timeoutMs);
    const id = this.askInto(ref, message, pending, options?.transfer);
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
    ref: RemoteActorRef,
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
    const enc = this.encoder;
    let m: unknown;
    try {
      m = enc.encode(message);
    } catch (e) {
      target.fail(e);
      return 0;
    }
    const link = this.link(ref.node);
    if (!link.open) {
      target.fail(new ActorStoppedError(ref.address, `its runtime ${ref.node} is gone for good`));
      return 0;
    }
    const down = this.downNodes.get(ref.node);
    if (down !== undefined) {
      target.fail(down);
      return 0;
    }
    const id = link.asks.add(target);
    if (transfer !== undefined && transfer.length > 0) link.addTransfer(transfer);
    link.push4(enc.hadRefs ? Rec.AskRefs : Rec.Ask, ref.path, m, id);
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

  /** Start a child of `parent` on `node`; returns the proxy the parent supervises. */
  spawn(
    parent: ActorCell,
    node: string,
    behaviour: Behaviour,
    args: unknown,
    name: string,
    mailbox: Required<MailboxOptions>,
    restart: RestartType,
    placement?: Placement,
  ): RemoteChild {
    const encoded = this.encoder.encode(args, `spawn argument of '${behaviour.name}'`);
    const path = `${parent.path}/${name}`;
    const spec: SpawnSpec = {
      behaviour: behaviour.name,
      args: encoded,
      argsHaveRefs: this.encoder.hadRefs,
      name,
      path,
      mailbox,
      restart,
    };
    return this.startChild(parent, node, spec, placement, 0);
  }

  private startChild(
    parent: ActorCell,
    node: string,
    spec: SpawnSpec,
    placement: Placement | undefined,
    restartCount: number,
  ): RemoteChild {
    const ref = new RemoteActorRef(
      this,
      formatAddress({ system: this.host.name, node, path: spec.path }),
      node,
      spec.path,
    );
    const child = new RemoteChild(this, parent, ref, spec, placement);
    child.restartCount = restartCount;
    this.track(this.childrenByNode, node, child);
    parent.adoptChild(child);
    child.start();
    return child;
  }

  /** A new incarnation of `old` on `node` (same name and arguments), replacing it under its parent. */
  respawnAt(old: RemoteChild, node: string, restartCount: number): RemoteChild {
    this.untrack(this.childrenByNode, old.node, old);
    const next = this.startChild(old.parent, node, old.spec, old.placement, restartCount);
    next.backoffAttempt = old.backoffAttempt;
    next.terminationWaiters = old.terminationWaiters; // a pending system.stop waits for the new incarnation
    old.terminationWaiters = null;
    return next;
  }

  /** Where to restart a child whose runtime was lost: the same node if it is (being) replaced, else per its placement. */
  relocate(child: RemoteChild): string | undefined {
    if (this.host.nodeIsUp(child.node)) return child.node;
    if (child.placement === undefined) return undefined;
    try {
      const node = this.host.placementNode(child.placement, child.spec.behaviour);
      return node === undefined || !this.host.nodeIsUp(node) ? undefined : node;
    } catch {
      return undefined; // the placement cannot be met any more (e.g. its node is gone)
    }
  }

  /** Give up on every remote child (shutdown could not reach them in time): they terminate as lost. */
  abandonRemoteChildren(): void {
    for (const [node, children] of this.childrenByNode) {
      for (const child of children) child.lost = true;
      this.nodeGone(node, 'node-lost');
    }
  }

  /** Watch an actor in another runtime. */
  watch(watcher: ActorCell, ref: RemoteActorRef, custom: unknown): void {
    let m = this.remoteWatches.get(ref.address);
    if (m === undefined) this.remoteWatches.set(ref.address, (m = new Map()));
    m.set(watcher, custom);
    (watcher.remoteWatching ??= new Set()).add(ref.address);
    this.sendControl(ref.node, { c: 'watch', target: ref.path, watcher: watcher.address });
  }

  unwatch(watcher: ActorCell, address: string): void {
    const m = this.remoteWatches.get(address);
    if (m === undefined) return;
    m.delete(watcher);
    if (m.size === 0) this.remoteWatches.delete(address);
    watcher.remoteWatching?.delete(address);
    const a = parseAddress(address);
    if (a !== undefined) this.sendControl(a.node, { c: 'unwatch', target: a.path, watcher: watcher.address });
  }

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

  // ---- Inbound ------------------------------------------------------------------------------

  /** Process a batch of records from `from`. Malformed input is dropped and counted, never thrown. */
  receive(from: string, batch: unknown): void {
    if (!Array.isArray(batch)) {
      this.host.dropped('malformed-batch', `a batch from ${from} is not an array`);
      return;
    }
    const link = this.link(from);
    this.rejected = null;
    let i = 0;
    while (i < batch.length) {
      const kind = batch[i] as number;
      const size = RECORD_SIZE[kind];
      if (size === undefined || i + size > batch.length) {
        this.host.dropped(
          'malformed-record',
          `record kind ${String(kind)} from ${from} is unknown or truncated`,
        );
        return;
      }
      try {
        this.record(from, link, kind, batch, i);
      } catch (e) {
        this.host.events.publish({ kind: 'error', where: `record from ${from}`, error: serializeError(e) });
      }
      i += size;
    }
    const rejected = this.rejected as Map<string, number> | null; // filled by record()
    if (rejected !== null) {
      // Tells refused by full mailboxes are reported to the sending node (asks already fail there).
      for (const [target, count] of rejected) this.sendControl(from, { c: 'rejected', target, count });
      this.rejected = null;
    }
  }

  /** Tells refused by full mailboxes while processing the current batch, by recipient address. */
  private rejected: Map<string, number> | null = null;

  private record(from: string, link: Link, kind: Rec, b: unknown[], i: number): void {
    const problem = recordProblem(kind, b, i);
    if (problem !== undefined) {
      this.host.dropped(problem[0], `${problem[1]} (from ${from})`);
      return;
    }
    switch (kind) {
      case Rec.Tell:
      case Rec.TellRefs: {
        const msg = kind === Rec.TellRefs ? reviveRefs(b[i + 2], this.resolveFn) : b[i + 2];
        const cell = this.host.cellAt(b[i + 1] as string);
        if (cell !== undefined && !cell.enqueue(msg, undefined) && cell.status !== Status.Stopped) {
          const r = (this.rejected ??= new Map());
          r.set(cell.address, (r.get(cell.address) ?? 0) + 1);
        } else if (cell === undefined) this.deliverLocal(b[i + 1] as string, undefined, msg, undefined);
        return;
      }
      case Rec.Ask:
      case Rec.AskRefs: {
        const msg = kind === Rec.AskRefs ? reviveRefs(b[i + 2], this.resolveFn) : b[i + 2];
        this.deliverLocal(
          b[i + 1] as string,
          undefined,
          msg,
          new RemoteReply(this, link, b[i + 3] as number),
        );
        return;
      }
      case Rec.Reply:
      case Rec.ReplyRefs:
      case Rec.ReplyError: {
        const id = b[i + 1] as number;
        // Only the sender's own asks: a reply never settles an ask made to another runtime.
        const pending = this.links.get(from)?.asks.take(id);
        if (pending === undefined) {
          // A reply after its ask timed out, or one that does not belong to the sender.
          this.host.dropped('unmatched-reply', `a reply from ${from} matches no ask waiting for it`);
          return;
        }
        if (kind === Rec.ReplyError) pending.fail(reviveError(sanitizeError(b[i + 2])));
        else pending.reply(kind === Rec.ReplyRefs ? reviveRefs(b[i + 2], this.resolveFn) : b[i + 2]);
        return;
      }
      case Rec.Control:
        this.control(from, b[i + 1] as Control);
        return;
    }
  }

  private deliverLocal(
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

  private control(from: string, c: Control): void {
    switch (c.c) {
      case 'spawn':
        this.spawnHere(from, c.spec, c.parent, c.restartCount);
        return;
      case 'directive': {
        const cell = this.host.cellAt(c.path);
        if (
          cell === undefined ||
          !(cell.parentCell instanceof RemoteParent) ||
          cell.parentCell.node !== from
        ) {
          // Only an actor's own (remote) parent gives it directives.
          this.host.dropped(
            'unknown-target',
            `a directive from ${from} for ${String(c.path)}, which it does not supervise`,
          );
          return;
        }
        if (c.d !== 'resume' && c.d !== 'restart' && c.d !== 'stop') {
          this.host.dropped('malformed-control', `a directive '${String(c.d)}' from ${from}`);
          return;
        }
        if (c.d === 'resume') cell.sendSystem({ k: Sys.Resume });
        else if (c.d === 'restart')
          cell.sendSystem({ k: Sys.Restart, error: c.error ? reviveError(c.error) : undefined });
        else {
          const reason = wireReason(c.reason);
          // A parent elsewhere cannot lose its runtime on the child's behalf: those reasons are not directives.
          cell.sendSystem({
            k: Sys.Stop,
            reason: reason === 'thread-lost' || reason === 'node-lost' ? 'stopped' : reason,
            self: false,
          });
        }
        return;
      }
      case 'failed':
      case 'child-terminated': {
        const parent = this.host.cellAt(c.parent);
        const child = parent?.childCells?.get(c.child);
        if (parent === undefined || !(child instanceof RemoteChild) || child.node !== from) {
          this.host.dropped('unknown-target', `a '${c.c}' from ${from} for a child it does not host`);
          return;
        }
        if (c.c === 'failed') parent.sendSystem({ k: Sys.Failed, child, error: reviveError(c.error) });
        else {
          this.untrack(this.childrenByNode, from, child);
          parent.sendSystem({
            k: Sys.ChildTerminated,
            child,
            reason: wireReason(c.reason),
            self: c.self === true,
          });
        }
        return;
      }
      case 'watch': {
        const cell = this.host.cellAt(c.target);
        if (cell === undefined || cell.status === Status.Stopped) {
          const target = formatAddress({ system: this.host.name, node: this.host.nodeId, path: c.target });
          this.sendOrdered(from, { c: 'terminated', target, watcher: c.watcher, reason: 'stopped' });
          return;
        }
        cell.addWatcher(new RemoteWatcher(this, from, c.watcher), undefined);
        return;
      }
      case 'unwatch': {
        const cell = this.host.cellAt(c.target);
        if (cell === undefined)
          this.host.dropped('unknown-target', `an unwatch from ${from} for ${String(c.target)}`);
        else cell.removeRemoteWatcher(c.watcher);
        return;
      }
      case 'terminated':
        this.deliverTerminated(c.target, c.watcher, wireReason(c.reason));
        return;
      case 'rejected':
        if (typeof c.target !== 'string' || !Number.isInteger(c.count) || c.count < 1) {
          this.host.dropped('malformed-control', `a rejected notice from ${from}`);
          return;
        }
        this.host.rejectedByPeer(c.target, c.count);
        return;
      case 'node-down':
        // Only this process's main thread says which runtimes are lost (never the network).
        if (from !== this.mainNode) {
          this.host.dropped('forbidden-control', `a node-down from ${from}`);
          return;
        }
        if (c.reason === 'node-lost')
          this.nodeDown(c.node, c.detail, new NodeLostError(c.node, c.detail), 'node-lost');
        else this.nodeDown(c.node, c.detail, new ThreadLostError(c.node, c.detail), 'thread-lost');
        return;
      case 'shutdown':
        return;
      default:
        this.host.dropped('unknown-control', `control '${String((c as { c: unknown }).c)}' from ${from}`);
    }
  }

  private spawnHere(from: string, spec: SpawnSpec, parentAddress: string, restartCount: number): void {
    const host = this.host;
    if (
      typeof spec !== 'object' ||
      spec === null ||
      typeof spec.behaviour !== 'string' ||
      typeof spec.name !== 'string' ||
      typeof spec.path !== 'string' ||
      typeof parentAddress !== 'string' ||
      parseAddress(`troupe://${host.name}/${host.nodeId}/${spec.path}`) === undefined ||
      typeof spec.mailbox !== 'object' ||
      spec.mailbox === null
    ) {
      host.dropped('malformed-spawn', `a spawn request from ${from} is malformed`);
      return;
    }
    const parentRef = this.resolve(parentAddress);
    const parent = new RemoteParent(this, parentRef as RemoteActorRef);
    const fail = (error: Error) =>
      this.sendControl(from, {
        c: 'failed',
        parent: (parentRef as RemoteActorRef).path,
        child: spec.name,
        error: serializeError(error),
      });
    const behaviour = host.catalog.get(spec.behaviour);
    if (behaviour === undefined) {
      host.dropped(
        'unknown-behaviour',
        `a spawn request from ${from} for '${spec.behaviour}', which is not in this node's catalog`,
      );
      fail(this.unknownBehaviour(from, spec.behaviour));
      return;
    }
    if (host.cellAt(spec.path) !== undefined) {
      fail(new DuplicateNameError(`an actor already lives at ${spec.path} on ${host.nodeId}`));
      return;
    }
    const args = spec.argsHaveRefs ? reviveRefs(spec.args, this.resolveFn) : spec.args;
    const cell = new ActorCell(
      host,
      parent,
      behaviour,
      args,
      spec.name,
      spec.path,
      wireMailbox(spec.mailbox),
      spec.restart === 'permanent' || spec.restart === 'temporary' ? spec.restart : 'transient',
    );
    cell.restartCount = typeof restartCount === 'number' ? restartCount : 0;
    this.track(this.orphansByNode, from, cell);
    host.register(cell);
    cell.requestStart();
  }

  /**
   * The error for a spawn request from `from` for a behaviour this runtime's catalog lacks, as the
   * requester sees it: for a runtime of another process, a node (whose `--catalog` is the fix).
   */
  private unknownBehaviour(from: string, behaviour: string): UnknownBehaviourError {
    const host = this.host;
    const names = host.catalog.names();
    const proc = host.mainNodeId;
    const thread = host.nodeId !== proc;
    if (processNodeOf(from) !== proc) {
      const where = thread ? `worker thread ${host.nodeId} of node ${proc}` : `node ${proc}`;
      return new UnknownBehaviourError(behaviour, where, names, 'node');
    }
    return thread
      ? new UnknownBehaviourError(behaviour, `worker thread ${host.nodeId}`, names, 'thread')
      : new UnknownBehaviourError(behaviour, `node ${proc} (this process)`, names);
  }

  private deliverTerminated(target: string, watcherAddress: string, reason: TerminationReason): void {
    const watchers = this.remoteWatches.get(target);
    if (watchers === undefined) {
      if (watcherAddress !== '')
        this.host.dropped(
          'unknown-target',
          `a terminated notice for ${String(target)}, which nobody here watches`,
        );
      return;
    }
    const w = parseAddress(watcherAddress);
    for (const [cell, custom] of watchers) {
      if (w !== undefined && cell.path !== w.path) continue;
      watchers.delete(cell);
      cell.remoteWatching?.delete(target);
      // Death-watch notifications are not dropped by a full bounded mailbox (as for local watches).
      cell.enqueue(
        custom ?? { type: 'troupe.terminated', actor: this.resolve(target), reason },
        undefined,
        true,
      );
    }
    if (watchers.size === 0) this.remoteWatches.delete(target);
  }

  /** A cell here terminated: forget its remote watches and its orphan tracking. */
  cellTerminated(cell: ActorCell): void {
    if (cell.remoteWatching !== null) {
      for (const address of [...cell.remoteWatching]) this.unwatch(cell, address);
    }
    if (cell.parentCell instanceof RemoteParent) {
      this.untrack(this.orphansByNode, (cell.parentCell.ref as RemoteActorRef).node, cell);
    }
  }

  // ---- Loss of a runtime --------------------------------------------------------------------

  /**
   * `node` is gone: reject asks to it, fail its actors to their supervisors here, tell watchers,
   * and stop the actors here whose parent lived there.
   */
  nodeDown(node: string, detail: string, error?: Error, reason: TerminationReason = 'thread-lost'): void {
    if (reason === 'node-lost' && error !== undefined) this.downNodes.set(node, error);
    const link = this.links.get(node);
    if (link !== undefined) {
      link.detach(); // what was queued for the lost runtime is dropped (at-most-once)
      // A node on the network keeps its network port (NATS drops what nobody receives); a thread's
      // link waits for the replacement thread.
      const port = this.defaultPort?.(node);
      if (port !== undefined) link.attach(port);
    }
    const err = error ?? new ActorStoppedError(node, `its runtime was lost (${detail})`);
    const children = this.childrenByNode.get(node);
    // Whoever routes to these children (a pool) hears of the loss before the asks to them fail,
    // so a failed ask is never sent straight back to the lost runtime.
    if (children !== undefined) {
      for (const child of children) {
        child.lost = true;
        child.lostReason = reason;
        child.lostError = err;
        if (child.parent.childCells?.get(child.name) === child) child.parent.childListener?.(child, 'lost');
      }
    }
    const failing = link?.asks.drain() ?? [];
    for (const a of failing) a.fail(err); // after the sweep: a failure may start new asks
    if (children !== undefined) {
      this.childrenByNode.delete(node);
      for (const child of children) {
        const parent = child.parent;
        if (parent.childCells?.get(child.name) !== child) continue;
        if (parent.status >= Status.Restarting || child.stopRequested) {
          // Being stopped (or its parent is): a lost runtime ends it, nothing restarts it.
          parent.sendSystem({ k: Sys.ChildTerminated, child, reason, self: false });
        } else {
          this.track(this.childrenByNode, node, child); // it may be restarted on the replacement
          parent.sendSystem({ k: Sys.Failed, child, error: err });
        }
      }
    }
    const prefix = `troupe://${this.host.name}/${node}/`;
    for (const target of [...this.remoteWatches.keys()]) {
      if (target.startsWith(prefix)) this.deliverTerminated(target, '', reason);
    }
    const orphans = this.orphansByNode.get(node);
    if (orphans !== undefined) {
      this.orphansByNode.delete(node);
      for (const cell of orphans) cell.sendSystem({ k: Sys.Stop, reason: 'orphaned', self: false });
    }
  }

  /** `node` will not come back: its lost children terminate for good. */
  nodeGone(node: string, reason: TerminationReason = 'thread-lost'): void {
    const link = this.links.get(node);
    if (link !== undefined) {
      link.detach();
      link.open = false;
    }
    const children = this.childrenByNode.get(node);
    if (children === undefined) return;
    this.childrenByNode.delete(node);
    for (const child of children) {
      if (child.lost) child.parent.sendSystem({ k: Sys.ChildTerminated, child, reason, self: false });
    }
  }

  /** Reject every remote ask (the system shuts down). */
  rejectAll(error: Error): void {
    for (const link of this.links.values()) for (const a of link.asks.drain()) a.fail(error);
  }

  /** A batch could not be posted: retry record by record and report the ones that fail, at their senders. */
  private postFailed(node: string, batch: unknown[], error: unknown): void {
    const link = this.links.get(node);
    this.refuseRecords(node, batch, error, (record) => link?.postRaw(record), undefined);
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
    this.refuseRecords(to, batch, error, send, answerThread);
  }

  /**
   * Send `batch` record by record with `send`; report each record that cannot go to `node` at
   * its sender: an ask here rejects (or, for a thread's ask, `asker` gets a reply error), a tell
   * is a dead letter, a reply becomes an error reply, a spawn fails the child to its parent.
   * (Tells and spawns from a thread are reported here, on the main thread.)
   */
  private refuseRecords(
    node: string,
    batch: unknown[],
    error: unknown,
    send: (record: unknown[]) => void,
    answerThread: ((records: unknown[]) => void) | undefined,
  ): void {
    let i = 0;
    while (i < batch.length) {
      const kind = batch[i] as Rec;
      const size = RECORD_SIZE[kind] ?? batch.length - i;
      const record = batch.slice(i, i + size);
      i += size;
      try {
        send(record);
        continue;
      } catch (e) {
        error = e;
      }
      const cause =
        error instanceof PayloadTooLargeError || error instanceof UnserializableMessageError
          ? error
          : new UnserializableMessageError(
              `a message to ${node} could not be cloned (${(error as Error)?.message ?? error}); send plain data and actor refs`,
            );
      if (kind === Rec.Ask || kind === Rec.AskRefs) {
        const id = record[3] as number;
        if (answerThread !== undefined) {
          // The asker is a thread: its ask waits for a reply from `node`, so the error comes as one.
          answerThread([Rec.ReplyError, id, serializeError(cause)]);
          continue;
        }
        this.links.get(node)?.asks.take(id)?.fail(cause);
      } else if (kind === Rec.Tell || kind === Rec.TellRefs) {
        this.host.deadLetter(
          formatAddress({ system: this.host.name, node, path: String(record[1]) }),
          record[2],
          'unserializable',
        );
        this.host.events.publish({ kind: 'error', where: `tell to ${node}`, error: serializeError(cause) });
      } else if (kind === Rec.Reply || kind === Rec.ReplyRefs) {
        try {
          send([Rec.ReplyError, record[1], serializeError(cause)]);
        } catch {
          /* the link is gone */
        }
      } else if (kind === Rec.Control) {
        this.controlFailed(node, record[1] as Control, cause);
      }
    }
  }

  /** A control record could not be sent: a spawn fails the child to its parent here, others are reported. */
  private controlFailed(node: string, c: Control, cause: Error): void {
    this.host.events.publish({ kind: 'error', where: `${c.c} to ${node}`, error: serializeError(cause) });
    if (c.c !== 'spawn') return;
    const parent = this.host.cellAt(c.parent);
    const child = parent?.childCells?.get(c.spec.name);
    if (parent !== undefined && child instanceof RemoteChild && child.node === node) {
      child.lost = true; // it never started: a restart spawns it again (and fails again, up to the restart intensity)
      parent.sendSystem({ k: Sys.Failed, child, error: cause });
    }
  }

  private track<T>(map: Map<string, Set<T>>, node: string, item: T): void {
    let s = map.get(node);
    if (s === undefined) map.set(node, (s = new Set()));
    s.add(item);
  }

  private untrack<T>(map: Map<string, Set<T>>, node: string, item: T): void {
    const s = map.get(node);
    if (s === undefined) return;
    s.delete(item);
    if (s.size === 0) map.delete(node);
  }
}

/** Ask ids are whole numbers from 1 up (per link, see `AskTable.add`). */
function isAskId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** Why a record is malformed ([cause, detail]), or undefined. Input from other runtimes is untrusted. */
function recordProblem(kind: Rec, b: unknown[], i: number): [string, string] | undefined {
  const first = b[i + 1];
  if (kind <= Rec.AskRefs && typeof first !== 'string') return ['malformed-record', 'a path is not a string'];
  if ((kind === Rec.Ask || kind === Rec.AskRefs) && !isAskId(b[i + 3])) {
    return ['malformed-record', 'an ask id is not a whole number > 0'];
  }
  if (kind >= Rec.Reply && kind <= Rec.ReplyError && !isAskId(first)) {
    return ['malformed-record', 'a reply id is not a whole number > 0'];
  }
  if (
    kind === Rec.Control &&
    (typeof first !== 'object' || first === null || typeof (first as Control).c !== 'string')
  ) {
    return ['malformed-control', 'a control record has no kind'];
  }
  return undefined;
}

const POLICIES = new Set(['dropNewest', 'dropOldest', 'reject']);

/** Mailbox options from the wire (untrusted; JSON turns Infinity into null): anything odd means unbounded. */
function wireMailbox(m: { capacity?: unknown; overflow?: unknown }): Required<MailboxOptions> {
  const capacity =
    typeof m.capacity === 'number' && Number.isInteger(m.capacity) && m.capacity >= 1
      ? m.capacity
      : Number.POSITIVE_INFINITY;
  const overflow =
    typeof m.overflow === 'string' && POLICIES.has(m.overflow)
      ? (m.overflow as Required<MailboxOptions>['overflow'])
      : 'dropNewest';
  return { capacity, overflow };
}

/** A serialized error from the wire (untrusted): keep only well-typed fields. */
function sanitizeError(e: unknown, depth = 0): SerializedError {
  const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
  const out: { name: string; message: string; stack?: string; cause?: SerializedError } = {
    name: typeof o.name === 'string' ? o.name.slice(0, 200) : 'RemoteError',
    message: typeof o.message === 'string' ? o.message : 'an error from another runtime',
  };
  if (typeof o.stack === 'string') out.stack = o.stack;
  if (o.cause !== undefined && depth < 8) out.cause = sanitizeError(o.cause, depth + 1);
  return out;
}
