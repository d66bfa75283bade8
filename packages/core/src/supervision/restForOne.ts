/** Rest-for-one: the failed child and every child started after it are restarted (OTP `rest_for_one`). */
import type { Strategy } from './strategy.js';

export const restForOne: Strategy = {
  name: 'rest-for-one',
  affected: (children, failed) => {
    const i = children.indexOf(failed);
    return i < 0 ? [failed] : children.slice(i);
  },
};
