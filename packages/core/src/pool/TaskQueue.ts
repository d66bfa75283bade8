/**
 * A balancing pool's queue: the asks waiting for a routee with room, oldest first (a task
 * dispatched again goes to the front). One that settles while it waits (its deadline passed)
 * stays in place, since taking it out of the middle of a ring buffer is O(n): it is `done`, holds
 * no message, is counted in `settled` and skipped when it comes up; `compact` sweeps them out
 * when they are many.
 * Owns: the order of the waiting tasks and the task's `queued` flag. May not touch: whether a
 * task settles, or where it goes (the pool's core decides both).
 * @internal
 */
import { RingBuffer } from '../mailbox/RingBuffer.js';
import type { Task } from './Task.js';

/** The waiting asks of a balancing pool. @internal */
export class TaskQueue {
  private readonly buf = new RingBuffer<Task>(16);
  /** Tasks in the queue that settled while waiting (timed out): skipped when they come up. */
  private settled = 0;

  /** Asks waiting (not counting those that settled here). */
  get length(): number {
    return this.buf.length - this.settled;
  }

  /** Nothing is left, not even a settled task. */
  isEmpty(): boolean {
    return this.buf.isEmpty();
  }

  /** Queue `task`: last, or `first` in line. */
  add(task: Task, first = false): void {
    task.queued = true;
    if (first) this.buf.unshift(task);
    else this.buf.push(task);
  }

  /** The next task that has not settled here; undefined if none is left. */
  take(): Task | undefined {
    for (;;) {
      const task = this.buf.shift();
      if (task === undefined) return undefined;
      task.queued = false;
      if (!task.done) return task;
      this.settled--;
    }
  }

  /** `task`, which is in the queue, has settled: it holds nothing while it waits to be skipped. */
  settledHere(task: Task): void {
    this.settled++;
    task.message = task.transfer = undefined;
    // Mostly settled tasks: drop them now rather than when they come up.
    if (this.settled > 64 && this.settled * 2 > this.buf.length) this.compact();
  }

  clear(): void {
    this.buf.clear();
    this.settled = 0;
  }

  /**
   * Sweep the settled tasks out, keeping the order of the rest. Without it, asks with a short
   * timeout behind busy routees would fill the queue with dead entries until each comes up. It
   * runs when more than 64 are dead and they are most of the queue: a sweep costs the queue's
   * length, at most twice what it drops (O(1) a task, amortized), and a few dead entries are left
   * to be skipped when they come up.
   */
  private compact(): void {
    const live: Task[] = [];
    for (let t = this.buf.shift(); t !== undefined; t = this.buf.shift()) {
      if (t.done) t.queued = false;
      else live.push(t);
    }
    for (const t of live) this.buf.push(t);
    this.settled = 0;
  }
}
