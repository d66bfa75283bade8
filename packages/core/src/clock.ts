/**
 * The source of time for actor timers, restart backoff and intensity windows. Tests pass a
 * manual clock (see `@troupe/core/testing`) to check delays without waiting.
 */

/**
 * A clock: the current time and one-shot timers.
 *
 * @example
 * ```ts
 * const clock: Clock = new ManualClock(); // from '@troupe/core/testing'
 * const system = await createActorSystem({ name: 'test', clock });
 * ```
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin. */
  now(): number;
  /** Run `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancel a timer made by {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/**
 * The delay to arm a timer with for `ms`: Node runs a timer longer than 2^31 - 1 ms at once, so
 * wait the most it can (the caller looks again when it fires). @internal
 */
export const timerDelay = (ms: number): number => Math.min(ms, 2_147_483_647);

/** @internal The real clock. */
export const systemClock: Clock = {
  // Monotonic: a wall-clock step (NTP, a VM resumed) must not fire or delay every deadline.
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
