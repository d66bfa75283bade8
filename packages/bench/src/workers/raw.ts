/**
 * The raw `worker_threads` peer of the `threads` suite: a worker that handles the suite's
 * messages with nothing but `parentPort` — no framework, no envelope, no batching of its own.
 * A request carries `id`, and the answer `{ id, value }` goes back with one `postMessage`.
 * An array is a batch of messages (the "batched by 100" case); each is handled on its own.
 */
import { parentPort } from 'node:worker_threads';
import { fib, type ThreadMsg, trivial } from '../work.js';

type Request = ThreadMsg & { readonly id?: number };

const port = parentPort!;
let count = 0;

function handle(m: Request): void {
  switch (m.type) {
    case 'tick':
      count++;
      return;
    case 'count':
      port.postMessage({ id: m.id, value: count });
      count = 0;
      return;
    case 'ping':
      port.postMessage({ id: m.id, value: m.value });
      return;
    case 'task':
      port.postMessage({ id: m.id, value: trivial(m.n) });
      return;
    case 'fib':
      port.postMessage({ id: m.id, value: fib(m.n) });
      return;
  }
}

port.on('message', (m: Request | Request[]) => {
  if (Array.isArray(m)) for (const one of m) handle(one);
  else handle(m);
});
