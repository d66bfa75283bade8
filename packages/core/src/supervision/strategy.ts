/**
 * A supervision strategy decides which children a restart affects. Children are given in start
 * order (rest-for-one depends on it).
 */
import type { StrategyName } from '../api/supervision.js';

/** A restart strategy. */
export interface Strategy {
  readonly name: StrategyName;
  /** The children to restart when `failed` is restarted, in start order. */
  affected<C>(children: readonly C[], failed: C): C[];
}
