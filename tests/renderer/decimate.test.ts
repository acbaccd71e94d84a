// Decimation of long line series for the charts (src-renderer/lib/decimate.ts) and their column
// rasterization (columnSpans in lib/chart-decimation.ts): every bucket's min and max survive, a
// growing series decimated incrementally equals its decimation from scratch, a zoomed range with
// few points comes back at full resolution, and a spike still covers its pixel column.
import { describe, expect, it } from 'vitest';
import { SeriesView, columnSpans } from '../../src-renderer/lib/chart-decimation';
import type { Point } from '../../src-renderer/lib/chart-config';
import { SeriesDecimator, bucketWidth, decimate, sortedFinite, visiblePoints } from '../../src-renderer/lib/decimate';

/** A deterministic pseudo-random generator in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A noisy x-sorted series like a TLB hit rate: irregular steps in x, y in [0.9, 1) (`levels`:
 * rounded to that many values, so equal values tie), a few dips and spikes.
 */
function series(n: number, seed = 1, levels = 0): Point[] {
  const r = rng(seed);
  const out: Point[] = [];
  let x = 1_000;
  for (let i = 0; i < n; i++) {
    x += 500 + Math.floor(r() * 1000);
    const noise = levels ? Math.floor(r() * levels) / levels : r();
    const y = i % 7919 === 0 ? 0.1 : i % 6007 === 0 ? 1.5 : 0.9 + 0.1 * noise;
    out.push({ x, y });
  }
  return out;
}

/** Each bucket of `points` at width `w`: the points whose x / w floors to the same key. */
function buckets(points: readonly Point[], w: number): Point[][] {
  const by = new Map<number, Point[]>();
  for (const p of points) {
    const k = Math.floor(p.x / w);
    if (!by.has(k)) by.set(k, []);
    by.get(k)!.push(p);
  }
  return [...by.values()];
}

describe('bucket width', () => {
  it('is the smallest power of two that fits the span into the columns', () => {
    expect(bucketWidth(1000, 100)).toBe(16);
    expect(bucketWidth(1024, 64)).toBe(16);
    expect(bucketWidth(0.001, 100)).toBe(2 ** -16);
    expect(bucketWidth(0, 100)).toBe(1);
    for (const [span, cols] of [[123_456_789, 640], [7, 3], [1e9, 1280]] as const) {
      const w = bucketWidth(span, cols);
      expect(span / w).toBeLessThanOrEqual(cols);
      expect(span / (w / 2)).toBeGreaterThan(cols);
      expect(Math.log2(w) % 1).toBe(0);
    }
  });
});

describe('min-max decimation', () => {
  it('keeps the ends and every bucket\'s lowest and highest point, real points in order', () => {
    const pts = series(100_000);
    const w = bucketWidth(pts[pts.length - 1]!.x - pts[0]!.x, 640);
    const d = decimate(pts, 0, pts.length, w);
    const bs = buckets(pts, w);
    expect(bs.length).toBeLessThanOrEqual(641);
    expect(d.length).toBeLessThanOrEqual(2 * bs.length + 2);
    expect(d[0]).toBe(pts[0]);
    expect(d[d.length - 1]).toBe(pts[pts.length - 1]);
    const index = new Map(pts.map((p, i) => [p, i]));
    const at = d.map((p) => index.get(p));
    expect(at.every((i) => i !== undefined)).toBe(true);
    expect(at.every((i, k) => k === 0 || i! > at[k - 1]!)).toBe(true);
    const kept = new Set(d);
    for (const b of bs) {
      const ys = b.map((p) => p.y);
      expect(kept.has(b.find((p) => p.y === Math.min(...ys))!)).toBe(true);
      expect(kept.has(b.find((p) => p.y === Math.max(...ys))!)).toBe(true);
    }
    expect(Math.min(...d.map((p) => p.y))).toBe(0.1);
    expect(Math.max(...d.map((p) => p.y))).toBe(1.5);
    expect(decimate(pts, 5, 5, w)).toEqual([]);
  });

  it('decimates a growing series incrementally with the same result as from scratch', () => {
    const all = series(60_000, 7, 4); // ties everywhere: the earlier of equal points must win either way
    const r = rng(3);
    const pts: Point[] = [];
    const dec = new SeriesDecimator();
    const widths = new Set<number>();
    for (let cols = 640; pts.length < all.length;) {
      const add = 1 + Math.floor(r() * 700);
      const before = pts.length;
      pts.push(...all.slice(before, before + add));
      if (pts.length > 40_000 && pts.length < 45_000) cols = 600; // the plot narrows: buckets merge
      if (pts.length >= 45_000) cols = 700; // and widens: everything is bucketed afresh
      const w = bucketWidth(pts[pts.length - 1]!.x - pts[0]!.x, cols);
      const got = dec.update(pts, cols)!;
      expect(dec.bucketWidth).toBe(w);
      expect(got).toEqual(decimate(pts, 0, pts.length, w));
      if (pts.length < 40_000 && before > 0) expect(dec.lastWork).toBe(pts.length - before);
      widths.add(w);
    }
    expect(widths.size).toBeGreaterThan(3); // the range doubled several times while it grew
    // A new array (another run) or a changed point already bucketed: decimated from scratch.
    const copy = all.slice(0, 1000);
    expect(dec.update(copy, 640)).toEqual(decimate(copy, 0, 1000, bucketWidth(copy[999]!.x - copy[0]!.x, 640)));
    expect(dec.lastWork).toBe(1000);
  });

  it('refuses a series that is not x-sorted or not finite (it is drawn whole)', () => {
    const dec = new SeriesDecimator();
    expect(dec.update([{ x: 1, y: 1 }, { x: 0, y: 2 }], 100)).toBeNull();
    expect(dec.update([{ x: 1, y: 1 }, { x: 2, y: Number.NaN }], 100)).toBeNull();
    const pts = [{ x: 1, y: 1 }, { x: 2, y: 2 }];
    expect(dec.update(pts, 100)).toEqual(pts);
    pts.push({ x: 1.5, y: 3 });
    expect(dec.update(pts, 100)).toBeNull();
    expect(sortedFinite([{ x: 1, y: 0 }, { x: 1, y: 5 }])).toBe(true);
    expect(dec.update([], 100)).toEqual([]);
  });

  it('gives a zoomed range at full resolution, one point beyond each edge included', () => {
    const pts = series(100_000, 11);
    const lo = pts[50_000]!.x + 1, hi = pts[50_999]!.x + 1;
    const full = visiblePoints(pts, lo, hi, 640, 2_000);
    expect(full.decimated).toBe(false);
    expect(full.points).toEqual(pts.slice(50_000, 51_001));
    expect(full.points[0]).toBe(pts[50_000]);
    const edge = visiblePoints(pts, pts[10]!.x, pts[20]!.x, 640, 2_000);
    expect(edge.points).toEqual(pts.slice(9, 22));
    const wide = visiblePoints(pts, pts[20_000]!.x, pts[60_000]!.x, 640, 2_000);
    expect(wide.decimated).toBe(true);
    expect(wide.points.length).toBeLessThan(2 * 641 + 2);
    const inRange = pts.slice(19_999, 60_002);
    expect(Math.min(...wide.points.map((p) => p.y))).toBe(Math.min(...inRange.map((p) => p.y)));
    expect(Math.max(...wide.points.map((p) => p.y))).toBe(Math.max(...inRange.map((p) => p.y)));
  });
});

describe('what a chart dataset hands Chart.js', () => {
  it('keeps the full points aside across updates, zoomed or not, and takes new ones when they come', () => {
    const all = series(30_000, 13);
    const pts = all.slice(0, 10_000);
    const sv = new SeriesView();
    const view = { decimate: true, columns: 640, threshold: 2_000 };
    const w = (p: Point[]): number => bucketWidth(p[p.length - 1]!.x - p[0]!.x, 640);
    const shown = sv.show(pts, view);
    expect(shown).toEqual(decimate(pts, 0, pts.length, w(pts)));
    // A zoom: Chart.js still holds what it was handed; the range comes from the full points.
    const lo = pts[5_000]!.x, hi = pts[5_500]!.x;
    const zoomed = sv.show(shown, { ...view, lo, hi, columns: 630 });
    expect(zoomed).toEqual(pts.slice(4_999, 5_502));
    const wider = sv.show(zoomed, { ...view, lo, hi: pts[9_000]!.x });
    expect(wider).toEqual(decimate(pts, 4_999, 9_002, bucketWidth(pts[9_000]!.x - lo, 640)));
    // The series grows while zoomed: the new points are in the full series when zoomed out.
    pts.push(...all.slice(10_000));
    expect(sv.show(pts, { ...view, lo, hi })).toEqual(pts.slice(4_999, 5_502));
    expect(sv.show(pts, view)).toEqual(decimate(pts, 0, pts.length, w(pts)));
    // Short series, decimation off (a log axis, a scatter chart) or unsorted x: every point.
    expect(sv.show(pts, { ...view, decimate: false })).toBe(pts);
    const short = pts.slice(0, 2_000);
    expect(sv.show(short, view)).toBe(short);
    const unsorted = [...pts].reverse();
    expect(sv.show(unsorted, view)).toBe(unsorted);
  });
});

describe('column rasterization', () => {
  it('covers the y range of each segment in each pixel column it crosses', () => {
    // A vertical spike inside column 2, a segment across columns 3..5, a point beyond the plot.
    const { lo, hi } = columnSpans([10.2, 12.5, 12.6, 15.5, 30], [50, 50, 10, 40, 40], 10, 8);
    expect([lo[0], hi[0]]).toEqual([50, 50]);
    expect([lo[2], hi[2]]).toEqual([10, 50]);
    // 12.6 → 15.5 from y 10 to 40: column 3 is x 13..14.
    expect(lo[3]).toBeCloseTo(10 + (13 - 12.6) * (30 / 2.9));
    expect(hi[3]).toBeCloseTo(10 + (14 - 12.6) * (30 / 2.9));
    expect(hi[5]).toBe(40);
    expect([lo[7], hi[7]]).toEqual([40, 40]);
    const lone = columnSpans([3.5], [7], 0, 5);
    expect([lone.lo[3], lone.hi[3], lone.lo[2]! > lone.hi[2]!]).toEqual([7, 7, true]);
  });

  it('keeps a one-sample spike of 100k points in its column after decimation', () => {
    const pts = series(100_000, 5).map((p) => ({ ...p, y: 0.95 }));
    pts[77_777] = { x: pts[77_777]!.x, y: 0.2 };
    const cols = 640;
    const x0 = pts[0]!.x, x1 = pts[pts.length - 1]!.x;
    const dec = new SeriesDecimator().update(pts, cols)!;
    // Lay out as a chart would: x over [0, cols) pixels, y 0..1 over 200 pixels, top down.
    const px = (x: number): number => ((x - x0) / (x1 - x0)) * (cols - 1);
    const py = (y: number): number => 200 * (1 - y);
    const { lo, hi } = columnSpans(dec.map((p) => px(p.x)), dec.map((p) => py(p.y)), 0, cols);
    const col = Math.floor(px(pts[77_777]!.x));
    expect(hi[col]).toBeCloseTo(py(0.2));
    for (let c = 0; c < cols; c++) expect(lo[c]).toBeCloseTo(py(0.95));
  });
});
