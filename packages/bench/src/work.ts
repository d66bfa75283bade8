/**
 * The work done at the far end of the `threads` suite, shared by every peer (the Troupe catalog,
 * the raw worker, the Piscina task module), so each one runs the very same function.
 */

/** The messages of the `threads` suite: the same shapes for Troupe, raw workers and Piscina. */
export type ThreadMsg =
  /** A one-way message: the receiver counts it. */
  | { readonly type: 'tick' }
  /** "How many ticks so far?": the receiver answers its count and starts again from 0. */
  | { readonly type: 'count' }
  /** A round trip: the receiver answers `value`. */
  | { readonly type: 'ping'; readonly value: number }
  /** A trivial task: the receiver answers `n + 1`. */
  | { readonly type: 'task'; readonly n: number }
  /** A CPU-bound task: the receiver answers `fib(n)`. */
  | { readonly type: 'fib'; readonly n: number };

/** The trivial task: as little work as a task can be, so the cost measured is the transport. */
export function trivial(n: number): number {
  return n + 1;
}

/** The CPU-bound task: the slow recursive Fibonacci (the farm's workload). */
export function fib(n: number): number {
  return n <= 2 ? 1 : fib(n - 1) + fib(n - 2);
}
