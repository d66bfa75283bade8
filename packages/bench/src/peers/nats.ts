/**
 * The peers of the `nats` suite, all on one private nats-server and all in this one process:
 *
 * - **Troupe**: two actor systems (two nodes, each with its own NATS connection) in this process;
 *   system A sends to actors that live in system B, through `@troupe/transport-nats` (msgpack
 *   envelopes, batched per destination node, asks answered through correlation ids).
 * - **raw**: two plain `@nats-io/transport-node` connections in this process, one sending, one
 *   answering or counting; each message is one NATS message with a JSON body.
 *
 * Fairness: both sides of every peer share this process's one event loop (nats-server has the
 * other core), every peer encodes and decodes every message (Troupe: msgpack inside its envelope;
 * raw: JSON of the same object), the same driver keeps asks in flight (`pipeline`), and one-way
 * rounds end for both through a Countdown ticked by the receiver, with the same flow control.
 */
import { createInbox, type Msg, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type ActorRef, type ActorSystem, createActorSystem } from '@troupe/core';
import { awaitNodes, nats } from '@troupe/transport-nats';
import { countdowns } from '../catalogs/nats.js';
import type { Contender, Fixture } from '../harness.js';
import { Countdown, pipeline, settle } from './protocol.js';

const CATALOG = new URL('../catalogs/nats.js', import.meta.url);
const TICK = { type: 'tick' } as const;
const ASK = { timeoutMs: 600_000 } as const;

/** Where the shared nats-server is; set by the suite's `open` before any case opens. */
export interface NatsPlace {
  url: string;
}

let systems = 0;

/**
 * The two Troupe systems of a case (A sends, B hosts the actors), created once per case. The
 * actors are spawned in B (as local actors, so B can stop them) and A finds them by address.
 */
function withTwoSystems(
  place: NatsPlace,
  setup: (a: ActorSystem, b: ActorSystem) => Promise<Fixture>,
): Contender {
  let a: ActorSystem | undefined;
  let b: ActorSystem | undefined;
  return {
    async open() {
      const name = `bench-nats-${++systems}`;
      const make = () =>
        createActorSystem({ name, catalog: [CATALOG], transports: [nats({ servers: place.url })] });
      b = await make();
      a = await make();
      await awaitNodes(a, 2, 10_000);
      await awaitNodes(b, 2, 10_000);
    },
    setup: () => setup(a!, b!),
    async close() {
      await a?.shutdown();
      await b?.shutdown();
    },
  };
}

/** A's ref to an actor that B spawned (A resolves the address through its transport). */
function remoteRef<M, R>(a: ActorSystem, local: ActorRef<M, R>): ActorRef<M, R> {
  const ref = a.lookup<M, R>(local.address);
  if (ref === undefined) throw new Error(`system ${a.nodeId} cannot resolve ${local.address}`);
  return ref;
}

/** Troupe remote asks from A to an echo actor in B, `depth` in flight (1: one at a time). */
export function troupeRemoteAsk(place: NatsPlace, n: number, depth: number): Contender {
  return withTwoSystems(place, async (a, b) => {
    const local = b.spawn<{ type: 'ping'; value: number }, undefined, void, number>('bench.nats.echo');
    const echo = remoteRef(a, local);
    await echo.ask({ type: 'ping', value: 0 }, ASK);
    return {
      async run() {
        if (depth === 1) {
          for (let i = 0; i < n; i++) await echo.ask({ type: 'ping', value: i }, ASK);
        } else {
          await pipeline(n, depth, (i) => echo.ask({ type: 'ping', value: i }, ASK));
        }
      },
      teardown: () => b.stop(local),
    };
  });
}

let rounds = 0;

/** Troupe remote tells from A to a sink in B, timed until the sink has received all `n`. */
export function troupeRemoteTell(place: NatsPlace, n: number): Contender {
  return withTwoSystems(place, async (a, b) => {
    const key = `troupe-${++rounds}`;
    countdowns.set(key, new Countdown(1));
    const local = b.spawn<{ type: 'tick' }, string, string, unknown>('bench.nats.sink', key);
    const sink = remoteRef(a, local);
    sink.tell(TICK); // the sink is up and A's route to it is known before the timed part
    await countdowns.get(key)!.done;
    const countdown = new Countdown(n);
    countdowns.set(key, countdown);
    return {
      run: () => sendWindowed(n, countdown, () => sink.tell(TICK)),
      async teardown() {
        countdowns.delete(key);
        await b.stop(local);
      },
    };
  });
}

/**
 * Send `n` messages in chunks, yielding to the event loop between chunks and never more than
 * `window` ahead of the receiver, then wait for the last one. Without the window a sender in the
 * same process could run megabytes ahead of its receiver, and nats-server cuts off a subscriber
 * that falls 64 MiB behind (a "slow consumer"). Every peer of the tell benchmark uses this.
 */
async function sendWindowed(n: number, received: Countdown, send: () => void): Promise<void> {
  const chunk = 5000;
  const window = 50_000;
  let seen = received.left;
  let progressAt = performance.now();
  for (let sent = 0; sent < n; ) {
    const end = Math.min(n, sent + chunk);
    for (; sent < end; sent++) send();
    await settle();
    while (sent - (n - received.left) > window) {
      await settle();
      // A receiver that stopped receiving (a lost message, a cut-off subscriber) must fail the
      // round, not leave this loop spinning after the harness has given up on it.
      if (received.left !== seen) {
        seen = received.left;
        progressAt = performance.now();
      } else if (performance.now() - progressAt > 10_000) {
        throw new Error(
          `the receiver got ${n - received.left} of ${sent} messages and then nothing for 10 s`,
        );
      }
    }
  }
  await received.done;
}

/** The raw connections of a case: `client` sends, `server` answers and counts. */
interface RawPair {
  readonly client: NatsConnection;
  readonly server: NatsConnection;
  /** The subject the server answers pings on. */
  readonly echo: string;
  /** The subject the server counts ticks on, into the countdown registered under `tickKey`. */
  readonly tick: string;
  readonly tickKey: string;
}

function withRawPair(place: NatsPlace, setup: (pair: RawPair) => Fixture | Promise<Fixture>): Contender {
  let pair: RawPair | undefined;
  return {
    async open() {
      const client = await connect({ servers: place.url, name: 'bench raw client' });
      const server = await connect({ servers: place.url, name: 'bench raw server' });
      const id = ++rounds;
      const p: RawPair = {
        client,
        server,
        echo: `bench.raw.${id}.echo`,
        tick: `bench.raw.${id}.tick`,
        tickKey: `raw-${id}`,
      };
      // The answering side: parse the JSON request, answer { id, value } as JSON.
      server.subscribe(p.echo, {
        callback: (_err, msg: Msg) => {
          const m = msg.json<{ type: 'ping'; value: number; id?: number }>();
          msg.respond(JSON.stringify({ id: m.id, value: m.value }));
        },
      });
      // The counting side: parse every tick, tick the round's countdown.
      server.subscribe(p.tick, {
        callback: (_err, msg: Msg) => {
          msg.json<{ type: 'tick' }>();
          countdowns.get(p.tickKey)?.tick();
        },
      });
      await server.flush();
      pair = p;
    },
    setup: () => setup(pair!),
    async close() {
      await pair?.client.close();
      await pair?.server.close();
    },
  };
}

/** Raw `nc.request()`: the client library's own request/reply (a muxed inbox, a timer per request). */
export function rawRequest(place: NatsPlace, n: number, depth: number): Contender {
  return withRawPair(place, ({ client, echo }) => {
    const call = (i: number) =>
      client
        .request(echo, JSON.stringify({ type: 'ping', value: i }), { timeout: ASK.timeoutMs })
        .then((r) => r.json<{ value: number }>().value);
    return {
      async run() {
        if (depth === 1) {
          for (let i = 0; i < n; i++) await call(i);
        } else {
          await pipeline(n, depth, call);
        }
      },
    };
  });
}

/**
 * Raw fixed inbox with correlation ids: one long-lived subscription on an inbox; each request is
 * a publish with that inbox as reply subject and an `id` in the body; answers resolve through a
 * Map. What DESIGN.md prescribes for Troupe's asks, hand-written on the bare client.
 */
export function rawInbox(place: NatsPlace, n: number, depth: number): Contender {
  let inbox: { subject: string; pending: Map<number, (v: number) => void> } | undefined;
  let seq = 0;
  return withRawPair(place, ({ client, echo }) => {
    if (inbox === undefined) {
      const box = { subject: createInbox(), pending: new Map<number, (v: number) => void>() };
      client.subscribe(box.subject, {
        callback: (_err, msg: Msg) => {
          const m = msg.json<{ id: number; value: number }>();
          const resolve = box.pending.get(m.id);
          box.pending.delete(m.id);
          resolve?.(m.value);
        },
      });
      inbox = box;
    }
    const { subject, pending } = inbox;
    const call = (i: number) => {
      const id = ++seq;
      const answer = new Promise<number>((r) => pending.set(id, r));
      client.publish(echo, JSON.stringify({ type: 'ping', value: i, id }), { reply: subject });
      return answer;
    };
    return {
      async run() {
        await pipeline(n, depth, call);
      },
    };
  });
}

/** Raw publish → subscribe: `n` JSON ticks, timed until the subscriber has parsed all of them. */
export function rawPubSub(place: NatsPlace, n: number): Contender {
  return withRawPair(place, async ({ client, tick, tickKey }) => {
    const countdown = new Countdown(n);
    countdowns.set(tickKey, countdown);
    return {
      run: () => sendWindowed(n, countdown, () => client.publish(tick, JSON.stringify(TICK))),
      teardown: () => void countdowns.delete(tickKey),
    };
  });
}
