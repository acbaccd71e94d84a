// The bench's measurement functions, once each with tiny sizes: every section returns the shape
// run.ts reports, with finite numbers, positive where a time or a count must be. No timing
// assertions: the bench itself checks issue 3's targets (npm run bench).
import { describe, expect, it } from 'vitest';
import { TINY, interleaved, median, summarize, type Summary } from './measure';
import { measureTranslations } from './translate';
import { measureFaults, FAULT_CASES } from './faults';
import { measureZaps, ZAP_CASES } from './zaps';
import { measureShootdown } from './shootdown';
import { measureScaling } from './scaling';
import { measureMemory } from './memory';
import { nativeRuns, pairedRows, parseNativeLines } from './native';
import { comparisons, renderReport, targets, type BenchResult } from './report';

/** Expects s to be a summary of TINY.reps finite values with min ≤ median ≤ max (all > 0 if positive). */
function expectSummary(s: Summary, positive = true): void {
  expect(s.reps).toBeGreaterThan(0);
  for (const v of [s.min, s.median, s.max]) {
    expect(Number.isFinite(v)).toBe(true);
    if (positive) expect(v).toBeGreaterThan(0);
  }
  expect(s.min).toBeLessThanOrEqual(s.median);
  expect(s.median).toBeLessThanOrEqual(s.max);
}

/** Expects every listed field of x to be a finite number > 0. */
function expectPositive(x: object, fields: string[]): void {
  for (const f of fields) {
    const v = (x as Record<string, unknown>)[f];
    expect(typeof v === 'number' && Number.isFinite(v) && v > 0, `${f} = ${String(v)}`).toBe(true);
  }
}

describe('bench helpers', () => {
  it('summarizes repetitions as median (min–max) and interleaves cases per round', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(summarize([5, 1, 3, 2])).toEqual({ median: 2, min: 1, max: 5, reps: 4 });
    const order: string[] = [];
    const out = interleaved(['a', 'b'], 2, (c) => { order.push(c); return c.length; });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(out).toEqual([[1, 1], [1, 1]]);
    order.length = 0;
    interleaved(['a', 'b'], 2, (c) => order.push(c), undefined, (r) => order.push(`round ${r}`));
    expect(order).toEqual(['a', 'b', 'round 0', 'a', 'b', 'round 1', 'a', 'b']);
  });

  it('summarizes native repetitions taken one program run at a time, per case', () => {
    const run = (zero: number, anon: number) => parseNativeLines(
      `{"prog":"fault","case":"zero_read","pages":64,"unit":"ns/fault","values":[${zero}],"faults_per_page":1}\n`
      + `{"prog":"fault","case":"anon_write","pages":64,"unit":"ns/fault","values":[${anon}],"faults_per_page":1}\n`);
    const rows = pairedRows([run(10, 30), run(12, 20), run(11, 25)]);
    expect(rows.map((r) => [r.case, r.value])).toEqual([
      ['zero_read', { median: 11, min: 10, max: 12, reps: 3 }],
      ['anon_write', { median: 25, min: 20, max: 30, reps: 3 }],
    ]);
  });

  it('parses the JSON lines the native programs print', () => {
    const rows = parseNativeLines('# note\n{"prog":"fault","case":"anon_write","pages":64,"unit":"ns/fault","values":[3,1,2],"faults_per_page":1}\n');
    expect(rows).toEqual([{ prog: 'fault', case: 'anon_write', pages: 64, unit: 'ns/fault', value: { median: 2, min: 1, max: 3, reps: 3 }, faults_per_page: 1, ipis_per_op: undefined }]);
    expect(nativeRuns(TINY).map(([p]) => p)).toEqual(['tlb', 'tlb', 'fault', 'filefault', 'cow', 'zap', 'shootdown', 'handoff']);
  });
});

describe('bench sections at tiny sizes', () => {
  it('measures translations: TLB hits stay in L1, the big chase walks', () => {
    const [hit, walk] = measureTranslations(TINY);
    for (const t of [hit!, walk!]) {
      expectSummary(t.host_ns);
      expectPositive(t, ['pages', 'accesses', 'm_per_s', 'stream_ns', 'sim_cycles_per_access']);
      expectSummary(t.reference_ns);
    }
    expect(hit!.l1_hit_rate).toBe(1);
    expect(walk!.walks_per_access).toBeGreaterThan(0.5);
  });

  it('measures every fault type, each taking faults of its own type', () => {
    const rows = measureFaults(TINY);
    expect(rows.map((r) => r.type)).toEqual(FAULT_CASES.map((c) => c.type));
    for (const r of rows) {
      expectSummary(r.host_us);
      expectPositive(r, ['faults', 'faults_per_page', 'faults_per_sec', 'host_ns_per_page', 'sim_cycles_per_fault']);
    }
  });

  it('measures every zap API, each clearing every pte of the range', () => {
    const rows = measureZaps(TINY);
    expect(rows.map((r) => r.api)).toEqual(ZAP_CASES.map((c) => c.api));
    for (const r of rows) {
      expectSummary(r.host_ns_per_page);
      expect(r.ptes_zapped).toBe(r.pages);
      expectPositive(r, ['pages_per_sec', 'sim_cycles_per_page']);
    }
  });

  it('measures a shootdown: one IPI per call, costing simulated cycles', () => {
    const s = measureShootdown(TINY);
    expect(s.ipis_per_op).toBe(1);
    expectSummary(s.host_us_with_ipi);
    expectSummary(s.host_us_local);
    expectSummary(s.host_us_round_trip, false); // a difference of two timings: may be negative
    expectPositive(s, ['sim_cycles_with_ipi', 'sim_cycles_local', 'sim_cycles_round_trip']);
  });

  it('reports scaling rows for every CPU count, and why parallel mode has none (or its rows)', () => {
    const s = measureScaling(TINY);
    expect(s.deterministic.map((r) => r.cpus)).toEqual([...TINY.scalingCpus]);
    for (const r of s.deterministic) {
      expectSummary(r.host_m_per_s);
      expectPositive(r, ['accesses', 'host_speedup', 'sim_accesses_per_cycle', 'sim_speedup']);
    }
    expect(s.deterministic[1]!.sim_speedup).toBeCloseTo(2, 5);
    if (!s.parallel.measured) expect(s.parallel.reason).toMatch(/parallel/);
  });

  it('measures host memory at every point, and the report renders with verdicts', () => {
    const memory = measureMemory(TINY.memory);
    expect(memory.points.map((p) => p.touched_mb)).toEqual([...TINY.memory.touch_mb]);
    for (const p of memory.points) expectPositive(p, ['rss_bytes', 'heap_used_bytes', 'array_buffers_bytes']);
    const partial = {
      translation: measureTranslations(TINY), faults: measureFaults(TINY), zaps: measureZaps(TINY),
      shootdown: measureShootdown(TINY), scaling: measureScaling(TINY), memory, native: null,
    };
    const withCmp = { ...partial, comparisons: comparisons(partial) };
    const ts = targets(withCmp, false);
    expect(ts.find((t) => t.name.startsWith('anon write'))!.status).toBe('n/a');
    for (const t of ts) expect(['PASS', 'FAIL', 'n/a']).toContain(t.status);
    const meta = { date: 'now', mode: 'tiny', runtime: 'vitest', node: process.version, host_cpus: 1, cpu_model: 'x', busy_cpus_before: 0, seconds: 1 };
    const text = renderReport({ meta, ...withCmp, targets: ts } satisfies BenchResult);
    expect(text).toContain('Targets (issue 3)');
    expect(text).toContain('TLB-hit translation per access');
  });
});
