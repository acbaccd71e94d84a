// Chart data as the UI draws it: unparsed points with the lab's column decimation, CSV of every point,
// CDFs, and histogram buckets that match the engine's own histogram layout.
import { describe, expect, it } from 'vitest';
import { Histogram, bucketBounds as engineBounds } from '../../src-engine/metrics/histogram';
import { cdfFromCounts } from '../../src-renderer/lib/cdf';
import { csvField, seriesToCsv } from '../../src-renderer/lib/csv';
import { DECIMATE_ABOVE, PointCache, chartConfig, toPoints } from '../../src-renderer/lib/chart-config';
import { bucketBounds, histogramBuckets } from '../../src-renderer/lib/metrics-charts';

describe('chart configuration', () => {
  it('hands Chart.js unparsed points and turns the min-max column decimation on for line charts', () => {
    const xs = Array.from({ length: 100_000 }, (_, i) => i);
    const cfg = chartConfig({ title: 't', kind: 'line', series: [{ name: 's', x: xs, y: xs.map((x) => x % 7) }] }, { text: '#000', grid: '#ccc' });
    expect(cfg.options.parsing).toBe(false);
    expect(cfg.options.animation).toBe(false);
    expect(cfg.options.plugins.columnDecimation).toEqual({ enabled: true, threshold: DECIMATE_ABOVE });
    expect(cfg.data.datasets[0]!.data).toHaveLength(100_000);
    expect(cfg.data.datasets[0]!.pointRadius).toBe(0);
    expect(toPoints([1, 2, 3], [4, 5])).toEqual([{ x: 1, y: 4 }, { x: 2, y: 5 }]);
  });

  it('falls back to a linear axis when a log axis would get a value that is not positive', () => {
    const spec = { title: 't', log_x: true, log_y: true, series: [{ name: 's', x: [1, 10, 100], y: [0, 1, 2] }] };
    const cfg = chartConfig(spec, { text: '#000', grid: '#ccc' });
    expect(cfg.options.scales.x.type).toBe('logarithmic');
    expect(cfg.options.scales.y.type).toBe('linear');
    expect(chartConfig({ ...spec, kind: 'scatter' }, { text: '#000', grid: '#ccc' }).options.plugins.columnDecimation.enabled).toBe(false);
  });
});

describe('point cache of live charts', () => {
  it('converts only the appended points of a growing series and hands back the same array', () => {
    const cache = new PointCache();
    const xs = [1, 2], ys = [10, 20];
    const first = cache.points(0, xs, ys);
    expect(first).toEqual([{ x: 1, y: 10 }, { x: 2, y: 20 }]);
    const kept = first[0];
    xs.push(3, 4); ys.push(30);
    const grown = cache.points(0, xs, ys);
    expect(grown).toBe(first);
    expect(grown[0]).toBe(kept);
    expect(grown).toEqual([{ x: 1, y: 10 }, { x: 2, y: 20 }, { x: 3, y: 30 }]);
    ys.push(40);
    expect(cache.points(0, xs, ys)).toEqual(toPoints(xs, ys));
  });

  it('rebuilds a series given new arrays, a shorter one, or one changed in place', () => {
    const cache = new PointCache();
    const xs = [1, 2, 3], ys = [4, 5, 6];
    const first = cache.points(0, xs, ys);
    const other = cache.points(0, [1, 2, 3], [4, 5, 6]);
    expect(other).not.toBe(first);
    expect(other).toEqual(first);
    const a = [1, 2, 3], b = [7, 8, 9];
    const before = cache.points(1, a, b);
    b[2] = 99;
    const after = cache.points(1, a, b);
    expect(after).not.toBe(before);
    expect(after[2]).toEqual({ x: 3, y: 99 });
    a.pop();
    expect(cache.points(1, a, b)).toEqual([{ x: 1, y: 7 }, { x: 2, y: 8 }]);
  });

  it('lets a chart configuration reuse the points already built', () => {
    const cache = new PointCache();
    const spec = { title: 't', series: [{ name: 's', x: [1, 2], y: [3, 4] }] };
    const a = chartConfig(spec, { text: '#000', grid: '#ccc' }, cache).data.datasets[0]!.data;
    spec.series[0]!.x.push(3); spec.series[0]!.y.push(5);
    expect(chartConfig(spec, { text: '#000', grid: '#ccc' }, cache).data.datasets[0]!.data).toBe(a);
    expect(a).toHaveLength(3);
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

  it('pads a histogram with an empty bucket on each side, so one full bucket draws as a spike from zero', () => {
    const h = Histogram.create({ subBuckets: 4 });
    for (let k = 0; k < 5; k++) h.record(3000);
    const b = histogramBuckets(h.toJSON());
    expect(b.count).toEqual([0, 5, 0]);
    expect(b.lower[1]! <= 3000 && 3000 < b.upper[1]!).toBe(true);
    expect(b.upper[0]).toBe(b.lower[1]);
    expect(b.lower[2]).toBe(b.upper[1]);
    expect(histogramBuckets(Histogram.create({ subBuckets: 4 }).toJSON()).count).toEqual([]);
  });
});
