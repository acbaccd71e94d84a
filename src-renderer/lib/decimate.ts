// Min-max decimation of x-sorted line series for drawing: the x range is cut into buckets of a
// power-of-two width (so that a bucket is at most one pixel column, and at least half of one,
// wide) and each bucket keeps its lowest and highest point, real points at their own x, in their
// order. A spike therefore always survives, and the polyline through the kept points covers every
// bucket's whole min..max range. A growing live series is decimated incrementally
// (SeriesDecimator: only the new tail is bucketed; buckets merge pairwise when the range doubles),
// with the same result as decimating it from scratch; a zoomed range is decimated afresh from the
// full-resolution points, or handed over in full when it holds few enough of them.
import type { Point } from './chart-config';

/** The smallest power of two `w` with `span / w <= columns` (1 for an empty span). */
export function bucketWidth(span: number, columns: number): number {
  if (!(span > 0) || !(columns >= 1)) return 1;
  let w = 2 ** Math.ceil(Math.log2(span / columns));
  while (span / w > columns) w *= 2;
  while (span / (w / 2) <= columns) w /= 2;
  return w;
}

/** One bucket: its key (floor(x / width)) and the indices of its lowest and highest point. */
interface Bucket { key: number; min: number; max: number }

/** True when `points` are x-sorted with finite x and y from index `from` on (`from` > 0 checks against the point before it). */
export function sortedFinite(points: readonly Point[], from = 0): boolean {
  for (let i = from; i < points.length; i++) {
    const p = points[i]!;
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) return false;
    if (i > 0 && p.x < points[i - 1]!.x) return false;
  }
  return true;
}

/** Adds point `i` of `points` to `buckets` (width `w`): the last bucket grows or a new one starts. */
function addPoint(buckets: Bucket[], points: readonly Point[], i: number, w: number): void {
  const key = Math.floor(points[i]!.x / w);
  const last = buckets[buckets.length - 1];
  if (!last || last.key !== key) {
    buckets.push({ key, min: i, max: i });
    return;
  }
  const y = points[i]!.y;
  if (y < points[last.min]!.y) last.min = i;
  if (y > points[last.max]!.y) last.max = i;
}

/** Buckets twice as wide from `buckets`: neighbours with the same key / 2 merged (ties keep the earlier point). */
function mergePairs(buckets: readonly Bucket[], points: readonly Point[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of buckets) {
    const key = Math.floor(b.key / 2);
    const last = out[out.length - 1];
    if (!last || last.key !== key) {
      out.push({ key, min: b.min, max: b.max });
      continue;
    }
    if (points[b.min]!.y < points[last.min]!.y) last.min = b.min;
    if (points[b.max]!.y > points[last.max]!.y) last.max = b.max;
  }
  return out;
}

/**
 * The kept points of `buckets` over points[first..last]: the first point, each bucket's lowest
 * and highest in index order, the last point, each once.
 */
function keptPoints(buckets: readonly Bucket[], points: readonly Point[], first: number, last: number): Point[] {
  const out: Point[] = [points[first]!];
  let prev = first;
  const keep = (i: number): void => {
    if (i <= prev) return;
    out.push(points[i]!);
    prev = i;
  };
  for (const b of buckets) {
    keep(Math.min(b.min, b.max));
    keep(Math.max(b.min, b.max));
  }
  keep(last);
  return out;
}

/** The buckets of points[start..end) at width `w`. */
function bucketize(points: readonly Point[], start: number, end: number, w: number): Bucket[] {
  const buckets: Bucket[] = [];
  for (let i = start; i < end; i++) addPoint(buckets, points, i, w);
  return buckets;
}

/**
 * Min-max decimation of the x-sorted points[start..end) at bucket width `w`: the first and last
 * point of the range and every bucket's lowest and highest point, in order. An empty range gives [].
 */
export function decimate(points: readonly Point[], start: number, end: number, w: number): Point[] {
  if (end <= start) return [];
  return keptPoints(bucketize(points, start, end, w), points, start, end - 1);
}

/**
 * The points of an x-sorted series to draw for the visible x range [lo, hi] over `columns` pixel
 * columns: the points inside it plus one on either side (so the line runs to the plot's edges),
 * all of them (full resolution) when they are at most `threshold`, else their min-max decimation
 * at bucketWidth(hi - lo, columns). `decimated` says which.
 */
export function visiblePoints(points: readonly Point[], lo: number, hi: number, columns: number, threshold: number): { points: Point[]; decimated: boolean } {
  const start = Math.max(0, firstAbove(points, lo, false) - 1);
  const end = Math.min(points.length, firstAbove(points, hi, true) + 1);
  if (end - start <= threshold) return { points: points.slice(start, end), decimated: false };
  return { points: decimate(points, start, end, bucketWidth(hi - lo, columns)), decimated: true };
}

/** The first index of x-sorted `points` whose x is above `x` (`strictly`), or at or above it. */
function firstAbove(points: readonly Point[], x: number, strictly: boolean): number {
  let a = 0, b = points.length;
  while (a < b) {
    const m = (a + b) >> 1;
    const v = points[m]!.x;
    if (strictly ? v <= x : v < x) a = m + 1;
    else b = m;
  }
  return a;
}

/**
 * The min-max decimation of one growing x-sorted series over its whole x range for `columns`
 * pixel columns, kept from one redraw to the next: when the series only grew (same array, the
 * points already bucketed unchanged), only the new points are bucketed, and the buckets merge
 * pairwise when the range has grown past `columns` of them (or the plot narrowed); only a bucket
 * width smaller than the current one (a wider plot) buckets everything afresh. The result always equals
 * decimate(points, 0, n, bucketWidth(span, columns)) from scratch.
 */
export class SeriesDecimator {
  private source: readonly Point[] | null = null;
  private seen: Point | null = null;
  private count = 0;
  private width = 1;
  private buckets: Bucket[] = [];
  /** Points bucketed afresh by the last update (for tests and profiling). */
  lastWork = 0;

  /** The current bucket width. */
  get bucketWidth(): number { return this.width; }

  /**
   * The decimated points of `points` for `columns` pixel columns, or null when the series is not
   * x-sorted with finite values (it cannot be decimated: draw it whole).
   */
  update(points: readonly Point[], columns: number): Point[] | null {
    const n = points.length;
    const grown = points === this.source && n >= this.count && this.count > 0 && points[this.count - 1] === this.seen;
    const from = grown ? this.count : 0;
    if (!sortedFinite(points, from)) {
      this.source = null;
      return null;
    }
    if (!n) return [];
    const w = bucketWidth(points[n - 1]!.x - points[0]!.x, columns);
    if (!grown || w < this.width) {
      this.buckets = [];
      this.width = w;
    }
    while (this.width < w) {
      this.buckets = mergePairs(this.buckets, points);
      this.width *= 2;
    }
    const start = this.buckets.length ? from : 0;
    for (let i = start; i < n; i++) addPoint(this.buckets, points, i, this.width);
    this.lastWork = n - start;
    this.source = points;
    this.seen = points[n - 1]!;
    this.count = n;
    return keptPoints(this.buckets, points, 0, n - 1);
  }
}
