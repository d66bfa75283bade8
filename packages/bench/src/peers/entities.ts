/**
 * The peers of the `entities` suite, on one private nats-server with JetStream, in this process:
 *
 * - **entity ask**: system A (a client node: it hosts no entities) asks an entity that runs on
 *   system B, through `@troupe/entities` (A's region → B's region → the entity, with the reply
 *   sent straight back to A). Leases are in NATS KV (`natsLeaseStore`).
 * - **plain remote ask**: the same message from A to an actor spawned on B, asked by its address:
 *   what a user would write without entities.
 * - **activations**: asks to keys never used before, each starting an event-sourced entity whose
 *   journal is empty (in memory, so the cost measured is the activation, not the disk); the
 *   reference row spawns a plain actor on B by catalog name and asks it once.
 *
 * Fairness: the same message, the same ask options, the same driver (`pipeline`) and the same two
 * systems and connections for every row of a benchmark.
 */
import { type ActorRef, type ActorSystem, createActorSystem, defineActor } from '@troupe/core';
import { defineEntity, type Entities, InMemoryLeaseStore, startEntities } from '@troupe/entities';
import { eventSourced, InMemoryStore } from '@troupe/persistence';
import { awaitNodes, nats, natsLeaseStore } from '@troupe/transport-nats';
import type { Contender } from '../harness.js';
import { heapUsed, quiesce } from '../heap.js';
import { pipeline } from './protocol.js';

const ASK = { timeoutMs: 600_000 } as const;

/** Where the suite's nats-server listens; set by the suite's `open`. */
export interface NatsPlace {
  url: string;
}

type Ping = { type: 'ping'; value: number };

/** The entity's behaviour (and the plain actor's): answer a ping with its value. */
export const EchoBehaviour = defineActor<Ping, undefined, string, number>({
  name: 'bench.entities.echo',
  receive(ctx, _s, m) {
    ctx.reply(m.value);
  },
});
const EchoEntity = defineEntity({ name: 'echo', behaviour: EchoBehaviour, idleTimeoutMs: 0 });

/** The plain actor of the peers: the same answer, in both catalogs (A spawns it on B by name). */
export const PlainEcho = defineActor<Ping, undefined, string, number>({
  name: 'bench.entities.plain-echo',
  receive(ctx, _s, m) {
    ctx.reply(m.value);
  },
});

const store = new InMemoryStore();
/** A durable entity: one event per ping, so its first message recovers from an empty journal. */
export const TallyBehaviour = eventSourced<Ping, number, { n: 1 }, string, number>({
  name: 'bench.entities.tally',
  store,
  persistenceId: (_ctx, key) => `tally/${key}`,
  initial: 0,
  apply: (n) => n + 1,
  command(ctx, n, m) {
    ctx.persist({ n: 1 });
    ctx.reply(n + m.value);
  },
});
const TallyEntity = defineEntity({ name: 'tally', behaviour: TallyBehaviour, idleTimeoutMs: 0 });

let clusters = 0;

/** `n` pings to `ref`, `depth` in flight (1: one at a time), the same driver for every row. */
async function pings(
  ref: { ask(m: Ping, o: typeof ASK): Promise<unknown> },
  n: number,
  depth: number,
): Promise<void> {
  if (depth === 1) for (let i = 0; i < n; i++) await ref.ask({ type: 'ping', value: i }, ASK);
  else await pipeline(n, depth, (i) => ref.ask({ type: 'ping', value: i }, ASK));
}

/** Two systems: A only sends (a client of the entity types), B hosts them. */
function withCluster(
  place: NatsPlace,
  setup: (a: ActorSystem, b: ActorSystem, onA: Entities) => Promise<{ run(): Promise<void> }>,
): Contender {
  let a: ActorSystem | undefined;
  let b: ActorSystem | undefined;
  const closers: (() => Promise<void>)[] = [];
  let onA: Entities | undefined;
  return {
    async open() {
      const name = `bench-ent-${process.pid}-${++clusters}`;
      const bucket = `bench-leases-${process.pid}-${clusters}`;
      b = await createActorSystem({
        name,
        catalog: [EchoBehaviour, TallyBehaviour, PlainEcho],
        transports: [nats({ servers: place.url })],
      });
      a = await createActorSystem({ name, catalog: [PlainEcho], transports: [nats({ servers: place.url })] });
      await awaitNodes(a, 2, 10_000);
      await awaitNodes(b, 2, 10_000);
      const leasesB = await natsLeaseStore({ connection: { servers: place.url }, bucket });
      const leasesA = await natsLeaseStore({ connection: { servers: place.url }, bucket });
      closers.push(
        () => leasesA.close(),
        () => leasesB.close(),
      );
      const types = [EchoEntity, TallyEntity];
      await startEntities(b, { types, leases: leasesB });
      onA = await startEntities(a, { types, leases: leasesA, client: true });
    },
    setup: () => setup(a!, b!, onA!),
    async close() {
      await a?.shutdown();
      await b?.shutdown();
      for (const c of closers) await c();
    },
  };
}

/** Asks from A to one entity on B, `depth` in flight. */
export function entityAsk(place: NatsPlace, n: number, depth: number): Contender {
  return withCluster(place, async (_a, _b, onA) => {
    const ref = onA.of(EchoEntity, 'e-1');
    await ref.ask({ type: 'ping', value: 0 }, ASK); // activated before the timed part
    return {
      run: () => pings(ref, n, depth),
    };
  });
}

/** Asks from A to a plain actor spawned on B, `depth` in flight. */
export function plainAsk(place: NatsPlace, n: number, depth: number): Contender {
  return withCluster(place, async (a, b) => {
    const local = b.spawn(PlainEcho, 'plain');
    const ref = a.lookup<Ping, number>(local.address)!;
    await ref.ask({ type: 'ping', value: 0 }, ASK);
    return {
      run: () => pings(ref, n, depth),
    };
  });
}

let round = 0;

/** `n` cold keys asked once each from A (64 in flight): each starts a durable entity on B. */
export function entityActivations(place: NatsPlace, n: number): Contender {
  return withCluster(place, async (_a, _b, onA) => {
    const r = ++round;
    return {
      run: () =>
        pipeline(n, 64, (i) => onA.of(TallyEntity, `r${r}-k${i}`).ask({ type: 'ping', value: 1 }, ASK)),
    };
  });
}

/** `n` plain actors spawned on B from A by catalog name and asked once each (64 in flight). */
export function plainSpawns(place: NatsPlace, n: number): Contender {
  return withCluster(place, async (a, b) => {
    const r = ++round;
    const refs: ActorRef[] = [];
    return {
      run: () =>
        pipeline(n, 64, (i) => {
          const ref = a.spawn<Ping, undefined, string, number>('bench.entities.plain-echo', `p${i}`, {
            placement: { node: b.nodeId },
            name: `r${r}-p${i}`,
          });
          refs.push(ref);
          return ref.ask({ type: 'ping', value: 1 }, ASK);
        }),
    };
  });
}

/**
 * Heap census of entities in one system (in-memory leases): `k` keys, each asked once. With
 * `passivated`, the type runs one entity at a time (`maxActivationsPerNode: 1`), so every key but
 * the last was passivated: what a passivated key costs. Bytes per key = heap growth / k after a
 * full GC.
 */
export function entityHeap(k: number, passivated: boolean): Contender {
  return {
    async setup() {
      const type = defineEntity({
        name: passivated ? 'heap-passive' : 'heap-active',
        behaviour: EchoBehaviour,
        idleTimeoutMs: 0,
        ...(passivated ? { maxActivationsPerNode: 1 } : {}),
      });
      const system = await createActorSystem({ name: `bench-heap-${++clusters}`, catalog: [EchoBehaviour] });
      const entities = await startEntities(system, { types: [type], leases: new InMemoryLeaseStore() });
      await entities.of(type, 'warm').ask({ type: 'ping', value: 0 }, ASK); // the region and its first shard exist
      await quiesce();
      const before = heapUsed();
      return {
        run: () =>
          pipeline(k, 256, (i) => entities.of(type, `key-${i}`).ask({ type: 'ping', value: i }, ASK)),
        async measure() {
          await quiesce();
          const after = heapUsed();
          return { keys: k, bytesPerKey: (after - before) / k, heapBytes: after };
        },
        teardown: () => system.shutdown(),
      };
    },
  };
}

/** The same census for plain actors: `k` actors spawned and asked once each. */
export function plainHeap(k: number): Contender {
  return {
    async setup() {
      const system = await createActorSystem({ name: `bench-heap-${++clusters}`, catalog: [EchoBehaviour] });
      const refs: ActorRef[] = [];
      await quiesce();
      const before = heapUsed();
      return {
        run: () =>
          pipeline(k, 256, (i) => {
            const ref = system.spawn(EchoBehaviour, `p${i}`);
            refs.push(ref);
            return ref.ask({ type: 'ping', value: i }, ASK);
          }),
        async measure() {
          await quiesce();
          const after = heapUsed();
          return { keys: k, bytesPerKey: (after - before) / k, heapBytes: after };
        },
        async teardown() {
          refs.length = 0;
          await system.shutdown();
        },
      };
    },
  };
}
