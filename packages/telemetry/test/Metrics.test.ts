/**
 * Metrics: per message (processed, duration, asks by outcome) from the instrumentation, and per
 * system (dead letters, supervision decisions, actors, mailboxes, nodes) from `instrumentSystem`,
 * read with OpenTelemetry's in-memory metric exporter. No SDK, nothing installed.
 */
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { createActorSystem, defineActor } from '@troupe/core';
import { describe, expect, it } from 'vitest';
import { instrumentSystem, instrumentTroupe } from '../src/index.js';

const Counter = defineActor<{ type: 'inc' } | { type: 'boom' } | { type: 'slow' }, number>({
  name: 'metrics.counter',
  init: () => 0,
  async receive(ctx, n, m) {
    if (m.type === 'boom') throw new Error('boom');
    if (m.type === 'slow') await new Promise((r) => setTimeout(r, 30));
    if (ctx.isAsk) ctx.reply(n + 1);
    return n + 1;
  },
});

describe('metrics', () => {
  it('installs nothing without an SDK, and installs itself once one is registered', async () => {
    const t = instrumentTroupe({ watchMs: 20 });
    expect(t.signals).toEqual({ traces: false, metrics: false });
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({ readers: [reader] });
    metrics.setGlobalMeterProvider(provider);
    const end = Date.now() + 2000;
    while (!t.signals.metrics && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(t.signals).toEqual({ traces: false, metrics: true });

    const system = await createActorSystem({ name: 'metrics' });
    const stop = instrumentSystem(system);
    const counter = system.spawn(Counter, undefined, { name: 'counter' });
    for (let i = 0; i < 5; i++) await counter.ask({ type: 'inc' });
    await counter.ask({ type: 'slow' });
    await expect(counter.ask({ type: 'boom' })).rejects.toThrow(/boom/);
    await expect(counter.ask({ type: 'slow' }, { timeoutMs: 1 })).rejects.toThrow(/timed out|timeout/i);
    system.lookup('user/nobody'); // nothing
    system.spawn(Counter, undefined, { name: 'gone' });
    await system.stop(system.lookup('gone')!);
    await new Promise((r) => setTimeout(r, 60));

    await reader.forceFlush();
    const got = exporter
      .getMetrics()
      .at(-1)!
      .scopeMetrics.flatMap((s) => s.metrics);
    const metric = (name: string) => {
      const m = got.find((x) => x.descriptor.name === name);
      expect(m, `${name} in ${got.map((x) => x.descriptor.name).join(', ')}`).toBeDefined();
      return m!;
    };
    const sum = (name: string, attrs: Record<string, unknown>) =>
      metric(name)
        .dataPoints.filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
        .reduce(
          (a, p) => a + (typeof p.value === 'number' ? p.value : (p.value as { count: number }).count),
          0,
        );

    const type = { 'troupe.actor.type': 'metrics.counter', 'troupe.node': system.nodeId };
    expect(sum('troupe.messages.processed', { ...type, 'troupe.outcome': 'ok' })).toBe(7);
    expect(sum('troupe.messages.processed', { ...type, 'troupe.outcome': 'error' })).toBe(1);
    expect(sum('troupe.message.duration', type)).toBe(8); // one duration per message
    const slowest = metric('troupe.message.duration').dataPoints.map(
      (p) => (p.value as { max?: number }).max ?? 0,
    );
    expect(Math.max(...slowest)).toBeGreaterThanOrEqual(0.025); // the slow one's await counts
    expect(sum('troupe.asks', { 'troupe.ask.outcome': 'ok' })).toBe(6);
    expect(sum('troupe.asks', { 'troupe.ask.outcome': 'error' })).toBe(1);
    expect(sum('troupe.asks', { 'troupe.ask.outcome': 'timeout' })).toBe(1);
    // The failure was a supervision decision (restart, the default).
    expect(sum('troupe.supervision.decisions', { 'troupe.supervision.directive': 'restart' })).toBe(1);
    expect(sum('troupe.actors', {})).toBeGreaterThanOrEqual(1);
    expect(sum('troupe.nodes', {})).toBe(1);

    // A tell to a stopped actor is a dead letter, counted by reason.
    const gone = system.spawn(Counter, undefined, { name: 'gone2' });
    await system.stop(gone);
    gone.tell({ type: 'inc' });
    await reader.forceFlush();
    const again = exporter
      .getMetrics()
      .at(-1)!
      .scopeMetrics.flatMap((s) => s.metrics);
    const dl = again.find((x) => x.descriptor.name === 'troupe.dead_letters');
    expect(dl?.dataPoints.reduce((a, p) => a + (p.value as number), 0)).toBeGreaterThanOrEqual(1);

    stop();
    t.uninstall();
    await system.shutdown();
    await provider.shutdown();
  });
});
