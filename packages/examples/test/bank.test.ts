import { describe, expect, it } from 'vitest';
import { runExample } from './run.js';

// The bank example as users run it (from the build, as a real process with its own nats-server
// and node processes), with small sizes.

describe('the bank example', () => {
  it('keeps every acknowledged transfer and the total balance when a node is SIGKILLed mid-traffic', () => {
    const r = runExample('bank/main.js', ['--accounts', '6', '--transfers', '60', '--in-flight', '3']);
    const out = r.stdout;
    expect(r.status, `stdout:\n${out}\nstderr:\n${r.stderr}`).toBe(0);
    expect(out).toMatch(/opened 6 accounts with 1,000 each \(n1: 3, n2: 3\)$/m);
    expect(out).toMatch(/SIGKILL node n1 \(pid \d+\), host of 3 accounts; /);
    expect(out).toMatch(/replacement node n3 joined$/m);
    expect(out).toMatch(/n1's 3 accounts answered again [\d.]+ s after the kill, now on n[23]: \d/);
    // Every transfer either went through (both steps acknowledged) or was declined for want of funds.
    const counts = /transfers: (\d+) acknowledged, (\d+) declined/.exec(out);
    expect(counts, out).not.toBeNull();
    expect(Number(counts![1]) + Number(counts![2])).toBe(60);
    expect(out).toMatch(/accounts per node: n2: \d, n3: \d$|accounts per node: n2: 6$/m);
    expect(out).toContain(
      `CHECK ok: the balances add up to 6,000 (6 × 1,000); all ${counts![1]} acknowledged transfers are in the journals of both accounts, none applied twice`,
    );
  }, 60_000);

  it('refuses --seconds together with --transfers, with exit code 2', () => {
    const r = runExample('bank/main.js', ['--seconds', '5', '--transfers', '10']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('bank: give --seconds S or --transfers T, not both');
  });
});
