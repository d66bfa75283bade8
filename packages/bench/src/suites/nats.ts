/**
 * Suite `nats`: remote actors over NATS against the bare NATS client on the same server.
 *
 * The suite starts a private nats-server on a free loopback port (killed when the suite ends,
 * also on error or Ctrl-C). Both Troupe systems, and both raw connections, live in this one
 * process: sender and receiver share one event loop and nats-server has the other core. See
 * peers/nats.ts for what each case does exactly. Without nats-server the suite is skipped.
 */
import { type Benchmark, type Contender, type Suite, type SuiteOptions, sizedCase } from '../harness.js';
import {
  type NatsPlace,
  rawInbox,
  rawPubSub,
  rawRequest,
  troupeRemoteAsk,
  troupeRemoteTell,
} from '../peers/nats.js';
import {
  NATS_SERVER,
  type NatsServer,
  natsServerAvailable,
  publishedBytes,
  startMonitoredNatsServer,
} from '../procs.js';

const TROUPE = 'Troupe';

interface Sizes {
  readonly ask1: number;
  readonly ask256: number;
  readonly tell: number;
  readonly bytes: number;
}

const FULL: Sizes = { ask1: 5000, ask256: 300_000, tell: 1_000_000, bytes: 20_000 };
const QUICK: Sizes = { ask1: 1000, ask256: 20_000, tell: 100_000, bytes: 2_000 };

/**
 * `contender`, with the bytes every client published to the server during each round recorded
 * as `bytes` (the server's `/varz` `in_bytes`: payloads, so Troupe's envelopes, link headers and
 * acks, and its nodes' heartbeats, which are a few per second).
 */
function countingBytes(monitor: { url: string }, contender: Contender): Contender {
  return {
    ...contender,
    async setup() {
      const fixture = await contender.setup();
      let before = 0;
      return {
        ...fixture,
        async run() {
          before = await publishedBytes(monitor.url);
          await fixture.run();
        },
        measure: async () => ({ bytes: (await publishedBytes(monitor.url)) - before }),
      };
    },
  };
}

const at = sizedCase;

export function natsSuite({ quick }: SuiteOptions): Suite {
  const title = 'Remote actors over NATS: Troupe vs the raw NATS client, one private nats-server';
  if (!natsServerAvailable()) {
    return {
      name: 'nats',
      title,
      benchmarks: [],
      skip: `nats-server not found (looked for ${NATS_SERVER}); install it (apt-get install nats-server) to run this suite`,
    };
  }
  const s = quick ? QUICK : FULL;
  const place: NatsPlace = { url: '' };
  const monitor = { url: '' };
  let server: NatsServer | undefined;
  const ask1: Benchmark = {
    name: 'ask-latency',
    what: 'remote request/response, one in flight (µs per round trip)',
    unit: 'µs',
    baseline: TROUPE,
    score: (r) => (r.ms * 1000) / r.ops,
    cases: [
      at(TROUPE, s.ask1, (n) => troupeRemoteAsk(place, n, 1)),
      at('raw request()', s.ask1, (n) => rawRequest(place, n, 1), {
        on: 'ratio',
        max: 1.2,
        label: 'Troupe ≤ 1.2× raw',
      }),
    ],
  };
  const ask256: Benchmark = {
    name: 'ask-256',
    what: 'remote request/response with 256 in flight',
    unit: 'asks/s',
    baseline: TROUPE,
    cases: [
      at(TROUPE, s.ask256, (n) => troupeRemoteAsk(place, n, 256), { on: 'value', min: 250e3 }),
      // The raw peers are several times slower: fewer asks per round keep the suite short (a rate
      // is per ask, so it stays comparable).
      at('raw request()', s.ask256 / 10, (n) => rawRequest(place, n, 256)),
      at('raw inbox + correlation ids', s.ask256 / 4, (n) => rawInbox(place, n, 256)),
    ],
  };
  const tell: Benchmark = {
    name: 'tell',
    what: 'one-way remote messages, timed until the receiver has decoded all of them',
    unit: 'msg/s',
    baseline: TROUPE,
    cases: [
      at(TROUPE, s.tell, (n) => troupeRemoteTell(place, n), { on: 'value', min: 1e6 }),
      // A quarter of the messages: the raw peer is ~4× slower (a rate is per message).
      at('raw publish → subscribe', s.tell / 4, (n) => rawPubSub(place, n)),
    ],
  };
  // What goes over the wire per message: one /varz read before and after a round is in the
  // timed part, so these rounds measure bytes, not speed.
  const bytesPer = (what: string): Pick<Benchmark, 'unit' | 'score' | 'baseline' | 'warmup' | 'rounds'> => ({
    unit: `B/${what}`,
    baseline: TROUPE,
    score: (r) => (r.measured.bytes ?? Number.NaN) / r.ops,
    warmup: 1,
    rounds: 3,
  });
  const tellBytes: Benchmark = {
    name: 'tell-bytes',
    what: 'bytes published to nats-server per one-way message (envelopes, link headers and acks included)',
    ...bytesPer('msg'),
    cases: [
      at(TROUPE, s.bytes * 10, (n) => countingBytes(monitor, troupeRemoteTell(place, n))),
      at('raw publish → subscribe', s.bytes * 10, (n) => countingBytes(monitor, rawPubSub(place, n))),
    ],
  };
  const askBytes: Benchmark = {
    name: 'ask-bytes',
    what: 'bytes published to nats-server per ask, one in flight (request, reply, link headers and acks)',
    ...bytesPer('ask'),
    cases: [
      at(TROUPE, s.bytes, (n) => countingBytes(monitor, troupeRemoteAsk(place, n, 1))),
      at('raw request()', s.bytes, (n) => countingBytes(monitor, rawRequest(place, n, 1))),
    ],
  };
  return {
    name: 'nats',
    title,
    benchmarks: [ask1, ask256, tell, tellBytes, askBytes],
    async open() {
      const started = await startMonitoredNatsServer();
      server = started.server;
      place.url = server.url;
      monitor.url = started.monitor;
    },
    async close() {
      await server?.stop();
    },
  };
}
