/**
 * The carrier: a W3C traceparent (and tracestate) out, and strict parsing of what comes back
 * from the wire — anything else gives no parent, never an exception.
 */
import { createTraceState, TraceFlags } from '@opentelemetry/api';
import { messageType } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { fromCarrier, toCarrier } from '../src/index.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

describe('carrier', () => {
  it('round-trips a span context with its flags and trace state', () => {
    const sc = { traceId, spanId, traceFlags: TraceFlags.SAMPLED, traceState: createTraceState('a=1,b=2') };
    const carrier = toCarrier(sc);
    expect(carrier).toBe(`00-${traceId}-${spanId}-01\na=1,b=2`);
    const back = fromCarrier(carrier)!;
    expect(back).toMatchObject({ traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(back.traceState?.get('b')).toBe('2');
    expect(toCarrier({ traceId, spanId, traceFlags: TraceFlags.NONE })).toBe(`00-${traceId}-${spanId}-00`);
  });

  it('gives no parent for anything that is not a valid traceparent', () => {
    for (const bad of [
      '',
      'garbage',
      `01-${traceId}-${spanId}-01`, // unknown version
      `00-${'0'.repeat(32)}-${spanId}-01`, // all-zero trace id
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${traceId}-${spanId}-01-extra`,
      `00-${traceId}-${spanId}`,
      `00-${traceId}-${spanId}-zz`,
      `x00-${traceId}-${spanId}-01`,
    ]) {
      expect(fromCarrier(bad), bad).toBeUndefined();
    }
    // Unknown flag bits are not kept; an oversized trace state is ignored, the parent kept.
    expect(fromCarrier(`00-${traceId}-${spanId}-ff`)?.traceFlags).toBe(TraceFlags.SAMPLED);
    const big = fromCarrier(`00-${traceId}-${spanId}-01\n${'k=v,'.repeat(200)}`)!;
    expect(big.spanId).toBe(spanId);
    expect(big.traceState).toBeUndefined();
  });

  it('names a message by its type only, never its contents', () => {
    expect(messageType({ type: 'deposit', amount: 5 })).toBe('deposit');
    expect(messageType({ amount: 5 })).toBe('object');
    expect(messageType([1, 2])).toBe('array');
    expect(messageType('secret text')).toBe('string');
    expect(messageType(42)).toBe('number');
    expect(messageType({ type: 'x'.repeat(100) })).toHaveLength(64);
  });
});
