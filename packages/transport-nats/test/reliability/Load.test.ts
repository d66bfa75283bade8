/**
 * Load: bounded mailboxes under a flood between two nodes, and many actors across threads and
 * nodes. Run with `pnpm test:chaos` (and in CI).
 */
import { type ActorSystem, createActorSystem, type RejectedEvent } from '@troupe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitNodes, nats } from '../../src/index.js';
import { type NatsServer, startNatsServer, startNode, type TroupeNodeProcess } from '../../src/testing.js';

const catalog = new URL('../fixtures/catalog.mjs', import.meta.url).pathname;
let server: NatsServer;
const nodes: TroupeNodeProcess[] = [];
const systems: ActorSystem[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  for (const s of systems) await s.shutdown();
  for (const n of nodes) await n.kill();
  await server?.kill();
});

describe('load', () => {
  it('1M tells into a bounded reject mailbox on another node: bounded memory, every rejection reported, none lost', async () => {
    const b = await startNode({ nats: server.url, system: 'flood', catalog, args: ['--nats-options', '{}'] });
    nodes.push(b);
    const a = await createActorSystem({
      name: 'flood',
      catalog: [new URL(`file://${catalog}`)],
      transports: [nats({ servers: server.url })],
    });
    systems.push(a);
    await awaitNodes(a, 2);
    const sink = a.spawn<unknown, unknown, void, number>('load.sink', undefined, {
      placement: { node: b.id },
      mailbox: { capacity: 1000, overflow: 'reject' },
    });
    const heapBefore = (await sink.ask('heap')) as number;
    let reportedEvents = 0;
    a.events.on('rejected', (e: RejectedEvent) => (reportedEvents += e.count));
    const N = 1_000_000;
    for (let i = 0; i < N; i += 10_000) {
      for (let j = 0; j < 10_000; j++) sink.tell(i + j);
      await new Promise((r) => setImmediate(r));
    }
    let processed = 0;
    await expect
      .poll(
        async () => {
          processed = (await sink.ask('count', { timeoutMs: 5000 })) as number;
          return processed + a.stats().rejectedByPeers;
        },
        { timeout: 60_000, interval: 250 },
      )
      .toBe(N);
    const heapAfter = (await sink.ask('heap')) as number;
    expect(processed).toBeGreaterThan(0);
    expect(a.stats().rejectedByPeers).toBeGreaterThan(0); // the mailbox really was full
    expect(reportedEvents).toBe(a.stats().rejectedByPeers);
    expect(heapAfter - heapBefore).toBeLessThan(64 * 1024 * 1024);
    console.log(
      `[load] 1M tells: processed ${processed}, rejected and reported ${a.stats().rejectedByPeers}; receiver heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB`,
    );
  }, 120_000);

  it('100k actors spread over threads and two nodes, each asked once: all answer', async () => {
    const b = await startNode({ nats: server.url, system: 'many', catalog, threads: 1 });
    const c = await startNode({ nats: server.url, system: 'many', catalog, threads: 1 });
    nodes.push(b, c);
    const a = await createActorSystem({
      name: 'many',
      catalog: [new URL(`file://${catalog}`)],
      threads: { size: 2 },
      transports: [nats({ servers: server.url })],
    });
    systems.push(a);
    await awaitNodes(a, 3);
    const placements = [
      { thread: 0 },
      { thread: 1 },
      { node: b.id },
      { node: `${b.id}.t0` },
      { node: c.id },
      { node: `${c.id}.t0` },
    ];
    const N = 100_000;
    const t0 = Date.now();
    let answered = 0;
    for (let i = 0; i < N; i += 2000) {
      const batch = [];
      for (let j = i; j < i + 2000; j++) {
        const ref = a.spawn<any, number, void, unknown>('nats.echo', undefined, {
          placement: placements[j % placements.length]!,
        });
        batch.push(
          ref.ask({ type: 'echo', value: j }, { timeoutMs: 30_000 }).then((v) => v === j && answered++),
        );
      }
      await Promise.all(batch);
    }
    expect(answered).toBe(N);
    console.log(
      `[load] 100k actors over 6 runtimes on 3 nodes spawned and asked once in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
