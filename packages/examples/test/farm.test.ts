import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// The examples are tested as users run them: from the build (pnpm test builds first).
import { runFarm, runSequential } from '../dist/farm/farm.js';

const cli = new URL('../dist/farm/cli.js', import.meta.url).pathname;
const run = (args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
const tasks = [24, 22, 20, 23, 21, 25];
const expected = [46368, 17711, 6765, 28657, 10946, 75025];

describe('the Fibonacci farm', () => {
  it('computes the right results sequentially', () => {
    expect(runSequential(tasks).results).toEqual(expected);
  });

  it('computes every result on worker threads, spread over the workers', async () => {
    const r = await runFarm({ tasks, threads: 2 });
    expect(r.results).toEqual(expected);
    expect(Object.values(r.perWorker).reduce((a, b) => a + b, 0)).toBe(tasks.length);
    expect(r.placement).toEqual({ threads: 2, nodes: 1, workers: 2 });
    expect(r.duplicatesDropped).toBe(0);
    // Every task answered within its deadline (at least 5 s; these take milliseconds).
    expect(r.overdue).toBe(0);
    expect(r.lateReplies).toBe(0);
    // The workers' own task times: some work, and never more than 2 workers × the wall time.
    expect(r.busyMs).toBeGreaterThan(0);
    expect(r.busyMs).toBeLessThanOrEqual(2 * r.wallMs + 1);
  });

  it('computes every result with the workers on the main thread (local placement)', async () => {
    const r = await runFarm({ tasks, threads: 0 });
    expect(r.results).toEqual(expected);
  });

  it('keeps every result exact and counted once when a thread is killed mid-run', async () => {
    const lines: string[] = [];
    const r = await runFarm({
      tasks: [27, 26, 25, 24, 23, 22, 21, 20],
      threads: 2,
      chaos: true,
      log: (l) => lines.push(l),
    });
    expect(r.results).toEqual([196418, 121393, 75025, 46368, 28657, 17711, 10946, 6765]);
    expect(r.threadsKilled).toBe(1);
    expect(lines[0]).toMatch(/chaos: killing worker thread \d/);
    expect(Object.values(r.perWorker).reduce((a, b) => a + b, 0)).toBe(8);
  });
});

describe('pnpm farm (the CLI)', () => {
  it('prints exactly the result list, then the times and the speedup', () => {
    const r = run(['--tasks', '24,22,20', '--threads', '2']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('[46368, 17711, 6765]');
    expect(r.stdout).toMatch(/sequential: \d+\.\d{3} s/);
    expect(r.stdout).toMatch(/parallel: +\d+\.\d{3} s on 2 worker/);
    expect(r.stdout).toMatch(/speedup: +\d+\.\d\d×/);
  });

  it('prints one JSON result with --json', () => {
    const r = run(['--tasks', '20..23', '--threads', '2', '--json', '--repeat', '2']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.results).toEqual([6765, 10946, 17711, 28657]);
    expect(out.runs).toHaveLength(2);
    expect(out.speedup).toBeGreaterThan(0);
    expect(out.busyShare).toBeGreaterThan(0);
    expect(out.busyShare).toBeLessThanOrEqual(1.01);
    expect(Object.values(out.perWorker as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(4);
    expect(out.placement).toEqual({ threads: 2, nodes: 1, workers: 2 });
  });

  it('sweeps thread counts with --scaling and writes the chart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'farm-'));
    try {
      // A directory that does not exist yet: the farm creates it.
      const out = join(dir, 'new', 'charts');
      const r = run(['--tasks', '22..24', '--threads', '2', '--scaling', '--out', out]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/workers \| wall time \| +speedup \| efficiency \| busy/);
      // The busy share is at most 100% (a little over only by rounding of clock reads).
      const row = /\n +2 \| +\d+\.\d{3} s \| +\d+\.\d\d× \| +\d+% \| +(\d+)%/.exec(r.stdout);
      expect(row).not.toBeNull();
      expect(Number(row![1])).toBeGreaterThan(0);
      expect(Number(row![1])).toBeLessThanOrEqual(101);
      expect(readFileSync(join(out, 'farm-scaling.svg'), 'utf8')).toContain('<svg');
      expect(readFileSync(join(out, 'farm-scaling.png')).subarray(1, 4).toString()).toBe('PNG');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad arguments with a message that says what to do', () => {
    const bad = run(['--tasks', 'x,y']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('give whole numbers, as a list (38,37,36) or a range (30..36)');
    const nats = run(['--nats', 'nats://127.0.0.1:4222']);
    expect(nats.status).toBe(2);
    expect(nats.stderr).toContain('--nats needs --nodes K (K ≥ 1) or --join');
  });
});

describe('the supervision example', () => {
  it('shows restarts of crashing workers on the event stream', () => {
    const script = new URL('../dist/supervision/main.js', import.meta.url).pathname;
    const r = spawnSync(process.execPath, [script, '--jobs', '20', '--crash-every', '7'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('→ restart worker-1 after "cannot handle job 7"');
    expect(r.stdout).toContain('18 of 20 jobs done; 2 crashed and went to dead letters.');
  });
});

describe('the farm over NATS nodes', () => {
  it('spreads the work over node processes and keeps results exact when one is SIGKILLed', async () => {
    const { startLocalNats } = await import('../dist/shared/nodes.js');
    const nats = await startLocalNats();
    try {
      const tasks = [27, 26, 25, 24, 23, 22, 21, 20];
      const expected = [196418, 121393, 75025, 46368, 28657, 17711, 10946, 6765];
      const r = await runFarm({
        tasks,
        threads: 0,
        nodes: { url: nats.url, start: 2, join: false, threadsPerNode: 1 },
      });
      expect(r.results).toEqual(expected);
      expect(r.placement).toEqual({ threads: 0, nodes: 3, workers: 2 });
      expect(Object.keys(r.perWorker)).toHaveLength(2);
      const lines: string[] = [];
      const c = await runFarm({
        tasks,
        threads: 0,
        chaos: true,
        log: (l) => lines.push(l),
        nodes: { url: nats.url, start: 2, join: false, threadsPerNode: 1 },
      });
      expect(c.results).toEqual(expected);
      expect(c.threadsKilled).toBe(1);
      expect(lines[0]).toMatch(/chaos: killing node \S+ \(SIGKILL\)/);
    } finally {
      nats.stop();
    }
  });

  it('runs from the CLI with --nodes (starting its own nats-server)', () => {
    const r = run(['--tasks', '22,21,20', '--nodes', '2', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(out.results).toEqual([17711, 10946, 6765]);
    expect(out.placement).toEqual({ threads: 0, nodes: 3, workers: 2 });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'leaves no node or server behind when it gets %s mid-run',
    async (signal) => {
      const farm = spawn(process.execPath, [cli, '--tasks', '40,40,40,40', '--nodes', '2'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      farm.stdout.on('data', (d) => (out += d));
      farm.stderr.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((resolve) => farm.once('exit', (code) => resolve(code)));
      // Wait for the run to start (both nodes joined and working), then find what the farm started.
      for (let i = 0; i < 300 && !/nodes|worker|%/.test(out); i++)
        await new Promise((r) => setTimeout(r, 50));
      let started: number[] = [];
      for (let i = 0; i < 100 && started.length < 3; i++) {
        started = childrenOf(farm.pid!);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(started.length).toBe(3); // a nats-server and two troupe node processes
      farm.kill(signal);
      expect(await exited).toBe(128 + (signal === 'SIGINT' ? 2 : 15));
      // SIGKILLed at once; give the kernel a moment to take them down.
      for (let i = 0; i < 50 && started.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
      expect(started.filter(alive)).toEqual([]);
    },
    30_000,
  );
});

/** The PIDs of the direct children of `pid`. */
function childrenOf(pid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

/** Is `pid` a running process (not gone, not a zombie waiting to be reaped)? */
function alive(pid: number): boolean {
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}
