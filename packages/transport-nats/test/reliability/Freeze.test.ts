/**
 * A node frozen (SIGSTOP) long enough to be declared down, then resumed (SIGCONT): the work
 * goes on without it and every answer arrives; when it is heard again, the balancing pool starts
 * its routee there again and gives it work. Run with `pnpm test:chaos` (and in CI).
 */
import { createActorSystem, type PoolRef } from '@troupe/core';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitNodes, nats } from '../../src/index.js';
import { startNatsServer, startNode } from '../../src/testing.js';

const catalog = new URL('../fixtures/catalog.mjs', import.meta.url).pathname;
const fast = { heartbeatMs: 100, downAfterMs: 800 } as const;
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

interface Where {
  address: string;
  pid: number;
}

describe('a node frozen and resumed', () => {
  it('is declared down, then used again once it is heard again; every ask is answered', async () => {
    const server = await startNatsServer();
    cleanup.push(() => server.stop());
    const args = ['--heartbeat-ms', String(fast.heartbeatMs), '--down-after-ms', String(fast.downAfterMs)];
    const b = await startNode({ nats: server.url, system: 'freeze', catalog, threads: 1, args });
    cleanup.push(() => b.kill());
    const c = await startNode({ nats: server.url, system: 'freeze', catalog, threads: 1, args });
    cleanup.push(() => c.kill());
    const a = await createActorSystem({
      name: 'freeze',
      catalog: [new URL(`file://${catalog}`)],
      transports: [nats({ servers: server.url, ...fast })],
    });
    cleanup.push(() => a.shutdown());
    const nodes = await awaitNodes(a, 3, 10_000);
    const events: string[] = [];
    a.events.on('node', (e) => events.push(`${e.event}:${e.node}`));
    // As the farm places its workers: one routee on each node's worker thread.
    const placements = nodes.filter((n) => !n.self).map((n) => ({ node: n.threads[0]! }));
    const pool: PoolRef = a.spawnPool('nats.echo', undefined, {
      routing: 'balancing',
      credit: 1,
      redispatchOnLost: true,
      placements,
      size: placements.length,
    });
    const round = async (n: number) => {
      const answers = await Promise.all(
        Array.from({ length: n }, () => pool.ask({ type: 'where' }, { timeoutMs: 10_000 })),
      );
      return new Set(answers.map((w) => (w as Where).pid));
    };
    expect(await round(40)).toEqual(new Set([b.pid, c.pid]));

    process.kill(b.pid!, 'SIGSTOP');
    const frozen = round(40); // asks in flight to b go to c once b is declared down
    const until = async (ok: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!ok()) throw new Error(`timed out waiting for ${what}`);
    };
    await until(() => events.includes(`down:${b.id}`), 'b to be declared down');
    expect(await frozen).toEqual(new Set([c.pid]));
    process.kill(b.pid!, 'SIGCONT');
    await until(() => events.includes(`up:${b.id}`), 'b to be heard again');
    let seen = new Set<number | undefined>();
    for (let i = 0; i < 40 && !seen.has(b.pid); i++) {
      seen = await round(40);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen.has(b.pid)).toBe(true);
  }, 60_000);
});
