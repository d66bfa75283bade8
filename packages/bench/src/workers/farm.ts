/**
 * Piscina's task module for the `farm` suite: the farm's own `fib` (from @troupe/examples),
 * answered as the same result object the `farm.fib` behaviour answers.
 */
import { threadId } from 'node:worker_threads';
import type { FibResult, FibTask } from '@troupe/examples/dist/farm/behaviours.js';
import { fib } from '@troupe/examples/dist/farm/fib.js';

export default function task({ n }: FibTask): FibResult {
  const start = performance.now();
  const value = fib(n);
  return { n, value, ms: performance.now() - start, worker: `piscina#${threadId}` };
}
