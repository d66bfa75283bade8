/**
 * Piscina's task module for the `threads` suite: the same trivial and CPU-bound functions the
 * Troupe behaviours and the raw worker run. The default export is the trivial task; `fib` is
 * selected with `run(task, { name: 'fib' })`.
 */
import { fib as slowFib, trivial } from '../work.js';

export default function task({ n }: { readonly type: 'task'; readonly n: number }): number {
  return trivial(n);
}

export function fib({ n }: { readonly type: 'fib'; readonly n: number }): number {
  return slowFib(n);
}
