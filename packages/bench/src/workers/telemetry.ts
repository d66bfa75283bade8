/**
 * A worker thread that runs one case of the `telemetry` suite: the tracing setting of
 * `workerData.mode` is made in this thread first (each thread has its own instrumentation and its
 * own OpenTelemetry globals, so the cases never see each other's), then the peer's contender
 * runs here, round by round, on the main thread's word.
 *
 * Modes: `off` (the telemetry package is never loaded), `no-sdk` (`instrumentTroupe()` with no
 * SDK registered: what an application that ships the instrumentation but exports nothing pays),
 * `drop-all` (an SDK whose sampler drops every trace), `ratio-1` (1% of traces sampled, parent-based,
 * recorded spans handed to a batch processor whose exporter discards them).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Contender, Fixture } from '../harness.js';
import { collectGarbage, quiesce } from '../heap.js';
import { troupeFarm } from '../peers/farm.js';
import { troupeRemoteAsk } from '../peers/nats.js';
import { troupePingPong } from '../peers/troupe.js';

/** What the suite asks of this worker. */
export interface TelemetryWorkerData {
  readonly mode: 'off' | 'no-sdk' | 'drop-all' | 'ratio-1';
  readonly bench: 'ping-pong' | 'remote-ask' | 'farm';
  readonly n: number;
  readonly natsUrl: string;
  readonly tasks: readonly number[];
}

const data = workerData as TelemetryWorkerData;

async function instrument(mode: TelemetryWorkerData['mode']): Promise<void> {
  if (mode === 'off') return;
  const { instrumentTroupe } = await import('@troupe/telemetry');
  if (mode === 'no-sdk') {
    instrumentTroupe();
    return;
  }
  const { context, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const {
    AlwaysOffSampler,
    BasicTracerProvider,
    BatchSpanProcessor,
    ParentBasedSampler,
    TraceIdRatioBasedSampler,
  } = await import('@opentelemetry/sdk-trace-base');
  const { ExportResultCode } = await import('@opentelemetry/core');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const discard = {
    export: (_spans: unknown[], done: (r: { code: number }) => void) =>
      done({ code: ExportResultCode.SUCCESS }),
    shutdown: async () => undefined,
  };
  trace.setGlobalTracerProvider(
    mode === 'drop-all'
      ? new BasicTracerProvider({ sampler: new AlwaysOffSampler() })
      : new BasicTracerProvider({
          sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) }),
          spanProcessors: [new BatchSpanProcessor(discard)],
        }),
  );
  const t = instrumentTroupe();
  if (!t.signals.traces) throw new Error(`telemetry bench: mode ${mode} did not install tracing`);
}

function contender(): Contender {
  if (data.bench === 'ping-pong') return troupePingPong(data.n);
  if (data.bench === 'remote-ask') return troupeRemoteAsk({ url: data.natsUrl }, data.n, 64);
  return troupeFarm(data.tasks, 2);
}

await instrument(data.mode);
const c = contender();
let fixture: Fixture | undefined;
const port = parentPort!;
port.on('message', async (cmd: 'open' | 'setup' | 'run' | 'teardown' | 'close') => {
  try {
    if (cmd === 'open') await c.open?.();
    else if (cmd === 'setup') {
      fixture = await c.setup();
      collectGarbage();
    } else if (cmd === 'run') await fixture!.run();
    else if (cmd === 'teardown') {
      await fixture?.teardown?.();
      fixture = undefined;
      await quiesce();
    } else await c.close?.();
    port.postMessage({ ok: cmd });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
});
port.postMessage({ ok: 'ready' });
