/**
 * A message that overtakes its actor's spawn request: node A spawns an actor on C and hands the
 * ref to B at once; B's message reaches C before A's request (links are ordered per pair only).
 * It waits for the actor and is delivered first; one for an actor that never starts is a dead
 * letter after the grace period.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ActorRef, Transport } from '../src/index.js';
import { UNBORN_GRACE_MS } from '../src/remote/Unborn.js';
import { createInMemoryNetwork, createProbe } from '../src/testing/index.js';
import { Echo } from './contract/behaviours.js';
import { type ContractNode, record, startNodes } from './contract/cluster.js';

const started: ContractNode[] = [];
afterEach(async () => {
  for (const n of started.splice(0)) await n.system.shutdown();
});

/** Three nodes whose first one's batches to the third take `lagMs` longer. */
async function threeWithSlowLink(lagMs: number) {
  const net = createInMemoryNetwork({ seed: 3, downAfterMs: 2000 });
  let slowTo = '';
  let first = true;
  const harness = {
    transport: (): Transport => {
      const inner = net.transport();
      if (!first) return inner;
      first = false;
      return {
        name: inner.name,
        start: (host) => inner.start(host),
        stop: () => inner.stop(),
        send: (from, to, batch) => {
          if (to === slowTo) setTimeout(() => inner.send(from, to, batch), lagMs);
          else inner.send(from, to, batch);
        },
      };
    },
    kill: async () => {},
  };
  const [a, b, c] = await startNodes(harness, 3, started);
  slowTo = c!.system.nodeId;
  return [a!, b!, c!] as const;
}

describe('a message that overtakes the spawn of its actor', () => {
  it('waits for the actor and reaches it', async () => {
    const [a, b, c] = await threeWithSlowLink(150);
    const deadOnC = record(c.system, 'dead-letter');
    const probe = createProbe<{ value: string; via: ActorRef }>(a.system);
    const onB = a.system.spawn(Echo, undefined, { placement: { node: b.system.nodeId } });
    const onC = a.system.spawn(Echo, undefined, { placement: { node: c.system.nodeId } });
    onB.tell({ type: 'forward', to: onC, value: 'around', replyTo: probe.ref });
    onC.tell({ type: 'push', value: 'from a' });
    const got = await probe.expect(undefined, 5000);
    expect(got.value).toBe('around');
    expect(got.via.address).toBe(onC.address);
    expect(deadOnC).toEqual([]);
    // A's own message, sent after its spawn request, came after it.
    expect(await onC.ask({ type: 'log' })).toEqual(['from a']);
  });

  it('is a dead letter, and an ask to it fails, when no actor starts there in the grace period', async () => {
    const [a, b] = await threeWithSlowLink(0);
    const nobody = a.system.lookup(`troupe://${a.system.name}/${b.system.nodeId}/user/never`)!;
    const dead = record(b.system, 'dead-letter');
    const t0 = Date.now();
    const err = await nobody.ask('hello?', { timeoutMs: 5000 }).catch((e: unknown) => e);
    const waited = Date.now() - t0;
    expect((err as Error).name).toBe('ActorStoppedError');
    expect(waited).toBeGreaterThanOrEqual(UNBORN_GRACE_MS - 20);
    expect(waited).toBeLessThan(UNBORN_GRACE_MS + 1500);
    nobody.tell('anyone?');
    await expect
      .poll(() => dead.map((d) => d.reason), { timeout: 3000 })
      .toEqual(['no-such-actor', 'no-such-actor']);
  });

  it('is refused at once when an actor lived at that path and stopped', async () => {
    const [a, b] = await threeWithSlowLink(0);
    const ref = a.system.spawn(Echo, undefined, { placement: { node: b.system.nodeId }, name: 'brief' });
    expect(await ref.ask({ type: 'echo', value: 1 })).toBe(1);
    await a.system.stop(ref);
    const t0 = Date.now();
    const err = await ref.ask({ type: 'echo', value: 2 }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ActorStoppedError');
    expect(Date.now() - t0).toBeLessThan(UNBORN_GRACE_MS / 2);
  });
});
