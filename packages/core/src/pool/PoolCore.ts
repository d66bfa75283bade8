/**
 * The core of a pool: the state its ref and its pool actor share, both in the caller's runtime
 * (as with Akka's routers, a pool routes where it is called, with no hop through a router
 * mailbox). Round-robin, broadcast and consistent-hash pick a routee at once; balancing queues
 * the asks and hands each to the routee with the most room (credit minus asks held: idle routees
 * pull the work). Every ask stays in the deadline lists until it settles.
 * Owns: the routees as routed to, the queue, the deadlines, settling tasks. May not touch: the
 * actors (poolActor.ts spawns, watches and stops them, and hands it the routee list), a routee's
 * credit arithmetic (Routee.ts), when lost tasks go back (LostTasks.ts), or option checks
 * (options.ts: it trusts the options it is given).
 * @internal
 */

import { PendingAsks, summarize } from '../actor/ask.js';
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
import { RingBuffer } from '../mailbox/RingBuffer.js';
import { LostTasks } from './LostTasks.js';
import { ADAPTIVE_CREDIT, Routee } from './Routee.js';
import { HashRing } from './routing.js';
import { Task, type TaskOwner } from './Task.js';

/** The state a pool ref and its pool actor share (both live in the caller's runtime). @internal */
export class PoolCore implements TaskOwner {
  routees: ActorRef[] = [];
  private slots: Routee[] = [];
  private rr = 0;
  private ring: HashRing | undefined;
  /**
   * Balancing: the asks waiting for a routee with room, oldest first. One that settles while it
   * waits (its deadline passed) stays in place, since taking it out of the middle of a ring
   * buffer is O(n): it is `done`, holds no message, is counted in `settledInQueue` and skipped
   * when it comes up; `compact` sweeps them out when they are many.
   */
  private readonly queue = new RingBuffer<Task>(16);
  /** Tasks in the queue that settled while waiting (timed out): skipped when they come up. */
  private settledInQueue = 0;
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
      const key = this.options.hashKey!(message);
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
      if (this.stopped || this.slots.length === 0 || (max !== undefined && this.queued() >= max)) {
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
    if (max !== undefined && this.queued() >= max)
      return Promise.reject(new MailboxFullError(this.address(), max));
    const task = this.newTask(message, options, timeoutMs);
    this.enqueue(task);
    this.pump();
    return task.promise;
  }

  private newTask(message: unknown, options: AskOptions | undefined, timeoutMs: number): Task {
    const task = new Task(this, message, options?.transfer, timeoutMs);
    this.deadlines.add(task);
    return task;
  }

  /** Asks waiting in the queue (not counting those that settled there). */
  private queued(): number {
    return this.queue.length - this.settledInQueue;
  }

  private enqueue(task: Task, first = false): void {
    task.queued = true;
    if (first) this.queue.unshift(task);
    else this.queue.push(task);
  }

  /** The next task of the queue that has not settled there; undefined if none is left. */
  private dequeue(): Task | undefined {
    for (;;) {
      const task = this.queue.shift();
      if (task === undefined) return undefined;
      task.queued = false;
      if (!task.done) return task;
      this.settledInQueue--;
    }
  }

  /** Hand queued asks to routees with credit left. */
  private pump(): void {
    let now = -1;
    const fixed = this.options.credit;
    const rs = this.slots;
    while (!this.queue.isEmpty()) {
      // The routee with the most room left (its credit minus what it holds).
      let best: Routee | undefined;
      let bestRoom = 0;
      for (let i = 0; i < rs.length; i++) {
        const r = rs[i]!;
        const room = (fixed ?? r.credit) - r.inFlight;
        if (room <= bestRoom || r.down || r.stopping()) continue;
        best = r;
        bestRoom = room;
      }
      if (best === undefined) return;
      const task = this.dequeue();
      if (task === undefined) return;
      // A direct ask needs no clock: a task whose deadline passed while it waited is failed by
      // its deadline list's timer (due now) either way. Other refs get the time left as their timeout.
      if (now < 0 && best.direct === undefined) now = this.clock.now();
      this.dispatch(best, task, now);
    }
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
    task.routee = routee;
    routee.took(task, this.adaptive ? this.clock : undefined);
    if (routee.direct !== undefined) {
      task.askId = routee.direct.askInto(task.message, task, task.transfer);
      return;
    }
    const remaining = Math.max(0, task.deadline - (now >= 0 ? now : this.clock.now()));
    const opts: AskOptions = task.transfer
      ? { timeoutMs: remaining, transfer: task.transfer }
      : { timeoutMs: remaining };
    routee.ref.ask(task.message, opts).then(
      (v) => task.reply(v),
      (e) => task.fail(e),
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
      if (!task.done) this.enqueue(task, true);
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
    if (task.done) return;
    if (task.routee !== null) {
      this.abandon(task);
      this.schedulePump(); // its routee has room again (not from inside the deadline list's sweep)
    }
    this.settle(task);
    task.reject(error);
    if (task.queued) {
      // It stays in the queue until it comes up or the queue is compacted: hold nothing meanwhile.
      this.settledInQueue++;
      task.message = task.transfer = undefined;
    }
    // Mostly settled tasks in the queue: drop them now rather than when they come up.
    if (this.settledInQueue > 64 && this.settledInQueue * 2 > this.queue.length) this.compact();
  }

  /**
   * Sweep the settled tasks out of the queue, keeping the order of the rest. Without it, asks
   * with a short timeout behind busy routees would fill the queue with dead entries until each
   * comes up. It runs when more than 64 are dead and they are most of the queue: a sweep costs
   * the queue's length, at most twice what it drops (O(1) a task, amortized), and a few dead
   * entries are left to be skipped when they come up.
   */
  private compact(): void {
    const live: Task[] = [];
    for (let t = this.queue.shift(); t !== undefined; t = this.queue.shift()) {
      if (t.done) t.queued = false;
      else live.push(t);
    }
    for (const t of live) this.queue.push(t);
    this.settledInQueue = 0;
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
    this.queue.clear();
    this.settledInQueue = 0;
  }

  /** Stop waiting for a running task's routee (a late reply is ignored); frees its credit. */
  private abandon(t: Task): void {
    const r = this.release(t)!;
    // A timeout is trouble if the routee answered nothing since (it hangs); a routee that answers
    // others meanwhile (e.g. a machine that replies to this ask later, or never) keeps its credit.
    r.dropped(t, t.completedAtSend === r.completed, this.adaptive ? this.clock : undefined);
    r.direct?.cancelAsk(t.askId);
  }

  /** Take a running task off its routee; its routee, or null if it had none. */
  private release(t: Task): Routee | null {
    const r = t.routee;
    if (r === null) return null;
    t.routee = null;
    return r;
  }

  stats(): PoolStats {
    let inFlight = 0;
    for (const r of this.slots) inFlight += r.inFlight;
    const queued = this.queued();
    const completed: Record<string, number> = Object.fromEntries(this.retired);
    for (const r of this.slots)
      if (r.completed > 0) completed[r.address] = (completed[r.address] ?? 0) + r.completed;
    return { routees: this.slots.length, queued, inFlight, completed };
  }

  private noRoutees(): Error {
    return new ActorStoppedError(this.address(), 'the pool has no routees left');
  }
}
