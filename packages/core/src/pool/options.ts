/**
 * Checking the options of `system.spawnPool`, before anything is spawned: a mistake throws
 * an InvalidOptionsError that says what is wrong.
 * Owns: the list of pool options, their defaults that decide a pool's shape (routing, size), and
 * the checks. May not touch: anything at run time — no pool state, nothing spawned.
 * @internal
 */

import type { PoolOptions, Routing } from '../api/pool.js';
import { InvalidOptionsError } from '../errors.js';

const POOL_KEYS = new Set([
  'size',
  'routing',
  'placement',
  'placements',
  'name',
  'hashKey',
  'credit',
  'maxQueued',
  'redispatchOnLost',
  'redispatchAfterMs',
  'mailbox',
  'supervision',
]);

/** A pool's routing and size, from checked options. @internal */
export interface PoolShape {
  readonly routing: Routing;
  readonly size: number;
}

/** Check `options` (throws InvalidOptionsError); the routing and size they give. @internal */
export function checkPoolOptions(options: PoolOptions, defaultSize: number): PoolShape {
  for (const k of Object.keys(options)) {
    if (!POOL_KEYS.has(k))
      throw new InvalidOptionsError(
        `unknown pool option '${k}'; the options are: ${[...POOL_KEYS].join(', ')}`,
      );
  }
  const routing = options.routing ?? 'round-robin';
  if (!['round-robin', 'broadcast', 'consistent-hash', 'balancing'].includes(routing)) {
    throw new InvalidOptionsError(
      `pool routing must be 'round-robin', 'broadcast', 'consistent-hash' or 'balancing', got ${String(routing)}`,
    );
  }
  if (routing === 'consistent-hash' && typeof options.hashKey !== 'function') {
    throw new InvalidOptionsError('consistent-hash routing needs hashKey: (message) => string | number');
  }
  for (const k of ['credit', 'maxQueued', 'redispatchOnLost', 'redispatchAfterMs'] as const) {
    if (options[k] !== undefined && options[k] !== false && routing !== 'balancing') {
      throw new InvalidOptionsError(
        `pool option '${k}' works with routing: 'balancing' only (this pool's routing is '${routing}')`,
      );
    }
  }
  const size = options.placements?.length ?? options.size ?? defaultSize;
  if (!Number.isInteger(size) || size < 1)
    throw new InvalidOptionsError(`pool size must be a whole number ≥ 1, got ${String(options.size)}`);
  if (options.credit !== undefined && !(Number.isInteger(options.credit) && options.credit >= 1)) {
    throw new InvalidOptionsError(`pool credit must be a whole number ≥ 1, got ${String(options.credit)}`);
  }
  const after: unknown = options.redispatchAfterMs;
  if (after !== undefined && typeof after !== 'function' && !(typeof after === 'number' && after > 0)) {
    throw new InvalidOptionsError(
      `pool option redispatchAfterMs must be a time in ms > 0 (the longest a routee may take to answer one task), or a function (message) => ms; got ${String(after)}`,
    );
  }
  return { routing, size };
}
