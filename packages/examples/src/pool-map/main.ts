/**
 * pool.map example: `multiprocessing.Pool().map(fib, [38, 37, 36, 35, 34, 33])`, with Troupe.
 *
 *   pnpm example:pool-map [--threads N]
 */
import { parseArgs } from 'node:util';
import { createPoolMap } from './poolMap.js';
import { fibTask, square } from './tasks.js';

const { values } = parseArgs({ options: { threads: { type: 'string' } } });
const pool = await createPoolMap({
  catalog: [new URL('./tasks.js', import.meta.url)],
  ...(values.threads === undefined ? {} : { threads: Number(values.threads) }),
});
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
