/**
 * Suite `local`: actors in one thread. Troupe against nact, xstate and a hand-written run queue
 * (the limit of this dispatch design on Node), plus spawn rate and heap per idle actor.
 *
 * Fairness: every peer gets the same preallocated messages (see peers/protocol.ts), counts in
 * state that its handler returns, ends a round through the same Countdown, and builds a fresh
 * system in an untimed setup. Peers that are an order of magnitude slower run fewer operations
 * per round so the suite stays short; a rate is per operation, so it is comparable.
 */
import { type Benchmark, type Goal, type Suite, type SuiteOptions, sizedCase } from '../harness.js';
import { limitFlood, limitPingPong } from '../peers/limit.js';
import { nactFlood, nactPingPong, nactSpawn } from '../peers/nact.js';
import { troupeFlood, troupeIdleHeap, troupePingPong, troupeSpawn } from '../peers/troupe.js';
import { xstateFlood, xstatePingPong, xstateSpawn } from '../peers/xstate.js';

const TROUPE = 'Troupe';
const LIMIT = 'hand-written limit';

interface Sizes {
  readonly pingPong: number;
  readonly flood: number;
  readonly spawn: number;
  readonly idleActors: number;
}

const FULL: Sizes = { pingPong: 2_000_000, flood: 5_000_000, spawn: 200_000, idleActors: 1_000_000 };
const QUICK: Sizes = { pingPong: 300_000, flood: 500_000, spawn: 20_000, idleActors: 100_000 };

/** Operations per round for peers that run at a tenth of Troupe's speed or less. */
const slow = (n: number) => Math.max(1000, Math.round(n / 10));

/** The goals: Troupe ≥ 10× nact and xstate machine actors in ping-pong; spawn ≥ 500k/s; 1M idle actors in < 1 GiB. */
const TEN_TIMES: Goal = { on: 'ratio', min: 10 };
const IDLE_GOAL: Goal = { on: 'value', max: 2 ** 30 / 1_000_000, label: '1M actors < 1 GiB' };

const at = sizedCase;

export function localSuite({ quick }: SuiteOptions): Suite {
  const s = quick ? QUICK : FULL;
  const pingPong: Benchmark = {
    name: 'ping-pong',
    what: 'two actors hit one preallocated ball back and forth; every message is a hop through the dispatcher',
    unit: 'msg/s',
    baseline: TROUPE,
    cases: [
      at(TROUPE, s.pingPong, troupePingPong, { on: 'value', min: 10e6 }),
      at(LIMIT, s.pingPong, limitPingPong, { on: 'ratio', min: 0.5 }),
      at('nact', slow(s.pingPong), nactPingPong, TEN_TIMES),
      at('xstate machine', slow(s.pingPong), (n) => xstatePingPong('machine', n), TEN_TIMES),
      // The issue's ≥10× goal names nact and xstate *machine* actors; fromTransition (a bare reducer
      // with no scheduler, run inside send()) is shown for reference, without a goal.
      at('xstate fromTransition', s.pingPong, (n) => xstatePingPong('transition', n)),
    ],
  };
  const flood: Benchmark = {
    name: 'flood',
    what: 'N tells of one preallocated message from outside to one actor, timed until the last is processed',
    unit: 'msg/s',
    baseline: TROUPE,
    cases: [
      at(TROUPE, s.flood, troupeFlood),
      at(LIMIT, s.flood, limitFlood),
      at('nact', slow(s.flood), nactFlood),
      at('xstate machine', slow(s.flood), (n) => xstateFlood('machine', n)),
      at('xstate fromTransition', s.flood, (n) => xstateFlood('transition', n)),
    ],
  };
  const spawn: Benchmark = {
    name: 'spawn',
    what: 'K actors started, timed until every one has run its init',
    unit: 'actors/s',
    baseline: TROUPE,
    cases: [
      at(TROUPE, s.spawn, troupeSpawn, { on: 'value', min: 500e3 }),
      at('nact', s.spawn, nactSpawn),
      at('xstate fromTransition', s.spawn, xstateSpawn),
    ],
  };
  const heap: Benchmark = {
    name: 'idle-heap',
    what: `${s.idleActors.toLocaleString('en-US')} idle Troupe actors, heap growth after a full GC`,
    unit: 'B/actor',
    score: (r) => r.measured.bytesPerActor ?? Number.NaN,
    note: (r) =>
      `heap ${((r.measured.heapBytes ?? Number.NaN) / 2 ** 20).toFixed(0)} MiB in use with ${r.ops.toLocaleString('en-US')} actors`,
    // A census, not a race: one round each, no warm-up (the spawn benchmark warmed the code).
    warmup: 0,
    rounds: 1,
    cases: [
      at(`${TROUPE}, never messaged`, s.idleActors, (k) => troupeIdleHeap(k, false), IDLE_GOAL),
      at(`${TROUPE}, after 1 message`, s.idleActors, (k) => troupeIdleHeap(k, true), IDLE_GOAL),
    ],
  };
  return {
    name: 'local',
    title: 'Local actors, one thread: Troupe vs nact, xstate and the hand-written limit',
    benchmarks: [pingPong, flood, spawn, heap],
  };
}
