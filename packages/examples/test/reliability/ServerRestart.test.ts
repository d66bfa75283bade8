/**
 * The farm across nodes while its NATS server goes away: SIGKILLed and restarted mid-run (ten
 * runs in a row), and one server of a 3-server cluster killed. Each run must finish with every
 * result exact and counted once, without waiting for a deadline: the nodes' links send what was
 * lost again once they reconnect. Run with `pnpm test:chaos` (and in CI).
 */
import { freePort, type NatsServer, startNatsServer } from '@troupe/transport-nats/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type FarmRun, runFarm, runSequential } from '../../dist/farm/farm.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

const tasks = Array.from({ length: 48 }, (_, i) => 27 + (i % 4));
const expected = runSequential(tasks).results;

/**
 * One farm run on 2 started nodes; `disrupt` runs once a quarter of the work is done. Returns
 * the run and the longest pause between two results (the stall the fault caused).
 */
async function farmThrough(
  url: string,
  disrupt: () => Promise<void>,
): Promise<{ r: FarmRun; stallMs: number }> {
  let disrupted: Promise<void> | undefined;
  let last = performance.now();
  let stallMs = 0;
  const r = await runFarm({
    tasks,
    threads: 0,
    nodes: { url, start: 2, join: false, threadsPerNode: 1 },
    onProgress: (done, total) => {
      const now = performance.now();
      if (disrupted !== undefined) stallMs = Math.max(stallMs, now - last);
      last = now;
      if (disrupted === undefined && done >= total / 4) disrupted = disrupt();
    },
  });
  await disrupted;
  return { r, stallMs };
}

function checkExact(r: FarmRun): void {
  expect(r.results).toEqual(expected);
  expect(r.duplicatesDropped).toBe(0);
  expect(Object.values(r.perWorker).reduce((a, b) => a + b, 0)).toBe(tasks.length);
  expect(r.overdue).toBe(0); // nothing had to wait for its deadline
}

describe('the farm while its NATS server goes away', () => {
  it('finishes exact, 10 runs in a row, with the server SIGKILLed and restarted mid-run', async () => {
    const server = await startNatsServer();
    cleanup.push(() => server.kill());
    const stalls: number[] = [];
    for (let run = 1; run <= 10; run++) {
      const { r, stallMs } = await farmThrough(server.url, async () => {
        await server.kill('SIGKILL');
        await new Promise((res) => setTimeout(res, 200));
        await server.restart();
      });
      checkExact(r);
      stalls.push(stallMs);
    }
    // The stall is the server's absence plus the clients' reconnect (250 ms between tries) and a
    // resend: seconds, not a deadline's worth.
    expect(Math.max(...stalls)).toBeLessThan(5_000);
    console.log(
      `[chaos] farm --nodes 2, server SIGKILLed and restarted mid-run: 10 of 10 runs exact; longest pause between results per run ${stalls.map((s) => `${(s / 1000).toFixed(2)}`).join(', ')} s`,
    );
  }, 170_000);

  it('finishes exact with one server of a 3-server cluster killed mid-run', async () => {
    const cp = [await freePort(), await freePort(), await freePort()];
    const routes = cp.map((p) => `nats://127.0.0.1:${p}`).join(',');
    const servers: NatsServer[] = [];
    for (const p of cp) {
      const s = await startNatsServer({
        args: ['--cluster_name', 'farm', '--cluster', `nats://127.0.0.1:${p}`, '--routes', routes],
      });
      servers.push(s);
      cleanup.push(() => s.kill());
    }
    await new Promise((res) => setTimeout(res, 300)); // let the routes form
    const { r, stallMs } = await farmThrough(servers.map((s) => s.url).join(','), () =>
      servers[0]!.kill('SIGKILL'),
    );
    checkExact(r);
    expect(stallMs).toBeLessThan(5_000);
    console.log(
      `[chaos] farm --nodes 2, one of 3 cluster servers SIGKILLed mid-run: exact; longest pause between results ${(stallMs / 1000).toFixed(2)} s`,
    );
  }, 60_000);
});
