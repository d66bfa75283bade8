/**
 * pool.map example: `multiprocessing.Pool().map(fib, [38, 37, 36, 35, 34, 33])`, with Troupe.
 *
 *   pnpm example:pool-map [--threads N]   (--help for the options)
 */
import { availableParallelism } from 'node:os';
import { parseCli } from '../shared/cli.js';
import { createPoolMap } from './poolMap.js';
import { fibTask, square } from './tasks.js';

const cli = parseCli({
  name: 'pool-map',
  command: 'pnpm example:pool-map',
  summary:
    "Python's multiprocessing.Pool().map with actors: maps square over 1..10 and the slow fib over\n" +
    '[38, 37, 36, 35, 34, 33] on a balancing pool of worker threads; results come back in input order.',
  options: {
    threads: {
      type: 'string',
      arg: 'N',
      defaultText: `all cores, ${availableParallelism()} here`,
      help: 'worker threads, 1 to 1024',
    },
  },
});
const threads = cli.int('threads', { min: 1, max: 1024 }, availableParallelism());
const pool = await createPoolMap({ catalog: [new URL('./tasks.js', import.meta.url)], threads });
console.log(
  'pool.map(square, 1..10) =',
  JSON.stringify(await pool.map(square, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])),
);
const start = performance.now();
const out = await pool.map(fibTask, [38, 37, 36, 35, 34, 33]);
console.log(
  `pool.map(fib, [38, 37, 36, 35, 34, 33]) = [${out.join(', ')}] in ${((performance.now() - start) / 1000).toFixed(3)} s`,
);
await pool.close();
