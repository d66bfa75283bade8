import { describe, expect, it } from 'vitest';
// The examples are tested as users run them: from the build (pnpm test builds first).
import { calibrate, DEADLINE, TaskDeadlines } from '../dist/farm/deadline.js';
import { fibCost } from '../dist/farm/fib.js';

describe('the farm’s per-task deadline', () => {
  it('is generous before the first result: the startup floor, or 50× the time expected from this thread', () => {
    const perUnit = 1e-5; // ms per unit of fibCost on this thread
    const d = new TaskDeadlines(perUnit);
    expect(d.deadlineMs(20)).toBe(DEADLINE.startupFloorMs);
    expect(d.deadlineMs(45)).toBeCloseTo(DEADLINE.startupFactor * fibCost(45) * perUnit, 6);
    expect(d.deadlineMs(45)).toBeGreaterThan(DEADLINE.startupFloorMs);
  });

  it('then follows the measured cost per unit: max(5 s, 10× the task’s expected time)', () => {
    const d = new TaskDeadlines(1); // a wildly wrong start-up guess, forgotten after the first result
    d.record(30, 100);
    d.record(20, 1); // the per-unit cost is the ratio of the sums: long tasks set it
    const perUnit = 101 / (fibCost(30) + fibCost(20));
    expect(d.expectedMs(40)).toBeCloseTo(fibCost(40) * perUnit, 6);
    expect(d.deadlineMs(40)).toBeCloseTo(DEADLINE.factor * fibCost(40) * perUnit, 6);
    expect(d.deadlineMs(40)).toBeGreaterThan(DEADLINE.floorMs);
    expect(d.deadlineMs(30)).toBe(DEADLINE.floorMs); // 10 × ~100 ms is under the floor
  });

  it('calibrates on this thread to a positive cost per unit', () => {
    const perUnit = calibrate(20);
    expect(perUnit).toBeGreaterThan(0);
    expect(Number.isFinite(perUnit)).toBe(true);
  });
});
