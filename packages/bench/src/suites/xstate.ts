/**
 * Suite `xstate`: an xstate machine hosted in a local Troupe actor (`fromXState`) against the same
 * machine run by a bare `createActor`, in the same process and run. The goal: hosting costs
 * at most 1.3× in events per second.
 *
 * Fairness: both sides run the same machine object (peers/xstate.ts), get the same preallocated
 * events (peers/protocol.ts) and end a round through the same Countdown, ticked by the machine's
 * own action; the Troupe system lives across rounds, the machine actors are fresh each round.
 */
import { type Benchmark, type Goal, type Suite, type SuiteOptions, sizedCase } from '../harness.js';
import { hostedFlood, hostedPingPong, xstateFlood, xstatePingPong } from '../peers/xstate.js';

const BARE = 'bare createActor';
const HOSTED = 'Troupe-hosted';

interface Sizes {
  readonly events: number;
  readonly pingPong: number;
}

const FULL: Sizes = { events: 1_000_000, pingPong: 500_000 };
const QUICK: Sizes = { events: 100_000, pingPong: 50_000 };

/** The goal, checked on the hosted row: bare / hosted (events per second) ≤ 1.3. */
const OVERHEAD: Goal = { on: 'ratio', max: 1.3, label: 'overhead ≤ 1.3×' };

const at = sizedCase;

export function xstateSuite({ quick }: SuiteOptions): Suite {
  const s = quick ? QUICK : FULL;
  const events: Benchmark = {
    name: 'events',
    what: 'N sends of one preallocated event to one counter machine (assign + an action), timed until the last is processed',
    unit: 'events/s',
    baseline: BARE,
    cases: [
      at(BARE, s.events, (n) => xstateFlood('machine', n)),
      at(HOSTED, s.events, (n) => hostedFlood(n), OVERHEAD),
      // The price of persistence, for reading: one JSON snapshot write awaited per event.
      at(`${HOSTED}, persisted every event`, Math.max(1000, s.events / 10), (n) => hostedFlood(n, true)),
    ],
  };
  const pingPong: Benchmark = {
    name: 'ping-pong',
    what: 'two player machines answer each other with sendTo until N events have been processed',
    unit: 'events/s',
    baseline: BARE,
    cases: [
      at(BARE, s.pingPong, (n) => xstatePingPong('machine', n)),
      at(HOSTED, s.pingPong, hostedPingPong),
    ],
  };
  return {
    name: 'xstate',
    title: 'xstate machines: hosted in a local Troupe actor vs a bare createActor',
    benchmarks: [events, pingPong],
  };
}
