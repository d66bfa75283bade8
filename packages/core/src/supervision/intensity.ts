/**
 * Restart intensity (OTP's `intensity`/`period`): a supervisor may restart at most `max`
 * times within `withinMs`, across all its children.
 * @internal
 */

/** Record a restart at `now`; false when this restart exceeds the intensity. */
export function recordRestart(log: number[], now: number, max: number, withinMs: number): boolean {
  log.push(now);
  const from = now - withinMs;
  let drop = 0;
  while (drop < log.length && log[drop]! <= from) drop++;
  if (drop > 0) log.splice(0, drop);
  return log.length <= max;
}
