/**
 * Troupe's {@link Instrumentation} on OpenTelemetry: a span for each message sent (`tell x`,
 * `ask x`) and processed (`process <behaviour>`), linked parent to child through the carrier the
 * core sends with the message, and the per-message metrics (messages processed, processing time,
 * asks by outcome). Span names and attributes follow OpenTelemetry's messaging conventions;
 * attributes name the actor, its type, its node and the message's `type`, never its contents.
 *
 * Owns: the spans and the per-message instruments. May not touch: the core's internals (only
 * its public seam), the SDK (the application's: providers come from the global API or options).
 */
import {
  type Attributes,
  type Context,
  type Counter,
  context,
  type Histogram,
  type Meter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  type Instrumentation,
  messageType,
  type ProcessInfo,
  parseAddress,
  type Sending,
  type SendKind,
} from '@troupe/core';
import { fromCarrier, toCarrier } from './carrier.js';

/** Instrumentation scope name: the tracer's and the meter's. */
export const SCOPE = '@troupe/telemetry';

/** The path of an address (`troupe://shop/n1/user/cart` → `user/cart`); the address itself if it is none. */
export function pathOfAddress(address: string): string {
  return parseAddress(address)?.path ?? address;
}

/** The path and the span names of each target address seen lately (parsing an address costs more than a span). */
interface Target {
  readonly path: string;
  readonly tell: string;
  readonly ask: string;
}
const TARGETS_MAX = 10_000;

/** The last segment of a path: the actor's name. */
function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

/** An ask on its way: its span ends, and the outcome is counted, when it settles. */
class AskSending implements Sending {
  constructor(
    readonly carrier: string | undefined,
    private readonly span: Span | undefined,
    private readonly owner: OtelInstrumentation,
    private readonly target: string,
  ) {}
  settled(error: unknown): void {
    const outcome =
      error === undefined ? 'ok' : (error as Error)?.name === 'AskTimeoutError' ? 'timeout' : 'error';
    this.owner.asks?.add(1, { 'troupe.ask.outcome': outcome, 'troupe.actor.name': nameOf(this.target) });
    const span = this.span;
    if (span === undefined) return;
    if (error !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.name ?? 'error' });
      span.setAttribute('error.type', (error as Error)?.name ?? 'error');
    }
    span.end();
  }
}

/** What is on for this instrumentation: spans, metrics, or both. */
export interface Signals {
  /** Record spans (a tracer provider other than the no-op one is known). */
  readonly traces: boolean;
  /** Record metrics. */
  readonly metrics: boolean;
}

/** The instrumentation installed by `instrumentTroupe`. @internal */
export class OtelInstrumentation implements Instrumentation {
  private readonly tracer: Tracer | undefined;
  private readonly processed: Counter | undefined;
  private readonly duration: Histogram | undefined;
  /** @internal */
  readonly asks: Counter | undefined;
  /** Attributes of each (actor type, node), made once. */
  private readonly typeAttrs = new Map<string, Attributes>();
  private readonly targets = new Map<string, Target>();
  /** The actor whose message is being processed (synchronously) in this thread. */
  private current: ProcessInfo | undefined = undefined;

  constructor(tracer: Tracer | undefined, meter: Meter | undefined) {
    this.tracer = tracer;
    if (meter !== undefined) {
      this.processed = meter.createCounter('troupe.messages.processed', {
        description: 'Messages processed by actors, by actor type, node and outcome',
        unit: '{message}',
      });
      this.duration = meter.createHistogram('troupe.message.duration', {
        description: 'Time an actor took to process a message (an async handler: until it settled)',
        unit: 's',
        // Actor messages take microseconds to seconds: the SDK's default buckets (0 to 10,000) suit milliseconds.
        advice: {
          explicitBucketBoundaries: [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
        },
      });
      this.asks = meter.createCounter('troupe.asks', {
        description: 'Asks sent, by outcome when they settled (ok, error, timeout)',
        unit: '{ask}',
      });
    }
  }

  send(kind: SendKind, target: string, message: unknown): Sending | undefined {
    const tracer = this.tracer;
    if (tracer === undefined)
      return kind === 'ask' && this.asks !== undefined
        ? new AskSending(undefined, undefined, this, target)
        : undefined;
    const t = this.target(target);
    const span = tracer.startSpan(
      kind === 'ask' ? t.ask : t.tell,
      { kind: kind === 'ask' ? SpanKind.CLIENT : SpanKind.PRODUCER },
      context.active(),
    );
    // Attributes only for a span that is recorded (a sampler that drops it never sees them).
    if (span.isRecording()) {
      span.setAttributes({
        'messaging.system': 'troupe',
        'messaging.operation.type': 'send',
        'messaging.operation.name': kind,
        'messaging.destination.name': t.path,
        'troupe.message.type': messageType(message),
      });
      const from = this.current;
      if (from !== undefined)
        span.setAttributes({ 'troupe.sender.path': from.path, 'troupe.node': from.node });
    }
    const carrier = toCarrier(span.spanContext());
    if (kind === 'tell') {
      span.end();
      return { carrier };
    }
    return new AskSending(carrier, span, this, target);
  }

  process<T>(info: ProcessInfo, message: unknown, carrier: string | undefined, run: () => T): T {
    const started = this.duration === undefined ? 0 : performance.now();
    let span: Span | undefined;
    let ctx: Context | undefined;
    const tracer = this.tracer;
    if (tracer !== undefined) {
      // The parent is the sender's span, from the carrier only: never whatever context happens to
      // be active in the run loop.
      const parentSc = carrier === undefined ? undefined : fromCarrier(carrier);
      const parent = parentSc === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parentSc);
      span = tracer.startSpan(`process ${info.behaviour}`, { kind: SpanKind.CONSUMER }, parent);
      if (span.isRecording()) {
        span.setAttributes({
          'messaging.system': 'troupe',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': info.path,
          'troupe.actor.path': info.path,
          'troupe.actor.type': info.behaviour,
          'troupe.node': info.node,
          'troupe.message.type': messageType(message),
          'troupe.message.ask': info.isAsk,
        });
      }
      ctx = trace.setSpan(parent, span);
    }
    const before = this.current;
    this.current = info;
    let result: T;
    try {
      result = ctx === undefined ? run() : context.with(ctx, run);
    } catch (e) {
      this.done(info, span, started, e);
      throw e;
    } finally {
      this.current = before;
    }
    if (result instanceof Promise) {
      result.then(
        () => this.done(info, span, started, undefined),
        (e: unknown) => this.done(info, span, started, e ?? new Error('rejected')),
      );
    } else this.done(info, span, started, undefined);
    return result;
  }

  /** What is known of a target address (parsed once, kept for the next messages). */
  private target(address: string): Target {
    let t = this.targets.get(address);
    if (t === undefined) {
      const path = pathOfAddress(address);
      const name = nameOf(path);
      t = { path, tell: `tell ${name}`, ask: `ask ${name}` };
      if (this.targets.size >= TARGETS_MAX) this.targets.clear();
      this.targets.set(address, t);
    }
    return t;
  }

  /** A message was processed (`error`: it failed): end its span, count it, time it. */
  private done(info: ProcessInfo, span: Span | undefined, started: number, error: unknown): void {
    if (span !== undefined) {
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        span.setAttribute('error.type', (error as Error)?.name ?? 'error');
      }
      span.end();
    }
    if (this.processed === undefined) return;
    const attrs = this.attributesOf(info, error !== undefined);
    this.processed.add(1, attrs);
    this.duration!.record((performance.now() - started) / 1000, attrs);
  }

  private attributesOf(info: ProcessInfo, failed: boolean): Attributes {
    const key = `${failed ? 'f' : 'o'}${info.node}\0${info.behaviour}`;
    let a = this.typeAttrs.get(key);
    if (a === undefined) {
      a = {
        'troupe.actor.type': info.behaviour,
        'troupe.node': info.node,
        'troupe.outcome': failed ? 'error' : 'ok',
      };
      if (this.typeAttrs.size < 10_000) this.typeAttrs.set(key, a);
    }
    return a;
  }
}
