/**
 * nact 7.6.2 (`start`, `spawn`, `dispatch`) doing the same work as the Troupe actors: same
 * preallocated messages, state returned from the actor function, a fresh system per round.
 * nact runs every message in its own `setImmediate`, which is what limits it.
 */
import { type ActorSystemRef, dispatch, type Ref, spawn, start, stop } from 'nact';
import type { Contender, Fixture } from '../harness.js';
import { type Ball, Countdown, pairOfBalls, settle, type Tick } from './protocol.js';

interface NactBall extends Ball<Ref<NactBall>> {}

function player(hits: number, ball: NactBall): number {
  ball.rally.tick();
  if (ball.rally.left > 0) dispatch(ball.from, ball.reply);
  return hits + 1;
}

function counter(count: number, tick: Tick): number {
  tick.countdown.tick();
  return count + 1;
}

/** One nact system for all rounds of a case; rounds spawn and stop actors in it. */
function withSystem(setup: (system: ActorSystemRef) => Fixture | Promise<Fixture>): Contender {
  let system: ActorSystemRef | undefined;
  return {
    open() {
      system = start();
    },
    setup: () => setup(system!),
    close() {
      if (system !== undefined) stop(system);
    },
  };
}

export function nactPingPong(n: number): Contender {
  return withSystem(async (system) => {
    const a = spawn(system, player, 'a', { initialState: 0 });
    const b = spawn(system, player, 'b', { initialState: 0 });
    await settle();
    const rally = new Countdown(n);
    const serve = pairOfBalls(a, b, rally);
    return {
      run() {
        dispatch(b, serve);
        return rally.done;
      },
      teardown() {
        stop(a);
        stop(b);
      },
    };
  });
}

export function nactFlood(n: number): Contender {
  return withSystem(async (system) => {
    const ref = spawn(system, counter, 'counter', { initialState: 0 });
    await settle();
    const countdown = new Countdown(n);
    const tick: Tick = { type: 'tick', countdown };
    return {
      run() {
        for (let i = 0; i < n; i++) dispatch(ref, tick);
        return countdown.done;
      },
      teardown: () => stop(ref),
    };
  });
}

/**
 * Spawn: nact builds the state synchronously in `spawn`, through `initialStateFunc`. Actors are
 * named here because nact's generated names are 32-bit random numbers, which collide within a
 * few tens of thousands of actors ("child actor of name … already exists").
 */
export function nactSpawn(k: number): Contender {
  return withSystem((system) => {
    const started = new Countdown(k);
    const init = (): number => {
      started.tick();
      return 0;
    };
    const refs: Ref<Tick>[] = new Array(k);
    return {
      run() {
        for (let i = 0; i < k; i++) refs[i] = spawn(system, counter, `a${i}`, { initialStateFunc: init });
        return started.done;
      },
      teardown() {
        for (const r of refs) stop(r);
      },
    };
  });
}
