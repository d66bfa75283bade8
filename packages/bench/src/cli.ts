/**
 * `node packages/bench/dist/cli.js [suite ...] [--quick]`: run benchmark suites side by side in
 * one process, print a table per benchmark, write `bench-results/<suite>.json` at the repo root.
 */
import { spawn } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RunOptions, runSuite, type Suite, type SuiteResult } from './harness.js';
import { canCollect } from './heap.js';
import { environment, formatBenchmark, formatEnvironment, writeResults } from './report.js';
import { suites } from './suites/index.js';

const USAGE = `usage: node packages/bench/dist/cli.js [suite[/benchmark] ...] [--quick]
  suite       one of: ${Object.keys(suites).join(', ')} (default: all); e.g. local, local/ping-pong
  --quick     small sizes and fewer rounds: a smoke test, not a measurement`;

const RESULTS_DIR = new URL('../../../bench-results/', import.meta.url);
const CHILD_MARK = 'TROUPE_BENCH_CHILD';

if (canCollect()) {
  process.exitCode = await main(process.argv.slice(2));
} else {
  reexecWithGc();
}

/**
 * Heap figures and quiet timed rounds need `global.gc`, which only `--expose-gc` provides: run
 * this same script again in a child with it (and room for a million actors), passing the
 * arguments and the exit status through.
 */
function reexecWithGc(): void {
  if (process.env[CHILD_MARK] !== undefined) {
    console.error('global.gc is still missing after re-running with --expose-gc; run node with --expose-gc');
    process.exitCode = 1;
    return;
  }
  const hasHeapLimit = process.execArgv.some((a) => a.startsWith('--max-old-space-size'));
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      '--expose-gc',
      ...(hasHeapLimit ? [] : ['--max-old-space-size=4096']),
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, [CHILD_MARK]: '1' } },
  );
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else {
      process.exitCode = code ?? 1;
    }
    process.off('SIGINT', forward).off('SIGTERM', forward);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  let quick: boolean;
  let selectors: string[];
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { quick: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
    if (values.help === true) {
      console.log(USAGE);
      return 0;
    }
    quick = values.quick;
    selectors = positionals.length > 0 ? positionals : Object.keys(suites);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const selected = select(selectors, quick);
  if (typeof selected === 'string') {
    console.error(`${selected}\n${USAGE}`);
    return 2;
  }

  const env = environment(quick);
  const options: RunOptions = quick
    ? { warmup: 1, rounds: 3, roundTimeoutMs: 15_000 }
    : { warmup: 2, rounds: 5, roundTimeoutMs: 120_000 };
  console.log(`Troupe benchmarks — ${formatEnvironment(env)}`);
  console.log(`${options.warmup} warm-up + ${options.rounds} timed rounds per case; median shown`);
  if (quick)
    console.log('--quick is a smoke test: rates at these sizes are low and the goals only indicative');
  console.log('');

  let failed = 0;
  for (const suite of selected) {
    console.log(`## ${suite.name}: ${suite.title}\n`);
    for (const note of suite.notes ?? []) console.log(`note: ${note}\n`);
    if (suite.skip !== undefined) {
      // Not an error: CI machines without nats-server still run the other suites.
      console.log(`skipped: ${suite.skip}\n`);
      continue;
    }
    let result: SuiteResult;
    try {
      result = await runSuite(suite, options, (b) => console.log(`${formatBenchmark(b)}\n`));
    } catch (e) {
      // The suite's own set-up failed (e.g. its nats-server did not start): no results to write.
      console.error(`suite ${suite.name} failed: ${e instanceof Error ? e.message : String(e)}\n`);
      failed++;
      continue;
    }
    failed += result.benchmarks.flatMap((b) => b.cases).filter((c) => c.error !== undefined).length;
    const file = await writeResults(RESULTS_DIR, env, result);
    console.log(`results: ${relative(process.cwd(), fileURLToPath(file))}\n`);
  }
  // Goals are not checked here: they are measurements to read, and --quick sizes are too small to
  // reach them. A case that failed to run is an error, so the CI smoke test catches a broken peer.
  if (failed > 0) console.error(`${failed} case(s) failed to run`);
  return failed > 0 ? 1 : 0;
}

/** Suites named by `suite` or `suite/benchmark` selectors, in the order given; or what is wrong. */
function select(selectors: readonly string[], quick: boolean): Suite[] | string {
  const chosen = new Map<string, { suite: Suite; only: Set<string> | undefined }>();
  for (const sel of selectors) {
    const [name = '', bench] = sel.split('/', 2);
    const factory = Object.hasOwn(suites, name) ? suites[name] : undefined;
    if (factory === undefined) return `unknown suite '${name}'`;
    const entry = chosen.get(name) ?? { suite: factory({ quick }), only: new Set<string>() };
    chosen.set(name, entry);
    if (bench === undefined) entry.only = undefined;
    else if (!entry.suite.benchmarks.some((b) => b.name === bench)) {
      return `suite '${name}' has no benchmark '${bench}'; it has: ${entry.suite.benchmarks.map((b) => b.name).join(', ')}`;
    } else entry.only?.add(bench);
  }
  return [...chosen.values()].map(({ suite, only }) =>
    only === undefined ? suite : { ...suite, benchmarks: suite.benchmarks.filter((b) => only.has(b.name)) },
  );
}
