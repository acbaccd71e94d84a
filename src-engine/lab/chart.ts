// chart(): a script's chart, as data. The host decides how to show it (a notebook stores it
// under the lab's chart MIME type; the headless runner prints a one-line summary).

export const CHART_MIME = 'application/vnd.mmu-lab.chart+json';

export interface ChartSeries { name: string; x: number[]; y: number[] }
export interface ChartSpec {
  title: string;
  kind?: 'line' | 'scatter' | 'bar';
  x_label?: string;
  y_label?: string;
  log_x?: boolean;
  log_y?: boolean;
  series: ChartSeries[];
}

/** The most points a chart may carry (hosts decimate for drawing). */
export const MAX_CHART_POINTS = 1_000_000;

/** A validated copy of spec (plain JSON); TypeError naming the first problem. */
export function checkChart(spec: unknown): ChartSpec {
  if (!spec || typeof spec !== 'object') throw new TypeError('chart: give { title, series: [{ name, x, y }] }');
  const s = spec as Record<string, unknown>;
  if (typeof s.title !== 'string') throw new TypeError('chart: title must be a string');
  if (s.kind !== undefined && !['line', 'scatter', 'bar'].includes(s.kind as string)) throw new TypeError("chart: kind must be 'line', 'scatter' or 'bar'");
  for (const k of ['x_label', 'y_label'] as const) if (s[k] !== undefined && typeof s[k] !== 'string') throw new TypeError(`chart: ${k} must be a string`);
  for (const k of ['log_x', 'log_y'] as const) if (s[k] !== undefined && typeof s[k] !== 'boolean') throw new TypeError(`chart: ${k} must be true or false`);
  if (!Array.isArray(s.series) || s.series.length === 0) throw new TypeError('chart: series must be a non-empty array');
  let points = 0;
  const series = s.series.map((x: unknown, i: number): ChartSeries => {
    const r = x as Record<string, unknown> | null;
    if (!r || typeof r.name !== 'string') throw new TypeError(`chart: series[${i}].name must be a string`);
    const nums = (k: 'x' | 'y'): number[] => {
      const v = r[k];
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`chart: series[${i}].${k} must be an array of numbers`);
      const arr = Array.from(v as ArrayLike<number>);
      if (arr.some((n) => typeof n !== 'number' || !Number.isFinite(n))) throw new TypeError(`chart: series[${i}].${k} must hold finite numbers`);
      return arr;
    };
    const xs = nums('x'), ys = nums('y');
    if (xs.length !== ys.length) throw new TypeError(`chart: series[${i}] has ${xs.length} x values but ${ys.length} y values`);
    points += xs.length;
    return { name: r.name, x: xs, y: ys };
  });
  if (points > MAX_CHART_POINTS) throw new TypeError(`chart: ${points} points is more than ${MAX_CHART_POINTS}`);
  return { title: s.title, kind: (s.kind as ChartSpec['kind']) ?? 'line', x_label: s.x_label as string | undefined, y_label: s.y_label as string | undefined,
    log_x: !!s.log_x, log_y: !!s.log_y, series };
}

/** A one-line text stand-in for a chart (for text-only outputs). */
export function chartSummary(c: ChartSpec): string {
  const n = c.series.reduce((a, s) => a + s.x.length, 0);
  return `[chart] ${c.title}: ${c.series.map((s) => s.name).join(', ')} (${n} points)`;
}
