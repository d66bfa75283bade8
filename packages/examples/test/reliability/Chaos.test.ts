/**
 * Faults in the farm: node processes SIGKILLed every 300 ms while at least two remain, and worker
 * threads killed every 100 ms. Every result must be correct and counted exactly once.
 * Run with `pnpm test:chaos` (and in CI).
 */
import { describe, expect, it } from 'vitest';
import { runFarm, runSequential } from '../../dist/farm/farm.js';
import { startLocalNats } from '../../dist/shared/nodes.js';

describe('farm chaos', () => {
  it('node processes SIGKILLed every 300 ms while at least two remain: every result exact, exactly once', async () => {
    const nats = await startLocalNats();
    try {
      const tasks = Array.from({ length: 120 }, (_, i) => 30 + (i % 4));
      const expected = runSequential(tasks).results;
      const lines: string[] = [];
      const r = await runFarm({
        tasks,
        threads: 0,
        chaos: { everyMs: 300, keepAlive: 2 },
        log: (l) => lines.push(l),
        nodes: { url: nats.url, start: 4, join: false, threadsPerNode: 1 },
      });
      expect(r.results).toEqual(expected);
      expect(r.duplicatesDropped).toBe(0);
      expect(Object.values(r.perWorker).reduce((a, b) => a + b, 0)).toBe(tasks.length);
      expect(r.threadsKilled).toBeGreaterThanOrEqual(1);
      expect(r.threadsKilled).toBeLessThanOrEqual(2);
      console.log(
        `[chaos] ${tasks.length} tasks on 4 nodes, ${r.threadsKilled} killed: all exact in ${(r.wallMs / 1000).toFixed(1)} s`,
      );
    } finally {
      nats.stop();
    }
  }, 120_000);

  it('worker threads killed every 100 ms: every result exact, exactly once', async () => {
    const tasks = Array.from({ length: 300 }, (_, i) => 27 + (i % 7));
    const expected = runSequential(tasks).results;
    const r = await runFarm({ tasks, threads: 2, chaos: { everyMs: 100 } });
    expect(r.results).toEqual(expected);
    expect(r.duplicatesDropped).toBe(0);
    expect(Object.values(r.perWorker).reduce((a, b) => a + b, 0)).toBe(tasks.length);
    // Both threads were killed again and again, and both kept taking work.
    expect(r.threadsKilled).toBeGreaterThanOrEqual(10);
    // Worker ids are `<slot node>#<thread id>`: a replacement thread is a new id on the same slot.
    const slots = new Set(Object.keys(r.perWorker).map((w) => w.split('#')[0]));
    expect(slots.size).toBe(2);
    expect(Object.keys(r.perWorker).length).toBeGreaterThan(2);
    console.log(
      `[chaos] ${tasks.length} tasks on 2 threads, ${r.threadsKilled} thread kills: all exact in ${(r.wallMs / 1000).toFixed(1)} s`,
    );
  }, 120_000);
});
