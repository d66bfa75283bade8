/**
 * A routee as its pool sees it: its ref, the asks it holds, the answers it gave, and its credit —
 * how many asks a balancing pool may hand it at once, sized from what it measures itself
 * (adaptive credit, below) unless the pool's `credit` option fixes it.
 * Owns: one routee's load counters and credit. May not touch: the pool's queue, its deadlines,
 * or whether a task settles; of a task it reads and writes only the timing fields of
 * {@link RouteeTask}, and it sends nothing to its ref (the pool's core does).
 * @internal
 */
import type { Transferable } from 'node:worker_threads';
import { type ActorCell, cellOf } from '../actor/ActorCell.js';
import type { ReplyTarget } from '../actor/ask.js';
import { Status } from '../actor/CellBase.js';
import { LocalActorRef } from '../actor/LocalActorRef.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { Clock } from '../clock.js';

/**
 * Adaptive credit: how a balancing pool without a fixed `credit` sizes each routee's credit.
 *
 * Why. A routee that may hold only one or two asks runs out of work whenever its tasks are
 * shorter than a round trip (a hop to a thread or a node): it finishes them before the next asks
 * arrive, and the pool is bound by round trips, not by work: ~45k trivial tasks/s on threads at
 * credit 2, ~400k at 256 on a 2-core machine. For long tasks it is the other way round: an ask held by a
 * busy routee waits there while another routee may be idle, so long tasks want the least credit
 * (1 gives the fairest split). A pool does not know its tasks, so each routee measures its own:
 * - `S`, its time per task while it has work: busy time (from being handed work while idle to
 *   running out of it, transit included) divided by the answers given meanwhile;
 * - `L`, the shortest round trip of a task it answered (one task at a time is timed: see
 *   `probe`), close to the bare cost of transit with no queueing in it.
 * To stay busy through a round trip with `targetMs` of work to spare, it must hold
 * `(L + targetMs) / S` asks (work in flight = rate × time in flight).
 *
 * When it changes:
 * - grows or shrinks at the end of a window — `credit` answers, or `targetMs` of busy time —
 *   to `ceil((L + targetMs) / S)`: growing at most `growth`× a window (one short window's
 *   figures cannot take it from 2 to 256 at once), shrinking at once; nothing changes before a
 *   first round trip is known. The clock is read every 16 answers (and at a window's end, and
 *   when the routee runs out of work), so a window's end is seen within 16 answers: a credit
 *   grown for short tasks shrinks soon after they turn long, without a clock read per task;
 * - back to `min` when an ask to the routee times out while it answered nothing else since that
 *   ask was sent (it hangs, and must not swallow 256 asks a timeout), when its runtime is lost,
 *   and when it had no work for `idleResetMs` (the next burst may be of other tasks).
 *
 * Bounds: `[min, max]`. `min` 2 keeps the next task at the routee while it runs one (long tasks
 * keep it, so work stays close to idle routees); `max` 256. Neither goes above the routees'
 * mailbox capacity (a bounded mailbox would drop the asks beyond it; the pool's core passes the
 * cap). A slow routee measures its own, larger `S` and so holds less than a fast one.
 * @internal
 */
export const ADAPTIVE_CREDIT = { min: 2, max: 256, targetMs: 2, growth: 4, idleResetMs: 20 } as const;

/** A ref that can ask without a promise or a timer (local and remote refs can). @internal */
export interface DirectAsk {
  askInto(message: unknown, target: ReplyTarget, transfer?: readonly Transferable[]): number;
  cancelAsk(id: number): void;
}

function directAsk(ref: ActorRef): DirectAsk | undefined {
  return typeof (ref as Partial<DirectAsk>).askInto === 'function'
    ? (ref as unknown as DirectAsk)
    : undefined;
}

/** What a routee reads and writes of a task it is handed (the pool's `Task` is one). */
export interface RouteeTask {
  /** When it was handed to its routee (adaptive credit only, and only while it is the probe). */
  sentAt: number;
  /** Answers its routee had given when it was handed over (a timeout counts as trouble only if none came since). */
  completedAtSend: number;
}

/** A routee and its load, for balancing. */
export class Routee {
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
  /**
   * One task at a time is timed for the round trip (two clock reads), not every task: the clock
   * stays off the per-task path. The shortest round trip seen is kept (never reset): a probe
   * sent while the routee holds other work also times the wait behind it, and the minimum over
   * many probes comes close to the bare round trip.
   */
  private probe: RouteeTask | null = null;
  private minRoundTrip = Number.POSITIVE_INFINITY;

  /** Its runtime is down: skipped until it is started again. */
  down = false;
  readonly address: string;
  readonly direct: DirectAsk | undefined;
  private readonly cell: ActorCell | undefined;
  constructor(
    readonly ref: ActorRef,
    /** The most credit it may have: `ADAPTIVE_CREDIT.max`, or the routees' mailbox capacity if smaller. */
    private readonly maxCredit: number,
  ) {
    this.minCredit = Math.min(ADAPTIVE_CREDIT.min, maxCredit);
    this.credit = this.minCredit;
    this.address = ref.address;
    this.direct = directAsk(ref);
    this.cell = ref instanceof LocalActorRef ? cellOf(ref) : undefined;
  }

  /** It is handed `task`; `clock` is given for an adaptive credit, which times it. */
  took(task: RouteeTask, clock: Clock | undefined): void {
    task.completedAtSend = this.completed;
    if (clock !== undefined) this.measureSend(task, clock);
    this.inFlight++;
  }

  /** Adaptive credit: `task` is handed to it (before `inFlight` counts it). */
  private measureSend(task: RouteeTask, clock: Clock): void {
    if (this.inFlight === 0) {
      // It was idle: a busy period starts (one clock read, shared with the probe's start). Idle
      // for long, it starts again from the minimum.
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
  answered(task: RouteeTask, clock: Clock | undefined): void {
    if (clock !== undefined) this.measure(task, clock);
    this.inFlight--;
    this.completed++;
  }

  /** Adaptive credit: one answer's worth of measurement (before `inFlight` drops). */
  private measure(task: RouteeTask, clock: Clock): void {
    let now = -1; // the clock, once read (-1: not read yet)
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
    if (this.inFlight === 1) this.idleSince = now; // this answer was its last: it runs out of work
    const window = answered >= this.credit || this.busy >= ADAPTIVE_CREDIT.targetMs;
    // Mid-window, or no round trip known yet: the window goes on (busy time and answers add up).
    if (!window || this.minRoundTrip === Number.POSITIVE_INFINITY) return;
    // No busy time measured (the clock did not move): the window ends without a new figure.
    if (this.busy > 0) {
      const perTask = this.busy / this.windowAnswers; // S
      const want = Math.ceil((this.minRoundTrip + ADAPTIVE_CREDIT.targetMs) / perTask); // (L + targetMs) / S
      // At least the minimum; at most the cap, what it wants, and `growth` times what it had.
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
  dropped(task: RouteeTask, trouble: boolean, clock: Clock | undefined): void {
    if (task === this.probe) this.probe = null;
    if (trouble) this.resetCredit();
    if (clock !== undefined && this.inFlight === 1) this.idleSince = clock.now(); // runs out of work now
    this.inFlight--;
  }

  /** Back to the minimum credit, with a fresh window (the shortest round trip is kept). */
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
