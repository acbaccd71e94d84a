// Chart data as the UI draws it: decimation keeps extremes, CSV exports every point, CDFs and
// histogram buckets match the engine's own histogram layout.
import { describe, expect, it } from 'vitest';
import { Histogram, bucketBounds as engineBounds } from '../../src-engine/metrics/histogram';
import { cdfFromCounts, quantileFromCdf } from '../../src-renderer/lib/cdf';
import { csvField, seriesToCsv } from '../../src-renderer/lib/csv';
import { minMaxDecimate } from '../../src-renderer/lib/decimate';
import { bucketBounds, histogramBuckets } from '../../src-renderer/lib/metrics-charts';

describe('minMaxDecimate', () => {
  it('returns every point when there are few', () => {
    expect(minMaxDecimate([1, 2, 3], [5, 6, 7], 10)).toEqual([{ x: 1, y: 5 }, { x: 2, y: 6 }, { x: 3, y: 7 }]);
  });

  it('keeps every spike of 100k points in at most 2 points per bucket plus the last', () => {
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((i) => Math.sin(i / 500));
    ys[12_345] = 50;
    ys[77_777] = -50;
    const out = minMaxDecimate(xs, ys, 1000);
    expect(out.length).toBeLessThanOrEqual(2001);
    expect(out).toContainEqual({ x: 12_345, y: 50 });
    expect(out).toContainEqual({ x: 77_777, y: -50 });
    expect(out[0]).toEqual({ x: 0, y: 0 });
    expect(out[out.length - 1]!.x).toBe(n - 1);
    for (let i = 1; i < out.length; i++) expect(out[i]!.x).toBeGreaterThan(out[i - 1]!.x);
  });
});

describe('CSV export', () => {
  it('quotes fields that need it and writes one row per point', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(3.5)).toBe('3.5');
    const csv = seriesToCsv([{ name: 'cpu 0', x: [1, 2], y: [0.5, 0.75] }, { name: 'a,b', x: [3], y: [1] }], 'cycles', 'hit rate');
    expect(csv).toBe('series,cycles,hit rate\r\ncpu 0,1,0.5\r\ncpu 0,2,0.75\r\n"a,b",3,1\r\n');
  });
});

describe('latency distributions', () => {
  it('turns counts into a CDF that ends at 1', () => {
    expect(cdfFromCounts([1, 1, 2])).toEqual([0.25, 0.5, 1]);
    expect(cdfFromCounts([0, 0])).toEqual([0, 0]);
    expect(quantileFromCdf([10, 20, 40], [0.25, 0.5, 1], 0.5)).toBe(20);
    expect(quantileFromCdf([10], [0], 0.5)).toBeNull();
  });

  it('places buckets exactly where the engine histogram does, for every sub-bucket count', () => {
    for (const subBits of [0, 1, 3, 5, 8]) {
      for (let i = 0; i < 64 * (1 << subBits); i += 1 + (i >> 4)) expect(bucketBounds(i, subBits)).toEqual(engineBounds(i, subBits));
    }
  });

  it('reads an engine histogram back with the right counts in the right ranges', () => {
    const h = Histogram.create({ subBuckets: 8 });
    const values = [0.5, 3, 3, 900, 1000, 1000, 250_000];
    for (const v of values) h.record(v);
    const b = histogramBuckets(h.toJSON());
    expect(b.count.reduce((a, c) => a + c, 0)).toBe(values.length);
    for (const v of values) {
      const i = b.lower.findIndex((lo, k) => lo <= v && v < b.upper[k]!);
      expect(i).toBeGreaterThanOrEqual(0);
    }
    expect(b.lower).toEqual([...b.lower].sort((x, y) => x - y));
    for (let k = 1; k < b.lower.length; k++) expect(b.lower[k]).toBe(b.upper[k - 1]);
    expect(b.count.filter((c) => c > 0).length).toBe(h.toJSON().buckets.length);
  });
});
