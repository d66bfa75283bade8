import { describe, expect, it } from 'vitest';
import { type BenchCase, pairedRatio, runSuite } from '../src/harness.js';

describe('pairedRatio', () => {
  it('is the median of the per-round ratios, not the ratio of the medians', () => {
    // Medians 10 / 5 = 2, but round by round the ratios are 1, 1, 4: the median is 1.
    expect(pairedRatio([10, 20, 40], [10, 20, 10]).ratio).toBe(1);
  });

  it('gives no interval below 6 rounds', () => {
    expect(pairedRatio([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]).interval).toBeUndefined();
  });

  it('gives the distribution-free 95% interval of the median from 6 rounds up', () => {
    // n = 6: P(X = 0) = 1/64 ≤ 2.5% < P(X ≤ 1) = 7/64, so the interval is the extreme ratios.
    expect(pairedRatio([6, 5, 4, 3, 2, 1], [1, 1, 1, 1, 1, 1]).interval).toEqual([1, 6]);
    // n = 31: P(X ≤ 9) = 1.47% ≤ 2.5% < P(X ≤ 10) = 3.54%, so the 10th and 22nd ratios.
    const of = Array.from({ length: 31 }, (_, r) => 31 - r);
    const { ratio, interval } = pairedRatio(
      of,
      of.map(() => 1),
    );
    expect(ratio).toBe(16);
    expect(interval).toEqual([10, 22]);
  });
});

describe('a paired benchmark', () => {
  const order: string[] = [];
  const fixed = (name: string, ms: number[]): BenchCase => {
    let r = 0;
    return {
      name,
      ops: 1,
      setup: () => {
        const round = r++;
        return {
          run: () => {
            order.push(name);
          },
          measure: () => ({ wallMs: ms[round]! }),
        };
      },
    };
  };

  it('rotates the order of its cases each round and judges ratios round by round', async () => {
    order.length = 0;
    // Round scores where base/a is 2 in every round but the medians say 1.
    const base = fixed('base', [20, 40, 80, 160, 320, 640]);
    const a = fixed('a', [10, 20, 40, 80, 160, 320]);
    const b = fixed('b', [5, 5, 5, 5, 5, 5]);
    const result = await runSuite(
      {
        name: 's',
        title: 's',
        benchmarks: [
          {
            name: 'paired',
            what: '',
            unit: 'ms',
            baseline: 'base',
            score: (round) => round.measured.wallMs!,
            paired: true,
            warmup: 0,
            rounds: 6,
            cases: [base, a, b],
          },
        ],
      },
      { warmup: 0, rounds: 6, roundTimeoutMs: 1000 },
      () => undefined,
    );
    expect(order.slice(0, 9)).toEqual(['base', 'a', 'b', 'a', 'b', 'base', 'b', 'base', 'a']);
    const cases = result.benchmarks[0]!.cases;
    expect(cases[1]!.ratio).toBe(2);
    expect(cases[1]!.ratioInterval).toEqual([2, 2]);
  });
});
