/**
 * Suite `threads`: Troupe actors on worker threads against raw `worker_threads` messaging and
 * Piscina, measured side by side in one process.
 *
 * Fairness: every peer sends the same message shapes (src/work.ts) and the far end does the same
 * work; asks in flight go through one shared driver; threads and pools live across rounds, as in
 * a program. See peers/threads.ts for what each case does exactly.
 */
import { availableParallelism } from 'node:os';
import { type Benchmark, type Suite, type SuiteOptions, sizedCase } from '../harness.js';
import {
  idleLoopDelay,
  piscinaLoopDelay,
  piscinaPool,
  rawAsk,
  rawTell,
  troupeAsk,
  troupeLoopDelay,
  troupePool,
  troupeTell,
} from '../peers/threads.js';

const TROUPE = 'Troupe';

interface Sizes {
  readonly tell: number;
  readonly ask1: number;
  readonly ask256: number;
  readonly pool: number;
  /** fib tasks per loop-delay round, and their n. */
  readonly loopTasks: number;
  readonly fibN: number;
}

const FULL: Sizes = {
  tell: 2_000_000,
  ask1: 20_000,
  ask256: 500_000,
  pool: 1_000_000,
  loopTasks: 2000,
  fibN: 27,
};
const QUICK: Sizes = { tell: 200_000, ask1: 2000, ask256: 40_000, pool: 50_000, loopTasks: 300, fibN: 27 };

/** Asks in flight for the pool benchmark ("many"); the Troupe and Piscina cases use the same. */
const POOL_DEPTH = 1024;

const at = sizedCase;

/** Microseconds per operation: the score of the latency benchmarks. */
const microsPerOp = (r: { ms: number; ops: number }) => (r.ms * 1000) / r.ops;

export function threadsSuite({ quick }: SuiteOptions): Suite {
  const s = quick ? QUICK : FULL;
  const cores = availableParallelism();
  const tell: Benchmark = {
    name: 'tell',
    what: 'one-way messages main → an actor/worker on one thread, timed until it has counted them all',
    unit: 'msg/s',
    baseline: TROUPE,
    cases: [
      at(TROUPE, s.tell, troupeTell, { on: 'value', min: 3e6 }),
      // Unbatched postMessage is ~3× slower: half the messages keep the round short; a rate is per message.
      at('raw postMessage', s.tell / 2, (n) => rawTell(n, 1)),
      at('raw postMessage, batches of 100', s.tell, (n) => rawTell(n, 100)),
    ],
  };
  const ask1: Benchmark = {
    name: 'ask-latency',
    what: 'request/response round trips main → one thread, one in flight (µs per round trip)',
    unit: 'µs',
    baseline: TROUPE,
    score: microsPerOp,
    cases: [
      at(TROUPE, s.ask1, (n) => troupeAsk(n, 1)),
      at('raw postMessage', s.ask1, (n) => rawAsk(n, 1), {
        on: 'ratio',
        max: 1.2,
        label: 'Troupe ≤ 1.2× raw',
      }),
    ],
  };
  const ask256: Benchmark = {
    name: 'ask-256',
    what: 'request/response main → one thread with 256 in flight',
    unit: 'asks/s',
    baseline: TROUPE,
    cases: [
      at(TROUPE, s.ask256, (n) => troupeAsk(n, 256)),
      at('raw postMessage', s.ask256, (n) => rawAsk(n, 256), {
        on: 'ratio',
        min: 0.8,
        label: 'Troupe ≥ 0.8× raw',
      }),
    ],
  };
  const pool: Benchmark = {
    name: 'pool',
    what: `trivial tasks (n → n + 1) through a pool of ${cores} thread actors vs Piscina's defaults, ${POOL_DEPTH} in flight`,
    unit: 'tasks/s',
    baseline: `${TROUPE} balancing`,
    cases: [
      // Balancing (pull) routing with its default, adaptive credit: for tasks this short each
      // routee's credit grows to 256 asks within the first few hundred; the rest wait in the pool.
      at(`${TROUPE} balancing`, s.pool, (n) => troupePool(n, POOL_DEPTH, 'balancing'), {
        on: 'value',
        min: 400e3,
      }),
      // Round-robin: every ask goes straight to the next routee, all 1024 in flight at the threads.
      // Half the tasks per round (it used to be several times slower, see the README).
      at(`${TROUPE} round-robin`, s.pool / 2, (n) => troupePool(n, POOL_DEPTH, 'round-robin'), {
        on: 'value',
        min: 400e3,
      }),
      // Piscina is an order of magnitude slower at trivial tasks here: a twentieth of the tasks per
      // round keeps the suite short (a rate is per task, so it stays comparable).
      at('Piscina', s.pool / 20, (n) => piscinaPool(n, POOL_DEPTH)),
    ],
  };
  const loopDelay: Benchmark = {
    name: 'loop-delay',
    what: `main event-loop delay p99 (monitorEventLoopDelay, 1 ms resolution) while ${cores} threads compute fib(${s.fibN}) tasks, 2 in flight per thread`,
    unit: 'ms',
    baseline: TROUPE,
    score: (r) => r.measured.p99Ms ?? Number.NaN,
    note: (r) =>
      `mean ${(r.measured.meanMs ?? Number.NaN).toFixed(2)} ms, max ${(r.measured.maxMs ?? Number.NaN).toFixed(1)} ms, ${r.measured.samples} samples${r.ops > 1 ? `, ${Math.round((r.ops * 1000) / r.ms)} tasks/s` : ''}`,
    cases: [
      at(TROUPE, s.loopTasks, (n) => troupeLoopDelay(n, s.fibN), { on: 'value', max: 10 }),
      at('Piscina', s.loopTasks, (n) => piscinaLoopDelay(n, s.fibN)),
      // The floor: the same monitor on a main thread with no work and idle threads.
      at('idle main thread', 1, () => idleLoopDelay(quick ? 200 : 1000)),
    ],
  };
  return {
    name: 'threads',
    title: 'Worker threads: Troupe vs raw worker_threads postMessage and Piscina',
    benchmarks: [tell, ask1, ask256, pool, loopDelay],
  };
}
