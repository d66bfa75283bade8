/**
 * xstate 5.33.3 doing the same work as the Troupe actors, two ways:
 * - a state machine (`setup().createMachine`) that counts with `assign` and answers with `sendTo`,
 *   the idiomatic way for one machine to message another;
 * - `fromTransition` logic, whose transition returns the next count and sends directly (the xstate
 *   docs allow a transition actor to send to refs it was given, as an impure transition).
 * xstate processes an event synchronously inside `send` when the actor is idle, so these rounds
 * need no event loop turn at all.
 *
 * The same machines hosted in Troupe actors (`fromXState`) are the `xstate` suite's other side:
 * same machine objects, same preallocated events, same Countdown.
 */
import type { ActorRef, ActorSystem } from '@troupe/core';
import { fromXState, InMemorySnapshotStore } from '@troupe/core/xstate';
import { type AnyActorRef, assign, createActor, fromTransition, sendTo, setup } from 'xstate';
import type { Contender, Fixture } from '../harness.js';
import { type Ball, Countdown, pairOfBalls, settle, type Tick } from './protocol.js';
import { floodOf, withSystem } from './troupe.js';

interface XBall extends Ball<AnyActorRef> {}

const playerMachine = setup({
  types: { context: {} as { hits: number }, events: {} as XBall },
  guards: {
    // Checked before `tick`: more than one ball left means this one is hit back.
    rallyGoesOn: ({ event }) => event.rally.left > 1,
  },
  actions: {
    count: assign({ hits: ({ context }) => context.hits + 1 }),
    tick: ({ event }) => event.rally.tick(),
    hitBack: sendTo(
      ({ event }) => event.from,
      ({ event }) => event.reply,
    ),
  },
}).createMachine({
  id: 'player',
  context: { hits: 0 },
  on: {
    ball: [{ guard: 'rallyGoesOn', actions: ['count', 'tick', 'hitBack'] }, { actions: ['count', 'tick'] }],
  },
});

const counterMachine = setup({
  types: { context: {} as { count: number }, events: {} as Tick },
  actions: {
    count: assign({ count: ({ context }) => context.count + 1 }),
    tick: ({ event }) => event.countdown.tick(),
  },
}).createMachine({
  id: 'counter',
  context: { count: 0 },
  on: { tick: { actions: ['count', 'tick'] } },
});

// A transition function also sees xstate's own events (`xstate.stop` when the actor stops).
const playerLogic = fromTransition((hits: number, ball: XBall) => {
  if (ball.type !== 'ball') return hits;
  ball.rally.tick();
  if (ball.rally.left > 0) ball.from.send(ball.reply);
  return hits + 1;
}, 0);

const counterLogic = fromTransition((count: number, tick: Tick) => {
  if (tick.type !== 'tick') return count;
  tick.countdown.tick();
  return count + 1;
}, 0);

/** Starts, reporting to the countdown given as input, then waits. */
const idleLogic = fromTransition(
  (count: number, tick: Tick) => {
    if (tick.type !== 'tick') return count;
    tick.countdown.tick();
    return count + 1;
  },
  ({ input }: { input: Countdown }) => {
    input.tick();
    return 0;
  },
);

type Logic = typeof playerMachine | typeof playerLogic;

/** xstate has no actor system to keep: each round creates and starts its actors. */
export function xstatePingPong(logic: 'machine' | 'transition', n: number): Contender {
  return { setup: () => pingPongRound(logic === 'machine' ? playerMachine : playerLogic, n) };
}

function pingPongRound(l: Logic, n: number): Fixture {
  const a: AnyActorRef = createActor(l).start();
  const b: AnyActorRef = createActor(l).start();
  const rally = new Countdown(n);
  const serve = pairOfBalls(a, b, rally);
  return {
    run() {
      b.send(serve);
      return rally.done;
    },
    teardown() {
      a.stop();
      b.stop();
    },
  };
}

export function xstateFlood(logic: 'machine' | 'transition', n: number): Contender {
  return { setup: () => floodRound(logic === 'machine' ? counterMachine : counterLogic, n) };
}

function floodRound(l: typeof counterMachine | typeof counterLogic, n: number): Fixture {
  const actor: AnyActorRef = createActor(l).start();
  const countdown = new Countdown(n);
  const tick: Tick = { type: 'tick', countdown };
  return {
    run() {
      for (let i = 0; i < n; i++) actor.send(tick);
      return countdown.done;
    },
    teardown: () => void actor.stop(),
  };
}

/**
 * Spawn: `createActor(...).start()` of `fromTransition` logic, `k` times. Root xstate actors
 * have no registry and hold no timers, so nothing keeps them: they are simply dropped after.
 */
export function xstateSpawn(k: number): Contender {
  return {
    setup() {
      const started = new Countdown(k);
      return {
        run() {
          for (let i = 0; i < k; i++) createActor(idleLogic, { input: started }).start();
          return started.done;
        },
      };
    },
  };
}

// ---- The same machines hosted in Troupe actors (suite `xstate`) ----------------------------------

/** The flood's counter machine as a Troupe behaviour: events arrive with `tell`, through a mailbox. */
const HostedCounter = fromXState<Tick>(counterMachine, { name: 'bench.xstate.counter' });
/** The same, saving `getPersistedSnapshot()` to an in-memory store after every event. */
const PersistedCounter = fromXState<Tick>(counterMachine, {
  name: 'bench.xstate.counter-persisted',
  persist: { store: new InMemorySnapshotStore() },
});
/** The ping-pong player machine as a Troupe behaviour: its `sendTo(event.from)` reaches a Troupe ref. */
const HostedPlayer = fromXState<Ball<ActorRef>>(playerMachine, { name: 'bench.xstate.player' });

/** One actor system for all rounds of a case, as a program has; each round spawns fresh machine actors. */
function hosted(setup: (system: ActorSystem) => Promise<Fixture>): Contender {
  return withSystem(setup, 'bench-xstate');
}

/** Events: `n` tells of one preallocated tick to a machine hosted in a local Troupe actor. */
export function hostedFlood(n: number, persisted = false): Contender {
  return floodOf(persisted ? PersistedCounter : HostedCounter, n, 'bench-xstate');
}

/** Ping-pong: two hosted player machines answer each other with `sendTo` to Troupe refs. */
export function hostedPingPong(n: number): Contender {
  return hosted(async (system) => {
    const a = system.spawn(HostedPlayer);
    const b = system.spawn(HostedPlayer);
    await settle();
    const rally = new Countdown(n);
    const serve = pairOfBalls<ActorRef>(a, b, rally);
    return {
      run() {
        b.tell(serve);
        return rally.done;
      },
      teardown: async () => {
        await system.stop(a);
        await system.stop(b);
      },
    };
  });
}
