/**
 * Pools: N routees behind one ref. As with Akka's routers, a pool routes in the caller's runtime
 * (no hop through a router mailbox); a pool actor supervises the routees and keeps the routee
 * list current. Balancing pools are pull-based: each routee holds at most `credit` asks, and the
 * next ask goes to a routee with room.
 */
import type { Transferable } from 'node:worker_threads';
import { type ActorCell, Status } from '../actor/ActorCell.js';
import type { ActorRef, AskOptions, TellOptions } from '../actor/ActorRef.js';
import type { ReplyTarget } from '../actor/ask.js';
import { PendingAsks, summarize, Timed } from '../actor/ask.js';
import { type Behaviour, defineActor, type Placement } from '../actor/behaviour.js';
import { LocalActorRef } from '../actor/LocalActorRef.js';
import { askTimeout, checkTellOptions } from '../actor/messageOptions.js';
import { RefBase } from '../actor/RefBase.js';
import {
  ActorStoppedError,
  AskTimeoutError,
  InvalidOptionsError,
  isAskTimeoutError,
  isRuntimeLostError,
  MailboxFullError,
} from '../errors.js';
import type { MailboxOptions } from '../mailbox/Mailbox.js';
import { RingBuffer } from '../mailbox/RingBuffer.js';
import type { SupervisionOptions } from '../supervision/types.js';
import type { Clock } from '../system/clock.js';
import { HashRing, type Routing } from './routing.js';

/**
 * Options of `system.spawnPool`.
 *
 * @example
 * ```ts
 * // One routee per worker thread; idle routees take the next task; a lost thread's task runs again.
 * const farm = system.spawnPool('farm.fib', undefined, {
 *   placement: 'thread',
 *   routing: 'balancing',
 *   credit: 1,
 *   redispatchOnLost: true,
 *   supervision: { maxRestarts: 100, withinMs: 10_000 },
 * });
 * ```
 */
export interface PoolOptions<Msg = any> {
  /** Number of routees. Default: the number of worker threads for `placement: 'thread'`, 1 for a single thread or node (`{ thread: i }`, `{ node }`), else the number of cores. */
  readonly size?: number;
  /** How messages are spread. Default `round-robin`. */
  readonly routing?: Routing;
  /** Where each routee runs (`'thread'` spreads them over the pool of threads). Default `'local'`. */
  readonly placement?: Placement;
  /** One placement per routee (e.g. one routee on each thread of each node); sets the size. */
  readonly placements?: readonly Placement[];
  /** Name of the pool actor (routees are named `routee-<i>` below it). */
  readonly name?: string;
  /** `consistent-hash` routing: the key of a message. */
  readonly hashKey?: (message: Msg) => string | number;
  /**
   * `balancing` routing: asks each routee holds at once, fixed (1 gives the fairest split of long
   * tasks). Default: adaptive, per routee — 2 for tasks that take longer than a round trip, growing
   * up to 256 (or the routees' mailbox capacity, if smaller) for short ones, so that each routee
   * holds about the round trip plus 2 ms of work. It falls back to 2 when an ask to the routee
   * times out while it answers nothing else, when its runtime is lost, and after 20 ms without
   * work.
   */
  readonly credit?: number;
  /** `balancing` routing: most asks waiting in the pool; beyond it asks reject with `MailboxFullError`. Default unbounded. */
  readonly maxQueued?: number;
  /**
   * `balancing` routing: when a routee's thread is lost with an ask in flight, send the ask to
   * another routee instead of failing it (the task must be safe to run twice: the lost run's
   * reply can never arrive, so the caller still gets exactly one result).
   */
  readonly redispatchOnLost?: boolean;
  /** Mailbox of each routee. */
  readonly mailbox?: MailboxOptions;
  /** How the pool actor supervises its routees. Default: one-for-one, restart, 10 within 10 s. */
  readonly supervision?: SupervisionOptions;
}

/**
 * A ref to a pool: an {@link ActorRef} whose messages are spread over routees.
 *
 * @example
 * ```ts
 * const fib = system.spawnPool('fib', undefined, { placement: 'thread', routing: 'balancing' });
 * const results = await Promise.all([30, 31, 32].map((n) => fib.ask(n)));
 * ```
 */
export interface PoolRef<Msg = any, Reply = unknown> extends ActorRef<Msg, Reply> {
  /** The current routees, in order. */
  readonly routees: readonly ActorRef<Msg, Reply>[];
  /** Asks completed by each routee (by address), and what is queued or in flight now. */
  stats(): PoolStats;
}

/**
 * Load figures of a pool.
 *
 * @example
 * ```ts
 * const { queued, inFlight, completed } = pool.stats();
 * if (queued > 1000) console.warn(`farm behind: ${queued} queued, ${inFlight} running`, completed);
 * ```
 */
export interface PoolStats {
  /** Routees in the pool now. */
  readonly routees: number;
  /** Asks waiting in the pool for a routee with credit (balancing pools). */
  readonly queued: number;
  /** Asks handed to routees and not answered yet. */
  readonly inFlight: number;
  /** Asks each routee answered, by routee address (the pool tracks every ask; tells are not counted). */
  readonly completed: Readonly<Record<string, number>>;
}

/**
 * How a balancing pool without a fixed `credit` sizes each routee's credit. Per routee it measures
 * `S`, the routee's time per task while it has work (busy time / answers, transit included), and
 * `L`, the shortest round trip of a task it has answered; after each window (`credit` answers,
 * or `targetMs` of busy time, checked every 16 answers) the credit becomes `(L + targetMs) / S`,
 * within `[min, max]`, growing at most `growth`× a window. Long tasks (S ≫ L) keep the minimum, so work stays close to idle
 * routees; short ones get enough in flight to cover the round trip and keep the routee busy
 * (without it, a pool of trivial tasks on threads is bound by round trips: ~45k tasks/s at credit 2,
 * ~400k at 256 on a 2-core machine). A slow routee measures its own `S` and so holds less.
 * Never above the routees' mailbox capacity (a bounded mailbox would drop the asks beyond it);
 * back to `min` when an ask to the routee times out while it answers nothing else, or its
 * runtime is lost (a routee that hangs must not swallow 256 asks a timeout), and after `idleResetMs` without work (the next burst may
 * be of other tasks). @internal
 */
export const ADAPTIVE_CREDIT = { min: 2, max: 256, targetMs: 2, growth: 4, idleResetMs: 20 } as const;

/** Re-dispatches of one lost task that may follow each other in microtasks (see `failed`). */
const MICROTASK_REDISPATCHES = 3;

/** A ref that can ask without a promise or a timer (local and remote refs can). @internal */
interface DirectAsk {
  askInto(message: unknown, target: ReplyTarget, transfer?: readonly Transferable[]): number;
  cancelAsk(id: number): void;
}

function directAsk(ref: ActorRef): DirectAsk | undefined {
  return typeof (ref as Partial<DirectAsk>).askInto === 'function'
    ? (ref as unknown as DirectAsk)
    : undefined;
}

/**
 * An ask to a pool: it waits in the queue (balancing), then is the reply target of a routee's
 * ask. Its deadline is kept in the pool's deadline lists from the start until it settles.
 */
class Task extends Timed implements ReplyTarget {
  /** The routee working on it, while dispatched. */
  routee: Routee | null = null;
  askId = 0;
  /** It is in the pool's queue (possibly settled meanwhile, then skipped when it comes up). */
  queued = false;
  /** When it was handed to its routee (adaptive credit only). */
  sentAt = 0;
  /** Answers its routee had given when it was handed over (a timeout counts as trouble only if none came since). */
  completedAtSend = 0;
  /** Times it was lost with its routee's runtime and dispatched again. */
  redispatches = 0;
  constructor(
    private readonly core: PoolCore,
    /** What to send; dropped once it settles in the queue (it will never be sent). */
    public message: unknown,
    public transfer: readonly Transferable[] | undefined,
    readonly timeoutMs: number,
  ) {
    super();
  }
  /** It has its answer (or failed, timed out, or its pool stopped). */
  get done(): boolean {
    return this.list === null;
  }
  resolve(value: unknown): void {
    this.resolveFn(value);
  }
  reject(error: unknown): void {
    this.rejectFn(error);
  }
  /** Its routee answered. */
  reply(value: unknown): void {
    this.core.replied(this, value);
  }
  /** Its routee's ask failed. */
  fail(error: unknown): void {
    this.core.failed(this, error);
  }
  expire(): void {
    this.core.expired(this);
  }
  abort(error: unknown): void {
    this.core.aborted(this, error);
  }
}

/** A routee and its load, for balancing. */
class Routee {
  inFlight = 0;
  completed = 0;
  /** Adaptive credit: asks it may hold now, and what it is measured from (see {@link ADAPTIVE_CREDIT}). */
  credit: number;
  private readonly minCredit: number;
  /** When it last ran out of work (read when it did; a failure's doing is not timed). */
  private idleSince = 0;
  /** Since when it has held work (valid while `inFlight > 0`), and busy time and answers this window. */
  private busySince = 0;
  private busy = 0;
  private windowAnswers = 0;
  /** One task at a time is timed for the round trip (two clock reads), not every task. */
  private probe: Task | null = null;
  private minRoundTrip = Number.POSITIVE_INFINITY;

  /** Its runtime is down: skipped until it is started again. */
  down = false;
  readonly address: string;
  readonly direct: DirectAsk | undefined;
  private readonly cell: ActorCell | undefined;
  constructor(
    readonly ref: ActorRef,
    private readonly maxCredit: number,
  ) {
    this.minCredit = Math.min(ADAPTIVE_CREDIT.min, maxCredit);
    this.credit = this.minCredit;
    this.address = ref.address;
    this.direct = directAsk(ref);
    this.cell = ref instanceof LocalActorRef ? ref.cell : undefined;
  }

  /** It is handed `task`; `clock` is given for an adaptive credit, which times it. */
  took(task: Task, clock: Clock | undefined): void {
    task.completedAtSend = this.completed;
    if (clock !== undefined) this.measureSend(task, clock);
    this.inFlight++;
  }

  /** Adaptive credit: `task` is handed to it (before `inFlight` counts it). */
  private measureSend(task: Task, clock: Clock): void {
    if (this.inFlight === 0) {
      this.busySince = clock.now();
      if (this.busySince - this.idleSince > ADAPTIVE_CREDIT.idleResetMs) this.resetCredit();
      if (this.probe === null) {
        this.probe = task;
        task.sentAt = this.busySince;
      }
    } else if (this.probe === null) {
      this.probe = task;
      task.sentAt = clock.now();
    }
  }

  /** It answered `task`; `clock` is given for an adaptive credit, which this answer measures. */
  answered(task: Task, clock: Clock | undefined): void {
    if (clock !== undefined) this.measure(task, clock);
    this.inFlight--;
    this.completed++;
  }

  /** Adaptive credit: one answer's worth of measurement (before `inFlight` drops). */
  private measure(task: Task, clock: Clock): void {
    let now = -1;
    if (task === this.probe) {
      this.probe = null;
      now = clock.now();
      if (now - task.sentAt < this.minRoundTrip) this.minRoundTrip = now - task.sentAt;
    }
    const answered = ++this.windowAnswers;
    // The clock is read every 16 answers, at the end of a window and when the routee runs out of
    // work: not per task, yet a credit grown for short tasks shrinks soon after they turn long.
    if (answered < this.credit && (answered & 15) !== 0 && this.inFlight > 1 && now < 0) return;
    if (now < 0) now = clock.now();
    this.busy += now - this.busySince;
    this.busySince = now;
    if (this.inFlight === 1) this.idleSince = now;
    const window = answered >= this.credit || this.busy >= ADAPTIVE_CREDIT.targetMs;
    if (!window || this.minRoundTrip === Number.POSITIVE_INFINITY) return;
    if (this.busy > 0) {
      const perTask = this.busy / this.windowAnswers;
      const want = Math.ceil((this.minRoundTrip + ADAPTIVE_CREDIT.targetMs) / perTask);
      this.credit = Math.max(
        this.minCredit,
        Math.min(this.maxCredit, want, this.credit * ADAPTIVE_CREDIT.growth),
      );
    }
    this.busy = 0;
    this.windowAnswers = 0;
  }

  /**
   * `task` left it without an answer (failed, timed out, abandoned); `trouble`
   * (a timeout, a lost runtime) takes the credit back to the minimum. An error the routee
   * answered with is an answer of sorts and keeps it.
   */
  dropped(task: Task, trouble: boolean, clock: Clock | undefined): void {
    if (task === this.probe) this.probe = null;
    if (trouble) this.resetCredit();
    if (clock !== undefined && this.inFlight === 1) this.idleSince = clock.now(); // runs out of work now
    this.inFlight--;
  }

  private resetCredit(): void {
    this.credit = this.minCredit;
    this.busy = 0;
    this.windowAnswers = 0;
  }

  /** A local routee that is stopping or stopped takes no more work (it leaves the pool soon). */
  stopping(): boolean {
    return this.cell !== undefined && this.cell.status >= Status.Stopping;
  }
}

/** The state a pool ref and its pool actor share (both live in the caller's runtime). @internal */
export class PoolCore {
  routees: ActorRef[] = [];
  private slots: Routee[] = [];
  private rr = 0;
  private ring: HashRing | undefined;
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

  /** A routee's ask for `task` failed. @internal */
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
      this.lost.push(task);
      // A task lost again and again (a routee whose runtime refuses it at once, before the loss is
      // known to the pool) goes back only after the event loop has turned: never a microtask loop
      // that starves the timers and events that would end it.
      if (this.lost.length === 1) {
        if (++task.redispatches > MICROTASK_REDISPATCHES) setImmediate(this.requeueLost);
        else queueMicrotask(this.requeueLost);
      } else task.redispatches++;
      return;
    }
    // A routee's own ask timing out at the pool's deadline is the pool's timeout.
    if (this.settle(task)) task.reject(isAskTimeoutError(error) ? this.timeoutError(task) : error);
    // Not from here: a failure can be reported from inside a dispatch (an ask refused at once) or
    // from inside a routee's termination; pumping then would feed the queue to the same routee.
    this.schedulePump();
  }

  /** Tasks of a lost routee waiting to go back to the front of the queue, oldest first. */
  private lost: Task[] = [];
  private readonly requeueLost = () => {
    const lost = this.lost;
    this.lost = [];
    for (let i = lost.length - 1; i >= 0; i--) {
      const task = lost[i]!;
      // Settled meanwhile: timed out, or failed by close() with every task the pool holds.
      if (!task.done) this.enqueue(task, true);
    }
    this.pump();
  };

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

interface PoolArgs {
  readonly core: PoolCore;
  readonly routee: Behaviour | string;
  readonly args: unknown;
  readonly size: number;
  readonly placement: Placement | undefined;
  readonly placements: readonly Placement[] | undefined;
  readonly mailbox: MailboxOptions | undefined;
}

/** The pool actor: supervises the routees, watches them, and routes messages sent to its address. */
function poolBehaviour(supervision: SupervisionOptions | undefined): Behaviour<unknown, PoolArgs, PoolArgs> {
  return defineActor<unknown, PoolArgs, PoolArgs>({
    name: 'troupe.pool',
    ...(supervision === undefined ? {} : { supervision }),
    init(ctx, a) {
      // Routees are spawned with the pool; after a restart of the pool actor they are spawned again.
      if (ctx.children.length === 0) spawnRoutees(ctx as unknown as ActorCell, a);
      return a;
    },
    receive(ctx, a, message) {
      // A message sent to the pool's address (e.g. from another thread): route it on.
      const reply = (ctx as unknown as ActorCell).detachReply();
      if (reply === undefined) a.core.tell(message);
      else
        a.core.ask(message).then(
          (v) => reply.reply(v),
          (e) => reply.fail(e),
        );
      return a;
    },
    onStop: (_ctx, a) => a.core.close(),
    // A restart (after an escalation) stops the routees and spawns new ones in init; the pool's
    // queue and callers stay (without this, the restart would run onStop and close the pool).
    onRestart: () => undefined,
  });
}

function spawnRoutees(pool: ActorCell, a: PoolArgs): void {
  // The routee list follows the pool actor's children: a routee restarted on a replacement thread
  // or relocated to another node (a new address) is routed to again; one whose runtime is down is
  // skipped meanwhile; one that terminated for good is dropped, and the pool stops with the last.
  pool.childListener = (child, event) => {
    if (event === 'lost') a.core.markDown(child.address);
    else if (event === 'started') {
      if (a.core.routees.includes(child.ref)) a.core.markUp(child.address);
      else if (!settingUp) a.core.setRoutees(currentRoutees(pool));
    } else {
      a.core.setRoutees(currentRoutees(pool));
      if (a.core.routees.length === 0 && pool.status === Status.Running) pool.stop(pool.ref);
    }
  };
  let settingUp = true;
  for (let i = 0; i < a.size; i++) {
    const placement = a.placements?.[i] ?? a.placement;
    pool.spawnChild(a.routee, a.args, {
      name: `routee-${i}`,
      ...(placement === undefined ? {} : { placement }),
      ...(a.mailbox === undefined ? {} : { mailbox: a.mailbox }),
    });
  }
  settingUp = false;
  a.core.setRoutees(currentRoutees(pool));
}

function currentRoutees(pool: ActorCell): ActorRef[] {
  return pool.childCells === null ? [] : [...pool.childCells.values()].map((c) => c.ref);
}

/** A pool ref: routes in the caller's runtime. @internal */
class PoolActorRef extends RefBase implements PoolRef {
  // Private fields: a deep walk of a message holding this ref never wanders into the system.
  readonly #actor: ActorRef;
  readonly #core: PoolCore;
  constructor(actor: ActorRef, core: PoolCore) {
    super();
    this.#actor = actor;
    this.#core = core;
  }
  get address(): string {
    return this.#actor.address;
  }
  get name(): string {
    return this.#actor.name;
  }
  get routees(): readonly ActorRef[] {
    return this.#core.routees;
  }
  tell(message: unknown, options?: TellOptions): void {
    this.#core.tell(message, options);
  }
  ask(message: unknown, options?: AskOptions): Promise<unknown> {
    return this.#core.ask(message, options);
  }
  stats(): PoolStats {
    return this.#core.stats();
  }
}

const POOL_KEYS = new Set([
  'size',
  'routing',
  'placement',
  'placements',
  'name',
  'hashKey',
  'credit',
  'maxQueued',
  'redispatchOnLost',
  'mailbox',
  'supervision',
]);

/** Start a pool under `parent`. @internal */
export function spawnPool(
  parent: ActorCell,
  routee: Behaviour | string,
  args: unknown,
  options: PoolOptions,
  defaultSize: number,
): PoolRef {
  for (const k of Object.keys(options)) {
    if (!POOL_KEYS.has(k))
      throw new InvalidOptionsError(
        `unknown pool option '${k}'; the options are: ${[...POOL_KEYS].join(', ')}`,
      );
  }
  const routing = options.routing ?? 'round-robin';
  if (!['round-robin', 'broadcast', 'consistent-hash', 'balancing'].includes(routing)) {
    throw new InvalidOptionsError(
      `pool routing must be 'round-robin', 'broadcast', 'consistent-hash' or 'balancing', got ${String(routing)}`,
    );
  }
  if (routing === 'consistent-hash' && typeof options.hashKey !== 'function') {
    throw new InvalidOptionsError('consistent-hash routing needs hashKey: (message) => string | number');
  }
  for (const k of ['credit', 'maxQueued', 'redispatchOnLost'] as const) {
    if (options[k] !== undefined && options[k] !== false && routing !== 'balancing') {
      throw new InvalidOptionsError(
        `pool option '${k}' works with routing: 'balancing' only (this pool's routing is '${routing}')`,
      );
    }
  }
  const size = options.placements?.length ?? options.size ?? defaultSize;
  if (!Number.isInteger(size) || size < 1)
    throw new InvalidOptionsError(`pool size must be a whole number ≥ 1, got ${String(options.size)}`);
  if (options.credit !== undefined && !(Number.isInteger(options.credit) && options.credit >= 1)) {
    throw new InvalidOptionsError(`pool credit must be a whole number ≥ 1, got ${String(options.credit)}`);
  }
  const sys = parent.system;
  let actor: ActorRef | undefined;
  const address = () => actor?.address ?? 'pool';
  const core = new PoolCore(routing, sys.clock, sys.askTimeoutMs, address, options, (m) =>
    sys.deadLetter(address(), m, 'stopped'),
  );
  const poolArgs: PoolArgs = {
    core,
    routee,
    args,
    size,
    placement: options.placement,
    placements: options.placements,
    mailbox: options.mailbox,
  };
  actor = parent.spawnChild(
    poolBehaviour(options.supervision),
    poolArgs,
    options.name === undefined ? undefined : { name: options.name },
  );
  // Spawn the routees now, so the pool routes from its first message on.
  try {
    spawnRoutees((actor as LocalActorRef).cell, poolArgs);
  } catch (e) {
    parent.stop(actor);
    throw e;
  }
  return new PoolActorRef(actor, core);
}
