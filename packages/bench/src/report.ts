/**
 * Output of a run: a plain-text table per benchmark on stdout, and one JSON file per suite for
 * tools (CI artifacts, charts, comparing two runs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import type { BenchmarkResult, CaseResult, Goal, Interval, SuiteResult } from './harness.js';

/** Where and on what the numbers were taken; printed first and stored with every result file. */
export interface Environment {
  readonly node: string;
  readonly v8: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly platform: string;
  readonly quick: boolean;
  readonly date: string;
}

export function environment(quick: boolean): Environment {
  return {
    node: process.version,
    v8: process.versions.v8,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    quick,
    date: new Date().toISOString(),
  };
}

export function formatEnvironment(env: Environment): string {
  return `Node ${env.node} (V8 ${env.v8}), ${env.cpus} CPUs (${env.cpuModel}), ${env.platform}${env.quick ? ', --quick sizes' : ''}`;
}

/** The table of one benchmark, as lines of text. */
export function formatBenchmark(b: BenchmarkResult): string {
  const header = ['case', 'ops/round', 'median', 'min – max', 'ratio', 'goal'];
  const rows = b.cases.map((c) => row(b, c));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = new Set([1, 2, 3]);
  const line = (cells: readonly string[]) =>
    `  ${cells.map((s, i) => (right.has(i) ? s.padStart(widths[i]!) : s.padEnd(widths[i]!))).join('   ')}`.trimEnd();
  const notes = b.cases.filter((c) => c.note !== undefined).map((c) => `  ${c.name}: ${c.note}`);
  const paired = b.cases.some((c) => c.ratioInterval !== undefined || c.againstInterval !== undefined)
    ? ['  ratios are medians of per-round ratios; [low – high] is their 95% confidence interval']
    : [];
  return [`${b.name} — ${b.what}`, line(header), ...rows.map(line), ...notes, ...paired].join('\n');
}

function row(b: BenchmarkResult, c: CaseResult): string[] {
  const ops = c.ops.toLocaleString('en-US');
  if (c.error !== undefined) return [c.name, ops, 'failed', '', c.error, ''];
  const ratio =
    c.ratio !== undefined
      ? `${b.baseline} / ${c.name} = ${formatRatio(c.ratio)}${formatInterval(c.ratioInterval)}`
      : c.name === b.baseline
        ? '(baseline)'
        : '';
  // No verdict when there is nothing to judge (a ratio goal whose baseline failed).
  const verdict = c.met === undefined ? '–' : c.met ? '✓' : '✗';
  const checked =
    c.goal?.against === undefined || c.againstRatio === undefined
      ? ''
      : `${c.goal.against} / ${c.name} = ${formatRatio(c.againstRatio)}${formatInterval(c.againstInterval)}: `;
  const goal = c.goal === undefined ? '' : `${checked}${goalLabel(c.goal, b.unit)} ${verdict}`;
  return [
    c.name,
    ops,
    `${formatValue(c.median, b.unit)} ${b.unit}`,
    `${formatValue(c.min, b.unit)} – ${formatValue(c.max, b.unit)}`,
    ratio,
    goal,
  ];
}

function goalLabel(goal: Goal, unit: string): string {
  if (goal.label !== undefined) return goal.label;
  const fmt = (v: number) => (goal.on === 'ratio' ? formatRatio(v) : `${formatValue(v, unit)} ${unit}`);
  const parts = [];
  if (goal.min !== undefined) parts.push(`≥ ${fmt(goal.min)}`);
  if (goal.max !== undefined) parts.push(`≤ ${fmt(goal.max)}`);
  return parts.join(', ');
}

/**
 * Rates with SI suffixes (12.3M), other quantities as whole numbers with separators, small ones
 * (latencies in µs, delays in ms) with a decimal or two.
 */
export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '–';
  if (!unit.endsWith('/s')) {
    // Bounds just below 10 and 100, so 9.996 shows as 10.0, not 10.00.
    if (Math.abs(v) < 9.995) return v.toFixed(2);
    if (Math.abs(v) < 99.95) return v.toFixed(1);
    return Math.round(v).toLocaleString('en-US');
  }
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(v >= 1e8 ? 0 : v >= 1e7 ? 1 : 2)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e5 ? 0 : 1)}k`;
  return v.toFixed(0);
}

function formatRatio(r: number): string {
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function formatInterval(i: Interval | undefined): string {
  return i === undefined ? '' : ` [${formatRatio(i[0]).slice(0, -1)} – ${formatRatio(i[1])}]`;
}

/** Write `<dir>/<suite>.json` with the environment and every round's score. */
export async function writeResults(dir: URL, env: Environment, result: SuiteResult): Promise<URL> {
  await mkdir(dir, { recursive: true });
  const file = new URL(`${result.suite}.json`, dir);
  await writeFile(file, `${JSON.stringify({ ...result, environment: env }, null, 2)}\n`);
  return file;
}
