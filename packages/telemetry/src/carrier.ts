/**
 * The carrier Troupe sends with a message, as OpenTelemetry sees it: a W3C `traceparent`
 * (`00-<trace id>-<span id>-<flags>`), then a newline and the `tracestate` when there is one.
 * What comes back from the wire is untrusted: it is parsed strictly, never evaluated, and a
 * carrier that does not parse gives no parent (the message is still processed, in a new trace).
 *
 * Owns: formatting and parsing the carrier. May not touch: spans, the core.
 */
import { createTraceState, type SpanContext, TraceFlags } from '@opentelemetry/api';

/** `00-` + 32 + `-` + 16 + `-` + 2. */
const TRACEPARENT_LENGTH = 55;
const INVALID_TRACE = '0'.repeat(32);
const INVALID_SPAN = '0'.repeat(16);

/** The longest `tracestate` accepted (W3C: 32 members of at most 256 characters; the core's carrier limit is 1,024). */
const MAX_TRACESTATE = 512;

/**
 * The carrier for a span context: its `traceparent`, and its `tracestate` after a newline.
 *
 * @example
 * ```ts
 * toCarrier(span.spanContext()); // '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
 * ```
 */
export function toCarrier(sc: SpanContext): string {
  const flags = sc.traceFlags & TraceFlags.SAMPLED ? '01' : '00';
  const parent = `00-${sc.traceId}-${sc.spanId}-${flags}`;
  const state = sc.traceState?.serialize();
  return state ? `${parent}\n${state}` : parent;
}

/**
 * The remote span context a carrier names, or undefined when it does not parse (an unknown
 * version, bad characters, an all-zero id, a `tracestate` over 512 characters).
 *
 * @example
 * ```ts
 * fromCarrier('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')?.traceId; // '4bf9…4736'
 * ```
 */
export function fromCarrier(carrier: string): SpanContext | undefined {
  const nl = carrier.indexOf('\n');
  const parent = nl < 0 ? carrier : carrier.slice(0, nl);
  if (!isTraceparent(parent)) return undefined;
  const sc: SpanContext = {
    traceId: parent.slice(3, 35),
    spanId: parent.slice(36, 52),
    traceFlags: Number.parseInt(parent.slice(53), 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  if (sc.traceId === INVALID_TRACE || sc.spanId === INVALID_SPAN) return undefined; // the rest was checked by the pattern
  if (nl >= 0) {
    const state = carrier.slice(nl + 1);
    if (state.length > 0 && state.length <= MAX_TRACESTATE) sc.traceState = createTraceState(state);
  }
  return sc;
}

/** Is `s` exactly `00-<32 hex>-<16 hex>-<2 hex>` (lower case)? A loop, not a pattern: this runs for every message. */
function isTraceparent(s: string): boolean {
  if (s.length !== TRACEPARENT_LENGTH || s.charCodeAt(0) !== 48 || s.charCodeAt(1) !== 48) return false;
  for (let i = 2; i < TRACEPARENT_LENGTH; i++) {
    const c = s.charCodeAt(i);
    if (i === 2 || i === 35 || i === 52) {
      if (c !== 45) return false; // '-'
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false; // 0-9, a-f
  }
  return true;
}
