// The layout of a chart, computed once and drawn twice: as SVG (export-html.ts) and as pixels
// for the image/png a notebook stores (chart-png.ts). It turns a ChartSpec into a Scene: plain
// shapes in pixel coordinates (axes, nice ticks with labels, grid, title, axis labels, legend,
// series as polylines marked at each point when few, dots or grouped bars). Text is laid out
// for a 6 px wide, 13 px tall monospace cell (the bitmap font of the PNG; the SVG asks for a
// monospace font of that size).
// Pure arithmetic, no I/O and no host API, so the same spec always gives the same scene.
import type { ChartSpec } from '../../src-engine/lab/chart';

/** Width of one character cell and the text height, in pixels. */
export const CHAR_W = 6;
export const TEXT_H = 13;

export type Anchor = 'start' | 'middle' | 'end';
export type Shape =
  | { t: 'rect'; x: number; y: number; w: number; h: number; fill: string; stroke?: string }
  | { t: 'line'; x1: number; y1: number; x2: number; y2: number; color: string; width: number }
  | { t: 'path'; points: number[]; color: string; width: number }
  | { t: 'dot'; x: number; y: number; r: number; color: string }
  | { t: 'text'; x: number; y: number; text: string; anchor: Anchor; color: string; bold?: boolean; vertical?: boolean };

/** What to draw: shapes in painting order on a white width x height canvas. */
export interface Scene { width: number; height: number; title: string; shapes: Shape[] }

export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const INK = '#333333', GRID = '#e5e5e5';
/** Line series of at most this many points also mark each point. */
const MARKED_POINTS = 24;

/** One axis: its range in data units, whether it is logarithmic, and the ticks to label. */
interface Axis { lo: number; hi: number; log: boolean; ticks: number[] }

/** v with float noise removed (0.30000000000000004 -> 0.3). */
const clean = (v: number): number => Number(v.toPrecision(12));

/**
 * A tick label: plain digits for ordinary magnitudes, k/M/G/T suffixes from 10^4 up, an exponent
 * below 10^-3.
 */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 1e-3) return v.toExponential(1).replace(/\.0e/, 'e');
  if (a < 1e4) return String(Number(v.toPrecision(6)));
  const [div, suffix] = a >= 1e12 ? [1e12, 'T'] : a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
  return `${Number((v / div).toPrecision(3))}${suffix}`;
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` intervals over span. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/**
 * A linear axis covering [min, max]: with `round`, widened to whole steps; otherwise exactly
 * [min, max] with only the ticks inside it; `integer` keeps ticks on whole numbers. A single
 * value gets a range around it.
 */
function linearAxis(min: number, max: number, round: boolean, integer = false): Axis {
  if (min === max) { const d = min === 0 ? 1 : Math.abs(min) / 10; min -= d; max += d; }
  const step = integer ? Math.max(1, niceStep(max - min, 5)) : niceStep(max - min, 5);
  const lo = round ? Math.floor(min / step + 1e-9) * step : min;
  const hi = round ? Math.ceil(max / step - 1e-9) * step : max;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(clean(k * step));
  return { lo: clean(lo), hi: clean(hi), log: false, ticks };
}

/**
 * A log axis (values > 0). Over more than two decades: widened to whole decades and ticked at
 * powers of ten. Over two or less: the values with a little room, ticked at 1-2-5 steps (or at
 * the extreme values when no such step falls inside).
 */
function logAxis(min: number, max: number): Axis {
  let d0 = Math.floor(Math.log10(min) + 1e-9), d1 = Math.ceil(Math.log10(max) - 1e-9);
  if (d1 - d0 <= 2) {
    const lo = min === max ? min / 2 : min / 1.15, hi = min === max ? max * 2 : max * 1.15;
    let ticks: number[] = [];
    for (let d = d0 - 1; d <= d1; d++) for (const m of [1, 2, 5]) { const v = clean(m * 10 ** d); if (v >= lo && v <= hi) ticks.push(v); }
    if (ticks.length < 2) ticks = [...new Set([clean(min), clean(max)])];
    return { lo, hi, log: true, ticks };
  }
  const ticks: number[] = [];
  const every = Math.ceil((d1 - d0) / 8);
  d0 = Math.floor(d0 / every) * every;
  for (let d = d0; d <= d1; d += every) ticks.push(clean(10 ** d));
  d1 = Math.max(d1, d0 + every * (ticks.length - 1));
  return { lo: clean(10 ** d0), hi: clean(10 ** d1), log: true, ticks };
}

/** Position of v along an axis as a fraction 0..1 of its length. */
function frac(a: Axis, v: number): number {
  return a.log ? (Math.log10(v) - Math.log10(a.lo)) / (Math.log10(a.hi) - Math.log10(a.lo)) : (v - a.lo) / (a.hi - a.lo);
}

/** The series with the points a log axis cannot show (x or y <= 0) left out. */
function plottable(c: ChartSpec): { name: string; x: number[]; y: number[] }[] {
  return c.series.map((s) => {
    const keep = s.x.map((x, i) => (!c.log_x || x > 0) && (!c.log_y || s.y[i]! > 0));
    return { name: s.name, x: s.x.filter((_, i) => keep[i]), y: s.y.filter((_, i) => keep[i]) };
  });
}

/** min and max of values (the fallback when there are none). */
function extent(values: number[], fallback: [number, number]): [number, number] {
  if (!values.length) return fallback;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

/** The smallest gap between distinct sorted values (in axis fractions), for bar widths. */
function smallestGap(xs: number[], toFrac: (v: number) => number): number {
  const f = [...new Set(xs)].map(toFrac).sort((a, b) => a - b);
  let gap = 1;
  for (let i = 1; i < f.length; i++) gap = Math.min(gap, f[i]! - f[i - 1]!);
  return f.length > 1 ? gap : 0.5;
}

/** The x axis: bars get half a gap of room at each end; lines and dots round to whole steps. */
function xAxis(c: ChartSpec, xs: number[]): Axis {
  const [min, max] = extent(xs, c.log_x ? [1, 10] : [0, 1]);
  if (c.log_x) return logAxis(min, max);
  if (c.kind !== 'bar') return linearAxis(min, max, true);
  const base = linearAxis(min, max, false);
  const gap = smallestGap(xs, (v) => frac(base, v)) * (base.hi - base.lo);
  return linearAxis(min - gap * 0.6, max + gap * 0.6, false, xs.every(Number.isInteger)); // bars at whole x: categories or counts
}

/** The y axis: bars start from zero (or the bottom of a log axis). */
function yAxis(c: ChartSpec, ys: number[]): Axis {
  const [min, max] = extent(ys, c.log_y ? [1, 10] : [0, 1]);
  if (c.log_y) return logAxis(min, max);
  return c.kind === 'bar' ? linearAxis(Math.min(0, min), Math.max(0, max), true) : linearAxis(min, max, true);
}

/** text cut to at most `chars` characters (with '...' when cut). */
const fit = (text: string, chars: number): string => (text.length <= chars ? text : `${text.slice(0, Math.max(0, chars - 3))}...`);

/** The k for labelling every k-th tick: the smallest that keeps labels 8 px apart along `len` px. */
function thinLabels(a: Axis, len: number, widthOf: (label: string) => number): number {
  const widest = Math.max(...a.ticks.map((v) => widthOf(tickLabel(v))));
  let spacing = len;
  for (let i = 1; i < a.ticks.length; i++) spacing = Math.min(spacing, (frac(a, a.ticks[i]!) - frac(a, a.ticks[i - 1]!)) * len);
  let k = 1;
  while (k < a.ticks.length && spacing * k < widest + 8) k++;
  return k;
}

/** Pixel rectangle of the plot area. */
interface Box { l: number; t: number; r: number; b: number }

/** The legend's box in the corner of the plot area that hides the fewest points. */
function legendBox(box: Box, w: number, h: number, points: [number, number][]): { x: number; y: number } {
  const corners = [{ x: box.r - w - 6, y: box.t + 6 }, { x: box.l + 6, y: box.t + 6 }, { x: box.r - w - 6, y: box.b - h - 6 }, { x: box.l + 6, y: box.b - h - 6 }];
  let best = corners[0]!, least = Infinity;
  for (const c of corners) {
    let n = 0;
    for (const [px, py] of points) if (px >= c.x - 4 && px <= c.x + w + 4 && py >= c.y - 4 && py <= c.y + h + 4) n++;
    if (n < least) { least = n; best = c; }
  }
  return best;
}

/**
 * A point list with consecutive points that land on the same half pixel dropped; a long run of
 * points with x never decreasing keeps, per pixel column, only its first, lowest, highest and
 * last points (the line drawn looks the same).
 */
function decimate(points: [number, number][]): [number, number][] {
  let sorted = points.length > 2000;
  for (let i = 1; sorted && i < points.length; i++) if (points[i]![0] < points[i - 1]![0]) sorted = false;
  const kept = sorted ? columnExtremes(points) : points;
  const out: [number, number][] = [];
  let lx = NaN, ly = NaN;
  for (const [x, y] of kept) {
    const kx = Math.round(x * 2), ky = Math.round(y * 2);
    if (kx === lx && ky === ly) continue;
    lx = kx; ly = ky;
    out.push([x, y]);
  }
  return out;
}

/** Per pixel column of points sorted by x: the first, lowest, highest and last point, in order. */
function columnExtremes(points: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; ) {
    const col = Math.floor(points[i]![0]);
    let j = i, lo = i, hi = i;
    for (; j < points.length && Math.floor(points[j]![0]) === col; j++) {
      if (points[j]![1] < points[lo]![1]) lo = j;
      if (points[j]![1] > points[hi]![1]) hi = j;
    }
    for (const k of [...new Set([i, lo, hi, j - 1])].sort((a, b) => a - b)) out.push(points[k]!);
    i = j;
  }
  return out;
}

/** The series shapes: polylines, dots or grouped bars, in series colours. */
function seriesShapes(c: ChartSpec, series: ReturnType<typeof plottable>, xa: Axis, ya: Axis, box: Box): { shapes: Shape[]; points: [number, number][] } {
  const px = (v: number): number => box.l + frac(xa, v) * (box.r - box.l);
  const py = (v: number): number => box.b - frac(ya, v) * (box.b - box.t);
  const shapes: Shape[] = [], all: [number, number][] = [];
  const gap = c.kind === 'bar' ? smallestGap(series.flatMap((s) => s.x), (v) => frac(xa, v)) * (box.r - box.l) : 0;
  const group = Math.min(gap * 0.8, 40 * series.length), barW = Math.max(1, group / series.length);
  const base = ya.log ? box.b : py(Math.min(Math.max(0, ya.lo), ya.hi));
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = decimate(s.x.map((x, k) => [px(x), py(s.y[k]!)] as [number, number]));
    all.push(...pts);
    if (c.kind === 'scatter' || (c.kind !== 'bar' && pts.length === 1)) for (const [x, y] of pts) shapes.push({ t: 'dot', x, y, r: 3, color });
    else if (c.kind === 'bar') {
      for (const [x, y] of pts) shapes.push({ t: 'rect', x: x - group / 2 + i * barW, y: Math.min(y, base), w: barW, h: Math.abs(base - y), fill: color });
    } else {
      shapes.push({ t: 'path', points: pts.flat(), color, width: 2 });
      if (pts.length <= MARKED_POINTS) for (const [x, y] of pts) shapes.push({ t: 'dot', x, y, r: 3, color });
    }
  });
  return { shapes, points: all };
}

/**
 * The scene of chart c on a width x height canvas: title, plot area with grid and axes, tick
 * labels thinned so they never overlap, axis labels, the series, and a legend in the emptiest corner.
 */
export function layoutChart(c: ChartSpec, width = 640, height = 400): Scene {
  const series = plottable(c);
  const xa = xAxis(c, series.flatMap((s) => s.x)), ya = yAxis(c, series.flatMap((s) => s.y));
  const textW = (s: string): number => s.length * CHAR_W;
  const yLabelW = Math.max(...ya.ticks.map((v) => textW(tickLabel(v))));
  const box: Box = { l: 10 + yLabelW + (c.y_label ? TEXT_H + 6 : 0), t: 30, r: width - 16, b: height - (24 + (c.x_label ? TEXT_H + 6 : 0)) };
  const shapes: Shape[] = [{ t: 'rect', x: 0, y: 0, w: width, h: height, fill: '#ffffff' }];
  const X = (v: number): number => Math.round(box.l + frac(xa, v) * (box.r - box.l)) + 0.5;
  const Y = (v: number): number => Math.round(box.b - frac(ya, v) * (box.b - box.t)) + 0.5;
  for (const v of xa.ticks) shapes.push({ t: 'line', x1: X(v), y1: box.t, x2: X(v), y2: box.b, color: GRID, width: 1 });
  for (const v of ya.ticks) shapes.push({ t: 'line', x1: box.l, y1: Y(v), x2: box.r, y2: Y(v), color: GRID, width: 1 });
  const drawn = seriesShapes(c, series, xa, ya, box);
  shapes.push(...drawn.shapes);
  const left = Math.round(box.l) + 0.5, bottom = Math.round(box.b) + 0.5;
  shapes.push({ t: 'line', x1: left, y1: box.t, x2: left, y2: bottom, color: INK, width: 1 }, { t: 'line', x1: left, y1: bottom, x2: box.r, y2: bottom, color: INK, width: 1 });
  const kx = thinLabels(xa, box.r - box.l, textW);
  xa.ticks.forEach((v, i) => {
    shapes.push({ t: 'line', x1: X(v), y1: bottom, x2: X(v), y2: bottom + 4, color: INK, width: 1 });
    if (i % kx === 0) shapes.push({ t: 'text', x: X(v), y: box.b + 17, text: tickLabel(v), anchor: 'middle', color: INK });
  });
  const ky = thinLabels(ya, box.b - box.t, () => TEXT_H);
  ya.ticks.forEach((v, i) => {
    shapes.push({ t: 'line', x1: left - 4, y1: Y(v), x2: left, y2: Y(v), color: INK, width: 1 });
    if (i % ky === 0) shapes.push({ t: 'text', x: box.l - 7, y: Y(v) + 4, text: tickLabel(v), anchor: 'end', color: INK });
  });
  const chars = Math.floor((width - 8) / CHAR_W);
  shapes.push({ t: 'text', x: width / 2, y: 18, text: fit(c.title, chars), anchor: 'middle', color: '#000000', bold: true });
  if (c.x_label) shapes.push({ t: 'text', x: (box.l + box.r) / 2, y: height - 8, text: fit(c.x_label, chars), anchor: 'middle', color: INK });
  if (c.y_label) shapes.push({ t: 'text', x: 16, y: (box.t + box.b) / 2, text: fit(c.y_label, Math.floor((box.b - box.t) / CHAR_W)), anchor: 'middle', color: INK, vertical: true });
  shapes.push(...legend(c, box, drawn.points));
  return { width, height, title: c.title, shapes };
}

/** The legend: a framed box listing up to 10 series with their colour. */
function legend(c: ChartSpec, box: Box, points: [number, number][]): Shape[] {
  const names = c.series.map((s) => fit(s.name, 30));
  const shown = names.length > 10 ? [...names.slice(0, 9), `+${names.length - 9} more`] : names;
  const w = 28 + Math.max(...shown.map((n) => n.length)) * CHAR_W, h = 6 + shown.length * 15;
  const at = legendBox(box, w, h, points);
  const x = Math.round(at.x) + 0.5, y = Math.round(at.y) + 0.5;
  const out: Shape[] = [{ t: 'rect', x, y, w, h, fill: '#ffffff', stroke: '#cccccc' }];
  shown.forEach((name, i) => {
    const color = COLORS[i % COLORS.length]!, cy = y + 10 + i * 15;
    const more = names.length > 10 && i === 9;
    if (!more && c.kind === 'line') out.push({ t: 'line', x1: x + 5, y1: cy, x2: x + 21, y2: cy, color, width: 2 });
    else if (!more) out.push({ t: 'rect', x: x + 8, y: cy - 4, w: 9, h: 9, fill: color });
    out.push({ t: 'text', x: x + 25, y: cy + 4, text: name, anchor: 'start', color: INK });
  });
  return out;
}
