/** Defaults and validation of {@link SupervisionOptions}. @internal */

import type { BackoffOptions, Directive, SupervisionOptions } from '../api/supervision.js';
import { InvalidOptionsError } from '../errors.js';
import { oneForAll } from './oneForAll.js';
import { oneForOne } from './oneForOne.js';
import { restForOne } from './restForOne.js';
import type { Strategy } from './strategy.js';

export interface ResolvedSupervision {
  readonly strategy: Strategy;
  readonly maxRestarts: number;
  readonly withinMs: number;
  readonly decider: (error: unknown) => Directive;
  readonly backoff: Required<BackoffOptions> | undefined;
}

const STRATEGIES: Record<string, Strategy> = {
  'one-for-one': oneForOne,
  'one-for-all': oneForAll,
  'rest-for-one': restForOne,
};
const KEYS = new Set(['strategy', 'maxRestarts', 'withinMs', 'decider', 'backoff']);
const restartAlways = (): Directive => 'restart';

export const DEFAULT_SUPERVISION: ResolvedSupervision = resolveSupervision(undefined);

/** Validate supervision options (throws {@link InvalidOptionsError}) and fill in defaults. */
export function resolveSupervision(o: SupervisionOptions | undefined): ResolvedSupervision {
  if (o === undefined) {
    return {
      strategy: oneForOne,
      maxRestarts: 10,
      withinMs: 10_000,
      decider: restartAlways,
      backoff: undefined,
    };
  }
  for (const k of Object.keys(o)) {
    if (!KEYS.has(k))
      throw new InvalidOptionsError(
        `unknown supervision option '${k}'; the options are: ${[...KEYS].join(', ')}`,
      );
  }
  const strategy = STRATEGIES[o.strategy ?? 'one-for-one'];
  if (strategy === undefined) {
    throw new InvalidOptionsError(
      `supervision.strategy must be 'one-for-one', 'one-for-all' or 'rest-for-one', got ${String(o.strategy)}`,
    );
  }
  const maxRestarts = o.maxRestarts ?? 10;
  const withinMs = o.withinMs ?? 10_000;
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new InvalidOptionsError(
      `supervision.maxRestarts must be a whole number ≥ 0, got ${String(o.maxRestarts)}`,
    );
  }
  if (!(withinMs > 0))
    throw new InvalidOptionsError(`supervision.withinMs must be > 0, got ${String(o.withinMs)}`);
  if (o.decider !== undefined && typeof o.decider !== 'function') {
    throw new InvalidOptionsError('supervision.decider must be a function (error) => directive');
  }
  let backoff: Required<BackoffOptions> | undefined;
  if (o.backoff !== undefined) {
    const { minMs, maxMs, jitter = 0 } = o.backoff;
    if (!(minMs >= 0) || !(maxMs >= minMs)) {
      throw new InvalidOptionsError(
        `supervision.backoff needs 0 ≤ minMs ≤ maxMs, got minMs=${minMs}, maxMs=${maxMs}`,
      );
    }
    if (!(jitter >= 0 && jitter <= 1))
      throw new InvalidOptionsError(`supervision.backoff.jitter must be within 0–1, got ${jitter}`);
    backoff = { minMs, maxMs, jitter, resetAfterMs: o.backoff.resetAfterMs ?? maxMs * 4 };
  }
  return { strategy, maxRestarts, withinMs, decider: o.decider ?? restartAlways, backoff };
}
