/**
 * The bottom of an actor cell: its fields, message intake and the run loop.
 *
 * A cell is one object whose parts are layered as classes, one per file, each extending the one
 * below and calling only downwards (as `remote/RemoteRuntime.ts` is):
 *
 * ```
 * ActorCell      ActorCell.ts: what `receive` sees (ActorContext), death watch, spawning children
 *   CellLifecycle  CellLifecycle.ts: system messages — start, restart, stop, terminate
 *     CellBase       this file: fields, the mailbox intake, the run loop
 * ```
 *
 * **The run loop.** A cell with work is put on the dispatcher's run queue once (`scheduled`);
 * the dispatcher calls {@link CellBase.run}, which, in this order: starts the actor if a start
 * is pending; handles every queued system message (they overtake user messages: a stop is not
 * stuck behind a million tells); then, only while `Running`, takes up to `throughput` user
 * messages, calling `receive` for each. A `receive` (or `init`, or a hook) that returns a
 * promise makes the cell `busy`: nothing else of this cell runs until the promise settles, so
 * an actor handles one message at a time even when its handlers are async. After a batch, or
 * when the dispatcher says to yield, the cell schedules itself again if work remains (`kick`).
 *
 * Owns: the status, the mailbox and system queue, the run loop and `busy`. May not touch:
 * supervision decisions (the parent makes them) or anything outside this runtime.
 * @internal
 */
import { formatAddress } from '../address.js';
import type { ActorContext, Behaviour } from '../api/ActorSystem.js';
import type { MailboxOptions } from '../api/options.js';
import type { RestartType } from '../api/supervision.js';
import type { Terminated, TerminationReason } from '../api/terminated.js';
import type { Dispatcher, Runnable } from '../dispatch/Dispatcher.js';
import { ActorFailedError, ActorStoppedError, MailboxFullError, SystemShutdownError } from '../errors.js';
import { Mailbox, Offer } from '../mailbox/Mailbox.js';
import { RingBuffer } from '../mailbox/RingBuffer.js';
import type { ChildHandle, ParentHandle, SystemMessage } from '../supervision/handles.js';
import { Sys } from '../supervision/handles.js';
import type { ReplyTarget } from './ask.js';
import { summarize } from './ask.js';
import { CellAux, type ChildEvent } from './CellAux.js';
import type { CellHost } from './CellHost.js';
import { instrumentation, Traced, tracing } from './instrumentation.js';
import { LocalActorRef, type LocalCell } from './LocalActorRef.js';
import type { ActorTimers } from './Timers.js';
import type { Watched, Watcher, WatchingCell } from './Watcher.js';

/** Lifecycle status of a cell. Order matters: comparisons such as `>= Stopping` are used. */
/**
 * A stop in line with the user messages (`ctx.stop(ref, { drain: true })`): the actor stops when
 * it reaches it, after the messages queued before it. Never reaches a behaviour.
 * @internal
 */
export const STOP_WHEN_REACHED: unique symbol = Symbol('troupe.stop-when-reached');

export enum Status {
  Starting = 0,
  Running = 1,
  Suspended = 2,
  Restarting = 3,
  Stopping = 4,
  Stopped = 5,
}

/**
 * What a cell is to the rest of the runtime: the context its behaviour gets, a child to its
 * parent, a watcher to the actors it watches. `ActorCell`, the only concrete cell, implements
 * all three (the compiler checks it there); the layers below it hand themselves on as one.
 */
export type WholeCell = ActorContext & ChildHandle & Watcher;

export abstract class CellBase implements Runnable, LocalCell {
  /** This cell as the {@link WholeCell} it is (a cast only: no cost at run time). */
  protected get whole(): WholeCell {
    return this as unknown as WholeCell;
  }

  scheduled = false;
  /** Start requested (see {@link requestStart}); runs before any queued system message. */
  protected startPending = false;
  /** An async init/receive/hook is in flight: nothing else runs until it settles. */
  busy = false;
  status = Status.Starting;
  state: unknown = undefined;
  restartCount = 0;
  /** Messages this actor has processed, over all its incarnations (for introspection). */
  processed = 0;
  readonly ref: LocalActorRef;
  protected mailbox: Mailbox | null = null;
  /** System messages (rare, but a guardian stopping 1M children gets 1M of them: a ring, never Array#shift). */
  protected sys: RingBuffer<SystemMessage> | null = null;
  /** Children by name, in start order. */
  childCells: Map<string, ChildHandle> | null = null;
  protected currentMessage: unknown = undefined;
  protected currentReply: ReplyTarget | undefined = undefined;
  protected initialized = false;
  protected addressCache: string | undefined;
  /** State most actors never need, allocated on first use: a million idle actors stay small. */
  protected aux: CellAux | null = null;

  protected get x(): CellAux {
    return (this.aux ??= new CellAux());
  }

  // ---- Rarely used state, kept in `aux` -----------------------------------------------------

  protected get watchers(): Map<Watcher, unknown> | null {
    return this.aux === null ? null : this.aux.watchers;
  }
  protected set watchers(v: Map<Watcher, unknown> | null) {
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
  protected get timersImpl(): ActorTimers<unknown> | null {
    return this.aux === null ? null : this.aux.timers;
  }
  protected get stopReason(): TerminationReason {
    return this.aux === null ? 'stopped' : this.aux.stopReason;
  }
  protected get stopSelf(): boolean {
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
    readonly system: CellHost<CellBase>,
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

  get address(): string {
    return (this.addressCache ??= formatAddress({
      system: this.system.name,
      node: this.system.nodeId,
      path: this.path,
    }));
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

  protected overflowed(outcome: Offer, mb: Mailbox, message: unknown, reply: ReplyTarget | undefined): void {
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
      if (message === STOP_WHEN_REACHED) {
        this.sendSystem({ k: Sys.Stop, reason: 'stopped', self: true });
        return;
      }
      const reply = mb.lastReply as ReplyTarget | undefined;
      this.currentReply = reply;
      let result: unknown;
      try {
        if (tracing) result = this.receiveTraced(behaviour, message, reply !== undefined);
        else {
          this.currentMessage = message;
          result = behaviour.receive(this.whole, this.state, message);
        }
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
      this.processed++;
      if (this.sys !== null && !this.sys.isEmpty()) break;
      if (d.shouldYield()) break;
    }
    this.kick();
  }

  /**
   * `receive` inside the installed instrumentation's `process`, with the carrier the message came
   * with (once an instrumentation was installed in this thread: see `instrumentation.ts`).
   */
  private receiveTraced(behaviour: Behaviour, envelope: unknown, isAsk: boolean): unknown {
    const traced = envelope instanceof Traced ? envelope : undefined;
    const message = traced === undefined ? envelope : traced.message;
    this.currentMessage = message;
    const inst = instrumentation;
    if (inst === undefined) return behaviour.receive(this.whole, this.state, message);
    const info = {
      address: this.address,
      path: this.path,
      behaviour: behaviour.name,
      node: this.system.nodeId,
      isAsk,
    };
    return inst.process(info, message, traced?.carrier, () =>
      behaviour.receive(this.whole, this.state, message),
    );
  }

  /** Schedule the cell if it has runnable work and is not scheduled or busy. */
  protected kick(): void {
    if (this.scheduled || this.busy || this.status === Status.Stopped) return;
    const hasSys = this.startPending || (this.sys !== null && !this.sys.isEmpty());
    const hasUser = this.status === Status.Running && this.mailbox !== null && !this.mailbox.isEmpty();
    if (hasSys || hasUser) this.system.dispatcher.schedule(this);
  }

  protected asyncReceiveDone(v: unknown): void {
    this.busy = false;
    if (v !== undefined) this.state = v;
    this.currentMessage = undefined;
    this.currentReply = undefined;
    this.system.processed++;
    this.processed++;
    this.kick();
  }

  protected asyncReceiveFailed(e: unknown): void {
    this.busy = false;
    this.receiveFailed(e);
    this.kick();
  }

  protected receiveFailed(error: unknown): void {
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
    else this.parentCell.sendSystem({ k: Sys.Failed, child: this.whole, error });
  }

  /** Run `fn`; if it returns a promise, stay busy until it settles. Then `next(value)` or `onError(error)`. */
  protected step(fn: () => unknown, next: (value: unknown) => void, onError: (e: unknown) => void): void {
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

  /** Forget a watcher (it unwatched, or it terminated first). */
  forgetWatcher(w: Watcher): void {
    this.watchers?.delete(w);
  }

  terminatedMessage(reason: TerminationReason): Terminated {
    return { type: 'troupe.terminated', actor: this.ref, reason };
  }

  protected stoppedError(): Error {
    return this.system.isShutdown
      ? new SystemShutdownError(this.system.name, `${this.address} was stopped by the shutdown`)
      : new ActorStoppedError(this.address);
  }

  /** Start the actor (its `init`): the first step of a cell's first turn. */
  protected abstract start(): void;
  /** Act on one system message. */
  protected abstract handleSystem(m: SystemMessage): void;
  /** `w` watches this cell (see `ActorCell`). */
  abstract acceptWatch(w: WatchingCell, message: unknown): void;
  /** `w` no longer watches this cell. */
  abstract dropWatch(w: WatchingCell): void;

  // ---- Introspection ------------------------------------------------------------------------

  isTerminated(): boolean {
    return this.status === Status.Stopped;
  }

  get mailboxSize(): number {
    return this.mailbox === null ? 0 : this.mailbox.size;
  }
}
