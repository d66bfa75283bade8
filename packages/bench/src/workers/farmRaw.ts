/**
 * The raw worker of the `farm` suite's hardware ceiling: it gets its whole share of the tasks in
 * one message, computes them with the farm's own `fib`, and answers once. No framework, no
 * scheduling, no messages while computing.
 */
import { parentPort } from 'node:worker_threads';
import { fib } from '@troupe/examples/dist/farm/fib.js';

const port = parentPort!;
port.on('message', (tasks: number[]) => {
  port.postMessage(tasks.map((n) => fib(n)));
});
