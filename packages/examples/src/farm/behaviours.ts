/**
 * The farm's catalog module: every runtime (the main thread, each worker thread, each node)
 * loads it, so workers are started by name and no code is ever sent to them.
 */
import { threadId } from 'node:worker_threads';
import { defineActor } from '@troupe/core';
import { fib } from './fib.js';

/** A farm task: compute `fib(n)`. */
export interface FibTask {
  readonly n: number;
}

/** A farm result. */
export interface FibResult {
  readonly n: number;
  readonly value: number;
  /** Time spent computing, in ms. */
  readonly ms: number;
  /** Which runtime computed it: `<node id>` and thread id. */
  readonly worker: string;
}

/** A farm worker: computes one task at a time and replies with the result. */
export const FibWorker = defineActor<FibTask, undefined, void, FibResult>({
  name: 'farm.fib',
  receive(ctx, _state, task) {
    const start = performance.now();
    const value = fib(task.n);
    ctx.reply({
      n: task.n,
      value,
      ms: performance.now() - start,
      worker: `${ctx.self.address.split('/')[3]}#${threadId}`,
    });
  },
});
