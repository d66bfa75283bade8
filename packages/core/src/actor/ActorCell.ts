/**
 * The actor cell: one actor — its mailbox, state and lifecycle — as its behaviour sees it. This
 * file is the top of the cell's layers (see `CellBase.ts`): the `ActorContext` that `receive`
 * gets (self, parent, reply, timers, spawn, stop, watch), death watch (each kind of ref knows how
 * to be watched: `RefBase.watchedBy`, so this file never asks what kind of ref it holds), and
 * spawning children here or, through `system.remote`, in another runtime.
 * Owns: the context API, the watch tables, the children's creation. May not touch: other
 * runtimes (it reaches them only through `CellHost.remote`), supervision decisions.
 * @internal
 */
import { validateName } from '../address.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { ActorContext, Behaviour, Timers } from '../api/ActorSystem.js';
import type { SpawnOptions } from '../api/options.js';
import type { TerminationReason } from '../api/terminated.js';
import {
  ActorStoppedError,
  DuplicateNameError,
  InvalidOptionsError,
  ReplyOutsideAskError,
  SystemShutdownError,
} from '../errors.js';
import { type ChildHandle, type Supervisor, Sys } from '../supervision/handles.js';
import type { ReplyTarget } from './ask.js';
import { summarize } from './ask.js';
import { STOP_WHEN_REACHED, Status } from './CellBase.js';
import type { CellHost } from './CellHost.js';
import { CellLifecycle } from './CellLifecycle.js';
import type { LocalActorRef } from './LocalActorRef.js';
import { RefBase } from './RefBase.js';
import { checkSpawnOptions, resolveBehaviour } from './spawnOptions.js';
import { ActorTimers } from './Timers.js';
import type { Watched, Watcher, WatchingCell } from './Watcher.js';

/** The cell behind a local ref: every local ref of this runtime points at an actor cell. */
export function cellOf(ref: LocalActorRef): ActorCell {
  return ref.cell as ActorCell;
}

/** The system as a cell sees it (see {@link CellHost}). */
export type CellSystem = CellHost<ActorCell>;

export class ActorCell
  extends CellLifecycle
  implements ActorContext, ChildHandle, Supervisor, Watched, WatchingCell
{
  declare readonly system: CellSystem;

  // ---- ActorContext -------------------------------------------------------------------------

  get self(): ActorRef {
    return this.ref;
  }

  get parent(): ActorRef<never> {
    return (this.parentCell ?? this).ref;
  }

  get isAsk(): boolean {
    return this.currentReply !== undefined;
  }

  /** Take over the reply of the current ask (to answer it later, e.g. after routing it on). */
  detachReply(): ReplyTarget | undefined {
    const r = this.currentReply;
    this.currentReply = undefined;
    return r;
  }

  forward(ref: ActorRef, message: unknown): void {
    const reply = this.detachReply();
    if (reply === undefined) {
      ref.tell(message);
      return;
    }
    // Local and remote refs hand the asker's reply target on (no promise, no second timer); any
    // other kind answers through an ask of its own.
    const direct = ref as unknown as { askInto?: (m: unknown, target: ReplyTarget) => number };
    if (typeof direct.askInto === 'function') direct.askInto(message, reply);
    else
      ref.ask(message).then(
        (v) => reply.reply(v),
        (e: unknown) => reply.fail(e),
      );
  }

  get children(): readonly ActorRef[] {
    return this.childCells === null ? [] : [...this.childCells.values()].map((c) => c.ref);
  }

  get timers(): Timers<unknown> {
    return (this.x.timers ??= new ActorTimers(this.system.clock, (m) => this.enqueue(m, undefined)));
  }

  reply(value: unknown): void {
    const r = this.currentReply;
    if (r === undefined) throw new ReplyOutsideAskError(this.address, summarize(this.currentMessage));
    r.reply(value);
  }

  spawn<M, S, A, R>(
    behaviour: Behaviour<M, S, A, R> | string,
    args?: A,
    options?: SpawnOptions,
  ): ActorRef<M, R> {
    return this.spawnChild(behaviour, args, options) as ActorRef<M, R>;
  }

  stop(ref: ActorRef, options?: { readonly drain?: boolean }): void {
    const self = ref === this.ref || ref?.address === this.address;
    const target = self ? this : this.childCells?.get(ref?.name);
    if (target === undefined || target.address !== ref.address) {
      throw new InvalidOptionsError(
        `ctx.stop(${ref.address}): an actor can stop only itself and its own children; ask the actor's parent to stop it, or send it a message`,
      );
    }
    if (options?.drain === true) {
      if (!(target instanceof ActorCell))
        throw new InvalidOptionsError(
          `ctx.stop(${ref.address}, { drain: true }): the actor runs in another runtime (a thread or a node); stop it without drain, or have it stop itself`,
        );
      // In line behind the queued messages; a mailbox too full to take it stops the actor now.
      if (target.enqueue(STOP_WHEN_REACHED, undefined)) return;
    }
    target.sendSystem({ k: Sys.Stop, reason: 'stopped', self });
  }

  watch(ref: ActorRef, message?: unknown): void {
    // Every kind of ref knows how to be watched (a local cell, an actor in another runtime).
    if (!(ref instanceof RefBase))
      throw new InvalidOptionsError(`ctx.watch(${String(ref?.address)}): not an actor ref`);
    ref.watchedBy(this, message);
  }

  unwatch(ref: ActorRef): void {
    if (ref instanceof RefBase) ref.unwatchedBy(this);
  }

  /** Register a watcher (a cell here, or a proxy for one elsewhere). */
  addWatcher(w: Watcher, message: unknown): void {
    (this.watchers ??= new Map()).set(w, message);
  }

  /** `w` watches this cell: register it, or notify it at once if this cell already stopped. */
  acceptWatch(w: WatchingCell, message: unknown): void {
    if (w === this) return;
    if (this.status === Status.Stopped) {
      w.enqueue(message ?? this.terminatedMessage(this.stopReason), undefined, true);
      return;
    }
    this.addWatcher(w, message);
    (w.watching ??= new Set()).add(this);
  }

  /** `w` no longer watches this cell. */
  dropWatch(w: WatchingCell): void {
    this.forgetWatcher(w);
    w.watching?.delete(this);
  }

  /** Forget the watcher in another runtime whose address this is (an `unwatch` from there). */
  removeRemoteWatcher(watcherAddress: string): void {
    if (this.watchers === null) return;
    for (const w of this.watchers.keys()) if (w.address === watcherAddress) this.watchers.delete(w);
  }

  /** Called on a watcher when a watched actor terminates. */
  notifyTerminated(target: Watched, custom: unknown, reason: TerminationReason): void {
    this.watching?.delete(target);
    // Death-watch notifications are not dropped by a full bounded mailbox.
    this.enqueue(custom ?? target.terminatedMessage(reason), undefined, true);
  }

  // ---- Spawning -----------------------------------------------------------------------------

  spawnChild(
    behaviourOrName: Behaviour | string,
    args: unknown,
    options: SpawnOptions | undefined,
  ): ActorRef {
    const sys = this.system;
    if (sys.isShutdown) throw new SystemShutdownError(sys.name, 'cannot spawn new actors');
    if (this.status >= Status.Stopping) {
      throw new ActorStoppedError(this.address, 'it is stopping, so it cannot spawn children');
    }
    const behaviour = resolveBehaviour(sys, behaviourOrName);
    const opts = checkSpawnOptions(options);
    const name = opts.name === undefined ? `$${sys.nextId()}` : validateName(opts.name, 'actor name');
    const children = (this.childCells ??= new Map());
    if (children.has(name)) {
      throw new DuplicateNameError(
        `an actor named '${name}' already exists under ${this.path}; choose another name or stop the existing actor first`,
      );
    }
    const node = opts.placement === undefined ? undefined : sys.placementNode(opts.placement, behaviour);
    if (node !== undefined && node !== sys.nodeId) {
      return sys.remote!.spawn(this, node, behaviour, args, name, opts.mailbox, opts.restart, opts.placement)
        .ref;
    }
    const cell = new ActorCell(
      sys,
      this,
      behaviour,
      args,
      name,
      `${this.path}/${name}`,
      opts.mailbox,
      opts.restart,
    );
    this.adoptChild(cell);
    return cell.ref;
  }

  /** A fresh incarnation of this (terminated) actor with the same name and arguments, under the same parent. */
  respawn(): ChildHandle {
    const parent = this.parentCell;
    if (!(parent instanceof ActorCell))
      throw new Error('respawn(): the parent of a local actor must be local');
    const cell = new ActorCell(
      this.system,
      parent,
      this.behaviour,
      this.args,
      this.name,
      this.path,
      this.mailboxOptions,
      this.restartType,
    );
    cell.restartCount = this.restartCount + 1;
    cell.backoffAttempt = this.backoffAttempt;
    parent.adoptChild(cell);
    return cell;
  }

  /** Register a new child (local cell or proxy) and start it. */
  adoptChild(child: ChildHandle): void {
    (this.childCells ??= new Map()).set(child.name, child);
    if (child instanceof ActorCell) {
      this.system.register(child);
      child.requestStart();
    }
    this.childListener?.(child, 'started');
  }
}
