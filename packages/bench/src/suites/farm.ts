/**
 * Suite `farm`: the Fibonacci farm of packages/examples (the classic Python multiprocessing demo,
 * `Pool().map(fib, [38, 37, 36, 35, 34, 33])`): sequential vs Troupe on 2 threads vs Piscina on
 * 2 threads, and 1 vs 2 Troupe nodes over NATS, each node pinned to its own core.
 *
 * The score is the wall time of a round (all tasks, first sent to last answered); the ratio to
 * the baseline is then the speedup (`sequential / Troupe = 1.97×`). See peers/farm.ts.
 */
import type { BenchCase, Benchmark, Contender, Goal, Suite, SuiteOptions } from '../harness.js';
import {
  busyShare,
  examplesRunFarm,
  type NatsPlace,
  nodesFarm,
  piscinaFarm,
  rawPullFarm,
  rawStaticFarm,
  sequentialFarm,
  troupeFarm,
} from '../peers/farm.js';
import { type NatsServer, natsServerAvailable, startNatsServer, tasksetAvailable } from '../procs.js';

const FULL = [38, 37, 36, 35, 34, 33];
const QUICK = [30, 29, 28, 27, 26, 25];
/** The farm runs on 2 threads (the setting; this machine has 2 cores). */
const THREADS = 2;

/**
 * Timed rounds of the full-size farm (the suite default is 5). A round is a fraction of a second
 * of pure CPU, and on this VM the same fib(38) takes anywhere from 310 to 600 ms from one moment
 * to the next: single rounds' speedups range from 0.9× to 3.2×. The benchmarks are paired (each
 * ratio is the median of per-round ratios, shown with its 95% interval); with 31 rounds that
 * interval is still about ±0.15× here.
 */
const FULL_ROUNDS = 31;

/** The note of a farm row: how busy its workers were (see `busyShare`). */
function busyNote(_median: unknown, rounds: Parameters<typeof busyShare>[0]): string | undefined {
  const share = busyShare(rounds);
  return share === undefined
    ? undefined
    : `workers computing ${(share * 100).toFixed(1)}% of the wall time (median over rounds)`;
}

const SEQUENTIAL = 'sequential';
const TROUPE = `Troupe farm, ${THREADS} threads`;

function at(name: string, ops: number, make: () => Contender, goal?: Goal): BenchCase {
  return { name, ops, ...make(), ...(goal === undefined ? {} : { goal }) };
}

/** A round's wall time in ms: `runFarm()`'s own figure where it gives one, else the timed run. */
const wallMs = (r: { ms: number; measured: Readonly<Record<string, number>> }) => r.measured.wallMs ?? r.ms;

export function farmSuite({ quick }: SuiteOptions): Suite {
  const tasks = quick ? QUICK : FULL;
  const k = tasks.length;
  const list = tasks.join(',');
  const threads: Benchmark = {
    name: 'threads',
    what: `fib(n) for n in [${list}] (wall time; ratio = speedup over sequential)`,
    unit: 'ms',
    baseline: SEQUENTIAL,
    score: wallMs,
    note: busyNote,
    paired: true,
    ...(quick ? {} : { rounds: FULL_ROUNDS }),
    cases: [
      at(SEQUENTIAL, k, () => sequentialFarm(tasks)),
      at(TROUPE, k, () => troupeFarm(tasks, THREADS), { on: 'ratio', min: 1.95 }),
      at(`examples runFarm(), ${THREADS} threads`, k, () => examplesRunFarm(tasks, THREADS)),
      at(`Piscina, ${THREADS} threads`, k, () => piscinaFarm(tasks, THREADS), {
        on: 'ratio',
        against: TROUPE,
        max: 1,
        label: 'Troupe time ≤ Piscina time',
      }),
      // The least code that pulls: what Troupe and Piscina add to it is their price.
      at(`raw worker_threads, pull, ${THREADS} threads`, k, () => rawPullFarm(tasks, THREADS)),
      // No scheduling at all: the ceiling on steady cores; on drifting ones, idle at the end.
      at(`raw worker_threads, static split, ${THREADS} threads`, k, () => rawStaticFarm(tasks, THREADS)),
    ],
  };
  const benchmarks: Benchmark[] = [threads];
  const notes: string[] = [];
  let server: NatsServer | undefined;
  const place: NatsPlace = { url: '' };
  if (!natsServerAvailable()) {
    notes.push('benchmark farm/nodes left out: nats-server not found (apt-get install nats-server)');
  } else {
    const pin = tasksetAvailable();
    if (!pin) notes.push('taskset not found: the nodes of farm/nodes are not pinned to cores');
    const how = pin ? ', pinned to core i' : ' (not pinned)';
    benchmarks.push({
      name: 'nodes',
      what: `fib(n) for n in [${list}] on troupe node processes over NATS, 1 worker thread each${how} (ratio = speedup over 1 node)`,
      unit: 'ms',
      baseline: '1 node',
      score: wallMs,
      note: busyNote,
      paired: true,
      ...(quick ? {} : { rounds: FULL_ROUNDS }),
      cases: [
        at('1 node', k, () => nodesFarm(place, tasks, 1, pin)),
        at('2 nodes', k, () => nodesFarm(place, tasks, 2, pin), {
          on: 'ratio',
          min: 1.9,
          label: '≥ 1.90× one node',
        }),
      ],
    });
  }
  return {
    name: 'farm',
    title: 'The Fibonacci farm: sequential vs Troupe vs Piscina on threads, and Troupe nodes over NATS',
    benchmarks,
    notes,
    // `this` is the suite as run: `farm/threads` alone needs no server.
    async open(this: Suite) {
      if (this.benchmarks.some((b) => b.name === 'nodes')) {
        server = await startNatsServer();
        place.url = server.url;
      }
    },
    async close() {
      await server?.stop();
    },
  };
}
