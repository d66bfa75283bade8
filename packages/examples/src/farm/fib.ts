/**
 * The farm's workload: the deliberately slow recursive Fibonacci of the classic Python
 * multiprocessing demo, so each task is pure CPU work.
 */

/** Fibonacci computed the slow way (exponential time), to load a CPU. */
export function fib(n: number): number {
  return n <= 2 ? 1 : fib(n - 1) + fib(n - 2);
}

/** The workload of the Python demo: `Pool().map(fib, [38, 37, 36, 35, 34, 33])`. */
export const PYTHON_DEMO_TASKS: readonly number[] = [38, 37, 36, 35, 34, 33];

/** Relative cost of `fib(n)` (number of calls ≈ 2·fib(n)), for progress bars. */
export function fibCost(n: number): number {
  return 2 * fastFib(n) - 1;
}

function fastFib(n: number): number {
  let a = 1;
  let b = 1;
  for (let i = 2; i < n; i++) [a, b] = [b, a + b];
  return n <= 2 ? 1 : b;
}
