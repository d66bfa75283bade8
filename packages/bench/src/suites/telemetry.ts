/**
 * Suite `telemetry`: what tracing costs (issue #20). Ping-pong (two local actors), remote asks
 * over NATS (64 in flight, two nodes) and the farm, each with tracing off (the telemetry package
 * not loaded), with `instrumentTroupe()` but no OpenTelemetry SDK (goal: ≤ 3% cost), with an SDK
 * that samples nothing, and with an SDK that samples 1% of traces.
 *
 * Each case runs in a worker thread of its own (workers/telemetry.ts): an instrumentation and the
 * OpenTelemetry globals are per thread, so one case's setting never leaks into another's rounds.
 * Rounds are paired (cases take turns, the ratio is the median of per-round ratios).
 */
import { Worker } from 'node:worker_threads';
import type { BenchCase, Benchmark, Contender, Goal, Suite, SuiteOptions } from '../harness.js';
import { type NatsServer, natsServerAvailable, startNatsServer } from '../procs.js';
import type { TelemetryWorkerData } from '../workers/telemetry.js';

const WORKER = new URL('../workers/telemetry.js', import.meta.url);
const MODES: readonly [TelemetryWorkerData['mode'], string][] = [
  ['off', 'tracing off (no telemetry)'],
  ['no-sdk', 'instrumented, no SDK'],
  ['drop-all', 'SDK, sampler drops all'],
  ['ratio-1', 'SDK, 1% sampled'],
];
const OFF = MODES[0]![1];

/** A case whose rounds run in a worker thread of its own. */
function inWorker(data: Omit<TelemetryWorkerData, 'natsUrl'>, place: { url: string }): Contender {
  let worker: Worker | undefined;
  let waiting: ((r: { ok?: string; error?: string }) => void) | undefined;
  const call = (cmd: string) =>
    new Promise<void>((resolve, reject) => {
      waiting = (r) => (r.error === undefined ? resolve() : reject(new Error(r.error)));
      worker!.postMessage(cmd);
    });
  return {
    async open() {
      worker = new Worker(WORKER, { workerData: { ...data, natsUrl: place.url } });
      await new Promise<void>((resolve, reject) => {
        worker!.once('error', reject);
        worker!.on('message', (r: { ok?: string; error?: string }) => {
          if (r.ok === 'ready') resolve();
          else waiting?.(r);
        });
      });
      await call('open');
    },
    async setup() {
      await call('setup');
      return { run: () => call('run'), teardown: () => call('teardown') };
    },
    async close() {
      await call('close').catch(() => undefined);
      await worker?.terminate();
    },
  };
}

export function telemetrySuite({ quick }: SuiteOptions): Suite {
  let server: NatsServer | undefined;
  const place = { url: '' };
  const cases = (
    bench: TelemetryWorkerData['bench'],
    n: number,
    ops: number,
    goal: Goal,
    tasks: readonly number[] = [],
  ) =>
    MODES.map(
      ([mode, name]): BenchCase => ({
        name,
        ops,
        ...inWorker({ mode, bench, n, tasks }, place),
        ...(mode === 'no-sdk' ? { goal } : {}),
      }),
    );
  // Rates (msg/s): the ratio is off / case, so ≤ 3% cost is a ratio ≤ 1.031.
  const RATE_GOAL: Goal = { on: 'ratio', max: 1 / 0.97, label: '≤ 3% cost (ratio ≤ 1.031)' };
  // Wall time (ms): the ratio is off / case, so ≤ 3% cost is a ratio ≥ 0.97.
  const TIME_GOAL: Goal = { on: 'ratio', min: 0.97, label: '≤ 3% cost (ratio ≥ 0.97)' };
  const pingPong = quick ? 200_000 : 2_000_000;
  const asks = quick ? 5_000 : 40_000;
  const tasks = quick ? [27, 26, 25, 24] : [34, 33, 32, 31, 30, 29];
  const benchmarks: Benchmark[] = [
    {
      name: 'ping-pong',
      what: 'two local actors bounce one ball (every message a send and a process)',
      unit: 'msg/s',
      baseline: OFF,
      paired: true,
      cases: cases('ping-pong', pingPong, pingPong, RATE_GOAL),
    },
    {
      name: 'remote-ask',
      what: 'asks from node A to an echo actor on node B over nats-server, 64 in flight',
      unit: 'asks/s',
      baseline: OFF,
      paired: true,
      cases: cases('remote-ask', asks, asks, RATE_GOAL),
    },
    {
      name: 'farm',
      what: `the Fibonacci farm, fib(n) for n in [${tasks.join(',')}] on 2 worker threads (wall time)`,
      unit: 'ms',
      baseline: OFF,
      paired: true,
      score: (r) => r.ms,
      cases: cases('farm', 0, tasks.length, TIME_GOAL, tasks),
    },
  ];
  return {
    name: 'telemetry',
    title: 'Telemetry: the cost of tracing (off, no SDK, SDK dropping all, 1% sampled)',
    ...(natsServerAvailable() ? {} : { skip: 'nats-server is not installed (pnpm install fetches it)' }),
    benchmarks,
    async open() {
      server = await startNatsServer();
      place.url = server.url;
    },
    async close() {
      await server?.stop();
    },
  };
}
