/**
 * The raw worker of the `farm` suite's hardware ceiling: it gets its whole share of the tasks in
 * one message (one task at a time for the pull case), computes them with the farm's own `fib`,
 * and answers once with the values and its computing time. No framework, no messages while
 * computing.
 */
import { parentPort } from 'node:worker_threads';
import { fib } from '@troupe/examples/dist/farm/fib.js';

const port = parentPort!;
port.on('message', (tasks: number[]) => {
  const start = performance.now();
  const values = tasks.map((n) => fib(n));
  port.postMessage({ values, ms: performance.now() - start });
});
