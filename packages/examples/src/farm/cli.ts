/**
 * `pnpm farm`: the Fibonacci actor farm. By default it runs the classic Python demo's workload
 * on worker threads on every core and prints the results, the sequential and parallel times and
 * the speedup. See docs/guide/farm.md.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { parseCli } from '../shared/cli.js';
import { type LocalNats, startLocalNats } from '../shared/nodes.js';
import type { ScalingRow } from './chart.js';
import { busyShare, type FarmRun, runFarm, runSequential } from './farm.js';
import { PYTHON_DEMO_TASKS } from './fib.js';

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

const cores = availableParallelism();
const cli = parseCli({
  name: 'farm',
  command: 'pnpm farm',
  summary:
    "The Fibonacci actor farm: the classic Python demo's slow fib(n) for each task on a balancing pool of\n" +
    'workers (worker threads here, or node processes over NATS); prints the results, the sequential and\n' +
    'parallel times and the speedup. See docs/guide/farm.md.',
  options: {
    tasks: {
      type: 'string',
      arg: 'LIST',
      default: PYTHON_DEMO_TASKS.join(','),
      help: 'task sizes n (each at most 45): a list (38,37,36) or a range (30..36)',
    },
    threads: {
      type: 'string',
      arg: 'N',
      defaultText: `all cores, ${cores} here; 0 with --nodes or --join`,
      help: 'worker threads here, 0 to 256; 0: one worker on the main thread',
    },
    repeat: {
      type: 'string',
      arg: 'R',
      default: '1',
      help: 'run the parallel farm R times; reports each run and the best',
    },
    scaling: {
      type: 'boolean',
      help: 'sweep 1..N threads (with --nodes K: 1..K nodes); print a table and write farm-scaling.svg and .png',
    },
    out: {
      type: 'string',
      arg: 'DIR',
      defaultText: 'the current directory',
      help: 'where --scaling writes its chart, created if missing',
    },
    chaos: {
      type: 'boolean',
      help: 'kill a worker thread (with --nodes: a node) mid-run; every result must still be exact',
    },
    json: { type: 'boolean', help: 'print one machine-readable JSON result instead of text' },
    nodes: {
      type: 'string',
      arg: 'K',
      default: '0',
      help: 'start K node processes here, 0 to 64, that join over NATS; the work goes to every thread of every node (0: none, the farm runs on threads here)',
    },
    nats: {
      type: 'string',
      arg: 'URL',
      defaultText: 'with --nodes, a private nats-server here',
      help: 'NATS server(s) for the nodes; needs --nodes or --join',
    },
    join: {
      type: 'boolean',
      help: 'also use nodes that joined by themselves (troupe node on other hosts); needs --nats',
    },
    'node-threads': {
      type: 'string',
      arg: 'T',
      defaultText: 'cores / K, at least 1',
      help: 'worker threads per node that --nodes K starts',
    },
    pin: { type: 'boolean', help: 'pin node i that --nodes K starts to core i mod cores (taskset)' },
  },
  notes: "With --nodes or --join, --threads is this coordinator's own worker threads (default 0).",
});
const { values } = cli;
// A declared function, so that TypeScript narrows after a call (a destructured one does not).
function fail(message: string): never {
  return cli.fail(message);
}

const nodeCount = cli.int('nodes', { min: 0, max: 64 });
const multiNode = nodeCount > 0 || values.join;
if (values.nats !== undefined && !multiNode) fail('--nats needs --nodes K (K ≥ 1) or --join');
if (values.join && values.nats === undefined)
  fail('--join needs --nats URL (the server the other nodes use)');
if (values['node-threads'] !== undefined && nodeCount === 0)
  fail('--node-threads sets the threads of the nodes that --nodes K starts: give --nodes K (K ≥ 1) too');
if (values.pin && nodeCount === 0)
  fail('--pin pins the node processes that --nodes K starts: give --nodes K (K ≥ 1) too');
const nodeThreads = cli.int(
  'node-threads',
  { min: 0, max: 256 },
  Math.max(1, Math.floor(cores / Math.max(1, nodeCount))),
);
let tasks: number[];
try {
  tasks = parseTasks(values.tasks);
} catch (e) {
  fail((e as Error).message);
}
if (tasks.length === 0) fail('--tasks is empty');
if (tasks.some((n) => n > 45))
  fail('--tasks: n above 45 takes from many seconds to minutes per task with the slow fib; use 45 or less');
const threads = cli.int('threads', { min: 0, max: 256 }, multiNode ? 0 : cores);
const repeat = cli.int('repeat', { min: 1 });
if (values.chaos && !multiNode && threads === 0)
  fail('--chaos kills a worker thread or a node: use it with --threads N (N ≥ 1) or --nodes K');
if (values.scaling && !multiNode && threads === 0)
  fail('--scaling sweeps 1..N worker threads: give --threads N with N ≥ 1 (or --nodes K to sweep nodes)');
if (values.scaling && multiNode && nodeCount === 0)
  fail('--scaling with --join sweeps 1..K nodes that the farm starts: give --nodes K (K ≥ 1) too');
if (values.out !== undefined && !values.scaling)
  fail('--out is where --scaling writes its chart: give --scaling too');
const outDir = resolve(values.out ?? '.');
if (values.scaling) {
  // Now, not after the sweep: a directory that cannot be written fails before minutes of work.
  try {
    mkdirSync(outDir, { recursive: true });
    accessSync(outDir, constants.W_OK);
  } catch (e) {
    fail(`--out ${values.out ?? '.'}: cannot write the chart there (${(e as Error).message})`);
  }
}

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
  try {
    localNats = await startLocalNats();
  } catch (e) {
    fail((e as Error).message);
  }
  natsUrl = localNats.url;
  say(`started a private nats-server at ${natsUrl}`);
}

async function parallelRun(t: number, nodes = nodeCount): Promise<FarmRun> {
  const p = progress(
    `farm (${multiNode ? `${nodes} node${nodes === 1 ? '' : 's'}` : `${t} thread${t === 1 ? '' : 's'}`})`,
  );
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
  say('workers | wall time |  speedup | efficiency | busy');
  say('--------|-----------|----------|------------|------');
  for (let w = 1; w <= max; w++) {
    let best: FarmRun | undefined;
    for (let r = 0; r < repeat; r++) {
      const run = multiNode ? await parallelRun(threads, w) : await parallelRun(w);
      check(run, sequential.results);
      if (best === undefined || run.wallMs < best.wallMs) best = run;
    }
    const speedup = sequential.wallMs / best!.wallMs;
    const row = {
      workers: w,
      wallMs: best!.wallMs,
      speedup,
      efficiency: speedup / w,
      busyShare: busyShare(best!),
    };
    rows.push(row);
    const pct = (x: number, width: number) => `${(x * 100).toFixed(0)}%`.padStart(width);
    say(
      `${String(w).padStart(7)} | ${fmt(row.wallMs).padStart(9)} | ${`${speedup.toFixed(2)}×`.padStart(8)} | ${pct(row.efficiency, 10)} | ${pct(row.busyShare, 4)}`,
    );
  }
  // Loaded only here: vega is slow to load, and most runs (and --help) do not draw a chart.
  const { writeScalingChart } = await import('./chart.js');
  const files = await writeScalingChart(
    rows,
    resolve(outDir, 'farm-scaling'),
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
  const busy = busyShare(best);
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
          busyShare: busy,
          duplicatesDropped: runs.reduce((a, r) => a + r.duplicatesDropped, 0),
          overdue: runs.reduce((a, r) => a + r.overdue, 0),
          lateReplies: runs.reduce((a, r) => a + r.lateReplies, 0),
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
    say(`workers busy: ${(busy * 100).toFixed(1)}% of the parallel time`);
    say(
      `tasks per worker: ${Object.entries(best.perWorker)
        .map(([w, n]) => `${w}: ${n}`)
        .join(', ')}`,
    );
    const overdue = runs.reduce((a, r) => a + r.overdue, 0);
    if (overdue > 0)
      say(
        `deadline misses: ${overdue} task(s) handed to another worker; late replies dropped: ${runs.reduce((a, r) => a + r.lateReplies, 0)}`,
      );
    if (values.chaos)
      say(
        `${multiNode ? 'nodes' : 'threads'} killed: ${runs.reduce((a, r) => a + r.threadsKilled, 0)}; every result still exact and counted once`,
      );
  }
}
localNats?.stop();
