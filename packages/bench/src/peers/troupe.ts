/**
 * Troupe's side of each benchmark: ordinary behaviours made with `defineActor`, typed messages,
 * the state returned from `receive`, a fresh actor system per round.
 */
import {
  type ActorRef,
  type ActorSystem,
  type Behaviour,
  createActorSystem,
  defineActor,
} from '@troupe/core';
import type { Contender, Fixture } from '../harness.js';
import { collectGarbage, heapUsed, quiesce } from '../heap.js';
import { type Ball, Countdown, pairOfBalls, settle, type Tick } from './protocol.js';

interface TroupeBall extends Ball<ActorRef<TroupeBall>> {}

/** Hits every ball back until the rally is over; its state counts the balls it received. */
const Player = defineActor<TroupeBall, number>({
  name: 'bench.player',
  init: () => 0,
  receive(_ctx, hits, ball) {
    ball.rally.tick();
    if (ball.rally.left > 0) ball.from.tell(ball.reply);
    return hits + 1;
  },
});

/** Counts ticks; its state is the number received so far. */
const Counter = defineActor<Tick, number>({
  name: 'bench.counter',
  init: () => 0,
  receive(_ctx, count, tick) {
    tick.countdown.tick();
    return count + 1;
  },
});

/** An actor that starts (reporting to the countdown it is given) and then waits. */
const Idle = defineActor<Tick, number, Countdown>({
  name: 'bench.idle',
  init(_ctx, started) {
    started.tick();
    return 0;
  },
  receive(_ctx, count, tick) {
    tick.countdown.tick();
    return count + 1;
  },
});

/** One actor system for all rounds of a case, as a program has; rounds spawn and stop actors in it. */
export function withSystem(
  setup: (system: ActorSystem) => Fixture | Promise<Fixture>,
  name = 'bench',
): Contender {
  let system: ActorSystem | undefined;
  return {
    async open() {
      system = await createActorSystem({ name });
    },
    setup: () => setup(system!),
    close: () => system?.shutdown(),
  };
}

/**
 * Stop top-level actors a thousand at a time (untimed teardown), so a million pending stop
 * promises never sit in the heap at once.
 */
async function stopAll(system: ActorSystem, refs: readonly ActorRef[]): Promise<void> {
  for (let i = 0; i < refs.length; i += 1000) {
    await Promise.all(refs.slice(i, i + 1000).map((r) => system.stop(r)));
  }
}

/** Ping-pong: `n` messages bounced between two actors. */
export function troupePingPong(n: number): Contender {
  return withSystem(async (system) => {
    const a = system.spawn(Player);
    const b = system.spawn(Player);
    await settle();
    const rally = new Countdown(n);
    const serve = pairOfBalls(a, b, rally);
    return {
      run() {
        b.tell(serve);
        return rally.done;
      },
      teardown: () => stopAll(system, [a, b]),
    };
  });
}

/** Flood: `n` tells from outside to one actor, timed until the last is processed. */
export function troupeFlood(n: number): Contender {
  return floodOf(Counter, n);
}

/** A flood of `n` preallocated ticks to one actor of `behaviour` (any that ticks each tick's countdown). */
export function floodOf(behaviour: Behaviour<Tick>, n: number, systemName = 'bench'): Contender {
  return withSystem(async (system) => {
    const counter = system.spawn(behaviour);
    await settle();
    const countdown = new Countdown(n);
    const tick: Tick = { type: 'tick', countdown };
    return {
      run() {
        for (let i = 0; i < n; i++) counter.tell(tick);
        return countdown.done;
      },
      teardown: () => stopAll(system, [counter]),
    };
  }, systemName);
}

/** Spawn: `k` top-level actors, timed until every one has run its `init`. */
export function troupeSpawn(k: number): Contender {
  return withSystem((system) => {
    const started = new Countdown(k);
    const refs: ActorRef[] = new Array(k);
    return {
      run() {
        for (let i = 0; i < k; i++) refs[i] = system.spawn(Idle, started);
        return started.done;
      },
      teardown: () => stopAll(system, refs),
    };
  });
}

/**
 * Heap census: `k` idle actors, then a full GC; bytes per actor = heap growth / k. With
 * `messaged`, every actor has processed one message first, so it also holds its (empty) mailbox.
 */
export function troupeIdleHeap(k: number, messaged: boolean): Contender {
  return { setup: () => idleHeapRound(k, messaged) };
}

/** A census is one round, so it gets a system of its own: nothing else is in the heap it measures. */
async function idleHeapRound(k: number, messaged: boolean): Promise<Fixture> {
  const system = await createActorSystem({ name: 'bench' });
  const countdown = new Countdown(messaged ? 2 * k : k);
  const tick: Tick = { type: 'tick', countdown };
  // The refs are kept only to stop the actors in chunks (see stopAll); the array is allocated
  // (packed, not sparse) before the first reading, so it is not counted as the actors' heap.
  const refs = Array.from<ActorRef | undefined>({ length: k });
  await quiesce();
  const before = heapUsed();
  return {
    run() {
      for (let i = 0; i < k; i++) {
        const ref = system.spawn(Idle, countdown);
        if (messaged) ref.tell(tick);
        refs[i] = ref;
      }
      return countdown.done;
    },
    measure() {
      collectGarbage();
      const after = heapUsed();
      return { actors: k, bytesPerActor: (after - before) / k, heapBytes: after };
    },
    async teardown() {
      await stopAll(system, refs as ActorRef[]);
      refs.length = 0;
      await system.shutdown();
    },
  };
}
