/** Exponential backoff between restarts: `min · 2^attempt`, capped at `max`, plus random jitter. */
import type { BackoffOptions } from '../api/supervision.js';

/**
 * The delay before restart number `attempt` (0-based).
 * @internal
 */
export function backoffDelay(b: BackoffOptions, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.minMs * 2 ** Math.min(attempt, 52));
  const jitter = b.jitter ?? 0;
  return Math.round(base + base * jitter * random());
}
