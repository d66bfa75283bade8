/**
 * The scaling chart: speedup against workers, with the ideal (linear) line, as SVG (vega-lite)
 * and PNG (resvg).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile } from 'vega-lite';

/** One row of the scaling table. */
export interface ScalingRow {
  readonly workers: number;
  readonly wallMs: number;
  readonly speedup: number;
  readonly efficiency: number;
  /** The share of the wall time the workers spent computing (see `FarmRun.busyMs`). */
  readonly busyShare: number;
}

/** Write `<base>.svg` and `<base>.png` (creating their directory if missing); returns the two paths. */
export async function writeScalingChart(
  rows: readonly ScalingRow[],
  base: string,
  title: string,
): Promise<string[]> {
  const data = rows.flatMap((r) => [
    { workers: r.workers, speedup: r.speedup, series: 'measured' },
    { workers: r.workers, speedup: r.workers, series: 'ideal (linear)' },
  ]);
  const spec = compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 480,
    height: 320,
    background: 'white',
    data: { values: data },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'workers', type: 'quantitative', title: 'workers (threads)', axis: { tickMinStep: 1 } },
      y: { field: 'speedup', type: 'quantitative', title: 'speedup vs sequential' },
      color: {
        field: 'series',
        type: 'nominal',
        title: 'series',
        scale: { domain: ['measured', 'ideal (linear)'], range: ['#1f77b4', '#999999'] },
        legend: { orient: 'top-left' },
      },
      strokeDash: {
        field: 'series',
        type: 'nominal',
        scale: {
          domain: ['measured', 'ideal (linear)'],
          range: [
            [1, 0],
            [6, 4],
          ],
        },
      },
    },
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  mkdirSync(dirname(base), { recursive: true });
  writeFileSync(`${base}.svg`, svg);
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: 960 }, font: { loadSystemFonts: true } })
    .render()
    .asPng();
  writeFileSync(`${base}.png`, png);
  return [`${base}.svg`, `${base}.png`];
}
