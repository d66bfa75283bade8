/**
 * The Fibonacci actor farm: a balancing (pull-based) pool of fib workers on worker threads.
 * Idle workers take the next task; the work of a lost worker, or of one that has not answered
 * within the task's deadline (deadline.ts), is dispatched again, and every task's result is kept
 * exactly once.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type ActorSystem, createActorSystem, type Placement, type PoolRef } from '@troupe/core';
import { awaitNodes, nats } from '@troupe/transport-nats';
import { type NodeProcess, startNode } from '../shared/nodes.js';
import type { FibResult, FibTask } from './behaviours.js';
import { calibrate, TaskDeadlines } from './deadline.js';
import { fib, fibCost } from './fib.js';

/** Options of {@link runFarm}. */
export interface FarmOptions {
  /** The `n` of each task. */
  readonly tasks: readonly number[];
  /** Worker threads (0: run the workers on the main thread, one actor, no parallelism). */
  readonly threads: number;
  /**
   * Kill a worker in the middle of the run: `true` kills one (a node process if any were started,
   * else a thread) right after the first result; a schedule kills one every `everyMs` while more
   * than `keepAlive` started nodes remain (threads are replaced, so they are killed every time).
   */
  readonly chaos?: boolean | { readonly everyMs: number; readonly keepAlive?: number };
  /** Called after each task with (cost done, total cost). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called with a line to show the user (e.g. what chaos did). */
  readonly log?: (line: string) => void;
  /** Spread the work over the threads of nodes joined over NATS. */
  readonly nodes?: FarmNodes;
}

/** Multi-node farm options. */
export interface FarmNodes {
  /** NATS server(s). */
  readonly url: string;
  /** Node processes to start here (children of this process). */
  readonly start: number;
  /** Also use nodes that joined by themselves (e.g. `troupe node` on other hosts). */
  readonly join: boolean;
  /** Worker threads of each started node. */
  readonly threadsPerNode: number;
  /** Pin started node `i` to core `i mod cores` with taskset. */
  readonly pin?: boolean;
}

/** What one farm run measured. */
export interface FarmRun {
  /** `fib(n)` for each task, in task order. */
  readonly results: number[];
  /** Wall time from the first task sent to the last result, ms. */
  readonly wallMs: number;
  /** Time to create the system and start its threads (not part of `wallMs`), ms. */
  readonly startupMs: number;
  /** Tasks completed by each worker (worker = node id # thread id). */
  readonly perWorker: Record<string, number>;
  /**
   * Time the workers spent computing the results, summed over tasks (each task timed inside its
   * worker), ms. `busyMs / (workers × wallMs)` is how busy the farm kept its workers.
   */
  readonly busyMs: number;
  /** Results that arrived twice and were dropped. */
  readonly duplicatesDropped: number;
  /** Tasks a worker did not answer within their deadline, handed to another worker (pool `stats().overdue`). */
  readonly overdue: number;
  /** Replies from such a worker that came after the task's result, dropped by the pool (`stats().lateReplies`). */
  readonly lateReplies: number;
  /** Threads killed by chaos. */
  readonly threadsKilled: number;
  readonly placement: { readonly threads: number; readonly nodes: number; readonly workers: number };
}

/** How busy a run kept its workers: their computing time over workers × wall time (1 = never idle). */
export function busyShare(run: FarmRun): number {
  return run.busyMs / (run.placement.workers * run.wallMs);
}

/** Compute every task on this thread, one after another. */
export function runSequential(tasks: readonly number[]): { results: number[]; wallMs: number } {
  const start = performance.now();
  const results = tasks.map((n) => fib(n));
  return { results, wallMs: performance.now() - start };
}

const catalog = new URL('./behaviours.js', import.meta.url);

/** The longest a whole run may take (each task's ask waits this long at most, queue included). */
const RUN_TIMEOUT_MS = 3_600_000;

/** Where the workers go: one per thread here, or one per thread of every node. */
function workerPlacements(system: ActorSystem, threads: number, useNodes: boolean): Placement[] {
  if (!useNodes) return threads > 0 ? Array.from({ length: threads }, (_, i) => ({ thread: i })) : ['local'];
  const out: Placement[] = [];
  for (const n of system.nodes()) {
    if (n.self) for (let i = 0; i < threads; i++) out.push({ thread: i });
    else if (n.threads.length > 0) for (const t of n.threads) out.push({ node: t });
    else out.push({ node: n.id });
  }
  return out;
}

/** Run the farm once in a fresh actor system (and fresh node processes, with `nodes.start`). */
export async function runFarm(options: FarmOptions): Promise<FarmRun> {
  const t0 = performance.now();
  const threaded = options.threads > 0;
  const multi = options.nodes;
  const system: ActorSystem = await createActorSystem({
    name: 'fib-farm',
    catalog: [catalog],
    ...(threaded ? { threads: { size: options.threads } } : {}),
    ...(multi ? { transports: [nats({ servers: multi.url.split(',') })] } : {}),
  });
  const children: NodeProcess[] = [];
  try {
    if (multi !== undefined) {
      const cores = availableParallelism();
      children.push(
        ...(await Promise.all(
          Array.from({ length: multi.start }, (_, i) =>
            startNode({
              nats: multi.url,
              system: 'fib-farm',
              catalog: fileURLToPath(catalog),
              threads: multi.threadsPerNode,
              ...(multi.pin ? { cpu: i % cores } : {}),
            }),
          ),
        )),
      );
      await awaitNodes(system, 1 + multi.start, 15_000);
      // With --join, give nodes started elsewhere a moment to be heard (a couple of heartbeats).
      if (multi.join) await new Promise((r) => setTimeout(r, 1200));
      if (system.nodes().length < 2)
        throw new Error('no node has joined: start some with `troupe node`, or use --nodes K');
    }
    const placements = workerPlacements(system, options.threads, multi !== undefined);
    if (placements.length === 0) throw new Error('no workers: give this node --threads, or add nodes');
    // Each task's deadline, from the results so far (see deadline.ts).
    const deadlines = new TaskDeadlines(calibrate());
    const pool: PoolRef<FibTask, FibResult> = system.spawnPool<FibTask, undefined, void, FibResult>(
      'farm.fib',
      undefined,
      {
        name: 'workers',
        placements,
        routing: 'balancing',
        credit: 1,
        redispatchOnLost: true,
        // A task not answered within its deadline (counted from when a worker is handed it) goes to another worker.
        redispatchAfterMs: (task) => deadlines.deadlineMs(task.n),
        // Workers are stateless: a farm tolerates many crashes before it gives up.
        supervision: { maxRestarts: 100, withinMs: 10_000 },
      },
    );
    const startupMs = performance.now() - t0;
    const total = options.tasks.reduce((a, n) => a + fibCost(n), 0);
    let done = 0;
    const results: (number | undefined)[] = new Array(options.tasks.length).fill(undefined);
    const perWorker: Record<string, number> = {};
    let busyMs = 0;
    let duplicates = 0;
    let killed = 0;
    const start = performance.now();
    // Chaos: right after the first result (the other workers are mid-task), kill a node process
    // (SIGKILL) when there are started nodes, else a worker thread.
    const chaos = options.chaos !== undefined && options.chaos !== false && (threaded || children.length > 0);
    const alive = [...children];
    const killOne = () => {
      killed++;
      if (alive.length > 0) {
        const victim = alive.splice(Math.floor(Math.random() * alive.length), 1)[0]!;
        options.log?.(`chaos: killing node ${victim.id} (SIGKILL) in the middle of the run`);
        void victim.stop('SIGKILL');
        return;
      }
      const victim = Math.floor(Math.random() * options.threads);
      options.log?.(`chaos: killing worker thread ${victim} in the middle of the run`);
      void system.threads?.terminate(victim);
    };
    let chaosTimer: NodeJS.Timeout | undefined;
    const schedule = typeof options.chaos === 'object' ? options.chaos : undefined;
    if (chaos && schedule !== undefined) {
      const keep = schedule.keepAlive ?? 2;
      chaosTimer = setInterval(() => {
        if (children.length === 0 || alive.length > keep) killOne();
      }, schedule.everyMs);
    }
    await Promise.all(
      options.tasks.map(async (n, i) => {
        // The ask's own timeout counts from now, the wait in the queue included, so it must cover
        // the whole run: it is only a backstop. A lost task is caught by the per-task deadline.
        const r = await pool.ask({ n }, { timeoutMs: RUN_TIMEOUT_MS });
        if (results[i] !== undefined) {
          duplicates++; // a late duplicate (e.g. from a worker declared lost): keep the first
          return;
        }
        results[i] = r.value;
        deadlines.record(n, r.ms);
        perWorker[r.worker] = (perWorker[r.worker] ?? 0) + 1;
        busyMs += r.ms;
        done += fibCost(n);
        options.onProgress?.(done, total);
        if (chaos && schedule === undefined && killed === 0) killOne();
      }),
    ).finally(() => clearInterval(chaosTimer));
    const wallMs = performance.now() - start;
    const { overdue, lateReplies } = pool.stats();
    return {
      results: results as number[],
      wallMs,
      startupMs,
      perWorker,
      busyMs,
      duplicatesDropped: duplicates,
      overdue,
      lateReplies,
      threadsKilled: killed,
      placement: { threads: options.threads, nodes: system.nodes().length, workers: placements.length },
    };
  } finally {
    await system.shutdown();
    await Promise.all(children.map((c) => c.stop('SIGINT')));
  }
}
