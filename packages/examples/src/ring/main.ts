/**
 * The ring, MPI style: N ranks spread over the worker threads; each reports its rank, size and
 * node; the PyPar program's message travels once around; then a token travels M rounds and the
 * ring reports messages per second.
 *
 *   pnpm example:ring [--ranks 4] [--rounds 2000] [--threads 2]
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { type ActorRef, createActorSystem, defineActor } from '@troupe/core';
import type { RankMsg } from './behaviours.js';

const { values } = parseArgs({
  options: {
    ranks: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2000' },
    threads: { type: 'string', default: String(Math.min(availableParallelism(), 4)) },
  },
});
const size = Number(values.ranks);
const rounds = Number(values.rounds);
const threads = Number(values.threads);
if (!(Number.isInteger(size) && size >= 2)) throw new Error('--ranks must be a whole number ≥ 2');
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds must be a whole number ≥ 1');
if (!(Number.isInteger(threads) && threads >= 1)) throw new Error('--threads must be a whole number ≥ 1');

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
