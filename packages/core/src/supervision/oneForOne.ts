/** One-for-one: only the failed child is restarted (OTP `one_for_one`, Akka `OneForOneStrategy`). */
import type { Strategy } from './strategy.js';

export const oneForOne: Strategy = {
  name: 'one-for-one',
  affected: (_children, failed) => [failed],
};
