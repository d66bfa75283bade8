import { describe, expect, it } from 'vitest';
import { runExample } from './run.js';

// The entities example as users run it (from the build, as real processes with their own
// nats-server), with small sizes: a host SIGKILLed and another frozen mid-load.

describe('the entities example', () => {
  it('keeps every acknowledged add when a host is SIGKILLed and another frozen, and no two activations of a cart ever write at once', () => {
    const r = runExample('entities/main.js', ['--keys', '200', '--seconds', '6', '--in-flight', '16']);
    const out = r.stdout;
    expect(r.status, `stdout:\n${out}\nstderr:\n${r.stderr}`).toBe(0);
    expect(out).toMatch(/SIGKILL h2 \(pid \d+\) after [\d,]+ acknowledged adds/);
    expect(out).toMatch(/SIGSTOP h3 \(pid \d+\) for 3 s/);
    expect(out).toMatch(/h2 declared down/);
    const moved = /carts that moved to another node: ([\d,]+)/.exec(out);
    expect(Number(moved?.[1]?.replace(/,/g, ''))).toBeGreaterThan(0);
    const now = /carts now per node: (.*)$/m.exec(out)?.[1];
    expect(now).toBeDefined();
    expect(now).not.toContain('h2:'); // no cart runs on the killed host at the end
    expect(out).toMatch(
      /^CHECK ok: all [\d,]+ acknowledged adds are in their [\d,]+ carts, none twice; [\d,]+ activations fenced the journals and no two ever wrote at once$/m,
    );
  }, 90_000);

  it('refuses a bad --keys with exit code 2, naming the range', () => {
    const r = runExample('entities/main.js', ['--keys', '3']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--keys/);
  });
});
