/**
 * `pnpm farm`: the Fibonacci actor farm. By default it runs the classic Python demo's workload
 * on worker threads on every core and prints the results, the sequential and parallel times and
 * the speedup. See docs/guide/farm.md.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { type LocalNats, startLocalNats } from '../shared/nodes.js';
import { type ScalingRow, writeScalingChart } from './chart.js';
import { type FarmRun, runFarm, runSequential } from './farm.js';
import { PYTHON_DEMO_TASKS } from './fib.js';

const USAGE = `Usage: pnpm farm [options]

  --tasks LIST      task sizes n: a list (38,37,36) or a range (30..36); default ${PYTHON_DEMO_TASKS.join(',')}
  --threads N       worker threads (default: all cores, ${availableParallelism()} here; 0 = main thread only)
  --repeat R        run the parallel farm R times (default 1); reports each run and the best
  --scaling         sweep 1..N threads; print a table and write farm-scaling.svg / farm-scaling.png
  --out DIR         where --scaling writes its chart (default: current directory)
  --chaos           kill a worker thread in the middle of each run; results must still be exact
  --json            print one machine-readable JSON result instead of text
  --nodes K         start K node processes here (children of this process) that join over NATS;
                    the work goes to every thread of every node (with --scaling: sweep 1..K nodes)
  --nats URL        NATS server(s) for the nodes (default with --nodes: a private nats-server here)
  --join            also use nodes that joined by themselves (troupe node on other hosts)
  --node-threads T  worker threads per started node (default: cores / K, at least 1)
  --pin             pin started node i to core i mod cores (taskset), e.g. one node per core
  -h, --help        this text

With --nodes or --join, --threads is this coordinator's own worker threads (default 0).`;

/** Parse "38,37,36" or "30..36" (also descending: "36..30"). */
export function parseTasks(spec: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(spec.trim());
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    const step = a <= b ? 1 : -1;
    return Array.from({ length: Math.abs(b - a) + 1 }, (_, i) => a + i * step);
  }
  const items = spec.split(',').map((s) => s.trim());
  if (items.some((s) => !/^\d+$/.test(s))) {
    throw new Error(
      `--tasks ${JSON.stringify(spec)}: give whole numbers, as a list (38,37,36) or a range (30..36)`,
    );
  }
  return items.map(Number);
}

function fail(message: string): never {
  console.error(`farm: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        tasks: { type: 'string' },
        threads: { type: 'string' },
        repeat: { type: 'string', default: '1' },
        scaling: { type: 'boolean', default: false },
        out: { type: 'string', default: '.' },
        chaos: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        nats: { type: 'string' },
        nodes: { type: 'string' },
        join: { type: 'boolean', default: false },
        'node-threads': { type: 'string' },
        pin: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return fail((e as Error).message);
  }
})();

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const nodeCount = values.nodes === undefined ? 0 : Number(values.nodes);
if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > 64) {
  fail(`--nodes must be a whole number from 0 to 64, got ${values.nodes}`);
}
const multiNode = nodeCount > 0 || values.join;
if (values.nats !== undefined && !multiNode) fail('--nats needs --nodes K or --join');
if (values.chaos && !multiNode && values.threads === '0') {
  fail('--chaos kills a worker thread or a node: use it with threads or --nodes');
}
const nodeThreads =
  values['node-threads'] === undefined
    ? Math.max(1, Math.floor(availableParallelism() / Math.max(1, nodeCount)))
    : Number(values['node-threads']);
if (!Number.isInteger(nodeThreads) || nodeThreads < 0)
  fail(`--node-threads must be a whole number ≥ 0, got ${values['node-threads']}`);
let tasks: number[];
try {
  tasks = values.tasks === undefined ? [...PYTHON_DEMO_TASKS] : parseTasks(values.tasks);
} catch (e) {
  fail((e as Error).message);
}
if (tasks.length === 0) fail('--tasks is empty');
if (tasks.some((n) => n > 45))
  fail('--tasks: n above 45 takes from many seconds to minutes per task with the slow fib; use 45 or less');
const threads =
  values.threads === undefined ? (multiNode ? 0 : availableParallelism()) : Number(values.threads);
if (!Number.isInteger(threads) || threads < 0 || threads > 256)
  fail(`--threads must be a whole number from 0 to 256, got ${values.threads}`);
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1)
  fail(`--repeat must be a whole number ≥ 1, got ${values.repeat}`);

const say = (line: string) => {
  if (!values.json) console.log(line);
};

/** A progress bar shown only for runs that take longer than about a second (plain lines when not on a TTY). */
function progress(label: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (values.json) return { update: () => undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  let last = { done: 0, total: 1 };
  const timer = setTimeout(() => {
    bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {duration}s`,
        noTTYOutput: true,
        notTTYSchedule: 2000,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(last.total, last.done);
  }, 1000);
  return {
    update(done, total) {
      last = { done, total };
      bar?.setTotal(total);
      bar?.update(done);
    },
    stop() {
      clearTimeout(timer);
      bar?.stop();
    },
  };
}

let natsUrl = values.nats;
let localNats: LocalNats | undefined;
if (multiNode && natsUrl === undefined) {
  if (values.join) fail('--join needs --nats URL (the server the other nodes use)');
  try {
    localNats = await startLocalNats();
  } catch (e) {
    fail((e as Error).message);
  }
  natsUrl = localNats.url;
  say(`started a private nats-server at ${natsUrl}`);
}

async function parallelRun(t: number, nodes = nodeCount): Promise<FarmRun> {
  const p = progress(multiNode ? `farm (${nodes} nodes)` : `farm (${t} threads)`);
  try {
    return await runFarm({
      tasks,
      threads: t,
      chaos: values.chaos,
      onProgress: p.update,
      log: say,
      ...(multiNode
        ? {
            nodes: {
              url: natsUrl!,
              start: nodes,
              join: values.join,
              threadsPerNode: nodeThreads,
              pin: values.pin,
            },
          }
        : {}),
    });
  } finally {
    p.stop();
  }
}

function check(run: FarmRun, expected: number[]): void {
  const wrong = run.results.findIndex((r, i) => r !== expected[i]);
  if (wrong >= 0) {
    console.error(
      `farm: wrong result for fib(${tasks[wrong]}): got ${run.results[wrong]}, expected ${expected[wrong]}`,
    );
    process.exit(1);
  }
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(3)} s`;

const where = multiNode
  ? `${nodeCount} node(s) × ${nodeThreads} thread(s)${values.join ? ' plus nodes that joined' : ''}${threads > 0 ? ` plus ${threads} thread(s) here` : ''}`
  : `${threads} worker thread(s)`;
say(`Fibonacci farm: fib(n) for n in [${tasks.join(', ')}] on ${where}${values.chaos ? ', with chaos' : ''}`);
// The sequential baseline blocks this thread (that is the point), so it shows no progress bar.
const sequential = runSequential(tasks);

if (values.scaling) {
  const max = multiNode ? Math.max(1, nodeCount) : Math.max(1, threads);
  const rows: ScalingRow[] = [];
  say(`sequential: ${fmt(sequential.wallMs)}\n`);
  say(multiNode ? `(workers = nodes, each with ${nodeThreads} thread(s))` : '(workers = threads)');
  say('workers | wall time |  speedup | efficiency');
  say('--------|-----------|----------|-----------');
  for (let w = 1; w <= max; w++) {
    let best: FarmRun | undefined;
    for (let r = 0; r < repeat; r++) {
      const run = multiNode ? await parallelRun(threads, w) : await parallelRun(w);
      check(run, sequential.results);
      if (best === undefined || run.wallMs < best.wallMs) best = run;
    }
    const speedup = sequential.wallMs / best!.wallMs;
    const row = { workers: w, wallMs: best!.wallMs, speedup, efficiency: speedup / w };
    rows.push(row);
    say(
      `${String(w).padStart(7)} | ${fmt(row.wallMs).padStart(9)} | ${`${speedup.toFixed(2)}×`.padStart(8)} | ${`${(row.efficiency * 100).toFixed(0)}%`.padStart(10)}`,
    );
  }
  const files = await writeScalingChart(
    rows,
    resolve(values.out, 'farm-scaling'),
    `Fibonacci farm, fib(${tasks.join(',')}), ${multiNode ? 'nodes over NATS' : 'threads'}, ${availableParallelism()} cores`,
  );
  if (values.json) {
    console.log(
      JSON.stringify({ tasks, sequentialMs: sequential.wallMs, scaling: rows, charts: files }, null, 2),
    );
  } else {
    say(`\nchart: ${files.join(', ')}`);
  }
} else {
  const runs: FarmRun[] = [];
  for (let r = 0; r < repeat; r++) {
    const run = await parallelRun(threads);
    check(run, sequential.results);
    runs.push(run);
  }
  const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const speedup = sequential.wallMs / best.wallMs;
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          tasks,
          results: best.results,
          wallMs: best.wallMs,
          sequentialMs: sequential.wallMs,
          speedup,
          runs: runs.map((r) => r.wallMs),
          startupMs: best.startupMs,
          perWorker: best.perWorker,
          duplicatesDropped: runs.reduce((a, r) => a + r.duplicatesDropped, 0),
          threadsKilled: runs.reduce((a, r) => a + r.threadsKilled, 0),
          placement: best.placement,
        },
        null,
        2,
      ),
    );
  } else {
    console.log(`[${best.results.join(', ')}]`);
    say(`sequential: ${fmt(sequential.wallMs)}`);
    if (repeat > 1) say(`parallel runs: ${runs.map((r) => fmt(r.wallMs)).join(', ')}`);
    say(
      `parallel:   ${fmt(best.wallMs)} on ${best.placement.workers} worker(s) (start-up ${best.startupMs.toFixed(0)} ms, not counted)`,
    );
    say(`speedup:    ${speedup.toFixed(2)}×`);
    say(
      `tasks per worker: ${Object.entries(best.perWorker)
        .map(([w, n]) => `${w}: ${n}`)
        .join(', ')}`,
    );
    if (values.chaos)
      say(
        `${multiNode ? 'nodes' : 'threads'} killed: ${runs.reduce((a, r) => a + r.threadsKilled, 0)}; every result still exact and counted once`,
      );
  }
}
localNats?.stop();
