/** Shared helpers for core tests. */
import type { ActorSystem, TroupeEvent } from '../src/index.js';

/** Collect every event of the system. */
export function recordEvents(system: ActorSystem): TroupeEvent[] {
  const events: TroupeEvent[] = [];
  system.events.on('*', (e) => events.push(e));
  return events;
}

/** Wait until `cond()` holds (polling on the macrotask queue), or throw after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Let the dispatcher drain: a few macrotask turns. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}
