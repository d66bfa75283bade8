/**
 * One ask from node A through a pool on node B's worker threads to an actor on node C makes one
 * trace, with each span the child of the one that sent its message — on the in-memory transport
 * and on a real nats-server. Spans of the main thread are caught by OpenTelemetry's in-memory
 * exporter; B's threads post theirs on a BroadcastChannel (see fixtures/catalog.ts).
 */
import { BroadcastChannel } from 'node:worker_threads';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { type ActorSystem, createActorSystem, type Transport } from '@troupe/core';
import { createInMemoryNetwork } from '@troupe/core/testing';
import { nats } from '@troupe/transport-nats';
import { type NatsServer, startNatsServer } from '@troupe/transport-nats/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentTroupe, type TroupeTelemetry } from '../src/index.js';
import { Leaf, type PostedSpan, posted, Relay, SPANS_CHANNEL } from './fixtures/catalog.js';

const catalog = new URL('./fixtures/catalog.ts', import.meta.url).href;
const exporter = new InMemorySpanExporter();
const fromThreads: PostedSpan[] = [];
const channel = new BroadcastChannel(SPANS_CHANNEL);
channel.onmessage = (e) => fromThreads.push((e as { data: PostedSpan }).data);
let telemetry: TroupeTelemetry;
let server: NatsServer | undefined;
const systems: ActorSystem[] = [];

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  telemetry = instrumentTroupe();
  server = await startNatsServer();
});
afterEach(async () => {
  for (const s of systems.splice(0)) await s.shutdown();
  exporter.reset();
  fromThreads.length = 0;
});
afterAll(async () => {
  telemetry.uninstall();
  channel.close();
  await server?.stop();
});

const transports: [string, () => () => Transport][] = [
  [
    'in-memory',
    () => {
      const net = createInMemoryNetwork({ seed: 3 });
      return () => net.transport();
    },
  ],
  ['nats', () => () => nats({ servers: server!.url })],
];

async function until(cond: () => boolean, what: () => string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(transports)('one trace across nodes and threads (%s)', (_name, network) => {
  it('A asks a pool on B’s threads, whose routee asks an actor on C: one trace, parent to child', async () => {
    const transport = network();
    const name = `trace-${Math.random().toString(36).slice(2, 8)}`;
    const a = await createActorSystem({ name, catalog: [catalog], transports: [transport()] });
    const b = await createActorSystem({
      name,
      catalog: [catalog],
      threads: { size: 2 },
      transports: [transport()],
    });
    const c = await createActorSystem({ name, catalog: [catalog], transports: [transport()] });
    systems.push(a, b, c);
    await until(
      () => [a, b, c].every((s) => s.nodes().length === 3),
      () => 'three nodes',
    );
    const relays = b.spawnPool(Relay, undefined, { name: 'relays', size: 2, placement: 'thread' });
    const leaf = c.spawn(Leaf, undefined, { name: 'leaf' });
    const pool = a.lookup(relays.address)!;
    const toLeaf = a.lookup(leaf.address)!;

    const tracer = trace.getTracer('test');
    const answer = await tracer.startActiveSpan('request', async (root) => {
      try {
        return (await pool.ask({ to: toLeaf, n: 7 })) as { leaf: number; relay: string };
      } finally {
        root.end();
      }
    });
    expect(answer.leaf).toBe(49);
    expect(answer.relay).toMatch(
      new RegExp(`^troupe://${name}/${b.nodeId}\\.t[01]/user/relays/routee-[01]$`),
    );

    // Spans of the main threads (A, B's main, C: one process here) and of B's threads.
    const spans = (): PostedSpan[] => [...exporter.getFinishedSpans().map(posted), ...fromThreads];
    await until(
      () => spans().some((s) => s.name === 'process telemetry.relay'),
      () =>
        `the relay's span (have ${spans()
          .map((s) => s.name)
          .join(', ')})`,
    );
    const all = spans();
    const one = (n: string): PostedSpan => {
      const found = all.filter((s) => s.name === n);
      expect(found, `spans named ${n}: ${all.map((s) => s.name).join(', ')}`).toHaveLength(1);
      return found[0]!;
    };
    const root = one('request');
    const askPool = one('ask relays');
    const processPool = one('process troupe.pool');
    const askRoutee = all.find((s) => /^ask routee-[01]$/.test(s.name))!;
    const processRelay = one('process telemetry.relay');
    const askLeaf = one('ask leaf');
    const processLeaf = one('process telemetry.leaf');
    expect(
      askRoutee,
      all
        .map(
          (s) =>
            `${s.name} ${s.traceId.slice(0, 6)} ${s.spanId.slice(0, 6)} <- ${s.parentSpanId?.slice(0, 6)}`,
        )
        .join('\n'),
    ).toBeDefined();

    // One trace, and each span the child of the one that sent its message.
    for (const s of [askPool, processPool, askRoutee, processRelay, askLeaf, processLeaf])
      expect(s.traceId).toBe(root.traceId);
    expect(askPool.parentSpanId).toBe(root.spanId);
    expect(processPool.parentSpanId).toBe(askPool.spanId);
    expect(askRoutee.parentSpanId).toBe(processPool.spanId);
    expect(processRelay.parentSpanId).toBe(askRoutee.spanId);
    expect(askLeaf.parentSpanId).toBe(processRelay.spanId);
    expect(processLeaf.parentSpanId).toBe(askLeaf.spanId);

    // Kinds and attributes: where each ran, what it was, never the message's contents.
    expect(askPool.kind).toBe(SpanKind.CLIENT);
    expect(processLeaf.kind).toBe(SpanKind.CONSUMER);
    expect(processPool.attributes['troupe.node']).toBe(b.nodeId);
    expect(processRelay.attributes['troupe.node']).toMatch(new RegExp(`^${b.nodeId}\\.t[01]$`));
    expect(processLeaf.attributes).toMatchObject({
      'messaging.system': 'troupe',
      'messaging.operation.type': 'process',
      'troupe.node': c.nodeId,
      'troupe.actor.path': 'user/leaf',
      'troupe.actor.type': 'telemetry.leaf',
      'troupe.message.type': 'square',
      'troupe.message.ask': true,
    });
    expect(askLeaf.attributes['troupe.sender.path']).toMatch(/^user\/relays\/routee-[01]$/);
    expect(JSON.stringify(all.map((s) => s.attributes))).not.toContain('49');
  });

  it('a failing actor marks its process span and the asker’s span as errors', async () => {
    const transport = network();
    const name = `trace-${Math.random().toString(36).slice(2, 8)}`;
    const a = await createActorSystem({ name, catalog: [catalog], transports: [transport()] });
    const c = await createActorSystem({ name, catalog: [catalog], transports: [transport()] });
    systems.push(a, c);
    await until(
      () => a.nodes().length === 2 && c.nodes().length === 2,
      () => 'two nodes',
    );
    const leaf = a.lookup(c.spawn(Leaf, undefined, { name: 'leaf' }).address)!;
    await expect(leaf.ask({ type: 'fail' })).rejects.toThrow(/leaf failed/);
    await until(
      () => exporter.getFinishedSpans().length >= 2,
      () => 'two spans',
    );
    const spans = exporter.getFinishedSpans();
    const ask = spans.find((s) => s.name === 'ask leaf')!;
    const proc = spans.find((s) => s.name === 'process telemetry.leaf')!;
    expect(proc.parentSpanContext?.spanId).toBe(ask.spanContext().spanId);
    expect(proc.status.code).toBe(2); // ERROR
    expect(proc.events.some((e) => e.name === 'exception')).toBe(true);
    expect(ask.status.code).toBe(2);
    expect(ask.attributes['error.type']).toBe('ActorFailedError');
  });
});
