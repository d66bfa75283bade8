/**
 * Suite `entities`: virtual actors (`@troupe/entities`) against what a user would otherwise write,
 * side by side in one run on one private nats-server with JetStream (see peers/entities.ts):
 * an ask to an active entity on another node against a plain remote ask (one in flight, and
 * 256 in flight), and cold activations of durable entities against spawning plain actors on the
 * other node. Without nats-server the suite is skipped.
 */
import { startNatsServer } from '@troupe/transport-nats/testing';
import { type Benchmark, type Suite, type SuiteOptions, sizedCase } from '../harness.js';
import {
  entityActivations,
  entityAsk,
  entityHeap,
  type NatsPlace,
  plainAsk,
  plainHeap,
  plainSpawns,
} from '../peers/entities.js';
import { failover, keys } from '../peers/entityHosts.js';
import { NATS_SERVER, type NatsServer, natsServerAvailable } from '../procs.js';

const ENTITY = 'entity ask';
const PLAIN = 'plain remote ask';

interface Sizes {
  readonly ask1: number;
  readonly ask256: number;
  readonly cold: number;
  readonly heap: number;
  readonly keys: number;
  readonly failoverRounds: number;
}
const FULL: Sizes = {
  ask1: 5000,
  ask256: 100_000,
  cold: 10_000,
  heap: 200_000,
  keys: 1_000_000,
  failoverRounds: 5,
};
const QUICK: Sizes = { ask1: 500, ask256: 10_000, cold: 1000, heap: 10_000, keys: 20_000, failoverRounds: 1 };

/** The failure detector's down time of the `failover` hosts (ms; see peers/entityTypes.ts). */
const DOWN_AFTER_MS = 1000;
/** The lease TTL of the `failover` hosts (ms): lower than the default 6000, so stale ≈ down time. */
const FAILOVER_TTL_MS = 1000;

/**
 * The `entities` suite.
 *
 * @example
 * ```sh
 * node packages/bench/dist/cli.js entities
 * ```
 */
export function entitiesSuite({ quick }: SuiteOptions): Suite {
  const title =
    'Entities (virtual actors) over NATS: an entity ask vs a plain remote ask, one private nats-server';
  if (!natsServerAvailable())
    return {
      name: 'entities',
      title,
      benchmarks: [],
      skip: `nats-server not found (looked for ${NATS_SERVER}); install it (apt-get install nats-server) to run this suite`,
    };
  const s = quick ? QUICK : FULL;
  const place: NatsPlace = { url: '' };
  let server: NatsServer | undefined;
  const ask1: Benchmark = {
    name: 'ask-latency',
    what: 'ask from a client node to an active entity on another node, one in flight (µs per round trip)',
    unit: 'µs',
    baseline: ENTITY,
    score: (r) => (r.ms * 1000) / r.ops,
    cases: [
      sizedCase(ENTITY, s.ask1, (n) => entityAsk(place, n, 1)),
      sizedCase(PLAIN, s.ask1, (n) => plainAsk(place, n, 1), {
        on: 'ratio',
        max: 1.2,
        label: 'entity ≤ 1.2× plain',
      }),
    ],
  };
  const ask256: Benchmark = {
    name: 'ask-256',
    what: 'asks to an active entity on another node, 256 in flight',
    unit: 'asks/s',
    baseline: ENTITY,
    cases: [
      sizedCase(ENTITY, s.ask256, (n) => entityAsk(place, n, 256)),
      sizedCase(PLAIN, s.ask256, (n) => plainAsk(place, n, 256), {
        on: 'ratio',
        min: 0.8,
        label: 'entity ≥ 0.8× plain',
      }),
    ],
  };
  const cold: Benchmark = {
    name: 'activations',
    what: 'cold keys: the first ask to each starts a durable entity on the other node (lease, recovery from an empty journal), 64 in flight',
    unit: 'activations/s',
    baseline: ENTITY,
    cases: [
      sizedCase(ENTITY, s.cold, (n) => entityActivations(place, n)),
      sizedCase('plain spawn on the other node + ask (reference)', s.cold, (n) => plainSpawns(place, n)),
    ],
  };
  const heap: Benchmark = {
    name: 'heap',
    what: `${s.heap.toLocaleString('en-US')} keys each asked once on one node (in-memory leases): heap growth per key after a full GC`,
    unit: 'B/key',
    baseline: 'active entity',
    score: (r) => r.measured.bytesPerKey ?? Number.NaN,
    note: (r) =>
      `heap ${((r.measured.heapBytes ?? Number.NaN) / 2 ** 20).toFixed(0)} MiB in use with ${r.ops.toLocaleString('en-US')} keys`,
    warmup: 0,
    rounds: 1,
    cases: [
      sizedCase('active entity', s.heap, (n) => entityHeap(n, false)),
      sizedCase('passivated entity (maxActivationsPerNode 1)', s.heap, (n) => entityHeap(n, true)),
      sizedCase('plain actor, spawned and asked once (reference)', s.heap, (n) => plainHeap(n)),
    ],
  };
  const kill: Benchmark = {
    name: 'failover',
    what: `ms from the SIGKILL of a host (child process) until each of its keys (of 64) answers from the other host; down after ${DOWN_AFTER_MS} ms, lease TTL ${FAILOVER_TTL_MS} ms`,
    unit: 'ms',
    score: (r) => r.ms,
    note: (r) => `${r.measured.moved ?? '?'} keys moved`,
    warmup: 0,
    rounds: s.failoverRounds,
    cases: [
      sizedCase('entities, 2 host processes', 1, () => failover(place, FAILOVER_TTL_MS), {
        on: 'value',
        max: DOWN_AFTER_MS + 500,
        label: `≤ down time + 500 ms (${DOWN_AFTER_MS + 500} ms)`,
      }),
    ],
  };
  const touched: Benchmark = {
    name: 'keys',
    what: `${s.keys.toLocaleString('en-US')} keys each asked once from a client across 2 host processes (all stay active): the larger host's heap after a full GC`,
    unit: 'MiB',
    score: (r) => (r.measured.heapMaxBytes ?? Number.NaN) / 2 ** 20,
    note: (r) =>
      `${Math.round((r.ops * 1000) / r.ms).toLocaleString('en-US')} keys/s; heaps ${((r.measured.heapMinBytes ?? Number.NaN) / 2 ** 20).toFixed(0)}–${((r.measured.heapMaxBytes ?? Number.NaN) / 2 ** 20).toFixed(0)} MiB; active per host ${r.measured.activeMin}–${r.measured.activeMax}`,
    warmup: 0,
    rounds: 1,
    cases: [
      sizedCase('entities, 2 host processes', s.keys, (n) => keys(place, n), {
        on: 'value',
        max: 1024,
        label: '≤ 1 GiB per host',
      }),
    ],
  };
  return {
    name: 'entities',
    title,
    benchmarks: [ask1, ask256, cold, heap, kill, touched],
    async open() {
      server = await startNatsServer({ bin: NATS_SERVER, args: ['-js'], storeDir: true });
      place.url = server.url;
    },
    async close() {
      await server?.stop();
    },
  };
}
