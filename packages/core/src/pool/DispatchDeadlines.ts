/**
 * Per-dispatch deadlines of a balancing pool (`redispatchAfterMs`). Each time a task is handed to
 * a routee it gets an {@link Attempt}: the reply target of that routee's ask, with a deadline of
 * its own that starts then (not when the task was queued). An attempt that passes its deadline
 * becomes stale and the pool's core dispatches its task again; the stale attempt keeps waiting,
 * so that when it answers after all, its reply is either the task's first (it wins: the result
 * does not wait for the later dispatch) or a late one (dropped and counted). One reply target
 * per dispatch is what tells them apart: a local routee answers the target it was given. A
 * stale attempt is kept (its remote ask is not cancelled, so that its reply can still come)
 * until its routee answers or fails it, its runtime is lost, or the pool stops.
 *
 * The deadlines live in a {@link PendingAsks}, as the pool's task deadlines do: one timer per
 * distinct timeout, none per attempt. A task that misses its deadline again gets twice the time
 * at its next dispatch, so a deadline set too short costs a few extra runs, never an endless
 * series.
 *
 * Owns: the attempts, their deadlines, the stale ones and the `overdue` and `lateReplies`
 * counts. May not touch: the queue, the routees' credit, or whether a task settles: a current
 * attempt's events go to its task (so to the core), a miss and a winning stale reply to the
 * core's callbacks.
 * @internal
 */
import { PendingAsks, type ReplyTarget, summarize, Timed } from '../actor/ask.js';
import type { Clock } from '../clock.js';
import { InvalidOptionsError } from '../errors.js';
import { describeCause } from '../serializedError.js';
import type { Routee } from './Routee.js';
import type { Task } from './Task.js';

/** What the pool's core does when an attempt misses its deadline, or a stale one answers first. @internal */
export interface DispatchOwner {
  /** `task`'s current dispatch, to `routee`, passed its deadline (the attempt is stale already). */
  overdue(task: Task, routee: Routee): void;
  /** A stale dispatch of `task`, to `routee`, answered before any other: its value is the result. */
  answeredLate(task: Task, routee: Routee, value: unknown): void;
}

/** One dispatch of a task to a routee: the reply target of the routee's ask, with its deadline. @internal */
export class Attempt extends Timed implements ReplyTarget {
  /** The routee's ask id, to cancel it when the pool stops. */
  askId = 0;
  constructor(
    private readonly owner: DispatchDeadlines,
    readonly task: Task,
    readonly routee: Routee,
    readonly timeoutMs: number,
  ) {
    super();
  }
  reply(value: unknown): void {
    if (this.task.attempt === this) this.task.reply(value);
    else this.owner.staleReply(this, value);
  }
  fail(error: unknown): void {
    if (this.task.attempt === this) this.task.fail(error);
    else this.owner.staleFailed(this);
  }
  expire(): void {
    this.owner.expired(this);
  }
  abort(): void {
    this.owner.end(this.task);
  }
}

/** The per-dispatch deadlines of one balancing pool. @internal */
export class DispatchDeadlines {
  /** Dispatches that passed their deadline. */
  overdue = 0;
  /** Replies dropped because their task had settled (another dispatch of it answered first). */
  lateReplies = 0;
  private readonly deadlines: PendingAsks;
  /** Attempts that passed their deadline or lost the race, still waiting for their routee. */
  private readonly stale = new Set<Attempt>();

  constructor(
    clock: Clock,
    private readonly after: number | ((message: unknown) => number),
    private readonly owner: DispatchOwner,
  ) {
    this.deadlines = new PendingAsks(clock);
  }

  /**
   * `task` is handed to `routee`: its attempt, which is the task's current one from now on, or
   * the error that fails the task when a `redispatchAfterMs` function gives no valid deadline.
   */
  start(task: Task, routee: Routee): Attempt | InvalidOptionsError {
    let ms: unknown = this.after;
    if (typeof this.after === 'function') {
      try {
        ms = this.after(task.message);
      } catch (e) {
        return new InvalidOptionsError(
          `pool option redispatchAfterMs threw for ${summarize(task.message)}: ${describeCause(e)}; make it return a time in ms > 0 for every message`,
          { cause: e },
        );
      }
      if (typeof ms !== 'number' || !(ms > 0)) {
        return new InvalidOptionsError(
          `pool option redispatchAfterMs returned ${String(ms)} for ${summarize(task.message)}; make it return a time in ms > 0 (Infinity: no deadline)`,
        );
      }
    }
    const attempt = new Attempt(this, task, routee, (ms as number) * 2 ** task.missed);
    this.deadlines.add(attempt);
    task.attempt = attempt;
    return attempt;
  }

  /** `task`'s current attempt is over (answered, failed, or cancelled): its deadline is off. */
  end(task: Task): void {
    const a = task.attempt as Attempt | null;
    if (a === null) return;
    task.attempt = null;
    if (a.list !== null) this.deadlines.remove(a);
  }

  /**
   * `task`'s current attempt is over but its routee's reply is still awaited (another dispatch
   * answered first): when it comes, it is dropped and counted.
   */
  retire(task: Task): void {
    const a = task.attempt as Attempt | null;
    if (a === null) return;
    this.end(task);
    this.stale.add(a);
  }

  /** `a` passed its deadline (from inside the deadline list's sweep, which it must leave). */
  expired(a: Attempt): void {
    const task = a.task;
    if (task.attempt !== a) {
      if (a.list !== null) this.deadlines.remove(a);
      return;
    }
    this.retire(task);
    this.overdue++;
    task.missed++;
    this.owner.overdue(task, a.routee);
  }

  /** A stale attempt answered: the first reply of its task wins; any later one is dropped and counted. */
  staleReply(a: Attempt, value: unknown): void {
    if (!this.stale.delete(a)) return; // cancelled (its task timed out or its pool stopped)
    if (a.task.done) this.lateReplies++;
    else this.owner.answeredLate(a.task, a.routee, value);
  }

  /** A stale attempt failed (its runtime was lost, it threw): the task's current dispatch decides. */
  staleFailed(a: Attempt): void {
    this.stale.delete(a);
  }

  /** The pool stopped: stop waiting for the stale attempts (a remote routee's ask is forgotten). */
  close(): void {
    for (const a of this.stale) a.routee.direct?.cancelAsk(a.askId);
    this.stale.clear();
  }
}
