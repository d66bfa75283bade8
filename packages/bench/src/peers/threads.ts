/**
 * The peers of the `threads` suite: Troupe actors on worker threads, a raw `worker_threads`
 * worker driven with bare `postMessage` (src/workers/raw.ts), and Piscina 5.3.2.
 *
 * Fairness: every peer sends the same message shapes (src/work.ts), the far end does the same
 * work (count a tick, echo a value, `n + 1`, `fib(n)`), every "in flight" case runs through the
 * same driver (`pipeline`), and a one-way round ends the same way for every peer: one "count"
 * round trip after the last message, which also checks that nothing was lost. Threads are
 * started once per case (`open`), not per round, as a program keeps its threads.
 */
import { availableParallelism } from 'node:os';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { type ActorRef, type ActorSystem, createActorSystem, type PoolRef, type Routing } from '@troupe/core';
import { Piscina } from 'piscina';
import type { Contender, Fixture } from '../harness.js';
import type { ThreadMsg } from '../work.js';
import { pipeline } from './protocol.js';

const CATALOG = new URL('../catalogs/threads.js', import.meta.url);
const RAW_WORKER = new URL('../workers/raw.js', import.meta.url);
const PISCINA_TASKS = new URL('../workers/piscina.js', import.meta.url).href;

/** The one tick every peer sends in the one-way benchmark (structured clone copies it anyway). */
const TICK = { type: 'tick' } as const;
const COUNT = { type: 'count' } as const;
/** Long enough for any round; a lost reply still fails the round (the harness times it out). */
const ASK = { timeoutMs: 600_000 } as const;

type Sink = ActorRef<{ type: 'tick' } | { type: 'count' }, number>;
type Echo = ActorRef<{ type: 'ping'; value: number }, number>;

/**
 * One Troupe system with `threads` worker threads for all rounds of a case, and the actors `start`
 * spawns in it once (thread actors live as long as the system; `system.stop` stops only local ones).
 */
function withThreads<T>(
  threads: number,
  start: (system: ActorSystem) => Promise<T>,
  setup: (actors: T) => Fixture | Promise<Fixture>,
): Contender {
  let system: ActorSystem | undefined;
  let actors: T;
  return {
    async open() {
      system = await createActorSystem({
        name: 'bench-threads',
        catalog: [CATALOG],
        threads: { size: threads, execArgv: [] },
      });
      actors = await start(system);
    },
    setup: () => setup(actors),
    close: () => system?.shutdown(),
  };
}

function expectCount(peer: string, got: number, n: number): void {
  if (got !== n) throw new Error(`${peer}: the worker counted ${got} of ${n} messages`);
}

/** One-way: `n` tells from the main thread to an actor on thread 0, until it has counted them all. */
export function troupeTell(n: number): Contender {
  return withThreads(
    1,
    async (system): Promise<Sink> =>
      system.spawn('bench.thread.sink', undefined, { placement: { thread: 0 } }),
    async (sink) => {
      await sink.ask(COUNT, ASK); // started, and its count is 0
      return {
        async run() {
          for (let i = 0; i < n; i++) sink.tell(TICK);
          expectCount('Troupe', await sink.ask(COUNT, ASK), n);
        },
      };
    },
  );
}

/** Ask round trips to an actor on thread 0, `depth` in flight (1: one at a time). */
export function troupeAsk(n: number, depth: number): Contender {
  return withThreads(
    1,
    async (system) => {
      const echo: Echo = system.spawn('bench.thread.echo', undefined, { placement: { thread: 0 } });
      await echo.ask({ type: 'ping', value: 0 }, ASK);
      return echo;
    },
    (echo) => ({
      async run() {
        if (depth === 1) {
          for (let i = 0; i < n; i++) await echo.ask({ type: 'ping', value: i }, ASK);
        } else {
          await pipeline(n, depth, (i) => echo.ask({ type: 'ping', value: i }, ASK));
        }
      },
    }),
  );
}

/** Trivial tasks through a pool of thread actors (one per thread), `depth` in flight. */
export function troupePool(n: number, depth: number, routing: Routing, credit?: number): Contender {
  const threads = availableParallelism();
  return withThreads(
    threads,
    async (system) => {
      const pool: PoolRef<{ type: 'task'; n: number }, number> = system.spawnPool(
        'bench.thread.task',
        undefined,
        { size: threads, placement: 'thread', routing, ...(credit === undefined ? {} : { credit }) },
      );
      await Promise.all(pool.routees.map((r) => r.ask({ type: 'task', n: 0 }, ASK)));
      return pool;
    },
    (pool) => ({
      async run() {
        await pipeline(n, depth, (i) => pool.ask({ type: 'task', n: i }, ASK));
      },
    }),
  );
}

/**
 * Main-thread event-loop delay while every thread computes: `n` fib(fibN) tasks through a
 * balancing pool with one routee per thread, two tasks in flight per thread so none idles.
 */
export function troupeLoopDelay(n: number, fibN: number): Contender {
  const threads = availableParallelism();
  return withThreads(
    threads,
    async (system) => {
      const pool: PoolRef<{ type: 'fib'; n: number }, number> = system.spawnPool(
        'bench.thread.fib',
        undefined,
        { size: threads, placement: 'thread', routing: 'balancing', credit: 2 },
      );
      await Promise.all(pool.routees.map((r) => r.ask({ type: 'fib', n: 2 }, ASK)));
      return pool;
    },
    (pool) => loopDelayFixture(() => pipeline(n, 2 * threads, () => pool.ask({ type: 'fib', n: fibN }, ASK))),
  );
}

/** Watch the main event loop's delay during `work`; p99, mean and max in ms. */
function loopDelayFixture(work: () => Promise<void>): Fixture {
  // 1 ms sampling: a 1 s round gives ~1000 samples, enough for a p99 that is not just the max.
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  return {
    async run() {
      h.enable();
      try {
        await work();
      } finally {
        h.disable();
      }
    },
    measure: () => ({
      p99Ms: h.percentile(99) / 1e6,
      meanMs: h.mean / 1e6,
      maxMs: h.max / 1e6,
      samples: h.count,
    }),
  };
}

/** The loop delay of an idle main thread over `ms` milliseconds: the floor of the measurement. */
export function idleLoopDelay(ms: number): Contender {
  return { setup: async () => loopDelayFixture(() => new Promise((r) => setTimeout(r, ms))) };
}

/**
 * A raw worker: requests carry an `id`; the answer `{ id, value }` resolves the request's promise
 * through a Map, the least a hand-written request/response over `postMessage` needs.
 */
class RawWorker {
  readonly worker = new Worker(RAW_WORKER, { execArgv: [] });
  private readonly pending = new Map<number, (value: number) => void>();
  private seq = 0;

  constructor() {
    this.worker.on('message', (m: { id: number; value: number }) => {
      const resolve = this.pending.get(m.id);
      this.pending.delete(m.id);
      resolve?.(m.value);
    });
  }

  online(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.once('online', resolve);
      this.worker.once('error', reject);
    });
  }

  /** Post one message built around a fresh request id; resolve with the worker's answer. */
  request(build: (id: number) => ThreadMsg & { id: number }): Promise<number> {
    const id = this.seq++;
    const answer = new Promise<number>((r) => this.pending.set(id, r));
    this.worker.postMessage(build(id));
    return answer;
  }

  count(): Promise<number> {
    return this.request((id) => ({ type: 'count', id }));
  }
}

function withRawWorker(setup: (raw: RawWorker) => Fixture | Promise<Fixture>): Contender {
  let raw: RawWorker | undefined;
  return {
    async open() {
      raw = new RawWorker();
      await raw.online();
    },
    setup: async () => {
      await raw!.count(); // reset the count
      return setup(raw!);
    },
    close: async () => {
      await raw?.worker.terminate();
    },
  };
}

/** One-way, raw: `n` ticks, one `postMessage` each, or in arrays of `batch`. */
export function rawTell(n: number, batch: number): Contender {
  return withRawWorker((raw) => ({
    async run() {
      const w = raw.worker;
      if (batch <= 1) {
        for (let i = 0; i < n; i++) w.postMessage(TICK);
      } else {
        let buf: (typeof TICK)[] = [];
        for (let i = 0; i < n; i++) {
          buf.push(TICK);
          if (buf.length === batch) {
            w.postMessage(buf);
            buf = [];
          }
        }
        if (buf.length > 0) w.postMessage(buf);
      }
      expectCount('raw', await raw.count(), n);
    },
  }));
}

/** Raw request/response round trips, `depth` in flight (1: one at a time). */
export function rawAsk(n: number, depth: number): Contender {
  return withRawWorker((raw) => ({
    async run() {
      if (depth === 1) {
        for (let i = 0; i < n; i++) await raw.request((id) => ({ type: 'ping', value: i, id }));
      } else {
        await pipeline(n, depth, (i) => raw.request((id) => ({ type: 'ping', value: i, id })));
      }
    },
  }));
}

/** Piscina with `threads` threads (min = max), or with all its defaults when `threads` is undefined. */
function withPiscina(
  threads: number | undefined,
  setup: (pool: Piscina) => Fixture | Promise<Fixture>,
): Contender {
  let pool: Piscina | undefined;
  return {
    async open() {
      pool = new Piscina({
        filename: PISCINA_TASKS,
        ...(threads === undefined ? {} : { minThreads: threads, maxThreads: threads }),
      });
      // Start its threads and load the module before the first round.
      const warm = threads ?? pool.options.maxThreads;
      await Promise.all(Array.from({ length: warm }, (_, n) => pool!.run({ type: 'task', n })));
    },
    setup: () => setup(pool!),
    close: async () => {
      await pool?.close({ force: true });
    },
  };
}

/** Trivial tasks through Piscina with its defaults, `depth` in flight. */
export function piscinaPool(n: number, depth: number): Contender {
  return withPiscina(undefined, (pool) => ({
    async run() {
      await pipeline(n, depth, (i) => pool.run({ type: 'task', n: i }) as Promise<number>);
    },
  }));
}

/** The loop-delay load through Piscina with one thread per core, two tasks in flight per thread. */
export function piscinaLoopDelay(n: number, fibN: number): Contender {
  const threads = availableParallelism();
  return withPiscina(threads, (pool) =>
    loopDelayFixture(() =>
      pipeline(n, 2 * threads, () => pool.run({ type: 'fib', n: fibN }, { name: 'fib' }) as Promise<number>),
    ),
  );
}
