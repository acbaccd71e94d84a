// The log2 + linear-sub-bucket latency histogram: bucket geometry, percentile accuracy against a
// sorted-array reference, merge, shared-memory attach, JSON and the bpftrace-style rendering.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Histogram, bucketBounds, bucketIndex, humanize, percentileRank } from '../../../src-engine/metrics/histogram';

/** Latency-like values: small integers, cycle counts, and wide-ranging doubles. */
const value = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.double({ min: 0, max: 1e15, noNaN: true, noDefaultInfinity: true }),
);
const values = fc.array(value, { minLength: 1, maxLength: 400 });
const subBuckets = fc.constantFrom(1, 2, 4, 8, 16, 64, 256);

/** The exact nearest-rank percentile of vs. */
function exactPercentile(vs: number[], p: number): number {
  const sorted = [...vs].sort((a, b) => a - b);
  return sorted[percentileRank(p, sorted.length) - 1]!;
}

function recordAll(vs: number[], h = Histogram.create()): Histogram {
  for (const v of vs) h.record(v);
  return h;
}

describe('bucket geometry', () => {
  it('every value lies in [lower, upper) of its bucket, and a bucket is at most 1/S of its values wide', () => {
    fc.assert(fc.property(value, subBuckets, (v, s) => {
      const bits = Math.log2(s);
      const [lo, hi] = bucketBounds(bucketIndex(v, bits), bits);
      expect(v).toBeGreaterThanOrEqual(lo);
      expect(v).toBeLessThan(hi);
      if (lo >= 1) expect(hi - lo).toBeLessThanOrEqual(lo / s);
    }));
  });

  it('bucket lower bounds map back to their own bucket, and buckets tile the line without gaps', () => {
    for (const bits of [0, 3, 8]) {
      let prevUpper = 0;
      for (let i = 0; i < 1 + 64 * (1 << bits); i++) {
        const [lo, hi] = bucketBounds(i, bits);
        expect(lo).toBe(prevUpper);
        expect(bucketIndex(lo, bits)).toBe(i);
        prevUpper = hi;
      }
      expect(prevUpper).toBe(2 ** 64);
    }
  });

  it('with one sub-bucket the buckets are bpftrace hist(): [0,1) [1,2) [2,4) [4,8) ...', () => {
    expect([0, 1, 2, 3, 4, 7, 8, 1023, 1024].map((v) => bucketIndex(v, 0))).toEqual([0, 1, 2, 2, 3, 3, 4, 10, 11]);
  });

  it('values of 2^64 and beyond are counted in the top bucket', () => {
    const h = Histogram.create();
    h.record(2 ** 70);
    expect(h.buckets()).toEqual([{ lower: 2 ** 64 - 2 ** 60, upper: 2 ** 64, count: 1 }]);
    expect(h.max).toBe(2 ** 70);
  });
});

describe('percentiles', () => {
  it('land in the exact value\'s bucket, within exact/(2S) (0.5 below 1), on random data', () => {
    fc.assert(fc.property(values, fc.double({ min: 0, max: 100, noNaN: true }), subBuckets, (vs, p, s) => {
      const h = recordAll(vs, Histogram.create({ subBuckets: s }));
      const exact = exactPercentile(vs, p);
      const got = h.percentile(p);
      const bits = Math.log2(s);
      expect(bucketIndex(got, bits)).toBe(bucketIndex(exact, bits));
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact >= 1 ? exact / (2 * s) : 0.5);
    }), { numRuns: 300 });
  });

  it('p50, p90, p99 and p999 of 20k log-normal latencies are within 6.25% with 8 sub-buckets', () => {
    const rng = fc.sample(fc.double({ min: 1e-9, max: 1, noNaN: true }), { numRuns: 40_000, seed: 42 });
    const vs: number[] = [];
    for (let i = 0; i < rng.length; i += 2) {
      const z = Math.sqrt(-2 * Math.log(rng[i]!)) * Math.cos(2 * Math.PI * rng[i + 1]!);
      vs.push(Math.round(Math.exp(8.5 + 0.6 * z)));
    }
    const h = recordAll(vs);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = exactPercentile(vs, p);
      expect(Math.abs(h.percentile(p) - exact) / exact).toBeLessThanOrEqual(1 / 16);
    }
  });

  it('count, sum, mean, min and max are exact; p0 is min and p100 is max', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1 }), (vs) => {
      const h = recordAll(vs);
      const sum = vs.reduce((a, b) => a + b, 0);
      expect(h.count).toBe(vs.length);
      expect(h.sum).toBe(sum);
      expect(h.mean).toBe(sum / vs.length);
      expect(h.min).toBe(Math.min(...vs));
      expect(h.max).toBe(Math.max(...vs));
      expect(h.percentile(0)).toBe(h.min);
      expect(h.percentile(100)).toBe(h.max);
    }));
  });

  it('an empty histogram reports NaN, no buckets and an empty rendering', () => {
    const h = Histogram.create();
    expect([h.count, h.sum]).toEqual([0, 0]);
    expect([h.mean, h.min, h.max, h.percentile(50)]).toEqual([NaN, NaN, NaN, NaN]);
    expect(h.buckets()).toEqual([]);
    expect(h.render()).toBe('');
  });
});

describe('recording and merging', () => {
  it('merging per-thread histograms equals recording everything into one', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 1e8 }))), (parts) => {
      const merged = Histogram.create();
      for (const part of parts) merged.merge(recordAll(part));
      expect(merged.toJSON()).toEqual(recordAll(parts.flat()).toJSON());
    }));
  });

  it('merging doubles gives the same buckets, count, min and max (sum up to rounding)', () => {
    fc.assert(fc.property(values, values, (a, b) => {
      const merged = recordAll(a).merge(recordAll(b));
      const one = recordAll([...a, ...b]);
      expect({ ...merged.toJSON(), sum: 0 }).toEqual({ ...one.toJSON(), sum: 0 });
      expect(merged.sum).toBeCloseTo(one.sum, -Math.ceil(Math.log10(one.sum + 1)) + 6);
    }));
  });

  it('recordN(v, n) equals n calls of record(v)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1e7 }), fc.integer({ min: 0, max: 50 }))), (pairs) => {
      const a = Histogram.create();
      const b = Histogram.create();
      for (const [v, n] of pairs) {
        a.recordN(v, n);
        for (let i = 0; i < n; i++) b.record(v);
      }
      expect(a.toJSON()).toEqual(b.toJSON());
    }));
  });

  it('clone() is a private copy and reset() empties', () => {
    const h = recordAll([1, 2, 3]);
    const c = h.clone();
    h.record(100);
    expect(c.count).toBe(3);
    expect(c.buffer).not.toBe(h.buffer);
    h.reset();
    expect(h.toJSON()).toEqual(Histogram.create().toJSON());
  });

  it('rejects negative, NaN and infinite values, bad counts, percentiles and mixed sub-buckets', () => {
    const h = Histogram.create();
    for (const bad of [-1, NaN, Infinity, -Infinity]) expect(() => h.record(bad)).toThrow(RangeError);
    expect(() => h.recordN(5, 1.5)).toThrow(RangeError);
    expect(() => h.recordN(5, -1)).toThrow(RangeError);
    expect(() => h.percentile(101)).toThrow(RangeError);
    expect(() => h.percentile(NaN)).toThrow(RangeError);
    expect(() => h.merge(Histogram.create({ subBuckets: 4 }))).toThrow(RangeError);
    expect(() => Histogram.create({ subBuckets: 3 })).toThrow(RangeError);
    expect(() => Histogram.create({ subBuckets: 512 })).toThrow(RangeError);
    expect(h.count).toBe(0);
  });
});

describe('shared memory', () => {
  it('a second instance attached to the same SharedArrayBuffer sees and adds to the same counts', () => {
    const sab = new SharedArrayBuffer(64 + 2 * Histogram.bytesFor({ subBuckets: 16 }));
    const off = 64 + Histogram.bytesFor({ subBuckets: 16 });
    const a = Histogram.create({ subBuckets: 16 }, sab, off);
    a.record(1000);
    const b = Histogram.attach(sab, off);
    expect(b.subBuckets).toBe(16);
    expect(b.count).toBe(1);
    b.record(3000);
    expect(a.count).toBe(2);
    expect(a.max).toBe(3000);
    expect(a.toJSON()).toEqual(b.toJSON());
  });

  it('attach refuses memory that holds no histogram', () => {
    expect(() => Histogram.attach(new SharedArrayBuffer(8192), 0)).toThrow(RangeError);
  });

  it('bytesFor is a whole number of 64-byte lines', () => {
    for (const s of [1, 8, 256]) expect(Histogram.bytesFor({ subBuckets: s }) % 64).toBe(0);
  });
});

describe('JSON and rendering', () => {
  it('fromJSON(toJSON()) through JSON text reproduces counts and percentiles', () => {
    fc.assert(fc.property(values, subBuckets, (vs, s) => {
      const h = recordAll(vs, Histogram.create({ subBuckets: s }));
      const back = Histogram.fromJSON(JSON.parse(JSON.stringify(h)));
      expect(back.toJSON()).toEqual(h.toJSON());
      for (const p of [50, 90, 99, 99.9]) expect(back.percentile(p)).toBe(h.percentile(p));
    }));
  });

  it('fromJSON rejects buckets that do not add up or do not exist', () => {
    const j = recordAll([5, 6]).toJSON();
    expect(() => Histogram.fromJSON({ ...j, count: 3 })).toThrow(RangeError);
    expect(() => Histogram.fromJSON({ ...j, buckets: [[99999, 2]] })).toThrow(RangeError);
  });

  it('buckets() lists lowest to highest non-empty bucket, empty ones between included', () => {
    const h = recordAll([1, 5], Histogram.create({ subBuckets: 1 }));
    expect(h.buckets()).toEqual([
      { lower: 1, upper: 2, count: 1 },
      { lower: 2, upper: 4, count: 0 },
      { lower: 4, upper: 8, count: 1 },
    ]);
  });

  it('renders like bpftrace: @name:, [lo, hi) with K suffixes, count, and a 52-wide bar', () => {
    const h = Histogram.create({ subBuckets: 1 });
    h.recordN(0, 1);
    h.recordN(3, 4);
    h.recordN(1500, 2);
    const text = h.render('usecs');
    const lines = text.split('\n');
    expect(lines[0]).toBe('@usecs:');
    expect(lines[1]).toBe(`[0, 1)                  1 |${'@'.repeat(13).padEnd(52)}|`);
    expect(lines[2]).toBe(`[1, 2)                  0 |${' '.repeat(52)}|`);
    expect(lines[3]).toBe(`[2, 4)                  4 |${'@'.repeat(52)}|`);
    expect(lines[lines.length - 2]).toBe(`[1K, 2K)                2 |${'@'.repeat(26).padEnd(52)}|`);
    expect(lines.length).toBe(1 + 12 + 1); // header, buckets 0..11, trailing newline
  });

  it('octave rendering sums the sub-buckets of each power of two', () => {
    const h = recordAll([1024, 1100, 1500, 2047, 4096]);
    const rows = h.render('ns', { octaves: true }).trim().split('\n').slice(1);
    expect(rows.map((r) => r.slice(0, 25).trim())).toEqual(['[1K, 2K)                4', '[2K, 4K)                0', '[4K, 8K)                1']);
    expect(h.render('ns').split('\n')[1]!.startsWith('[1K, 1.125K)')).toBe(true);
  });

  it('humanize uses 1024-based suffixes', () => {
    expect([0.5, 1000, 1024, 1536, 2 ** 20, 3 * 2 ** 30].map(humanize)).toEqual(['0.5', '1000', '1K', '1.5K', '1M', '3G']);
  });
});
