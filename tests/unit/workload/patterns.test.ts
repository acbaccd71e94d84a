// patterns.ts: every built-in pattern is deterministic, stays in its region, has the shape and
// the distribution it promises, and resumes exactly from a checkpoint.
import { describe, it, expect } from 'vitest';
import {
  createAccessStream, sattoloCycle, zipfAliasTable, SEQUENTIAL_STRIDE, WORKLOAD_KINDS, type StreamState, type Workload,
} from '../../../src-engine/workload/patterns';
import { Rng } from '../../../src-engine/workload/rng';
import { readAheadBlock } from '../../../src-engine/workload/stream';
import { BASE, PAGE, chiSquareUniform, drain, histogram, mean, pagesOf, run, spec } from './helpers';

const RANDOM_KINDS = ['random', 'zipf', 'hot_cold', 'pointer_chase'] as const;

describe('every pattern: determinism, counts, bounds', () => {
  it.each(WORKLOAD_KINDS)('%s: the same spec and stream id give the same stream, whatever the batch size', (kind) => {
    const a = run(spec(kind), 2, 1000);
    expect(a.addrs).toHaveLength(kind === 'trace' ? 100 : 10_000);
    expect(run(spec(kind), 2, 37)).toEqual(a);
    expect(run(structuredClone(spec(kind)), 2, 4096)).toEqual(a);
  });

  it.each(RANDOM_KINDS)('%s: different stream ids (CPUs) give different addresses', (kind) => {
    const streams = [0, 1, 2, 3].map((id) => run(spec(kind), id).addrs);
    for (let i = 1; i < streams.length; i++) expect(streams[i]).not.toEqual(streams[0]);
  });

  it.each(WORKLOAD_KINDS)('%s: different stream ids give different read/write mixes', (kind) => {
    expect(run(spec(kind), 1).writes).not.toEqual(run(spec(kind), 0).writes);
  });

  it.each(WORKLOAD_KINDS)('%s: write_fraction changes the mix but not the addresses', (kind) => {
    expect(run(spec(kind, { write_fraction: 0.9 })).addrs).toEqual(run(spec(kind)).addrs);
  });

  it.each(WORKLOAD_KINDS)('%s: every address lies in [base, base + pages * 4096)', (kind) => {
    const base = 0x7f0000000000;
    const w = kind === 'trace' ? spec(kind) : spec(kind, { base, pages: 37 });
    const lo = w.base;
    const hi = lo + w.pages * PAGE;
    const outside = run(w).addrs.filter((a) => !(Number.isSafeInteger(a) && a >= lo && a < hi));
    expect(outside).toEqual([]);
  });

  it.each(RANDOM_KINDS.filter((k) => k !== 'pointer_chase'))('%s: offsets are 8-byte aligned, spread over the page', (kind) => {
    const offsets = run(spec(kind)).addrs.map((a) => (a - BASE) % PAGE);
    expect(offsets.every((o) => o % 8 === 0)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(400);
  });

  it.each(WORKLOAD_KINDS)('%s: fill fills at most the shorter array, then returns 0 at the end', (kind) => {
    const s = createAccessStream(spec(kind, { accesses: 50 }));
    expect(s.fill(new Float64Array(30), new Uint8Array(20))).toBe(20);
    expect(s.fill(new Float64Array(100), new Uint8Array(100))).toBe(30);
    expect(s.produced).toBe(50);
    expect(s.fill(new Float64Array(100), new Uint8Array(100))).toBe(0);
    expect(s.fill(new Float64Array(0), new Uint8Array(0))).toBe(0);
  });

  it('accesses 0 is an empty stream', () => {
    expect(run(spec('random', { accesses: 0 })).addrs).toEqual([]);
  });

  it('rejects a bad stream id', () => {
    expect(() => createAccessStream(spec('random'), -1)).toThrow(/stream id must be a non-negative safe integer/);
    expect(() => createAccessStream(spec('random'), 0.5)).toThrow(TypeError);
  });
});

describe('write_fraction', () => {
  it.each([0, 1])('write_fraction %d gives all reads or all writes', (f) => {
    expect(new Set(run(spec('random', { write_fraction: f })).writes)).toEqual(new Set([f]));
  });

  it.each([0.05, 0.3, 0.5, 0.95])('write_fraction %s is met within ±0.01 over 100 000 accesses', (f) => {
    expect(mean(run(spec('sequential', { write_fraction: f, accesses: 100_000 })).writes)).toBeCloseTo(f, 2);
  });
});

describe('sequential and strided', () => {
  it('sequential walks 8-byte words and restarts at base after the last word', () => {
    const words = (2 * PAGE) / SEQUENTIAL_STRIDE;
    const { addrs } = run(spec('sequential', { pages: 2, accesses: words + 3 }));
    expect(addrs.slice(0, 3)).toEqual([BASE, BASE + 8, BASE + 16]);
    expect(addrs[words - 1]).toBe(BASE + 2 * PAGE - 8);
    expect(addrs.slice(words)).toEqual([BASE, BASE + 8, BASE + 16]);
  });

  it('strided steps `stride` bytes and starts a new pass at base when it passes the end', () => {
    const { addrs } = run(spec('strided', { pages: 10, stride: 3 * PAGE, accesses: 9 }));
    expect(pagesOf(addrs)).toEqual([0, 3, 6, 9, 0, 3, 6, 9, 0]);
  });

  it('a stride that is not a multiple of the page still restarts at base', () => {
    const { addrs } = run(spec('strided', { pages: 1, stride: 1000, accesses: 6 }));
    expect(addrs.map((a) => a - BASE)).toEqual([0, 1000, 2000, 3000, 4000, 0]);
  });
});

describe('random', () => {
  it('pages are uniform: chi-square over 64 pages below the p = 0.001 bound (df 63: 103.4)', () => {
    const pages = pagesOf(run(spec('random', { accesses: 128_000 })).addrs);
    expect(chiSquareUniform(histogram(pages, 64))).toBeLessThan(103.4);
  });

  it('a region larger than 2^21 pages is covered too (the large nextBelow path)', () => {
    const pages = pagesOf(run(spec('random', { pages: 2 ** 22 + 3, accesses: 20_000 })).addrs);
    expect(Math.max(...pages)).toBeGreaterThan(2 ** 22 * 0.99);
    expect(mean(pages.map((p) => +(p < 2 ** 21)))).toBeCloseTo(0.5, 1);
  });
});

describe('zipf', () => {
  it.each([0, 0.5, 0.99, 1.5, 4])('the alias table reproduces P(k) ∝ 1/k^%s exactly', (theta) => {
    const n = 1000;
    const { prob, alias } = zipfAliasTable(n, theta);
    const p = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      p[j] += prob[j] / n;
      p[alias[j]] += (1 - prob[j]) / n;
    }
    let h = 0;
    for (let k = 1; k <= n; k++) h += k ** -theta;
    for (const k of [1, 2, 10, 500, 1000]) expect(p[k - 1]).toBeCloseTo(k ** -theta / h, 12);
  });

  it.each([0.5, 0.99, 1.2])('theta %s: count(rank 1) / count(rank 10) ≈ 10^theta within ±10 percent', (theta) => {
    const counts = histogram(pagesOf(run(spec('zipf', { pages: 1000, theta, accesses: 300_000 })).addrs), 1000);
    expect(counts[0] / counts[9] / 10 ** theta).toBeGreaterThan(0.9);
    expect(counts[0] / counts[9] / 10 ** theta).toBeLessThan(1.1);
  });

  it('rank k is page k - 1: counts fall with the page number', () => {
    const counts = histogram(pagesOf(run(spec('zipf', { pages: 100, accesses: 100_000 })).addrs), 100);
    expect(counts[0]).toBeGreaterThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(counts[9]);
    expect(counts[9]).toBeGreaterThan(counts[99]);
  });

  it('theta 0 is uniform (chi-square, df 63)', () => {
    const pages = pagesOf(run(spec('zipf', { theta: 0, accesses: 128_000 })).addrs);
    expect(chiSquareUniform(histogram(pages, 64))).toBeLessThan(103.4);
  });

  it('the default theta is 0.99', () => {
    expect(run(spec('zipf'))).toEqual(run(spec('zipf', { theta: 0.99 })));
  });
});

describe('hot_cold', () => {
  /** Share of accesses that went to the first `hot` pages. */
  const hotShare = (w: Workload, hot: number): number => mean(pagesOf(run(w).addrs).map((p) => +(p < hot)));

  it('hot set = first hot_fraction of pages, chosen with hot_probability (±0.01)', () => {
    const w = spec('hot_cold', { pages: 100, hot_fraction: 0.2, hot_probability: 0.8, accesses: 100_000 });
    expect(hotShare(w, 20)).toBeCloseTo(0.8, 2);
    const counts = histogram(pagesOf(run(w).addrs), 100);
    expect(chiSquareUniform(counts.slice(0, 20))).toBeLessThan(43.8); // df 19
    expect(chiSquareUniform(counts.slice(20))).toBeLessThan(124.8); // df 79
  });

  it('defaults to a fifth of the pages taking 0.8 of the accesses', () => {
    expect(hotShare(spec('hot_cold', { pages: 50, accesses: 50_000 }), 10)).toBeCloseTo(0.8, 1);
  });

  it('hot_probability 0 never touches the hot set; hot_fraction 1 is all hot', () => {
    expect(hotShare(spec('hot_cold', { pages: 100, hot_probability: 0 }), 20)).toBe(0);
    expect(hotShare(spec('hot_cold', { pages: 100, hot_fraction: 1, hot_probability: 0 }), 100)).toBe(1);
  });

  it('a tiny hot_fraction still has one hot page', () => {
    const w = spec('hot_cold', { pages: 100, hot_fraction: 0.001, hot_probability: 0.5, accesses: 20_000 });
    expect(hotShare(w, 1)).toBeCloseTo(0.5, 1);
  });
});

describe('pointer_chase', () => {
  it.each([1, 2, 3, 10, 1000])('sattoloCycle(%d) is one cycle through every index', (n) => {
    const next = sattoloCycle(n, Rng.fromSeed(n));
    const seen = new Set<number>();
    let i = 0;
    do {
      seen.add(i);
      i = next[i];
    } while (i !== 0 && seen.size <= n);
    expect(seen.size).toBe(n);
    expect(i).toBe(0);
  });

  it('visits every page exactly once per cycle of `pages` accesses, then repeats the cycle', () => {
    const pages = pagesOf(run(spec('pointer_chase', { pages: 500, accesses: 1500 })).addrs);
    for (let c = 0; c < 3; c++) expect(new Set(pages.slice(c * 500, (c + 1) * 500)).size).toBe(500);
    expect(pages.slice(500, 1000)).toEqual(pages.slice(0, 500));
  });

  it('all streams of a workload follow the same cycle from different starting pages', () => {
    const successor = (pages: number[]): Map<number, number> => new Map(pages.slice(0, -1).map((p, i) => [p, pages[i + 1]]));
    const a = pagesOf(run(spec('pointer_chase', { accesses: 64 }), 0).addrs);
    const b = pagesOf(run(spec('pointer_chase', { accesses: 64 }), 5).addrs);
    expect(b[0]).not.toBe(a[0]);
    const sa = successor(a);
    for (const [p, q] of successor(b)) expect(sa.get(p) ?? q).toBe(q);
  });

  it('the cycle depends on the seed', () => {
    expect(run(spec('pointer_chase', { seed: 8 })).addrs).not.toEqual(run(spec('pointer_chase')).addrs);
  });

  it('puts one node in each page, at a 64-byte line fixed for the run and spread over the page', () => {
    const addrs = run(spec('pointer_chase', { pages: 1000, accesses: 3000 })).addrs;
    const line = new Map<number, number>();
    for (const a of addrs) {
      const page = Math.floor((a - BASE) / PAGE), off = (a - BASE) % PAGE;
      expect(off % 64).toBe(0);
      expect(line.get(page) ?? off).toBe(off);
      line.set(page, off);
    }
    expect(new Set(line.values()).size).toBeGreaterThan(40);
  });

  // Batches longer than the stream's run-ahead copy (4096) and cycles longer than it as well.
  it.each([[1, 0, 17], [7, 3, 17], [500, 1, 17], [7, 2, 10_000], [5000, 1, 4096], [5000, 0, 9000], [4099, 2, 4095]])('pages %d, stream %d, batches of %d: following next[] from a start page drawn per stream, each page read at its node', (pages, id, batch) => {
    // The cycle and then each page's node line come from the table generator, in cycle order;
    // the start page from the stream's address generator. Visits draw nothing.
    const w = spec('pointer_chase', { pages, accesses: 2 * pages + 37, seed: 11 });
    const table = Rng.fromSeed(w.seed).fork(0);
    const next = sattoloCycle(pages, table);
    const node = new Map<number, number>();
    for (let j = 0, p = 0; j < pages; j++, p = next[p]!) node.set(p, (table.nextU32() >>> 26) << 6);
    let page = Rng.fromSeed(w.seed).fork(id + 1).fork(0).nextBelow(pages);
    const want: number[] = [];
    for (let i = 0; i < w.accesses; i++) {
      want.push(BASE + page * PAGE + node.get(page)!);
      page = next[page]!;
    }
    expect(run(w, id, batch).addrs).toEqual(want);
  });
});

describe('trace', () => {
  const trace = [BASE + 5 * PAGE + 16, BASE, BASE + 63 * PAGE + 4095];

  it('replays the addresses verbatim and stops at the end of the trace', () => {
    expect(run(spec('trace', { trace, accesses: 100 })).addrs).toEqual(trace);
    expect(run(spec('trace', { trace, accesses: 2 })).addrs).toEqual(trace.slice(0, 2));
  });

  it('with loop, replays from the start until `accesses` are made', () => {
    expect(run(spec('trace', { trace, accesses: 7, loop: true }), 0, 2).addrs).toEqual([...trace, ...trace, trace[0]]);
  });

  it('keeps its own copy: changing the array afterwards changes nothing', () => {
    const t = [...trace];
    const s = createAccessStream(spec('trace', { trace: t }));
    t[0] = BASE;
    expect(drain(s).addrs).toEqual(trace);
  });
});

describe('checkpoints', () => {
  it.each(WORKLOAD_KINDS)('%s: a saved state, through JSON, resumes the same stream', (kind) => {
    const w = spec(kind, kind === 'trace' ? { loop: true, accesses: 1000 } : { accesses: 1000 });
    const full = run(w, 3, 100);
    const part = createAccessStream(w, 3);
    part.fill(new Float64Array(333), new Uint8Array(333));
    const saved = JSON.parse(JSON.stringify(part.save())) as StreamState;
    const resumed = createAccessStream(w, 3);
    resumed.restore(saved);
    const rest = drain(resumed, 64);
    expect(rest.addrs).toEqual(full.addrs.slice(333));
    expect(rest.writes).toEqual(full.writes.slice(333));
    expect(resumed.produced).toBe(1000);
  });

  it('restore rejects a malformed state or a cursor out of range', () => {
    const s = createAccessStream(spec('pointer_chase'));
    const good = s.save();
    expect(() => s.restore({ ...good, cursor: 64 })).toThrow(/cursor < 64/);
    expect(() => s.restore({ ...good, produced: 10_001 })).toThrow(TypeError);
    expect(() => s.restore({ ...good, addr: [0, 0, 0, 0] })).toThrow(/rng state/);
    expect(() => s.restore(null as unknown as StreamState)).toThrow(TypeError);
    expect(() => createAccessStream(spec('random')).restore({ ...good, cursor: 1 })).toThrow(/cursor < 1/);
  });
});

describe('readAheadBlock', () => {
  it.each([[64, 4096, 4096], [64, 512, 512], [100, 512, 500], [1000, 512, 1000], [1, 512, 512]])(
    'quantum %d, target %d: %d accesses (whole quanta, at least one)', (quantum, target, want) => {
      expect(readAheadBlock(quantum, target)).toBe(want);
    });

  it('reads about 4096 accesses ahead unless told otherwise', () => {
    expect(readAheadBlock(64)).toBe(4096);
    expect(readAheadBlock(3000)).toBe(3000);
  });
});
