/**
 * The benchmark harness: suites of benchmarks, each a set of cases (Troupe and its peers) measured
 * side by side in one process, with warm-up rounds, timed rounds and the median as the result.
 */
import { collectGarbage, quiesce } from './heap.js';

/** What one round of a case needs; made fresh for every round by {@link BenchCase.setup}. */
export interface Fixture {
  /** The timed part: resolves when all the round's work is done. */
  run(): void | Promise<void>;
  /** Untimed measurements after `run` (e.g. heap in use), recorded with the round. */
  measure?(): Record<string, number> | Promise<Record<string, number>>;
  /** Untimed clean-up: stop the round's actors, drop references. */
  teardown?(): void | Promise<void>;
}

/**
 * How a peer runs one benchmark. What a real program keeps for its whole life (the actor system,
 * the run queue) is made once in `open` and lives across all rounds; each round then gets fresh
 * actors from `setup`. A system per round would measure something no program does: V8 drops
 * optimized code that embedded a dead system, so each round would start unoptimized.
 */
export interface Contender {
  /** Untimed, once before the first round. */
  open?(): void | Promise<void>;
  /** Untimed, before each round: what the round needs (actors, preallocated messages). */
  setup(): Fixture | Promise<Fixture>;
  /** Untimed, once after the last round. */
  close?(): void | Promise<void>;
}

/** One contender of a benchmark at a given size, e.g. "Troupe" or "nact". */
export interface BenchCase extends Contender {
  readonly name: string;
  /** Operations in one round (messages, actors); the rate is `ops / seconds`. */
  readonly ops: number;
  /** What this case should reach; shown as ✓ or ✗. */
  readonly goal?: Goal;
}

/**
 * A goal for a case. `on: 'value'` checks its own score; `on: 'ratio'` checks the baseline's score
 * divided by this case's (for example Troupe / nact ≥ 10).
 */
export interface Goal {
  readonly on: 'value' | 'ratio';
  readonly min?: number;
  readonly max?: number;
  /**
   * For `on: 'ratio'`: the case to compare with instead of the benchmark's baseline, checked as
   * `against / this` (e.g. on the Piscina row, `Troupe / Piscina`).
   */
  readonly against?: string;
  /** How the goal is shown; default built from min/max. */
  readonly label?: string;
}

/** What a round produced. */
export interface Round {
  readonly ops: number;
  /** Wall time of `run`, in milliseconds. */
  readonly ms: number;
  readonly measured: Readonly<Record<string, number>>;
}

/** One question (ping-pong, flood, …) asked of several cases. */
export interface Benchmark {
  readonly name: string;
  /** One line on what is measured, printed above the table. */
  readonly what: string;
  /** Unit of the score, e.g. `msg/s`. */
  readonly unit: string;
  /** The case the others are compared with: the table shows `baseline / case`. */
  readonly baseline?: string;
  /** Score of a round; default: the rate, `ops / seconds`. */
  readonly score?: (round: Round) => number;
  /** Extra words for the table, from the median round and all timed rounds (e.g. total heap). */
  readonly note?: (median: Round, rounds: readonly Round[]) => string | undefined;
  /**
   * Judge ratios round by round instead of median against median: round r of every case runs
   * back to back, in an order that rotates each round, and a case's ratio is the median over r of
   * `baseline_r / case_r` (and of `against_r / case_r`), with a distribution-free 95% confidence
   * interval of that median. For benchmarks of long rounds on a machine whose speed drifts from
   * one second to the next (the farm on this VM), where a ratio of two medians taken far apart
   * moves with the drift.
   */
  readonly paired?: boolean;
  /** Override the suite's warm-up and timed rounds (e.g. one round for a heap census). */
  readonly warmup?: number;
  readonly rounds?: number;
  readonly cases: readonly BenchCase[];
}

export interface Suite {
  readonly name: string;
  readonly title: string;
  readonly benchmarks: readonly Benchmark[];
  /**
   * Why this suite cannot run here (e.g. `nats-server` is not installed); the CLI prints it and
   * goes on with the next suite instead of failing.
   */
  readonly skip?: string;
  /** Lines printed under the suite's title (e.g. a benchmark left out, and why). */
  readonly notes?: readonly string[];
  /** Untimed, once before the first benchmark: what every benchmark shares (e.g. a nats-server). */
  open?(): void | Promise<void>;
  /** Untimed, once after the last benchmark, also when one failed: release what `open` started. */
  close?(): void | Promise<void>;
}

/** How a suite is built: the same cases, at full or at smoke-test size. */
export interface SuiteOptions {
  readonly quick: boolean;
}

export type SuiteFactory = (options: SuiteOptions) => Suite;

export interface RunOptions {
  readonly warmup: number;
  readonly rounds: number;
  /** A round that takes longer fails the case (a peer that hangs must not hang the run). */
  readonly roundTimeoutMs: number;
}

export interface CaseResult {
  readonly name: string;
  readonly ops: number;
  /** Scores of the timed rounds, in order. */
  readonly scores: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** `baseline / this`, when the benchmark has a baseline and this is not it. */
  readonly ratio?: number;
  /** For a paired benchmark: the 95% confidence interval of `ratio` (none below 6 rounds). */
  readonly ratioInterval?: Interval;
  readonly goal?: Goal;
  /** `against / this`, for a goal with `against` (the ratio that goal checks). */
  readonly againstRatio?: number;
  /** For a paired benchmark: the 95% confidence interval of `againstRatio`. */
  readonly againstInterval?: Interval;
  readonly met?: boolean;
  readonly note?: string;
  /** What `measure` gave in the median round. */
  readonly measured?: Readonly<Record<string, number>>;
  /** What `measure` gave in every timed round, in order (when it gave anything). */
  readonly measuredRounds?: readonly Readonly<Record<string, number>>[];
  readonly error?: string;
}

/** A confidence interval, low to high. */
export type Interval = readonly [low: number, high: number];

export interface BenchmarkResult {
  readonly name: string;
  readonly what: string;
  readonly unit: string;
  readonly baseline?: string;
  readonly cases: readonly CaseResult[];
}

export interface SuiteResult {
  readonly suite: string;
  readonly title: string;
  readonly benchmarks: readonly BenchmarkResult[];
}

/**
 * Run every benchmark of a suite. Cases of one benchmark are warmed up first, then their timed
 * rounds are interleaved (A B C, A B C, …) so drift in machine load hits every case alike.
 */
export async function runSuite(
  suite: Suite,
  options: RunOptions,
  onBenchmark: (result: BenchmarkResult) => void,
): Promise<SuiteResult> {
  const benchmarks: BenchmarkResult[] = [];
  try {
    await suite.open?.();
    for (const b of suite.benchmarks) {
      const result = await runBenchmark(b, options);
      onBenchmark(result);
      benchmarks.push(result);
    }
  } finally {
    await suite.close?.();
  }
  return { suite: suite.name, title: suite.title, benchmarks };
}

async function runBenchmark(b: Benchmark, options: RunOptions): Promise<BenchmarkResult> {
  const warmup = b.warmup ?? options.warmup;
  const rounds = b.rounds ?? options.rounds;
  const score = b.score ?? ((r: Round) => (r.ops * 1000) / r.ms);
  const perCase = b.cases.map(() => ({ rounds: [] as Round[], error: undefined as string | undefined }));
  for (const [i, c] of b.cases.entries()) {
    await attempt(perCase[i]!, () => c.open?.());
  }
  for (const [i, c] of b.cases.entries()) {
    for (let w = 0; w < warmup && perCase[i]!.error === undefined; w++) {
      await attempt(perCase[i]!, () => runRound(c, options.roundTimeoutMs));
    }
  }
  const k = b.cases.length;
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < k; j++) {
      // Paired: round r starts with case r mod k, so no case always runs right after another.
      const i = b.paired ? (r + j) % k : j;
      const c = b.cases[i]!;
      const into = perCase[i]!;
      if (into.error === undefined)
        await attempt(into, async () => into.rounds.push(await runRound(c, options.roundTimeoutMs)));
    }
  }
  for (const [i, c] of b.cases.entries()) {
    await attempt(perCase[i]!, () => c.close?.());
  }
  // What this benchmark left behind must not be collected during the next one.
  await quiesce();
  const summaries = b.cases.map((c, i) => summarize(c, perCase[i]!.rounds, score, perCase[i]!.error));
  const base = summaries.find((s) => s.name === b.baseline && s.error === undefined);
  const compare = (of: Summary, to: Summary) =>
    b.paired === true ? pairedRatio(of.scores, to.scores) : { ratio: of.median / to.median };
  const cases = summaries.map((s, i): CaseResult => {
    if (s.error !== undefined) return s;
    const vsBase = base === undefined || s === base ? undefined : compare(base, s);
    const ratio = vsBase?.ratio;
    const goal = b.cases[i]!.goal;
    const against =
      goal?.against === undefined
        ? undefined
        : summaries.find((o) => o.name === goal.against && o.error === undefined);
    const vsAgainst = against === undefined ? undefined : compare(against, s);
    const checked = goal?.on !== 'ratio' ? s.median : goal.against === undefined ? ratio : vsAgainst?.ratio;
    const met = goal === undefined || checked === undefined ? undefined : meets(goal, checked);
    const note =
      b.note === undefined || s.medianRound === undefined ? undefined : b.note(s.medianRound, s.rounds ?? []);
    const { medianRound: _, rounds: __, ...rest } = s;
    return {
      ...rest,
      ...(ratio === undefined ? {} : { ratio }),
      ...(vsBase?.interval === undefined ? {} : { ratioInterval: vsBase.interval }),
      ...(goal === undefined ? {} : { goal }),
      ...(goal?.against === undefined || checked === undefined ? {} : { againstRatio: checked }),
      ...(vsAgainst?.interval === undefined ? {} : { againstInterval: vsAgainst.interval }),
      ...(met === undefined ? {} : { met }),
      ...(note === undefined ? {} : { note }),
    };
  });
  return {
    name: b.name,
    // Say so when this benchmark's rounds differ from the header's.
    what:
      b.warmup === undefined && b.rounds === undefined
        ? b.what
        : `${b.what} [${warmup} warm-up + ${rounds} timed rounds]`,
    unit: b.unit,
    ...(b.baseline === undefined ? {} : { baseline: b.baseline }),
    cases,
  };
}

/** A throw or a timeout marks the case failed (its first error is kept) instead of ending the run. */
async function attempt(into: { error: string | undefined }, step: () => unknown): Promise<void> {
  try {
    await step();
  } catch (e) {
    into.error ??= e instanceof Error ? e.message : String(e);
  }
}

async function runRound(c: BenchCase, timeoutMs: number): Promise<Round> {
  const fixture = await c.setup();
  try {
    // Garbage left by setup (or by the previous case) must not be collected inside the timed part.
    collectGarbage();
    const t0 = performance.now();
    await withTimeout(fixture.run(), timeoutMs, c.name);
    const ms = performance.now() - t0;
    const measured = (await fixture.measure?.()) ?? {};
    return { ops: c.ops, ms, measured };
  } finally {
    await fixture.teardown?.();
    // Work a teardown queued (e.g. nact stops each actor in a setImmediate) must run now, not
    // inside the next case's timed part.
    await quiesce();
  }
}

function withTimeout(work: void | Promise<void>, ms: number, name: string): void | Promise<void> {
  if (!(work instanceof Promise)) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name}: a round did not finish within ${ms / 1000} s (is a message lost?)`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

interface Summary extends CaseResult {
  readonly medianRound?: Round;
  readonly rounds?: readonly Round[];
}

/**
 * The median of `sorted` (ascending), the lower of the two middle values for an even count: an
 * actual value, as a score is an actual round. `undefined` when empty.
 */
export function lowerMedian(sorted: readonly number[]): number | undefined {
  return sorted[(sorted.length - 1) >> 1];
}

/**
 * The median over rounds of `of_r / to_r` and, from 6 rounds up, a distribution-free 95%
 * confidence interval of that median: the order statistics j and n + 1 − j of the n ratios, with
 * j the largest such that P(Binomial(n, ½) < j) ≤ 2.5%.
 */
export function pairedRatio(
  of: readonly number[],
  to: readonly number[],
): { ratio: number; interval?: Interval } {
  const n = Math.min(of.length, to.length);
  const ratios = Array.from({ length: n }, (_, r) => of[r]! / to[r]!).sort((x, y) => x - y);
  const ratio = lowerMedian(ratios)!;
  let j = 0;
  let below = 0; // P(Binomial(n, ½) < j + 1), built up term by term
  let term = 0.5 ** n; // P(Binomial(n, ½) = j)
  while (below + term <= 0.025) {
    below += term;
    term = (term * (n - j)) / (j + 1);
    j++;
  }
  if (j === 0) return { ratio };
  return { ratio, interval: [ratios[j - 1]!, ratios[n - j]!] };
}

function summarize(
  c: BenchCase,
  rounds: readonly Round[],
  score: (r: Round) => number,
  error?: string,
): Summary {
  if (error !== undefined || rounds.length === 0) {
    return {
      name: c.name,
      ops: c.ops,
      scores: [],
      median: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      error: error ?? 'no rounds',
    };
  }
  const scores = rounds.map(score);
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Lower median for an even count: a real round, not an average of two.
  const mid = order[(order.length - 1) >> 1]!;
  const medianRound = rounds[mid]!;
  return {
    name: c.name,
    ops: c.ops,
    scores,
    median: scores[mid]!,
    min: scores[order[0]!]!,
    max: scores[order[order.length - 1]!]!,
    measured: medianRound.measured,
    ...(rounds.some((r) => Object.keys(r.measured).length > 0)
      ? { measuredRounds: rounds.map((r) => r.measured) }
      : {}),
    medianRound,
    rounds,
  };
}

function meets(goal: Goal, value: number): boolean {
  return (goal.min === undefined || value >= goal.min) && (goal.max === undefined || value <= goal.max);
}

/**
 * A case of `ops` operations per round, made by a peer's factory for that size (a suite's rows).
 *
 * @example
 * ```ts
 * sizedCase('Troupe', 2_000_000, troupePingPong, { on: 'value', min: 10e6 })
 * ```
 */
export function sizedCase(
  name: string,
  ops: number,
  make: (ops: number) => Contender,
  goal?: Goal,
): BenchCase {
  return { name, ops, ...make(ops), ...(goal === undefined ? {} : { goal }) };
}
