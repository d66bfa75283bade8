/**
 * Catalog of the `threads` suite: the behaviours Troupe runs on worker threads. Loaded by the
 * main thread and by every worker thread from `dist/catalogs/threads.js`.
 */
import { defineActor } from '@troupe/core';
import { fib, trivial } from '../work.js';

/** Counts ticks; `count` answers the count so far and starts again from 0 (the end of a round). */
export const Sink = defineActor<{ type: 'tick' } | { type: 'count' }, number, void, number>({
  name: 'bench.thread.sink',
  init: () => 0,
  receive(ctx, count, m) {
    if (m.type === 'tick') return count + 1;
    ctx.reply(count);
    return 0;
  },
});

/** Answers every ping with its value: a bare round trip. */
export const Echo = defineActor<{ type: 'ping'; value: number }, undefined, void, number>({
  name: 'bench.thread.echo',
  receive(ctx, _state, m) {
    ctx.reply(m.value);
  },
});

/** A pool routee for trivial tasks: answers `n + 1`. */
export const Task = defineActor<{ type: 'task'; n: number }, undefined, void, number>({
  name: 'bench.thread.task',
  receive(ctx, _state, m) {
    ctx.reply(trivial(m.n));
  },
});

/** A pool routee for CPU-bound tasks: answers `fib(n)`. */
export const Fib = defineActor<{ type: 'fib'; n: number }, undefined, void, number>({
  name: 'bench.thread.fib',
  receive(ctx, _state, m) {
    ctx.reply(fib(m.n));
  },
});
