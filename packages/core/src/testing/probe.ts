/**
 * A probe: an actor that records every message it receives, with a helper to wait for the next
 * one. Use its ref wherever a test needs to observe what an actor sends.
 */
import type { ActorRef } from '../actor/ActorRef.js';
import { defineActor } from '../actor/behaviour.js';
import type { ActorSystem } from '../system/ActorSystem.js';

/** A recording actor for tests. */
export interface Probe<M = unknown> {
  /** Send this ref to the actor under test. */
  readonly ref: ActorRef<M>;
  /** Every message received so far, in order. */
  readonly received: readonly M[];
  /** Resolve with the next message matching `predicate` (already received ones count), or reject after `timeoutMs`. */
  expect(predicate?: (m: M) => boolean, timeoutMs?: number): Promise<M>;
}

interface ProbeState {
  received: unknown[];
  waiters: { pred: (m: unknown) => boolean; resolve: (m: unknown) => void }[];
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
        const timer = setTimeout(
          () => reject(new Error(`probe: no matching message within ${timeoutMs} ms`)),
          timeoutMs,
        );
        state.waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(timer);
            seen = state.received.length;
            resolve(m as M);
          },
        });
      });
    },
  };
}
