/**
 * A task: one ask to a pool, from the call until it settles. It may wait in the pool's queue
 * (balancing), then is the reply target of a routee's ask (with `redispatchAfterMs`, its current
 * attempt is); it is in the pool's deadline lists from the start until it settles.
 * Owns: the fields of one task. May not touch: anything else. It decides nothing: each event (a
 * reply, a failure, its deadline, an abort) goes to its {@link TaskOwner}, the pool's core, which
 * settles it or dispatches it again.
 * @internal
 */
import type { Transferable } from 'node:worker_threads';
import { type ReplyTarget, Timed } from '../actor/ask.js';
import type { Routee, RouteeTask } from './Routee.js';

/** Where a task's events go: the pool's core (an interface, so that this file does not import it). */
export interface TaskOwner {
  /** `task`'s routee answered. */
  replied(task: Task, value: unknown): void;
  /** `task`'s routee's ask failed. */
  failed(task: Task, error: unknown): void;
  /** `task`'s deadline passed. */
  expired(task: Task): void;
  /** `task` must fail with `error` now (its pool stopped). */
  aborted(task: Task, error: unknown): void;
}

/**
 * An ask to a pool: it waits in the queue (balancing), then is the reply target of a routee's
 * ask. Its deadline is kept in the pool's deadline lists from the start until it settles.
 */
export class Task extends Timed implements ReplyTarget, RouteeTask {
  /** The routee working on it, while dispatched. */
  routee: Routee | null = null;
  askId = 0;
  /** It is in the pool's queue (possibly settled meanwhile, then skipped when it comes up). */
  queued = false;
  /** When it was handed to its routee (adaptive credit only). */
  sentAt = 0;
  /** Answers its routee had given when it was handed over (a timeout counts as trouble only if none came since). */
  completedAtSend = 0;
  /** Times it went back to the queue to be dispatched again (its routee's runtime lost, or its deadline missed). */
  redispatches = 0;
  /**
   * Its current dispatch, with `redispatchAfterMs`: an `Attempt` (DispatchDeadlines.ts, which
   * imports this file), the reply target its routee was given.
   */
  attempt: Timed | null = null;
  /** Dispatches of it that missed their `redispatchAfterMs` deadline (each doubles the next one's). */
  missed = 0;
  /** The routee whose deadline it missed last: it goes to another routee next, if one is up. */
  avoid: Routee | null = null;
  constructor(
    private readonly core: TaskOwner,
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
