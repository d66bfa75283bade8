/**
 * The peers of the `farm` suite: the Fibonacci farm of packages/examples (its `farm.fib`
 * behaviour and its `fib`), computed sequentially, by a Troupe balancing pool on worker threads,
 * by `runFarm()` itself, by Piscina, and by Troupe nodes over NATS.
 *
 * Fairness: every peer computes the same `fib` (imported from @troupe/examples) on the same tasks
 * in the same order (largest first, as given), hands a task to a worker only when it is idle
 * (Troupe: balancing with credit 1; Piscina: one task per thread at a time), and answers the same
 * result object. Pools and threads live across rounds, as a program keeps them; only the
 * `runFarm()` case starts a system per round (its start-up is not timed, see `wallMs`).
 */

import { fileURLToPath } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import { type ActorRef, type ActorSystem, createActorSystem, type PoolRef } from '@troupe/core';
import type { FibResult, FibTask } from '@troupe/examples/dist/farm/behaviours.js';
import { runFarm } from '@troupe/examples/dist/farm/farm.js';
import { fib, fibCost } from '@troupe/examples/dist/farm/fib.js';
import { awaitNodes, nats } from '@troupe/transport-nats';
import { Piscina } from 'piscina';
import { type Contender, type Fixture, lowerMedian } from '../harness.js';
import { startTroupeNode, type TroupeNode } from '../procs.js';

/** The farm's catalog module (compiled), loaded by the main thread, every thread and every node. */
export const FARM_CATALOG = new URL(import.meta.resolve('@troupe/examples/dist/farm/behaviours.js'));
const PISCINA_TASK = new URL('../workers/farm.js', import.meta.url).href;
const RAW_FARM = new URL('../workers/farmRaw.js', import.meta.url);
const ASK = { timeoutMs: 3_600_000 } as const;

/** Every peer's answers are checked against these (computed once, untimed). */
function expected(tasks: readonly number[]): number[] {
  return tasks.map((n) => fib(n));
}

function check(
  peer: string,
  tasks: readonly number[],
  want: readonly number[],
  got: readonly number[],
): void {
  for (let i = 0; i < tasks.length; i++) {
    if (got[i] !== want[i]) throw new Error(`${peer}: fib(${tasks[i]}) = ${got[i]}, expected ${want[i]}`);
  }
}

/**
 * A round of a peer that answers result objects: `compute` is timed, its values are checked, and
 * what the workers spent computing (the sum of the tasks' own times, measured in the workers) is
 * recorded for the busy share of the wall time (see {@link busyShare}).
 */
function resultsRound(
  peer: string,
  tasks: readonly number[],
  want: readonly number[],
  workers: number,
  compute: () => Promise<FibResult[]>,
): Fixture {
  let got: FibResult[] = [];
  return {
    async run() {
      got = await compute();
      check(
        peer,
        tasks,
        want,
        got.map((r) => r.value),
      );
    },
    measure() {
      let busyMs = 0;
      for (const r of got) busyMs += r.ms;
      return { busyMs, workers };
    },
  };
}

/**
 * The median over rounds of the share of the wall time the workers spent computing:
 * `busyMs / (workers × wall time)`. Work time and wall time come from the same round, so this
 * figure does not drift with the machine's speed the way a speedup over a sequential round run
 * a second earlier does; it shows how well the scheduler keeps the workers busy (1 = never idle).
 * `undefined` for a case that does not measure it.
 */
export function busyShare(
  rounds: readonly { ms: number; measured: Readonly<Record<string, number>> }[],
): number | undefined {
  const shares: number[] = [];
  for (const r of rounds) {
    const { busyMs, workers, wallMs } = r.measured;
    if (busyMs === undefined || workers === undefined) return undefined;
    shares.push(busyMs / (workers * (wallMs ?? r.ms)));
  }
  return lowerMedian(shares.sort((a, b) => a - b));
}

/** The same result object the `farm.fib` behaviour answers, for the peers that are not Troupe. */
function result(n: number, worker: string): FibResult {
  const start = performance.now();
  const value = fib(n);
  return { n, value, ms: performance.now() - start, worker };
}

/** All tasks one after another on the main thread: the baseline of the speedups. */
export function sequentialFarm(tasks: readonly number[]): Contender {
  const want = expected(tasks);
  return {
    setup: () => ({
      run() {
        const got = tasks.map((n) => result(n, `main#${threadId}`).value);
        check('sequential', tasks, want, got);
      },
    }),
  };
}

/**
 * Troupe: the farm's pool set up as `runFarm()` sets it up — `farm.fib` routees, one per worker
 * thread, balancing routing with credit 1 — in a system that lives across rounds.
 */
export function troupeFarm(tasks: readonly number[], threads: number): Contender {
  const want = expected(tasks);
  let system: ActorSystem | undefined;
  let pool: PoolRef<FibTask, FibResult> | undefined;
  return {
    async open() {
      system = await createActorSystem({
        name: 'bench-farm',
        catalog: [FARM_CATALOG],
        threads: { size: threads, execArgv: [] },
      });
      pool = system.spawnPool<FibTask, undefined, void, FibResult>('farm.fib', undefined, {
        name: 'workers',
        size: threads,
        placement: 'thread',
        routing: 'balancing',
        credit: 1,
      });
      await Promise.all(pool.routees.map((r) => r.ask({ n: 20 }, ASK)));
    },
    setup: () =>
      resultsRound('Troupe', tasks, want, threads, () =>
        Promise.all(tasks.map((n) => pool!.ask({ n }, ASK))),
      ),
    close: () => system?.shutdown(),
  };
}

/**
 * `runFarm()` from packages/examples as it is, a fresh system per round: the score is its own
 * `wallMs` (first task sent to last result; system and thread start-up are not counted).
 */
export function examplesRunFarm(tasks: readonly number[], threads: number): Contender {
  const want = expected(tasks);
  return {
    setup() {
      let wallMs = Number.NaN;
      return {
        async run() {
          const run = await runFarm({ tasks, threads });
          check('runFarm', tasks, want, run.results);
          wallMs = run.wallMs;
        },
        measure: () => ({ wallMs }),
      };
    },
  };
}

/**
 * Raw `worker_threads`, each given its share of the tasks up front, split by cost (longest first,
 * to the least loaded worker: for [38…33] on 2 threads a perfect split). No scheduling and no
 * messages while computing: on cores of steady speed, the ceiling. On cores whose speed drifts
 * (this VM) one worker finishes its share early and idles, which a pull scheduler avoids.
 */
export function rawStaticFarm(tasks: readonly number[], threads: number): Contender {
  const want = expected(tasks);
  const shares: number[][] = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  const order = tasks.map((n, i) => ({ n, i })).sort((a, b) => b.n - a.n);
  const where = new Array<{ w: number; k: number }>(tasks.length);
  for (const { n, i } of order) {
    const w = load.indexOf(Math.min(...load));
    where[i] = { w, k: shares[w]!.length };
    shares[w]!.push(n);
    load[w]! += fibCost(n);
  }
  let workers: Worker[] = [];
  let answers: RawAnswer[] = [];
  return {
    async open() {
      workers = Array.from({ length: threads }, () => new Worker(RAW_FARM, { execArgv: [] }));
      await Promise.all(workers.map((w) => once(w, [20])));
    },
    setup: () => ({
      async run() {
        answers = await Promise.all(workers.map((w, i) => once(w, shares[i]!)));
        check(
          'raw static split',
          tasks,
          want,
          tasks.map((_, i) => answers[where[i]!.w]!.values[where[i]!.k]!),
        );
      },
      measure: () => ({ busyMs: answers.reduce((sum, a) => sum + a.ms, 0), workers: threads }),
    }),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * The least code for a pull farm on raw `worker_threads`: each worker is sent the next task when
 * it answers the last (largest first, as given), with `postMessage` and nothing else — no
 * framework, no queue object, no result wrapper. Troupe's and Piscina's rows against this one
 * are the price of what they add; its busy share is what pulling alone leaves idle.
 */
export function rawPullFarm(tasks: readonly number[], threads: number): Contender {
  const want = expected(tasks);
  let workers: Worker[] = [];
  return {
    async open() {
      workers = Array.from({ length: threads }, () => new Worker(RAW_FARM, { execArgv: [] }));
      await Promise.all(workers.map((w) => once(w, [20])));
    },
    setup() {
      const got: number[] = new Array(tasks.length);
      let busyMs = 0;
      return {
        async run() {
          await pull(workers, tasks.length, async (w, i) => {
            const answer = await once(w, [tasks[i]!]);
            got[i] = answer.values[0]!;
            busyMs += answer.ms;
          });
          check('raw pull', tasks, want, got);
        },
        measure: () => ({ busyMs, workers: threads }),
      };
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Pull scheduling written out: each worker runs task after task (`0 … count − 1`, in order), the
 * next one as soon as it is done with the last, until none is left.
 */
async function pull<W>(workers: readonly W[], count: number, run: (worker: W, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    workers.map(async (w) => {
      while (next < count) await run(w, next++);
    }),
  );
}

/** What the raw worker answers: the values of its tasks, in order, and its computing time. */
interface RawAnswer {
  readonly values: number[];
  readonly ms: number;
}

function once(w: Worker, tasks: number[]): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const done = (got: RawAnswer) => {
      w.off('error', fail);
      resolve(got);
    };
    const fail = (e: unknown) => {
      w.off('message', done);
      reject(e);
    };
    w.once('message', done);
    w.once('error', fail);
    w.postMessage(tasks);
  });
}

/** Piscina 5.3.2 with `threads` threads (min = max): one task per thread at a time, the rest queued. */
export function piscinaFarm(tasks: readonly number[], threads: number): Contender {
  const want = expected(tasks);
  let pool: Piscina | undefined;
  return {
    async open() {
      pool = new Piscina({ filename: PISCINA_TASK, minThreads: threads, maxThreads: threads });
      await Promise.all(Array.from({ length: threads }, () => pool!.run({ n: 20 })));
    },
    setup: () =>
      resultsRound('Piscina', tasks, want, threads, () =>
        Promise.all(tasks.map((n) => pool!.run({ n }) as Promise<FibResult>)),
      ),
    close: async () => {
      await pool?.close({ force: true });
    },
  };
}

/** Where the suite's nats-server is; set by the suite's `open`. */
export interface NatsPlace {
  url: string;
}

let farms = 0;

/**
 * Troupe nodes over NATS: `nodes` `troupe node` processes with one worker thread each (pinned
 * to core i with taskset when `pin`), joined by a coordinator system in this process that
 * spawns one `farm.fib` worker on every node thread and hands each worker its next task when it
 * answers the last one (pull, credit 1: the farm's balancing, written out over explicit refs).
 */
export function nodesFarm(
  place: NatsPlace,
  tasks: readonly number[],
  nodes: number,
  pin: boolean,
): Contender {
  const want = expected(tasks);
  let system: ActorSystem | undefined;
  const started: TroupeNode[] = [];
  let workers: ActorRef<FibTask, FibResult>[] = [];
  return {
    async open() {
      const name = `bench-farm-${++farms}`;
      started.push(
        ...(await Promise.all(
          Array.from({ length: nodes }, (_, i) =>
            startTroupeNode({
              nats: place.url,
              system: name,
              catalog: fileURLToPath(FARM_CATALOG),
              threads: 1,
              ...(pin ? { cpu: i } : {}),
            }),
          ),
        )),
      );
      system = await createActorSystem({
        name,
        catalog: [FARM_CATALOG],
        transports: [nats({ servers: place.url })],
      });
      const up = await awaitNodes(system, 1 + nodes, 15_000);
      workers = up
        .filter((n) => !n.self)
        .flatMap((n) => n.threads)
        .map((t) =>
          system!.spawn<FibTask, undefined, void, FibResult>('farm.fib', undefined, {
            placement: { node: t },
          }),
        );
      if (workers.length !== nodes)
        throw new Error(`expected ${nodes} node threads, found ${workers.length}`);
      await Promise.all(workers.map((w) => w.ask({ n: 20 }, ASK)));
    },
    setup: () =>
      resultsRound(`${nodes} node(s)`, tasks, want, nodes, async () => {
        const got: FibResult[] = new Array(tasks.length);
        await pull(workers, tasks.length, async (w, i) => {
          got[i] = await w.ask({ n: tasks[i]! }, ASK);
        });
        return got;
      }),
    async close() {
      try {
        await system?.shutdown();
      } finally {
        await Promise.all(started.map((n) => n.stop()));
      }
    },
  };
}
