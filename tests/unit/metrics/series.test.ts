// Time series: min-max decimation keeps the extremes and the ends, a full series compacts itself
// in fixed memory, and FormulaSampler records per-CPU interval rates.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { FormulaSampler, TimeSeries, decimateMinMax, type SeriesPoints } from '../../../src-engine/metrics/series';
import { StatsRegistry } from '../../../src-engine/metrics/stats';

/** Points (i, v[i]) in time order. */
const pointsOf = (v: number[]): SeriesPoints => ({ t: v.map((_, i) => i), v });

/** Asserts d keeps only original points, in time order, with the first, last, min and max. */
function expectFaithful(d: SeriesPoints, orig: SeriesPoints): void {
  const at = new Map(orig.t.map((t, i) => [t, orig.v[i]]));
  d.t.forEach((t, i) => expect(at.get(t)).toBe(d.v[i]));
  for (let i = 1; i < d.t.length; i++) expect(d.t[i]!).toBeGreaterThan(d.t[i - 1]!);
  expect(d.t[0]).toBe(orig.t[0]);
  expect(d.t[d.t.length - 1]).toBe(orig.t[orig.t.length - 1]);
  expect(Math.min(...d.v)).toBe(Math.min(...orig.v));
  expect(Math.max(...d.v)).toBe(Math.max(...orig.v));
}

describe('decimateMinMax', () => {
  it('returns at most target original points, keeping first, last, global min and max', () => {
    const vs = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 });
    fc.assert(fc.property(vs, fc.integer({ min: 4, max: 500 }), (v, target) => {
      const orig = pointsOf(v);
      const d = decimateMinMax(orig.t, orig.v, target);
      expect(d.t.length).toBeLessThanOrEqual(target);
      if (v.length <= target) expect(d).toEqual(orig);
      expectFaithful(d, orig);
    }));
  });

  it('rejects a target below 4', () => {
    expect(() => decimateMinMax([1, 2, 3], [1, 2, 3], 3)).toThrow(RangeError);
  });
});

describe('TimeSeries', () => {
  it('100k points fit a 1024-point series with every spike and dip kept, then decimate to 300 for a chart', () => {
    const s = new TimeSeries(1024);
    const all: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const v = i === 31_337 ? 1e6 : i === 77_777 ? -1e6 : Math.sin(i / 500) * 100 + (i % 7);
      all.push(v);
      s.push(i, v);
    }
    expect(s.length).toBeLessThanOrEqual(1024);
    const orig = pointsOf(all);
    expectFaithful(s.points(), orig);
    const chart = s.points(300);
    expect(chart.t.length).toBeLessThanOrEqual(300);
    expectFaithful(chart, orig);
    expect(chart.t).toContain(31_337);
    expect(chart.t).toContain(77_777);
  });

  it('keeps local extremes of every stretch after repeated compaction', () => {
    const s = new TimeSeries(64);
    for (let i = 0; i < 10_000; i++) s.push(i, i % 1000 === 500 ? 1 : 0);
    const { t, v } = s.points();
    const peaks = t.filter((_, i) => v[i] === 1);
    expect(peaks.length).toBeGreaterThan(0);
    expect(peaks.every((x) => x % 1000 === 500)).toBe(true);
  });

  it('refuses non-finite points, time going backwards and bad capacities', () => {
    const s = new TimeSeries(8);
    s.push(5, 1);
    expect(() => s.push(4, 1)).toThrow(/backwards/);
    expect(() => s.push(6, NaN)).toThrow(RangeError);
    expect(() => new TimeSeries(7)).toThrow(RangeError);
    expect(s.toJSON()).toEqual({ t: [5], v: [1] });
    s.clear();
    expect(s.length).toBe(0);
  });
});

describe('FormulaSampler', () => {
  it('records a formula per CPU and in total over each interval, skipping undefined ones', () => {
    const reg = new StatsRegistry();
    const hits = reg.declareCounter('hits', 'lookups', 'TLB hits');
    const misses = reg.declareCounter('misses', 'lookups', 'TLB misses');
    reg.declareFormula('hit_rate', 'ratio', 'hits / lookups', (get) => get('hits') / (get('hits') + get('misses')));
    const stats = reg.create(2);
    const sampler = new FormulaSampler(stats, 'hit_rate', 16);
    stats.counters(0)[hits]! += 9;
    stats.counters(0)[misses]! += 1;
    sampler.sample(1);
    stats.counters(0)[misses]! += 1;
    stats.counters(1)[hits]! += 3;
    sampler.sample(2);
    const j = sampler.toJSON();
    expect(j.unit).toBe('ratio');
    expect(j.perCpu[0]).toEqual({ t: [1, 2], v: [0.9, 0] });
    expect(j.perCpu[1]).toEqual({ t: [2], v: [1] });
    expect(j.total).toEqual({ t: [1, 2], v: [0.9, 0.75] });
    expect(() => new FormulaSampler(stats, 'nope')).toThrow(/unknown formula/);
  });
});
