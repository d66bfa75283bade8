/**
 * Suite `persistence`: event-sourced Troupe actors (`@troupe/persistence`) on SQLite and NATS
 * JetStream against the bare store clients doing the same durable writes, side by side in one run;
 * and the time to recover an actor from a long journal, with and without a snapshot.
 *
 * Fairness (peers/persistence.ts): every row writes the same small JSON event per command, with
 * the same pragmas (SQLite: WAL, `synchronous = FULL`) or the same stream settings (JetStream),
 * into a fresh file or stream per round, with every id already holding one event. A raw row is
 * named for how it commits; the Troupe rows' goal (≥ 0.8× raw) is checked against the raw row
 * that commits the way the Troupe store can: one transaction per event for one actor (its mailbox
 * lets one append out at a time), batches for a thousand (group commit takes every append of a
 * turn). The JetStream rows need nats-server (started privately, with `-js`); without it they
 * are left out and the SQLite rows still run.
 */
import { startNatsServer } from '@troupe/transport-nats/testing';
import {
  type BenchCase,
  type Benchmark,
  type Goal,
  type Suite,
  type SuiteOptions,
  sizedCase,
} from '../harness.js';
import {
  type NatsPlace,
  rawJetStreamEvents,
  rawJetStreamRecovery,
  rawSqliteEvents,
  rawSqliteRecovery,
  recoveryData,
  troupeEvents,
  troupeRecovery,
  WINDOW,
} from '../peers/persistence.js';
import { NATS_SERVER, type NatsServer, natsServerAvailable } from '../procs.js';

const T_SQLITE = 'Troupe, SQLite';
const T_JS = 'Troupe, JetStream';
const T_MEMORY = 'Troupe, in memory (reference)';
const RAW_SQLITE_1 = 'raw SQLite, 1 txn per event';
const RAW_SQLITE_B = `raw SQLite, ${WINDOW} events per txn`;
const RAW_SQLITE_HEADS = `raw SQLite, ${WINDOW} per txn + the store's head check (reference)`;
const RAW_JS = 'raw JetStream, 1 in flight per subject';
const RAW_JS_PIPELINED = `raw JetStream, ${WINDOW} in flight on one subject (seq predicted)`;

interface Sizes {
  /** Events per round of a row that commits about once per event (SQLite one txn per event, JetStream). */
  readonly durable: number;
  /**
   * Events per round of a row that commits many events at once (batches, group commit, memory).
   * A Troupe row and the raw row its goal checks write as many: SQLite's cost per event grows
   * with the table and the WAL, so rows of different sizes would not compare.
   */
  readonly batched: number;
  /** Events in the recovered journal; the snapshot is taken 1,000 before its end. */
  readonly recovery: number;
}

const FULL: Sizes = { durable: 10_000, batched: 50_000, recovery: 100_000 };
const QUICK: Sizes = { durable: 1_000, batched: 5_000, recovery: 3_000 };

/** The goal, on a Troupe row: Troupe ≥ 0.8× raw in events/s, i.e. raw / Troupe ≤ 1.25. */
const goal = (against?: string): Goal => ({
  on: 'ratio',
  max: 1.25,
  ...(against === undefined ? {} : { against }),
  label: 'Troupe ≥ 0.8× raw (≤ 1.25×)',
});

const at = sizedCase;

/**
 * The `persistence` suite at full or `--quick` size.
 *
 * @example
 * ```ts
 * // node packages/bench/dist/cli.js persistence/events-1000 --quick
 * const suite = persistenceSuite({ quick: true });
 * ```
 */
export function persistenceSuite({ quick }: SuiteOptions): Suite {
  const title = 'Event-sourced actors: Troupe on SQLite and JetStream vs the raw store clients';
  const s = quick ? QUICK : FULL;
  const withJetStream = natsServerAvailable();
  const place: NatsPlace = { url: '' };
  let server: NatsServer | undefined;
  const js = (cases: readonly BenchCase[]) => (withJetStream ? cases : []);

  /** One benchmark of deposits spread over `actors` accounts; `fair` is the raw SQLite row the goal checks. */
  const events = (actors: number, fair: string): Benchmark => ({
    name: `events-${actors}`,
    what:
      `persisted events/s: asks, ${WINDOW} in flight, spread over ${actors} event-sourced account${actors === 1 ? '' : 's'}, ` +
      'each persisting one small JSON event and answered once it is durable; raw rows write the same events',
    unit: 'events/s',
    baseline: fair,
    // The machine is shared: ratios are taken round by round, in an order that rotates.
    paired: true,
    cases: [
      at(
        T_SQLITE,
        actors === 1 ? s.durable : s.batched,
        (n) => troupeEvents('sqlite', place, actors, n),
        goal(),
      ),
      at(RAW_SQLITE_1, s.durable, (n) => rawSqliteEvents(actors, 1, n)),
      at(RAW_SQLITE_B, s.batched, (n) => rawSqliteEvents(actors, WINDOW, n)),
      ...(actors === 1
        ? []
        : [at(RAW_SQLITE_HEADS, s.batched, (n) => rawSqliteEvents(actors, WINDOW, n, true))]),
      at(T_MEMORY, s.batched, (n) => troupeEvents('memory', place, actors, n)),
      ...js([
        at(T_JS, s.durable / 2, (n) => troupeEvents('jetstream', place, actors, n), goal(RAW_JS)),
        at(RAW_JS, s.durable / 2, (n) => rawJetStreamEvents(place, actors, 'ordered', n)),
        ...(actors === 1
          ? [at(RAW_JS_PIPELINED, s.durable, (n) => rawJetStreamEvents(place, 1, 'predicted', n))]
          : []),
      ]),
    ],
  });

  const snapshotAt = s.recovery - 1000;
  const sqliteData = recoveryData('sqlite', place, s.recovery, snapshotAt);
  const jsData = recoveryData('jetstream', place, s.recovery, snapshotAt);
  const snap = `snapshot at ${snapshotAt.toLocaleString('en-US')}`;
  const recovery: Benchmark = {
    name: 'recovery',
    what:
      `ms from spawn to the first reply of an event-sourced actor with ${s.recovery.toLocaleString('en-US')} events ` +
      '(one per append), a new store instance each round; raw rows read and fold the same journal by hand',
    unit: 'ms',
    score: (r) => r.ms / r.ops,
    cases: [
      at(`${T_SQLITE}, full replay`, 1, () => troupeRecovery(sqliteData, false)),
      at(`${T_SQLITE}, ${snap}`, 1, () => troupeRecovery(sqliteData, true)),
      at('raw SQLite SELECT, full replay', 1, () => rawSqliteRecovery(s.recovery, snapshotAt, false)),
      at(`raw SQLite SELECT, ${snap}`, 1, () => rawSqliteRecovery(s.recovery, snapshotAt, true)),
      ...js([
        at(`${T_JS}, full replay`, 1, () => troupeRecovery(jsData, false)),
        at(`${T_JS}, ${snap}`, 1, () => troupeRecovery(jsData, true)),
        at('raw JetStream consumer, full replay', 1, () =>
          rawJetStreamRecovery(place, s.recovery, snapshotAt, false),
        ),
        at(`raw JetStream consumer, ${snap}`, 1, () =>
          rawJetStreamRecovery(place, s.recovery, snapshotAt, true),
        ),
      ]),
    ],
  };

  return {
    name: 'persistence',
    title,
    benchmarks: [events(1, RAW_SQLITE_1), events(1000, RAW_SQLITE_B), recovery],
    notes: [
      withJetStream
        ? 'JetStream rows: a private nats-server -js on a free port (file storage, its default fsync interval)'
        : `JetStream rows left out: nats-server not found (looked for ${NATS_SERVER}); install it or set TROUPE_NATS_SERVER`,
      'SQLite rows: a fresh file under the OS temp folder per round; recovery rows read one journal built once',
    ],
    async open() {
      if (withJetStream) {
        server = await startNatsServer({ bin: NATS_SERVER, storeDir: true, args: ['-js'] });
        place.url = server.url;
      }
    },
    async close() {
      await sqliteData.dispose();
      await jsData.dispose();
      await server?.stop();
    },
  };
}
