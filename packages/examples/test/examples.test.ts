import { describe, expect, it } from 'vitest';
import { createPoolMap } from '../dist/pool-map/poolMap.js';
import { fibTask, square } from '../dist/pool-map/tasks.js';
import { runExample as node } from './run.js';

describe('the ring example', () => {
  it('reports every rank, runs the PyPar message around, and measures the token', () => {
    const r = node('ring/main.js', ['--ranks', '4', '--rounds', '50', '--threads', '2']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    for (let rank = 0; rank < 4; rank++) {
      expect(lines[rank]).toMatch(
        new RegExp(`^I am rank ${rank} of 4 on node \\S+\\.t${rank % 2} \\(thread \\d+\\)$`),
      );
    }
    expect(lines).toContain('Processor 0 received message "P0P1P2P3" from rank 3');
    expect(lines.at(-1)).toMatch(
      /^token: 50 rounds × 4 ranks = 200 messages in \d+\.\d{3} s → [\d,]+ msg\/s/,
    );
  });
});

describe('pool.map', () => {
  it('maps a task over the threads and keeps the input order', async () => {
    const pool = await createPoolMap({
      catalog: [new URL('../dist/pool-map/tasks.js', import.meta.url)],
      threads: 2,
    });
    try {
      const inputs = Array.from({ length: 50 }, (_, i) => i);
      expect(await pool.map(square, inputs)).toEqual(inputs.map((x) => x * x));
      expect(await pool.map(fibTask, [25, 20, 22])).toEqual([75025, 6765, 17711]);
    } finally {
      await pool.close();
    }
  });

  it('runs as the example script', () => {
    const r = node('pool-map/main.js', ['--threads', '2']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('pool.map(square, 1..10) = [1,4,9,16,25,36,49,64,81,100]');
    expect(r.stdout).toContain(
      'pool.map(fib, [38, 37, 36, 35, 34, 33]) = [39088169, 24157817, 14930352, 9227465, 5702887, 3524578]',
    );
  });
});

describe('the parent-child example', () => {
  it('starts children with arguments; each reports to the parent over NATS and exits', () => {
    const r = node('parent-child/main.js', ['--children', '3', '--work', '20']);
    expect(r.status).toBe(0);
    for (let id = 0; id < 3; id++) {
      expect(r.stdout).toContain(`child ${id} (pid `);
      expect(r.stdout).toMatch(
        new RegExp(`child ${id}: done working \\(report \\d of 3 received by the parent\\)`),
      );
      expect(r.stdout).toMatch(new RegExp(`parent: child ${id} \\(pid \\d+\\) reported [\\d,]+ iterations`));
    }
    expect(r.stdout).toContain('parent: all 3 children reported and exited (codes: 0, 0, 0)');
  });
});
