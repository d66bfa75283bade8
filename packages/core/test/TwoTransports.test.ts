/**
 * The resolver chain with two transports in one system: each transport carries the records for
 * the nodes it announced, from the main thread and from worker threads alike, and neither ever
 * sends a batch to a node it does not reach.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem } from '../src/index.js';
import { createInMemoryNetwork, createProbe } from '../src/testing/index.js';
import { Echo } from './fixtures/threadCatalog.js';

const threadCatalog = new URL('./fixtures/threadCatalog.ts', import.meta.url).href;
const systems: ActorSystem[] = [];

afterEach(async () => {
  for (const s of systems.splice(0).reverse()) await s.shutdown();
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('a system with two transports', () => {
  it('sends each node its records over the transport that reaches it, from the main thread and from a thread', async () => {
    const left = createInMemoryNetwork({ seed: 1 });
    const right = createInMemoryNetwork({ seed: 2 });
    const hub = await createActorSystem({
      name: 'two',
      nodeId: 'hub',
      catalog: [threadCatalog],
      threads: { size: 1 },
      transports: [left.transport(), right.transport()],
    });
    systems.push(hub);
    const a = await createActorSystem({
      name: 'two',
      nodeId: 'a',
      catalog: [Echo],
      transports: [left.transport()],
    });
    const b = await createActorSystem({
      name: 'two',
      nodeId: 'b',
      catalog: [Echo],
      transports: [right.transport()],
    });
    systems.push(a, b);
    await until(() => hub.nodes().length === 3, 'the hub to hear of a and b');

    // From the hub's main thread: an ask to each side.
    const onA = hub.spawn(Echo, undefined, { placement: { node: 'a' } });
    const onB = hub.spawn(Echo, undefined, { placement: { node: 'b' } });
    expect(await onA.ask({ type: 'echo', value: 'left' })).toBe('left');
    expect(await onB.ask({ type: 'echo', value: 'right' })).toBe('right');

    // From a worker thread of the hub: its records leave through the main thread, then the chain.
    const onThread = hub.spawn(Echo, undefined, { placement: { thread: 0 } });
    const probe = createProbe(hub);
    for (const [to, value] of [
      [onA, 'via a'],
      [onB, 'via b'],
    ] as const) {
      onThread.tell({ type: 'forward', to, value, replyTo: probe.ref });
      const got = (await probe.expect()) as { value: unknown; from: { address: string } };
      expect(got.value).toBe(value);
      expect(got.from.address).toBe(to.address);
    }

    // Each network carried batches, and neither was handed one for a node it does not reach.
    for (const net of [left, right]) {
      const stats = net.stats();
      expect(stats.sent).toBeGreaterThan(0);
      expect(stats.droppedByCause.unreachable).toBe(0);
    }
    expect(hub.stats().droppedByCause.unroutable ?? 0).toBe(0);
  });
});
