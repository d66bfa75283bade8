/**
 * The ring, MPI style: N ranks spread over the worker threads; each reports its rank, size and
 * node; the PyPar program's message travels once around; then a token travels M rounds and the
 * ring reports messages per second.
 *
 *   pnpm example:ring [--ranks 4] [--rounds 2000] [--threads 2]   (--help for the options)
 */
import { availableParallelism } from 'node:os';
import { type ActorRef, createActorSystem, defineActor } from '@troupe/core';
import { parseCli } from '../shared/cli.js';
import type { RankMsg } from './behaviours.js';

const cli = parseCli({
  name: 'ring',
  command: 'pnpm example:ring',
  summary:
    'The ring, MPI style: N ranks (actors) on worker threads report their rank, pass the PyPar message\n' +
    'once around, then a token goes around M rounds and the ring reports messages per second.',
  options: {
    ranks: { type: 'string', arg: 'N', default: '4', help: 'ranks (actors) in the ring, at least 2' },
    rounds: {
      type: 'string',
      arg: 'M',
      default: '2000',
      help: 'times the token goes around the ring, at least 1',
    },
    threads: {
      type: 'string',
      arg: 'T',
      default: String(Math.min(availableParallelism(), 4)),
      defaultText: `the cores, at most 4; ${Math.min(availableParallelism(), 4)} here`,
      help: 'worker threads, 1 to 1024; rank r runs on thread r mod T',
    },
  },
});
const size = cli.int('ranks', { min: 2 });
const rounds = cli.int('rounds', { min: 1 });
const threads = cli.int('threads', { min: 1, max: 1024 });

const system = await createActorSystem({
  name: 'ring',
  catalog: [new URL('./behaviours.js', import.meta.url)],
  threads: { size: threads },
});

// Ranks are spread over the threads: rank r on thread r mod threads.
const ranks: ActorRef<RankMsg, string>[] = Array.from({ length: size }, (_, rank) =>
  system.spawn<RankMsg, unknown, { rank: number; size: number }, string>(
    'ring.rank',
    { rank, size },
    { name: `rank-${rank}`, placement: { thread: rank % threads } },
  ),
);
for (const r of ranks) r.tell({ type: 'init', ranks });
for (const r of ranks) console.log(await r.ask({ type: 'whoami' }));

/** A main-thread actor that resolves a promise with the message it gets. */
const Done = defineActor<unknown, (v: unknown) => void, (v: unknown) => void>({
  name: 'ring.done',
  init: (_ctx, resolve) => resolve,
  receive: (_ctx, resolve, m) => void resolve(m),
});
function oneShot<T>(): { ref: ActorRef<T>; value: Promise<T> } {
  let resolve!: (v: T) => void;
  const value = new Promise<T>((r) => (resolve = r));
  const ref = system.spawn(Done, resolve as (v: unknown) => void) as ActorRef<T>;
  return { ref, value };
}

const pypar = oneShot<string>();
ranks[0]!.tell({ type: 'pypar', msg: '', source: -1, done: pypar.ref });
console.log(await pypar.value);

const token = oneShot<number>();
const total = rounds * size;
const start = performance.now();
ranks[0]!.tell({ type: 'token', hops: 0, total, done: token.ref });
const hops = await token.value;
const seconds = (performance.now() - start) / 1000;
console.log(
  `token: ${rounds} rounds × ${size} ranks = ${hops} messages in ${seconds.toFixed(3)} s → ` +
    `${Math.round(hops / seconds).toLocaleString('en-US')} msg/s (each hop crosses threads when ranks > 1 thread)`,
);
await system.shutdown();
