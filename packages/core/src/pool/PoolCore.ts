/**
 * The core of a pool: the state its ref and its pool actor share, both in the caller's runtime
 * (as with Akka's routers, a pool routes where it is called, with no hop through a router
 * mailbox). Round-robin, broadcast and consistent-hash pick a routee at once; balancing queues
 * the asks and hands each to the routee with the most room (credit minus asks held: idle routees
 * pull the work). Every ask stays in the deadline lists until it settles. A task whose routee's
 * runtime is lost (`redispatchOnLost`) or that misses its per-dispatch deadline
 * (`redispatchAfterMs`) goes back to the front of the queue, through the same {@link LostTasks}.
 * Owns: the routees as routed to, the queue, the deadlines, settling tasks. May not touch: the
 * actors (poolActor.ts spawns, watches and stops them, and hands it the routee list), a routee's
 * credit arithmetic (Routee.ts), when lost tasks go back (LostTasks.ts), per-dispatch deadlines
 * and late replies (DispatchDeadlines.ts), or option checks (options.ts: it trusts the options
 * it is given).
 * @internal
 */

import { PendingAsks, type ReplyTarget, summarize } from '../actor/ask.js';
import { unwrap } from '../actor/instrumentation.js';
import { askTimeout, checkTellOptions } from '../actor/messageOptions.js';
import type { ActorRef, AskOptions, TellOptions } from '../api/ActorRef.js';
import type { PoolOptions, PoolStats, Routing } from '../api/pool.js';
import type { Clock } from '../clock.js';
import {
  ActorStoppedError,
  AskTimeoutError,
  InvalidOptionsError,
  isAskTimeoutError,
  isRuntimeLostError,
  MailboxFullError,
} from '../errors.js';
import { Attempt, DispatchDeadlines, type DispatchOwner } from './DispatchDeadlines.js';
import { LostTasks } from './LostTasks.js';
import { ADAPTIVE_CREDIT, Routee } from './Routee.js';
import { HashRing } from './routing.js';
import { Task, type TaskOwner } from './Task.js';
import { TaskQueue } from './TaskQueue.js';

/** The state a pool ref and its pool actor share (both live in the caller's runtime). @internal */
export class PoolCore implements TaskOwner, DispatchOwner {
  routees: ActorRef[] = [];
  private slots: Routee[] = [];
  private rr = 0;
  private ring: HashRing | undefined;
  /** Balancing: the asks waiting for a routee with room (see TaskQueue.ts). */
  private readonly queue = new TaskQueue();
  /**
   * Every ask the pool holds (queued, running, or about to be dispatched again) until it settles,
   * in deadline lists with one timer per timeout value: no timer per ask, no sweep.
   */
  private readonly deadlines: PendingAsks;
  /** Asks answered by routees that are no longer in the pool (kept for `stats().completed`). */
  private readonly retired = new Map<string, number>();
  private stopped = false;
  /** A balancing pool without a fixed `credit` sizes each routee's credit itself, up to `maxCredit`. */
  private readonly adaptive: boolean;
  private readonly maxCredit: number;
  /** `redispatchAfterMs`: a deadline per dispatch (balancing pools only). */
  private readonly dispatches: DispatchDeadlines | undefined;

  constructor(
    readonly routing: Routing,
    private readonly clock: Clock,
    private readonly askTimeoutMs: number,
    private readonly address: () => string,
    private readonly options: PoolOptions,
    private readonly deadLetter: (message: unknown) => void = () => undefined,
  ) {
    this.deadlines = new PendingAsks(clock);
    this.adaptive = routing === 'balancing' && options.credit === undefined;
    // A bounded routee mailbox would drop the asks beyond its capacity.
    const capacity = options.mailbox?.capacity ?? Number.POSITIVE_INFINITY;
    this.maxCredit = Math.max(1, Math.min(ADAPTIVE_CREDIT.max, capacity));
    const after = options.redispatchAfterMs;
    if (routing === 'balancing' && after !== undefined)
      this.dispatches = new DispatchDeadlines(clock, after as number | ((m: unknown) => number), this);
  }

  setRoutees(refs: ActorRef[]): void {
    const old = new Map(this.slots.map((r) => [r.address, r]));
    this.slots = refs.map((ref) => {
      const kept = old.get(ref.address);
      old.delete(ref.address);
      return kept?.ref === ref ? kept : new Routee(ref, this.maxCredit);
    });
    for (const gone of old.values()) {
      if (gone.completed > 0)
        this.retired.set(gone.address, (this.retired.get(gone.address) ?? 0) + gone.completed);
    }
    this.routees = refs;
    if (this.routing === 'consistent-hash') (this.ring ??= new HashRing()).set(refs.map((r) => r.address));
    this.pump();
  }

  /** A routee's runtime was lost: route around it until it is started again. */
  markDown(address: string): void {
    const r = this.slots.find((x) => x.address === address);
    if (r !== undefined) r.down = true;
  }

  /** A routee (re)started: route to it again. */
  markUp(address: string): void {
    const r = this.slots.find((x) => x.address === address);
    if (r === undefined || !r.down) return;
    r.down = false;
    this.pump();
  }

  private pick(message: unknown): Routee | undefined {
    const rs = this.slots;
    if (rs.length === 0) return undefined;
    if (this.routing === 'consistent-hash') {
      // Keys keep their routee (the point of hashing), down or not: for a routee whose thread is
      // being replaced the message waits in the link; for one on a lost node an ask fails at once.
      const key = this.options.hashKey!(unwrap(message));
      return rs[this.ring!.lookup(String(key))]!;
    }
    for (let tries = rs.length; tries > 0; tries--) {
      const r = rs[this.rr++ % rs.length]!;
      if (!r.down) return r;
    }
    return rs[this.rr++ % rs.length]!; // all down: the message waits for a replacement (or is a dead letter)
  }

  tell(message: unknown, options?: TellOptions): void {
    // A mistake in the call throws whatever state the pool is in (ADR 0003).
    if (options !== undefined) checkTellOptions(options);
    if (this.routing === 'broadcast') {
      for (const r of this.routees) r.tell(message, options);
      return;
    }
    if (this.routing === 'balancing') {
      // A tell is a task whose reply nobody waits for; it still takes a credit until answered.
      // One the pool cannot take (stopped, no routees, queue full) is a dead letter (ADR 0003).
      const max = this.options.maxQueued;
      if (this.stopped || this.slots.length === 0 || (max !== undefined && this.queue.length >= max)) {
        this.deadLetter(message);
        return;
      }
      this.ask(message, options).catch(() => undefined);
      return;
    }
    const r = this.pick(message);
    // A tell never throws (ADR 0003): with no routees left the message is a dead letter.
    if (r === undefined) this.deadLetter(message);
    else r.ref.tell(message, options);
  }

  ask(message: unknown, options?: AskOptions): Promise<unknown> {
    if (this.routing === 'broadcast') {
      return Promise.reject(
        new InvalidOptionsError(
          `pool ${this.address()} uses broadcast routing: use tell(), since an ask would get one reply per routee`,
        ),
      );
    }
    const timeoutMs = askTimeout(options, this.askTimeoutMs);
    if (typeof timeoutMs !== 'number') return Promise.reject(timeoutMs);
    if (this.stopped) return Promise.reject(new ActorStoppedError(this.address()));
    if (this.routing !== 'balancing') {
      // Routed at once, but kept like a balancing ask (the pool's deadline lists, no promise or
      // timer per routee ask), so the stats count it too.
      const r = this.pick(message);
      if (r === undefined) return Promise.reject(this.noRoutees());
      const task = this.newTask(message, options, timeoutMs);
      this.dispatch(r, task, -1); // delivered even with timeoutMs 0, as a plain ask is
      return task.promise;
    }
    const max = this.options.maxQueued;
    if (max !== undefined && this.queue.length >= max)
      return Promise.reject(new MailboxFullError(this.address(), max));
    const task = this.newTask(message, options, timeoutMs);
    this.queue.add(task);
    this.pump();
    return task.promise;
  }

  private newTask(message: unknown, options: AskOptions | undefined, timeoutMs: number): Task {
    const task = new Task(this, message, options?.transfer, timeoutMs);
    this.deadlines.add(task);
    return task;
  }

  /** Hand queued asks to routees with credit left. */
  private pump(): void {
    let now = -1;
    while (!this.queue.isEmpty()) {
      let best = this.roomiest(null);
      if (best === undefined) return;
      const task = this.queue.take();
      if (task === undefined) return;
      if (task.avoid === best) {
        // It missed its deadline there: it goes to another routee, and waits (first in line) for
        // one to have room; back to the same one only if no other is up.
        const avoid = best;
        best = this.roomiest(avoid);
        if (best === undefined) {
          if (this.slots.some((r) => r !== avoid && !r.down && !r.stopping())) {
            this.queue.add(task, true);
            return;
          }
          best = avoid;
        }
      }
      // A direct ask needs no clock: a task whose deadline passed while it waited is failed by
      // its deadline list's timer (due now) either way. Other refs get the time left as their timeout.
      if (now < 0 && best.direct === undefined) now = this.clock.now();
      this.dispatch(best, task, now);
    }
  }

  /** The routee with the most room left (its credit minus what it holds), other than `skip`. */
  private roomiest(skip: Routee | null): Routee | undefined {
    const fixed = this.options.credit;
    const rs = this.slots;
    let best: Routee | undefined;
    let bestRoom = 0;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i]!;
      const room = (fixed ?? r.credit) - r.inFlight;
      if (room <= bestRoom || r === skip || r.down || r.stopping()) continue;
      best = r;
      bestRoom = room;
    }
    return best;
  }

  /**
   * Hand `task` to `routee`. `now` is the clock if it was read (-1 if not): a task that is overdue
   * by then fails instead. A routee without `askInto` gets the time left as its ask's timeout.
   */
  private dispatch(routee: Routee, task: Task, now: number): void {
    if (now >= 0 && task.deadline <= now) {
      if (this.settle(task)) task.reject(this.timeoutError(task));
      return;
    }
    // With `redispatchAfterMs` the routee answers an attempt of the task, with its own deadline.
    let target: ReplyTarget = task;
    if (this.dispatches !== undefined) {
      const attempt = this.dispatches.start(task, routee);
      if (!(attempt instanceof Attempt)) {
        if (this.settle(task)) task.reject(attempt);
        return;
      }
      target = attempt;
    }
    task.routee = routee;
    task.avoid = null;
    routee.took(task, this.adaptive ? this.clock : undefined);
    if (routee.direct !== undefined) {
      task.askId = routee.direct.askInto(task.message, target, task.transfer);
      if (target instanceof Attempt) target.askId = task.askId;
      return;
    }
    const remaining = Math.max(0, task.deadline - (now >= 0 ? now : this.clock.now()));
    const opts: AskOptions = task.transfer
      ? { timeoutMs: remaining, transfer: task.transfer }
      : { timeoutMs: remaining };
    routee.ref.ask(task.message, opts).then(
      (v) => target.reply(v),
      (e) => target.fail(e),
    );
  }

  /** A routee answered `task`. @internal */
  replied(task: Task, value: unknown): void {
    const r = this.release(task);
    if (r === null) return; // answered after the pool gave up on it
    r.answered(task, this.adaptive ? this.clock : undefined);
    if (this.settle(task)) task.resolve(value);
    this.pump();
  }

  /**
   * A routee's ask for `task` failed. With `redispatchOnLost`, a task whose routee's runtime was
   * lost goes back to the front of the queue for another routee, instead of failing (see
   * LostTasks.ts for when). Its deadline stays what it was (it never left the deadline lists), and
   * the lost run's reply can never arrive (the lost runtime's asks went with it), so the caller
   * still gets exactly one result. The lost routee's credit goes back to the minimum.
   * @internal
   */
  failed(task: Task, error: unknown): void {
    const r = this.release(task);
    if (r === null) return;
    r.dropped(task, isRuntimeLostError(error), this.adaptive ? this.clock : undefined);
    if (
      !task.done &&
      this.routing === 'balancing' && // other routings keep their routee (a hash key its owner)
      this.options.redispatchOnLost &&
      isRuntimeLostError(error)
    ) {
      // Dispatch again, first in line (it has waited longest), once the loss has been fully
      // processed, never from inside that processing; the tasks of one loss keep their order.
      this.lost.add(task);
      return;
    }
    // A routee's own ask timing out at the pool's deadline is the pool's timeout.
    if (this.settle(task)) task.reject(isAskTimeoutError(error) ? this.timeoutError(task) : error);
    // Not from here: a failure can be reported from inside a dispatch (an ask refused at once) or
    // from inside a routee's termination; pumping then would feed the queue to the same routee.
    this.schedulePump();
  }

  /**
   * Tasks of a lost routee waiting to go back to the front of the queue, oldest first. Going
   * through a batch backwards, each to the front, puts them back in their order, ahead of the
   * asks that came after them.
   */
  private readonly lost = new LostTasks((lost) => {
    for (let i = lost.length - 1; i >= 0; i--) {
      const task = lost[i]!;
      // Settled meanwhile: timed out, or failed by close() with every task the pool holds.
      if (!task.done) this.queue.add(task, true);
    }
    this.pump();
  });

  private pumpScheduled = false;
  private readonly pumpLater = () => {
    this.pumpScheduled = false;
    this.pump();
  };

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(this.pumpLater);
  }

  private timeoutError(task: Task): AskTimeoutError {
    return new AskTimeoutError(this.address(), summarize(task.message), task.timeoutMs);
  }

  /** A task's deadline passed: fail it, and stop waiting for its routee if it had one. @internal */
  expired(task: Task): void {
    this.aborted(task, this.timeoutError(task));
  }

  /** Fail `task` with `error` now, wherever it is (queued, running or about to be requeued). @internal */
  aborted(task: Task, error: unknown): void {
    this.finish(task, false, error);
  }

  /**
   * `task`'s dispatch to `routee` passed its `redispatchAfterMs` deadline: take it back (the
   * routee's credit is free again; its reply is still awaited, see DispatchDeadlines.ts) and
   * dispatch it again, first in line, to another routee if one is up. @internal
   */
  overdue(task: Task, routee: Routee): void {
    this.abandon(task, false, task.completedAtSend === routee.completed);
    task.avoid = routee;
    this.lost.add(task); // not from inside the deadline list's sweep; several keep their order
  }

  /** An earlier dispatch of `task`, to `routee`, answered first (after its deadline): it wins. @internal */
  answeredLate(task: Task, routee: Routee, value: unknown): void {
    routee.completed++;
    this.finish(task, true, value);
  }

  /** Settle `task` now, wherever it is (queued, running or about to be requeued). */
  private finish(task: Task, ok: boolean, value: unknown): void {
    if (task.done) return;
    if (task.routee !== null) {
      if (ok) {
        // Answered by an earlier dispatch: the current one's reply is awaited, to be dropped and counted.
        this.dispatches?.retire(task);
        this.abandon(task, false, false);
      } else this.abandon(task, true, task.completedAtSend === task.routee.completed);
      this.schedulePump(); // its routee has room again (not from inside the deadline list's sweep)
    }
    this.settle(task);
    if (ok) task.resolve(value);
    else task.reject(value);
    // It stays in the queue until it comes up or the queue is compacted.
    if (task.queued) this.queue.settledHere(task);
  }

  /** Mark `task` settled (it leaves the deadline lists); false if it already was (the caller then must not answer it). */
  private settle(task: Task): boolean {
    if (task.done) return false;
    this.deadlines.remove(task);
    return true;
  }

  /** The pool stopped: fail every ask it still holds, queued or running (a routee may never answer). */
  close(): void {
    this.stopped = true;
    this.deadlines.failAll(new ActorStoppedError(this.address(), 'the pool stopped'));
    this.dispatches?.close();
    this.queue.clear();
  }

  /**
   * Take a running task off its routee, freeing its credit; `cancel` stops waiting for the reply
   * (a late one is ignored). `trouble` (a timeout while the routee answered nothing since: it
   * hangs) takes an adaptive credit back to the minimum; a routee that answers others meanwhile
   * (e.g. a machine that replies to this ask later, or never) keeps its credit.
   */
  private abandon(t: Task, cancel: boolean, trouble: boolean): void {
    const r = this.release(t)!;
    r.dropped(t, trouble, this.adaptive ? this.clock : undefined);
    if (cancel) r.direct?.cancelAsk(t.askId);
  }

  /** Take a running task off its routee (and its attempt's deadline off); its routee, or null if it had none. */
  private release(t: Task): Routee | null {
    const r = t.routee;
    if (r === null) return null;
    t.routee = null;
    this.dispatches?.end(t);
    return r;
  }

  stats(): PoolStats {
    let inFlight = 0;
    for (const r of this.slots) inFlight += r.inFlight;
    const queued = this.queue.length;
    const completed: Record<string, number> = Object.fromEntries(this.retired);
    for (const r of this.slots)
      if (r.completed > 0) completed[r.address] = (completed[r.address] ?? 0) + r.completed;
    const overdue = this.dispatches?.overdue ?? 0;
    const lateReplies = this.dispatches?.lateReplies ?? 0;
    return { routees: this.slots.length, queued, inFlight, completed, overdue, lateReplies };
  }

  private noRoutees(): Error {
    return new ActorStoppedError(this.address(), 'the pool has no routees left');
  }
}
