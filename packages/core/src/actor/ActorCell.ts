/**
 * The actor cell: one actor's mailbox, state and lifecycle. It processes one message at a time
 * (async handlers included), lets system messages overtake user messages, and reports failures
 * to its parent, which decides through the supervision module.
 * @internal
 */
import { formatAddress, validateName } from '../address.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { ActorContext, Behaviour, Timers } from '../api/ActorSystem.js';
import { isBehaviour } from '../api/ActorSystem.js';
import type { MailboxOptions, Placement, SpawnOptions } from '../api/options.js';
import type { RestartType } from '../api/supervision.js';
import type { Terminated, TerminationReason } from '../api/terminated.js';
import type { Dispatcher, Runnable } from '../dispatch/Dispatcher.js';
import {
  ActorFailedError,
  ActorStoppedError,
  DuplicateNameError,
  InvalidOptionsError,
  MailboxFullError,
  ReplyOutsideAskError,
  SystemShutdownError,
  serializeError,
} from '../errors.js';
import { Mailbox, Offer } from '../mailbox/Mailbox.js';
import { RingBuffer } from '../mailbox/RingBuffer.js';
import {
  type ChildHandle,
  type ParentHandle,
  type Supervisor,
  Sys,
  type SystemMessage,
} from '../supervision/handles.js';
import { onChildFailed, onChildTerminated } from '../supervision/supervise.js';
import type { ReplyTarget } from './ask.js';
import { summarize } from './ask.js';
import type { CellHost } from './CellHost.js';
import { LocalActorRef } from './LocalActorRef.js';
import { RefBase } from './RefBase.js';
import { ActorTimers } from './Timers.js';
import type { Watched, Watcher, WatchingCell } from './Watcher.js';

/** Lifecycle status of a cell. Order matters: comparisons such as `>= Stopping` are used. */
export enum Status {
  Starting = 0,
  Running = 1,
  Suspended = 2,
  Restarting = 3,
  Stopping = 4,
  Stopped = 5,
}

const UNBOUNDED: Required<MailboxOptions> = { capacity: Number.POSITIVE_INFINITY, overflow: 'dropNewest' };
const SPAWN_KEYS = new Set(['name', 'mailbox', 'restart', 'placement']);
const RESTART_TYPES = new Set(['permanent', 'transient', 'temporary']);
const POLICIES = new Set(['dropNewest', 'dropOldest', 'reject']);

/** What {@link ActorCell.childListener} hears: a child started (or restarted in place), lost its runtime, or is gone for good. */
export type ChildEvent = 'started' | 'lost' | 'removed';

/** The cell behind a local ref: every local ref of this runtime points at an actor cell. */
export function cellOf(ref: LocalActorRef): ActorCell {
  return ref.cell as ActorCell;
}

/** The system as a cell sees it (see {@link CellHost}). */
export type CellSystem = CellHost<ActorCell>;

export class ActorCell implements ActorContext, Runnable, ChildHandle, Supervisor, Watched, WatchingCell {
  scheduled = false;
  /** Start requested (see {@link requestStart}); runs before any queued system message. */
  private startPending = false;
  /** An async init/receive/hook is in flight: nothing else runs until it settles. */
  busy = false;
  status = Status.Starting;
  state: unknown = undefined;
  restartCount = 0;
  readonly ref: LocalActorRef;
  private mailbox: Mailbox | null = null;
  /** System messages (rare, but a guardian stopping 1M children gets 1M of them: a ring, never Array#shift). */
  private sys: RingBuffer<SystemMessage> | null = null;
  /** Children by name, in start order. */
  childCells: Map<string, ChildHandle> | null = null;
  private currentMessage: unknown = undefined;
  private currentReply: ReplyTarget | undefined = undefined;
  private initialized = false;
  private addressCache: string | undefined;
  /** State most actors never need, allocated on first use: a million idle actors stay small. */
  private aux: CellAux | null = null;

  private get x(): CellAux {
    return (this.aux ??= new CellAux());
  }

  // ---- Rarely used state, kept in `aux` -----------------------------------------------------

  private get watchers(): Map<Watcher, unknown> | null {
    return this.aux === null ? null : this.aux.watchers;
  }
  private set watchers(v: Map<Watcher, unknown> | null) {
    if (v !== null || this.aux !== null) this.x.watchers = v;
  }
  get watching(): Set<Watched> | null {
    return this.aux === null ? null : this.aux.watching;
  }
  set watching(v: Set<Watched> | null) {
    if (v !== null || this.aux !== null) this.x.watching = v;
  }
  /** Addresses of actors in other runtimes this actor watches. */
  get remoteWatching(): Set<string> | null {
    return this.aux === null ? null : this.aux.remoteWatching;
  }
  set remoteWatching(v: Set<string> | null) {
    if (v !== null || this.aux !== null) this.x.remoteWatching = v;
  }
  private get timersImpl(): ActorTimers<unknown> | null {
    return this.aux === null ? null : this.aux.timers;
  }
  private get stopReason(): TerminationReason {
    return this.aux === null ? 'stopped' : this.aux.stopReason;
  }
  private get stopSelf(): boolean {
    return this.aux?.stopSelf === true;
  }
  /** Internal callbacks run once the cell has terminated (used by `system.stop`). */
  get terminationWaiters(): (() => void)[] | null {
    return this.aux === null ? null : this.aux.terminationWaiters;
  }
  set terminationWaiters(v: (() => void)[] | null) {
    if (v !== null || this.aux !== null) this.x.terminationWaiters = v;
  }
  /**
   * Internal: told when a child (re)starts, loses its runtime, or is removed for good. A pool
   * keeps its routee list current with it: a routee restarted on a replacement thread or
   * relocated to another node is routed to again, one whose runtime is down is skipped meanwhile.
   */
  get childListener(): ((child: ChildHandle, event: ChildEvent) => void) | null {
    return this.aux === null ? null : this.aux.childListener;
  }
  set childListener(v: ((child: ChildHandle, event: ChildEvent) => void) | null) {
    if (v !== null || this.aux !== null) this.x.childListener = v;
  }

  // Supervision bookkeeping: as a child (backoff), and as a supervisor (restart intensity).
  get backoffAttempt(): number {
    return this.aux === null ? 0 : this.aux.backoffAttempt;
  }
  set backoffAttempt(v: number) {
    if (v !== 0 || this.aux !== null) this.x.backoffAttempt = v;
  }
  /** When this incarnation started; recorded from the first restart on (before it, a backoff has nothing to reset). */
  get startedAt(): number {
    return this.aux === null ? 0 : this.aux.startedAt;
  }
  set startedAt(v: number) {
    this.x.startedAt = v;
  }
  get restartTimer(): unknown {
    return this.aux === null ? undefined : this.aux.restartTimer;
  }
  set restartTimer(v: unknown) {
    if (v !== undefined || this.aux !== null) this.x.restartTimer = v;
  }
  get restartLog(): number[] | null {
    return this.aux === null ? null : this.aux.restartLog;
  }
  set restartLog(v: number[] | null) {
    if (v !== null || this.aux !== null) this.x.restartLog = v;
  }

  constructor(
    readonly system: CellSystem,
    readonly parentCell: ParentHandle | null,
    readonly behaviour: Behaviour,
    readonly args: unknown,
    readonly name: string,
    readonly path: string,
    readonly mailboxOptions: Required<MailboxOptions>,
    readonly restartType: RestartType,
  ) {
    this.ref = new LocalActorRef(this);
  }

  /** False while this cell restarts or stops: its children's reports are moot then (see Supervisor). */
  get supervising(): boolean {
    return this.status < Status.Restarting;
  }

  // ---- ActorContext -------------------------------------------------------------------------

  get self(): ActorRef {
    return this.ref;
  }

  get parent(): ActorRef<never> {
    return (this.parentCell ?? this).ref;
  }

  get address(): string {
    return (this.addressCache ??= formatAddress({
      system: this.system.name,
      node: this.system.nodeId,
      path: this.path,
    }));
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

  stop(ref: ActorRef): void {
    if (ref === this.ref || ref?.address === this.address) {
      this.sendSystem({ k: Sys.Stop, reason: 'stopped', self: true });
      return;
    }
    const target = this.childCells?.get(ref?.name);
    if (target === undefined || target.address !== ref.address) {
      throw new InvalidOptionsError(
        `ctx.stop(${ref.address}): an actor can stop only itself and its own children; ask the actor's parent to stop it, or send it a message`,
      );
    }
    target.sendSystem({ k: Sys.Stop, reason: 'stopped', self: false });
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

  /** Forget a watcher (it unwatched, or it terminated first). */
  forgetWatcher(w: Watcher): void {
    this.watchers?.delete(w);
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

  /** Forget a child for good (it terminated and is not replaced). */
  removeChild(child: ChildHandle): void {
    if (this.childCells?.get(child.name) !== child) return;
    this.childCells.delete(child.name);
    this.childListener?.(child, 'removed');
    // A proxy for a child elsewhere: whoever waits for it to stop learns it now.
    if (!(child instanceof ActorCell) && child.terminationWaiters != null) {
      const waiters = child.terminationWaiters;
      child.terminationWaiters = null;
      for (const w of waiters) w();
    }
  }

  // ---- Message intake -----------------------------------------------------------------------

  /** Put a message in the mailbox; returns false if this message was not accepted (full mailbox, stopped actor). */
  enqueue(message: unknown, reply: ReplyTarget | undefined, force = false): boolean {
    if (this.status === Status.Stopped) {
      // A ref names a path: if a new incarnation lives there (a permanent child started again), it gets the message.
      const next = this.system.cellAt(this.path);
      if (next !== undefined && next !== this) return next.enqueue(message, reply, force);
      this.system.deadLetter(this.address, message, this.system.isShutdown ? 'shutdown' : 'stopped');
      reply?.fail(this.stoppedError());
      return false;
    }
    const mb = (this.mailbox ??= new Mailbox(this.mailboxOptions.capacity, this.mailboxOptions.overflow));
    const outcome = mb.offer(message, reply, force);
    if (outcome !== Offer.Accepted) this.overflowed(outcome, mb, message, reply);
    if (!this.scheduled && !this.busy && this.status === Status.Running)
      this.system.dispatcher.schedule(this);
    return outcome === Offer.Accepted || outcome === Offer.DroppedOldest;
  }

  private overflowed(outcome: Offer, mb: Mailbox, message: unknown, reply: ReplyTarget | undefined): void {
    if (outcome === Offer.DroppedOldest) {
      this.system.deadLetter(this.address, mb.evictedMessage, 'mailbox-full');
      mb.evictedMessage = mb.evictedReply = undefined;
      return;
    }
    this.system.deadLetter(this.address, message, 'mailbox-full');
    if (outcome === Offer.Rejected) reply?.fail(new MailboxFullError(this.address, mb.capacity));
  }

  /**
   * Start the actor on its first turn. Start is always a cell's first system message, so it is a
   * flag rather than a queued message: a million idle actors then hold no system queue at all.
   */
  requestStart(): void {
    if (this.status !== Status.Starting) return;
    this.startPending = true;
    if (!this.scheduled && !this.busy) this.system.dispatcher.schedule(this);
  }

  sendSystem(m: SystemMessage): void {
    if (this.status === Status.Stopped) return;
    (this.sys ??= new RingBuffer<SystemMessage>(4)).push(m);
    if (!this.scheduled && !this.busy) this.system.dispatcher.schedule(this);
  }

  // ---- Processing ---------------------------------------------------------------------------

  run(d: Dispatcher): void {
    if (this.busy) return;
    if (this.startPending) {
      this.startPending = false;
      this.start();
      if (this.busy) return;
    }
    const sys = this.sys;
    if (sys !== null && !sys.isEmpty()) {
      while (!sys.isEmpty()) {
        this.handleSystem(sys.shift()!);
        if (this.busy) return;
      }
    }
    if (this.status !== Status.Running) return;
    const mb = this.mailbox;
    if (mb === null) return;
    const behaviour = this.behaviour;
    for (let i = d.throughput; i > 0; i--) {
      if (mb.isEmpty()) return;
      const message = mb.take();
      const reply = mb.lastReply as ReplyTarget | undefined;
      this.currentMessage = message;
      this.currentReply = reply;
      let result: unknown;
      try {
        result = behaviour.receive(this, this.state, message);
      } catch (e) {
        this.receiveFailed(e);
        return;
      }
      if (result !== undefined) {
        if (result instanceof Promise) {
          this.busy = true;
          result.then(
            (this.x.asyncDone ??= (v) => this.asyncReceiveDone(v)),
            (this.x.asyncFail ??= (e) => this.asyncReceiveFailed(e)),
          );
          return;
        }
        this.state = result;
      }
      this.currentMessage = undefined;
      this.currentReply = undefined;
      this.system.processed++;
      if (this.sys !== null && !this.sys.isEmpty()) break;
      if (d.shouldYield()) break;
    }
    this.kick();
  }

  /** Schedule the cell if it has runnable work and is not scheduled or busy. */
  private kick(): void {
    if (this.scheduled || this.busy || this.status === Status.Stopped) return;
    const hasSys = this.startPending || (this.sys !== null && !this.sys.isEmpty());
    const hasUser = this.status === Status.Running && this.mailbox !== null && !this.mailbox.isEmpty();
    if (hasSys || hasUser) this.system.dispatcher.schedule(this);
  }

  private asyncReceiveDone(v: unknown): void {
    this.busy = false;
    if (v !== undefined) this.state = v;
    this.currentMessage = undefined;
    this.currentReply = undefined;
    this.system.processed++;
    this.kick();
  }

  private asyncReceiveFailed(e: unknown): void {
    this.busy = false;
    this.receiveFailed(e);
    this.kick();
  }

  private receiveFailed(error: unknown): void {
    const message = this.currentMessage;
    const reply = this.currentReply;
    this.currentMessage = undefined;
    this.currentReply = undefined;
    this.system.deadLetter(this.address, message, 'failed');
    reply?.fail(new ActorFailedError(this.address, summarize(message), error));
    this.fail(error);
  }

  /** Suspend and report the failure to the parent (or, for the root guardian, to the system). */
  fail(error: unknown): void {
    if (this.status >= Status.Stopping) return;
    this.status = Status.Suspended;
    if (this.parentCell === null) this.system.fatal(error);
    else this.parentCell.sendSystem({ k: Sys.Failed, child: this, error });
  }

  /** Run `fn`; if it returns a promise, stay busy until it settles. Then `next(value)` or `onError(error)`. */
  private step(fn: () => unknown, next: (value: unknown) => void, onError: (e: unknown) => void): void {
    let r: unknown;
    try {
      r = fn();
    } catch (e) {
      onError(e);
      return;
    }
    if (r instanceof Promise) {
      this.busy = true;
      r.then(
        (v) => {
          this.busy = false;
          next(v);
          this.kick();
        },
        (e) => {
          this.busy = false;
          onError(e);
          this.kick();
        },
      );
    } else next(r);
  }

  private handleSystem(m: SystemMessage): void {
    switch (m.k) {
      case Sys.Start:
        this.start();
        return;
      case Sys.Resume:
        if (this.status !== Status.Suspended) return;
        // An actor whose init failed has no state to resume: start it again instead.
        if (!this.initialized) {
          this.beginRestart(undefined);
          return;
        }
        this.status = Status.Running;
        // Children that escalated to this actor wait for a decision: resuming this actor resumes them (as in Akka).
        if (this.childCells !== null) {
          for (const c of this.childCells.values())
            if (c instanceof ActorCell && c.status === Status.Suspended && c.restartTimer === undefined)
              c.sendSystem({ k: Sys.Resume });
        }
        return;
      case Sys.Restart:
        this.beginRestart(m.error);
        return;
      case Sys.Stop:
        this.beginStop(m.reason, m.self);
        return;
      case Sys.Failed:
        onChildFailed(this, m.child, m.error);
        return;
      case Sys.ChildTerminated: {
        const current = this.childCells?.get(m.child.name) === m.child;
        if (this.status === Status.Stopping || this.status === Status.Restarting) {
          if (current) this.removeChild(m.child);
          this.childrenMaybeGone();
        } else if (current) {
          // The child stays listed while the supervisor decides, so a strategy sees the start order.
          if (!onChildTerminated(this, m.child, m.reason, m.self)) this.removeChild(m.child);
        }
        return;
      }
    }
  }

  private start(): void {
    if (this.status !== Status.Starting) return;
    if (this.restartCount > 0 || this.aux !== null) this.startedAt = this.system.clock.now();
    // The common case (a synchronous init, or none) allocates nothing: spawning is a hot path.
    const init = this.behaviour.init;
    if (init === undefined) {
      this.started(undefined);
      return;
    }
    let state: unknown;
    try {
      state = init(this, this.args);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!(state instanceof Promise)) {
      this.started(state);
      return;
    }
    this.busy = true;
    state.then(
      (v) => {
        this.busy = false;
        this.started(v);
        this.kick();
      },
      (e) => {
        this.busy = false;
        this.fail(e);
        this.kick();
      },
    );
  }

  private started(state: unknown): void {
    if (this.status !== Status.Starting) return;
    this.state = state;
    this.initialized = true;
    this.status = Status.Running;
    if (this.system.events.listensTo('lifecycle')) {
      this.system.events.publish({
        kind: 'lifecycle',
        actor: this.address,
        behaviour: this.behaviour.name,
        phase: this.restartCount > 0 ? 'restarted' : 'started',
      });
    }
  }

  private beginRestart(error: unknown): void {
    if (this.status >= Status.Restarting) return;
    this.status = Status.Restarting;
    if (error !== undefined || this.aux !== null) this.x.restartError = error;
    this.timersImpl?.cancelAll();
    this.stopChildren('stopped');
    this.childrenMaybeGone();
  }

  private beginStop(reason: TerminationReason, self: boolean): void {
    if (this.status >= Status.Stopping) return;
    this.status = Status.Stopping;
    if (reason !== 'stopped' || self || this.aux !== null) {
      this.x.stopReason = reason;
      this.x.stopSelf = self;
    }
    if (this.restartTimer !== undefined) {
      this.system.clock.clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    this.timersImpl?.cancelAll();
    // Children of an orphaned actor are orphans too; a shutdown is a shutdown all the way down.
    this.stopChildren(reason === 'orphaned' || reason === 'shutdown' ? reason : 'stopped');
    this.childrenMaybeGone();
  }

  private stopChildren(reason: TerminationReason): void {
    if (this.childCells === null) return;
    // Stop in reverse start order, as OTP does.
    const cells = [...this.childCells.values()].reverse();
    for (const c of cells) c.sendSystem({ k: Sys.Stop, reason, self: false });
  }

  /** Called when children may all have terminated, while stopping or restarting. */
  private childrenMaybeGone(): void {
    if (this.childCells !== null && this.childCells.size > 0) return;
    if (this.status === Status.Stopping) {
      const onStop = this.behaviour.onStop;
      const reason = this.stopReason;
      this.step(
        () => (this.initialized && onStop !== undefined ? onStop(this, this.state, reason) : undefined),
        () => this.terminate(),
        (e) => {
          this.reportHookError('onStop', e);
          this.terminate();
        },
      );
    } else if (this.status === Status.Restarting) {
      const { onRestart, onStop } = this.behaviour;
      const error = this.aux === null ? undefined : this.aux.restartError;
      this.step(
        () => {
          if (!this.initialized) return undefined;
          if (onRestart !== undefined) return onRestart(this, this.state, error);
          return onStop?.(this, this.state, 'failed');
        },
        () => this.completeRestart(),
        (e) => {
          this.reportHookError(onRestart ? 'onRestart' : 'onStop', e);
          this.completeRestart();
        },
      );
    }
  }

  private completeRestart(): void {
    if (this.status !== Status.Restarting) return;
    if (this.aux !== null) this.aux.restartError = undefined;
    this.state = undefined;
    this.initialized = false;
    this.restartCount++;
    this.status = Status.Starting;
    this.start();
  }

  private terminate(): void {
    if (this.status === Status.Stopped) return;
    this.status = Status.Stopped;
    const sys = this.system;
    sys.unregister(this);
    this.sys = null;
    const shutdown = sys.isShutdown;
    this.mailbox?.drain((message, reply) => {
      sys.deadLetter(this.address, message, shutdown ? 'shutdown' : 'stopped');
      (reply as ReplyTarget | undefined)?.fail(this.stoppedError());
    });
    this.mailbox = null;
    if (this.watching !== null) {
      for (const t of this.watching) t.forgetWatcher(this);
      this.watching = null;
    }
    if (this.watchers !== null) {
      for (const [w, custom] of this.watchers) w.notifyTerminated(this, custom, this.stopReason);
      this.watchers = null;
    }
    sys.remote?.cellTerminated(this);
    if (this.parentCell !== null) {
      this.parentCell.sendSystem({
        k: Sys.ChildTerminated,
        child: this,
        reason: this.stopReason,
        self: this.stopSelf,
      });
    }
    if (sys.events.listensTo('lifecycle') && this.parentCell !== null) {
      sys.events.publish({
        kind: 'lifecycle',
        actor: this.address,
        behaviour: this.behaviour.name,
        phase: 'stopped',
      });
    }
    const waiters = this.terminationWaiters;
    this.terminationWaiters = null;
    if (waiters !== null) for (const w of waiters) w();
  }

  terminatedMessage(reason: TerminationReason): Terminated {
    return { type: 'troupe.terminated', actor: this.ref, reason };
  }

  private stoppedError(): Error {
    return this.system.isShutdown
      ? new SystemShutdownError(this.system.name, `${this.address} was stopped by the shutdown`)
      : new ActorStoppedError(this.address);
  }

  private reportHookError(where: string, e: unknown): void {
    this.system.events.publish({ kind: 'error', actor: this.address, where, error: serializeError(e) });
  }

  // ---- Introspection ------------------------------------------------------------------------

  isTerminated(): boolean {
    return this.status === Status.Stopped;
  }

  get mailboxSize(): number {
    return this.mailbox === null ? 0 : this.mailbox.size;
  }
}

function resolveBehaviour(sys: CellSystem, b: Behaviour | string): Behaviour {
  if (typeof b === 'string') return sys.catalog.require(b);
  if (!isBehaviour(b)) {
    throw new InvalidOptionsError(
      'spawn() takes a behaviour made by defineActor() (or fromXState()), or the catalog name of one',
    );
  }
  // Troupe's own behaviours (guardian, pools) are not listed in the catalog.
  if (!b.name.startsWith('troupe.')) sys.catalog.register(b);
  return b;
}

interface CheckedSpawnOptions {
  readonly name: string | undefined;
  readonly placement: Placement | undefined;
  readonly mailbox: Required<MailboxOptions>;
  readonly restart: RestartType;
}

const NO_OPTIONS: CheckedSpawnOptions = Object.freeze({
  name: undefined,
  placement: undefined,
  mailbox: UNBOUNDED,
  restart: 'transient',
});

function checkSpawnOptions(options: SpawnOptions | undefined): CheckedSpawnOptions {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionsError('spawn() options must be an object such as { name, mailbox, restart }');
  }
  for (const k of Object.keys(options)) {
    if (!SPAWN_KEYS.has(k)) {
      throw new InvalidOptionsError(
        `unknown spawn option '${k}'; the options are: ${[...SPAWN_KEYS].join(', ')}`,
      );
    }
  }
  const restart = options.restart ?? 'transient';
  if (!RESTART_TYPES.has(restart)) {
    throw new InvalidOptionsError(
      `spawn option restart must be 'permanent', 'transient' or 'temporary', got ${String(restart)}`,
    );
  }
  return {
    name: options.name,
    placement: options.placement,
    mailbox: checkMailbox(options.mailbox),
    restart,
  };
}

function checkMailbox(m: MailboxOptions | undefined): Required<MailboxOptions> {
  if (m === undefined) return UNBOUNDED;
  const capacity = m.capacity ?? Number.POSITIVE_INFINITY;
  if (capacity !== Number.POSITIVE_INFINITY && (!Number.isInteger(capacity) || capacity < 1)) {
    throw new InvalidOptionsError(
      `mailbox.capacity must be a whole number ≥ 1 (or Infinity), got ${String(m.capacity)}`,
    );
  }
  const overflow = m.overflow ?? 'dropNewest';
  if (!POLICIES.has(overflow)) {
    throw new InvalidOptionsError(
      `mailbox.overflow must be 'dropNewest', 'dropOldest' or 'reject', got ${String(m.overflow)}`,
    );
  }
  return capacity === Number.POSITIVE_INFINITY ? UNBOUNDED : { capacity, overflow };
}

/** The rarely used part of a cell (see `ActorCell.aux`). */
class CellAux {
  watchers: Map<Watcher, unknown> | null = null;
  watching: Set<Watched> | null = null;
  remoteWatching: Set<string> | null = null;
  timers: ActorTimers<unknown> | null = null;
  stopReason: TerminationReason = 'stopped';
  stopSelf = false;
  restartError: unknown = undefined;
  asyncDone: ((v: unknown) => void) | null = null;
  asyncFail: ((e: unknown) => void) | null = null;
  terminationWaiters: (() => void)[] | null = null;
  childListener: ((child: ChildHandle, event: ChildEvent) => void) | null = null;
  backoffAttempt = 0;
  startedAt = 0;
  restartTimer: unknown = undefined;
  restartLog: number[] | null = null;
}
