// The lab's Chart.js plugin for long line series (in place of Chart.js's own decimation plugin):
// 1. before each update, a line series of more than `threshold` points on a linear x axis is
//    handed to Chart.js min-max decimated (lib/decimate.ts) — incrementally while it grows and the
//    chart is not zoomed; afresh from the full-resolution points for a zoomed range, or in full
//    when the range holds at most `threshold` of them. Chart.js never sees the full series, so
//    its per-point work is bounded by the plot's width.
// 2. a line with more points to draw than the plot has pixel columns is rasterized by column:
//    one 1-pixel-wide rectangle per column spanning the y range the polyline covers there
//    (columnSpans), instead of a stroked path whose antialiased zigzag costs the software
//    rasterizer tens of ms per redraw. Every point's column is covered, so no spike is lost.
import type { Chart, Plugin } from 'chart.js';
import type { Point } from './chart-config';
import { SeriesDecimator, visiblePoints } from './decimate';

/** The plugin's options (`options.plugins.columnDecimation`). */
export interface ColumnDecimationOptions { enabled: boolean; threshold: number }

/** What one update draws in: decimation on (a line on a linear x axis), plot columns, zoomed x range, threshold. */
export interface View { decimate: boolean; columns: number; lo?: number; hi?: number; threshold: number }

/**
 * One dataset's points between Chart.js updates: its full points (`source`), what Chart.js was
 * last handed (`shown`), the decimator of the whole series and the plot width it decimates for.
 */
export class SeriesView {
  private source: Point[] | null = null;
  private shown: Point[] | null = null;
  private columns = 0;
  private readonly decimator = new SeriesDecimator();

  /**
   * The points to hand Chart.js, given the dataset's `data` now: new full points unless it is
   * what this view handed Chart.js last time (an update without new data, e.g. a zoom). All of
   * them up to `view.threshold` or without decimation; else, unzoomed, the whole series'
   * incremental decimation, and zoomed, the range's decimation from the full points (or the
   * range's points themselves when at most `threshold`); all of them when the series cannot be
   * decimated (not x-sorted).
   */
  show(data: Point[], view: View): Point[] {
    if (data !== this.shown || !this.source) this.source = data;
    this.shown = this.pick(this.source, view);
    return this.shown;
  }

  /** See show(). */
  private pick(source: Point[], view: View): Point[] {
    if (!view.decimate || source.length <= view.threshold) return source;
    const zoomed = view.lo !== undefined || view.hi !== undefined;
    // Zoomed, the whole series stays bucketed for the plot width it had unzoomed (the y axis's
    // labels change the width as one zooms, and a wider plot would bucket every point afresh).
    if (!zoomed || !this.columns) this.columns = view.columns;
    const whole = this.decimator.update(source, this.columns);
    if (!whole) return source;
    if (!zoomed) return whole;
    const lo = view.lo ?? source[0]!.x, hi = view.hi ?? source[source.length - 1]!.x;
    return visiblePoints(source, lo, hi, view.columns, view.threshold).points;
  }
}

const views = new WeakMap<object, SeriesView>();

/** The x range the user zoomed or panned to (the zoom plugin's scale min/max), each end or undefined. */
function userRange(chart: Chart): { lo?: number; hi?: number } {
  const opts = (chart.options.scales?.['x'] ?? {}) as { min?: unknown; max?: unknown };
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { lo: num(opts.min), hi: num(opts.max) };
}

/** The plot's width in device pixels (the whole canvas before the first layout), at least 1. */
function plotColumns(chart: Chart): number {
  const a = chart.chartArea as { left: number; right: number } | undefined;
  const css = a && a.right > a.left ? a.right - a.left : chart.width;
  return Math.max(1, Math.round(css * (chart.currentDevicePixelRatio || 1)));
}

/** Swaps each dataset's data for the points to draw (SeriesView), keeping its full points aside. */
function beforeUpdate(chart: Chart, options: ColumnDecimationOptions): void {
  const linear = (chart.options.scales?.['x'] as { type?: string } | undefined)?.type === 'linear';
  const view: View = { decimate: options.enabled && linear, columns: plotColumns(chart), ...userRange(chart), threshold: options.threshold };
  chart.data.datasets.forEach((ds) => {
    let sv = views.get(ds);
    if (!sv) views.set(ds, (sv = new SeriesView()));
    ds.data = sv.show(ds.data as Point[], view);
  });
}

/**
 * The y range (lo..hi, device pixels) a polyline through (xs[i], ys[i]) covers in each of
 * `width` pixel columns starting at x = `left`: for each segment, the part of it inside each
 * column it crosses (lo > hi where it covers none). A lone point covers its own column. Points
 * need not be x-sorted, but the work is proportional to the columns each segment spans.
 */
export function columnSpans(xs: ArrayLike<number>, ys: ArrayLike<number>, left: number, width: number): { lo: Float64Array; hi: Float64Array } {
  const lo = new Float64Array(width).fill(Infinity), hi = new Float64Array(width).fill(-Infinity);
  const mark = (c: number, a: number, b: number): void => {
    if (c < 0 || c >= width) return;
    lo[c] = Math.min(lo[c]!, a, b);
    hi[c] = Math.max(hi[c]!, a, b);
  };
  if (xs.length === 1) mark(Math.floor(xs[0]! - left), ys[0]!, ys[0]!);
  for (let i = 1; i < xs.length; i++) {
    const flip = xs[i - 1]! > xs[i]!;
    const x1 = flip ? xs[i]! : xs[i - 1]!, y1 = flip ? ys[i]! : ys[i - 1]!;
    const x2 = flip ? xs[i - 1]! : xs[i]!, y2 = flip ? ys[i - 1]! : ys[i]!;
    const c1 = Math.floor(x1 - left), c2 = Math.floor(x2 - left);
    if (c1 === c2) {
      mark(c1, y1, y2);
      continue;
    }
    const slope = (y2 - y1) / (x2 - x1);
    for (let c = Math.max(c1, 0), end = Math.min(c2, width - 1); c <= end; c++) {
      const xa = Math.max(x1, left + c), xb = Math.min(x2, left + c + 1);
      mark(c, y1 + (xa - x1) * slope, y1 + (xb - x1) * slope);
    }
  }
  return { lo, hi };
}

/**
 * A drawn point as Chart.js lays it out: pixel position, skipped when its value is missing or out
 * of view, its dot's radius, hovered (`active`), and how it draws its dot.
 */
interface LaidOutPoint {
  x: number; y: number; skip?: boolean; active?: boolean; options?: { radius?: number };
  draw?(ctx: CanvasRenderingContext2D, area: unknown): void;
}

/** The slice of a line dataset Chart.js would draw: its points from the controller's draw start, as many as its draw count. */
function drawnPoints(meta: { data: unknown[]; controller: unknown }): LaidOutPoint[] {
  const all = meta.data as LaidOutPoint[];
  const c = meta.controller as { _drawStart?: number; _drawCount?: number };
  const start = c._drawStart ?? 0;
  return all.slice(start, start + (c._drawCount ?? all.length));
}

/**
 * Draws a dense line dataset by pixel column (see columnSpans) in device pixels, clipped to the
 * chart area, then the dot of a hovered point as Chart.js would; false (Chart.js then draws it as
 * usual) when it has no more points than the plot has columns, draws dots, is not x-monotonic
 * (a segment crossing the plot would be rasterized column by column), or has gaps it must not
 * span (points without a value are left out and their neighbours joined when `spanGaps`, as
 * Chart.js does).
 */
function drawByColumns(chart: Chart, points: readonly LaidOutPoint[], color: string, spanGaps: boolean): boolean {
  const r = chart.currentDevicePixelRatio || 1;
  const area = chart.chartArea;
  const left = Math.floor(area.left * r), right = Math.ceil(area.right * r);
  const top = Math.floor(area.top * r), bottom = Math.ceil(area.bottom * r);
  if (points.length <= right - left || (points[0]?.options?.radius ?? 0) > 0) return false;
  const xs: number[] = [], ys: number[] = [];
  let rising = false, falling = false;
  for (const p of points) {
    const missing = p.skip || !Number.isFinite(p.x) || !Number.isFinite(p.y);
    if (missing && !spanGaps) return false;
    if (missing) continue;
    const x = p.x * r, prev = xs[xs.length - 1];
    if (prev !== undefined) {
      rising ||= x > prev;
      falling ||= x < prev;
    }
    if (rising && falling) return false;
    xs.push(x);
    ys.push(p.y * r);
  }
  const { lo, hi } = columnSpans(xs, ys, left, right - left);
  const ctx = chart.ctx;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.beginPath();
  ctx.rect(left, top, right - left, bottom - top);
  ctx.clip();
  ctx.fillStyle = color;
  for (let c = 0; c < lo.length; c++) {
    if (lo[c]! > hi[c]!) continue;
    const y0 = Math.floor(lo[c]!), y1 = Math.floor(hi[c]!);
    ctx.fillRect(left + c, y0, 1, y1 - y0 + 1);
  }
  ctx.restore();
  for (const p of points) if (p.active && !p.skip) p.draw?.(ctx, area);
  return true;
}

/** The plugin: register it with Chart.register (lib/chartjs.ts); options under plugins.columnDecimation. */
export const columnDecimation: Plugin<'line', ColumnDecimationOptions> = {
  id: 'columnDecimation',
  defaults: { enabled: false, threshold: 2_000 },
  beforeUpdate(chart, _args, options) {
    beforeUpdate(chart as unknown as Chart, options);
  },
  beforeDatasetDraw(chart, { meta, index }, options) {
    const ds = chart.data.datasets[index] as { showLine?: boolean; spanGaps?: boolean | number } | undefined;
    if (!options.enabled || meta.type !== 'line' || ds?.showLine === false || !meta.dataset) return;
    const color = String(meta.dataset.options['borderColor'] ?? '#000');
    const spanGaps = (ds?.spanGaps ?? chart.options.spanGaps) === true;
    return drawByColumns(chart as unknown as Chart, drawnPoints(meta), color, spanGaps) ? false : undefined;
  },
};
