// Chart.js configuration for the lab's charts, one builder for every chart the UI draws: chart
// outputs of scripts (src-engine/lab/chart.ts's ChartSpec) and the live metrics charts.
import type { ChartSpec } from '../../src-engine/lab/chart';

/** A point as Chart.js takes it unparsed. */
export interface Point { x: number; y: number }

/** Pairs xs with ys as Chart.js points (the shorter array decides the length). */
export function toPoints(xs: ArrayLike<number>, ys: ArrayLike<number>): Point[] {
  const n = Math.min(xs.length, ys.length);
  return Array.from({ length: n }, (_, i) => ({ x: xs[i]!, y: ys[i]! }));
}

/**
 * Chart.js points of a chart's series, kept from one update to the next so a live chart does not
 * rebuild every point each frame: a series given the same x and y arrays as last time, grown by
 * appending (as live metrics grow), gets only its new points converted and the same Point[]
 * back; any other series (new arrays, shorter, or its last converted point changed) is converted
 * afresh.
 */
export class PointCache {
  private built: { x: ArrayLike<number>; y: ArrayLike<number>; points: Point[] }[] = [];

  /** The points of series `i` for arrays `xs` and `ys`, extended in place when they only grew. */
  points(i: number, xs: ArrayLike<number>, ys: ArrayLike<number>): Point[] {
    const b = this.built[i];
    const n = Math.min(xs.length, ys.length);
    if (b && b.x === xs && b.y === ys && b.points.length <= n && unchangedTail(b.points, xs, ys)) {
      for (let k = b.points.length; k < n; k++) b.points.push({ x: xs[k]!, y: ys[k]! });
      return b.points;
    }
    const points = toPoints(xs, ys);
    this.built[i] = { x: xs, y: ys, points };
    return points;
  }
}

/** True when the last of `points` still matches its source arrays (none: true). */
function unchangedTail(points: readonly Point[], xs: ArrayLike<number>, ys: ArrayLike<number>): boolean {
  const k = points.length - 1;
  return k < 0 || (points[k]!.x === xs[k] && points[k]!.y === ys[k]);
}

/** A series' point radius: dots for scatter charts and short series, none on long lines. */
export function pointRadius(kind: ChartSpec['kind'], n: number): number {
  return kind === 'scatter' || n <= 50 ? 2 : 0;
}

/**
 * A series' line width: 1.5 px, but 1 px above DECIMATE_ABOVE points, where the decimated line
 * zigzags through every pixel column and Skia strokes a 1 px line as a hairline, several times
 * cheaper to rasterize in software than a wider stroke (the live charts' main cost per redraw).
 */
export function lineWidth(n: number): number {
  return n > DECIMATE_ABOVE ? 1 : 1.5;
}

/**
 * Above this many points in view, one series of a line chart is decimated by the lab's
 * columnDecimation plugin (lib/chart-decimation.ts: min-max per pixel column, incremental while a
 * live series grows, from the full-resolution points for a zoomed range), so spikes survive.
 */
export const DECIMATE_ABOVE = 2_000;

/** The colour of series i, from a palette that reads on light and dark backgrounds. */
export function seriesColor(i: number): string {
  const palette = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#64748b', '#d97706', '#0ea5e9', '#a3a3a3'];
  return palette[i % palette.length]!;
}

/** The axis type for a log flag, falling back to linear when any value is not positive. */
function axisType(log: boolean | undefined, values: Iterable<number>): 'linear' | 'logarithmic' {
  if (!log) return 'linear';
  for (const v of values) if (v <= 0) return 'linear';
  return 'logarithmic';
}

/** Every x (or y) value of a spec, lazily. */
function* values(spec: ChartSpec, k: 'x' | 'y'): Generator<number> {
  for (const s of spec.series) yield* s[k];
}

export interface ChartColors { text: string; grid: string }

/**
 * The Chart.js type, data and options for `spec`: points unparsed (`parsing: false`) so the
 * columnDecimation plugin can work on them, no animation (live charts redraw every frame), zoom and
 * pan on both axes (wheel, pinch, drag with Shift), a legend, axis titles. Points come from
 * `cache` (a live chart passes its own, so a redraw reuses the points already built).
 */
export function chartConfig(spec: ChartSpec, colors: ChartColors, cache: PointCache = new PointCache()) {
  const kind = spec.kind ?? 'line';
  const datasets = spec.series.map((s, i) => ({
    label: s.name,
    data: cache.points(i, s.x, s.y),
    borderColor: seriesColor(i),
    backgroundColor: kind === 'bar' ? `${seriesColor(i)}aa` : seriesColor(i),
    pointRadius: pointRadius(kind, s.x.length),
    borderWidth: lineWidth(s.x.length),
    showLine: kind !== 'scatter',
    indexAxis: 'x' as const,
  }));
  const scale = (title: string | undefined, type: 'linear' | 'logarithmic') => ({
    type,
    title: { display: !!title, text: title ?? '', color: colors.text },
    ticks: { color: colors.text, maxRotation: 0 },
    grid: { color: colors.grid },
  });
  return {
    type: kind === 'bar' ? ('bar' as const) : ('line' as const),
    data: { datasets },
    options: {
      animation: false as const,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false as const,
      normalized: true,
      spanGaps: true,
      interaction: { mode: 'nearest' as const, intersect: false },
      scales: {
        x: scale(spec.x_label, kind === 'bar' ? 'linear' : axisType(spec.log_x, values(spec, 'x'))),
        y: scale(spec.y_label, axisType(spec.log_y, values(spec, 'y'))),
      },
      plugins: {
        title: { display: !!spec.title, text: spec.title, color: colors.text },
        legend: { labels: { color: colors.text } },
        columnDecimation: { enabled: kind === 'line', threshold: DECIMATE_ABOVE },
        zoom: {
          zoom: { wheel: { enabled: true }, pinch: { enabled: true }, drag: { enabled: true, modifierKey: 'shift' as const }, mode: 'xy' as const },
          pan: { enabled: true, mode: 'xy' as const, modifierKey: 'ctrl' as const },
        },
      },
    },
  };
}
