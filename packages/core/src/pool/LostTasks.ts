/**
 * Re-dispatch of a lost routee's tasks (`redispatchOnLost`, balancing pools). When a routee's
 * runtime (a thread, a node) is lost, each ask it held fails with a RuntimeLostError, one after
 * the other, in the order they were sent, from inside the runtime's handling of the loss. The
 * pool's core hands every such task that has not settled to a {@link LostTasks}, which gives the
 * whole batch back to the core once that handling is over, to go to the front of the queue.
 *
 * Why not at once: a failure is reported from inside other work — the runtime's handling of the
 * loss, which goes on after the asks fail, or a dispatch whose ask was refused at once — and a
 * dispatch from there would re-enter it; one batch afterwards also keeps the tasks of one loss in
 * their order, first in line (they have waited longest). Why not always after a microtask: a
 * routee whose runtime refuses every ask at once, before the loss is known to the pool, would
 * fail the task again at once, and again: a microtask loop that starves the timers and events
 * that would end it. So a task lost more than `MICROTASK_REDISPATCHES` times goes back
 * only after the event loop has turned (`setImmediate`).
 *
 * A task that missed its per-dispatch deadline (`redispatchAfterMs`, DispatchDeadlines.ts) goes
 * back the same way: it is taken back from inside the sweep of a deadline list, the tasks of one
 * sweep keep their order, and the routee it missed on is noted on it (`avoid`) for the core.
 *
 * Owns: the batch of lost tasks, and when it goes back. May not touch: the queue, the routees or
 * whether a task settles (the core decides which tasks come here, and puts them back).
 * @internal
 */
import type { Task } from './Task.js';

/** Re-dispatches of one lost task that may follow each other in microtasks (see the header). */
const MICROTASK_REDISPATCHES = 3;

/** The tasks of a lost routee waiting to go back to the front of its pool's queue. @internal */
export class LostTasks {
  /** Oldest first (the order in which the loss failed them). */
  private tasks: Task[] = [];

  constructor(
    /** Puts a batch back (oldest first): it skips the tasks that settled meanwhile, and pumps. */
    private readonly requeue: (tasks: Task[]) => void,
  ) {}

  /** `task` was lost with its routee's runtime (or missed its deadline): it goes back once that has been processed. */
  add(task: Task): void {
    this.tasks.push(task);
    // One flush a batch, scheduled by its first task: the tasks of one loss keep their order.
    if (this.tasks.length === 1) {
      if (++task.redispatches > MICROTASK_REDISPATCHES) setImmediate(this.flush);
      else queueMicrotask(this.flush);
    } else task.redispatches++;
  }

  private readonly flush = () => {
    const tasks = this.tasks;
    this.tasks = [];
    this.requeue(tasks);
  };
}
