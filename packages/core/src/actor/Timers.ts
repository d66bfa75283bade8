/**
 * Keyed actor timers (as Akka's TimerScheduler): each sends a message to the actor itself, a new
 * timer replaces one with the same key, and all are cancelled when the actor stops or restarts.
 * @internal
 */

import type { Timers } from '../api/ActorSystem.js';
import type { Clock } from '../clock.js';
import { InvalidOptionsError } from '../errors.js';

export class ActorTimers<Msg> implements Timers<Msg> {
  private readonly active = new Map<string, unknown>();

  constructor(
    private readonly clock: Clock,
    private readonly deliver: (message: Msg) => void,
  ) {}

  once(key: string, delayMs: number, message: Msg): void {
    check(delayMs, 'delayMs');
    this.cancel(key);
    this.active.set(
      key,
      this.clock.setTimeout(() => {
        this.active.delete(key);
        this.deliver(message);
      }, delayMs),
    );
  }

  repeat(key: string, intervalMs: number, message: Msg): void {
    check(intervalMs, 'intervalMs');
    if (intervalMs <= 0) throw new InvalidOptionsError('timers.repeat(): intervalMs must be greater than 0');
    this.cancel(key);
    const tick = () => {
      this.active.set(key, this.clock.setTimeout(tick, intervalMs));
      this.deliver(message);
    };
    this.active.set(key, this.clock.setTimeout(tick, intervalMs));
  }

  cancel(key: string): void {
    const h = this.active.get(key);
    if (h !== undefined) {
      this.clock.clearTimeout(h);
      this.active.delete(key);
    }
  }

  cancelAll(): void {
    for (const h of this.active.values()) this.clock.clearTimeout(h);
    this.active.clear();
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }
}

function check(ms: number, what: string): void {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidOptionsError(
      `timers: ${what} must be a finite number of milliseconds ≥ 0, got ${String(ms)}`,
    );
  }
}
