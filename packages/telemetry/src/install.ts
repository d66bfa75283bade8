/**
 * `instrumentTroupe()`: installs Troupe's OpenTelemetry instrumentation in this thread — only
 * while the application has an SDK, so that without one the core's message path stays as it is
 * (no wrapping, no span objects, one binding checked per message).
 *
 * Owns: deciding whether an SDK is there (the global providers of `@opentelemetry/api`, checked
 * again every `watchMs` until one is), installing and removing the instrumentation. May not
 * touch: the providers themselves (the application registers them).
 */
import {
  createNoopMeter,
  type MeterProvider,
  metrics,
  ProxyTracerProvider,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { setInstrumentation } from '@troupe/core';
import { OtelInstrumentation, SCOPE, type Signals } from './instrumentation.js';

/** Options of {@link instrumentTroupe}. */
export interface TelemetryOptions {
  /** The tracer provider to use. Default: the global one, once an SDK registers it. */
  readonly tracerProvider?: TracerProvider;
  /** The meter provider to use. Default: the global one, once an SDK registers it. */
  readonly meterProvider?: MeterProvider;
  /**
   * While no SDK is registered globally, look again every this many ms (the SDK may be set up
   * after Troupe). 0: look once. Default 1000. The timer never keeps the process alive.
   */
  readonly watchMs?: number;
}

/** The installed instrumentation of this thread, from {@link instrumentTroupe}. */
export interface TroupeTelemetry {
  /** What is recorded now (both false: no SDK yet, nothing installed). */
  readonly signals: Signals;
  /** Remove the instrumentation from this thread and stop watching for an SDK. */
  uninstall(): void;
}

/** Is `p` a real tracer provider (not the API's no-op)? */
function tracerIsReal(p: TracerProvider): boolean {
  const delegate = p instanceof ProxyTracerProvider ? p.getDelegate() : p;
  return delegate !== new ProxyTracerProvider().getDelegate();
}

const NOOP_METER = createNoopMeter().constructor;

/** Is `p` a real meter provider (not the API's no-op)? */
function meterIsReal(p: MeterProvider): boolean {
  return p.getMeter(SCOPE).constructor !== NOOP_METER;
}

let installed: TroupeTelemetry | undefined;

/**
 * Trace and measure every actor of this thread with OpenTelemetry. Call it once per thread,
 * after (or before) the application sets up its OpenTelemetry SDK: in the main thread, and, for
 * actors on worker threads, in a catalog module every thread loads (each thread has its own SDK).
 * Without an SDK it installs nothing and costs nothing; it looks again every `watchMs`.
 *
 * Spans: `tell <name>` (producer) and `ask <name>` (client, ended when the ask settles) where a
 * message is sent, `process <behaviour>` (consumer) where an actor handles it, child of the
 * sender's span even across threads and nodes. Metrics: `troupe.messages.processed`,
 * `troupe.message.duration` (s) by actor type, node and outcome, `troupe.asks` by outcome. For
 * the system-wide metrics (dead letters, restarts, mailboxes, nodes) see `instrumentSystem`.
 *
 * @example
 * ```ts
 * import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
 * import { instrumentTroupe } from '@troupe/telemetry';
 * new NodeTracerProvider({ spanProcessors: [processor] }).register();
 * instrumentTroupe();
 * const system = await createActorSystem({ name: 'shop' });
 * ```
 */
export function instrumentTroupe(options: TelemetryOptions = {}): TroupeTelemetry {
  installed?.uninstall();
  let signals: Signals = { traces: false, metrics: false };
  let timer: ReturnType<typeof setInterval> | undefined;
  const look = (): boolean => {
    const tp = options.tracerProvider ?? trace.getTracerProvider();
    const mp = options.meterProvider ?? metrics.getMeterProvider();
    const traces = options.tracerProvider !== undefined || tracerIsReal(tp);
    const hasMetrics = options.meterProvider !== undefined || meterIsReal(mp);
    if (traces === signals.traces && hasMetrics === signals.metrics) return traces && hasMetrics;
    signals = { traces, metrics: hasMetrics };
    setInstrumentation(
      traces || hasMetrics
        ? new OtelInstrumentation(
            traces ? tp.getTracer(SCOPE) : undefined,
            hasMetrics ? mp.getMeter(SCOPE) : undefined,
          )
        : undefined,
    );
    return traces && hasMetrics;
  };
  const complete = look();
  const watchMs = options.watchMs ?? 1000;
  if (!complete && watchMs > 0) {
    timer = setInterval(() => {
      if (look()) clearInterval(timer);
    }, watchMs);
    timer.unref();
  }
  const handle: TroupeTelemetry = {
    get signals() {
      return signals;
    },
    uninstall() {
      if (timer !== undefined) clearInterval(timer);
      if (installed === handle) installed = undefined;
      signals = { traces: false, metrics: false };
      setInstrumentation(undefined);
    },
  };
  installed = handle;
  return handle;
}
