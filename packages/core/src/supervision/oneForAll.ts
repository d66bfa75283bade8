/** One-for-all: every child is restarted when one fails (OTP `one_for_all`, Akka `AllForOneStrategy`). */
import type { Strategy } from './strategy.js';

export const oneForAll: Strategy = {
  name: 'one-for-all',
  affected: (children) => [...children],
};
