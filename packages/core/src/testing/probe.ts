/**
 * A probe: an actor that records every message it receives, with a helper to wait for the next
 * one. Use its ref wherever a test needs to observe what an actor sends.
 */

import { defineActor } from '../actor/defineActor.js';
import type { ActorRef } from '../api/ActorRef.js';
import type { ActorSystem } from '../api/ActorSystem.js';

/**
 * A recording actor for tests.
 *
 * @example
 * ```ts
 * const probe = createProbe<{ type: 'pong' }>(system);
 * const pinger = system.spawn(Pinger, probe.ref);
 * pinger.tell({ type: 'ping' });
 * await probe.expect((m) => m.type === 'pong', 500);
 * expect(probe.received).toHaveLength(1);
 * ```
 */
export interface Probe<M = unknown> {
  /** Send this ref to the actor under test. */
  readonly ref: ActorRef<M>;
  /** Every message received so far, in order. */
  readonly received: readonly M[];
  /**
   * Resolve with the first message matching `predicate` (default: any) after the one the last
   * `expect` resolved with (messages already received count), or reject after `timeoutMs`
   * (default 2000). An `expect` that timed out consumes nothing.
   */
  expect(predicate?: (m: M) => boolean, timeoutMs?: number): Promise<M>;
}

interface Waiter {
  pred: (m: unknown) => boolean;
  resolve: (m: unknown) => void;
}

interface ProbeState {
  received: unknown[];
  waiters: Waiter[];
}

const ProbeBehaviour = defineActor<unknown, ProbeState, ProbeState>({
  name: 'troupe.testing.probe',
  init: (_ctx, state) => state,
  receive(_ctx, s, m) {
    s.received.push(m);
    s.waiters = s.waiters.filter((w) => {
      if (!w.pred(m)) return true;
      w.resolve(m);
      return false;
    });
    return s;
  },
});

/**
 * Spawn a probe in `system`.
 *
 * @example
 * ```ts
 * const probe = createProbe<Terminated>(system);
 * actor.tell({ type: 'subscribe', to: probe.ref });
 * const msg = await probe.expect((m) => m.type === 'troupe.terminated');
 * ```
 */
export function createProbe<M = unknown>(system: ActorSystem, name?: string): Probe<M> {
  const state: ProbeState = { received: [], waiters: [] };
  const ref = system.spawn(ProbeBehaviour, state, name === undefined ? undefined : { name });
  let seen = 0;
  return {
    ref: ref as ActorRef<M>,
    get received() {
      return state.received as M[];
    },
    expect(predicate = () => true, timeoutMs = 2000) {
      const pred = predicate as (m: unknown) => boolean;
      for (let i = seen; i < state.received.length; i++) {
        if (pred(state.received[i])) {
          seen = i + 1;
          return Promise.resolve(state.received[i] as M);
        }
      }
      return new Promise<M>((resolve, reject) => {
        const waiter: Waiter = {
          pred,
          resolve: (m) => {
            clearTimeout(timer);
            seen = state.received.length;
            resolve(m as M);
          },
        };
        const timer = setTimeout(() => {
          // A waiter left behind would take a later match and move `seen` past unread messages.
          state.waiters = state.waiters.filter((w) => w !== waiter);
          reject(new Error(`probe: no matching message within ${timeoutMs} ms`));
        }, timeoutMs);
        state.waiters.push(waiter);
      });
    },
  };
}
