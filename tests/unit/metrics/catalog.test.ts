// The lab's stat catalog: everything issue 3's Metrics section asks for is declared with a unit
// and a description, every formula reads real counters, and the record helpers keep counters,
// histograms and formulas consistent.
import { describe, it, expect } from 'vitest';
import { FAULT_CYCLES } from '../../../src-engine/costs';
import {
  FAULT_TYPES, LAB_STATS, LOCKS, S, ZAP_APIS, createLabStats, declareLabStats, recordFault, recordLockWait, recordZap, zapThroughput,
} from '../../../src-engine/metrics/catalog';
import { StatsRegistry } from '../../../src-engine/metrics/stats';

const names = (xs: readonly { name: string }[]): string[] => xs.map((x) => x.name);

describe('the catalog', () => {
  it('fault types are exactly the cost table\'s', () => {
    expect([...FAULT_TYPES].sort()).toEqual(Object.keys(FAULT_CYCLES).sort());
  });

  it('declares the counters, histograms and formulas of the Metrics section', () => {
    const counters = names(LAB_STATS.counters);
    for (const c of ['accesses', 'l1_tlb_hits', 'l1_tlb_misses', 'l2_tlb_hits', 'l2_tlb_misses', 'walks', 'walk_refs',
      'shootdowns_sent', 'shootdowns_received', 'tlb_flushes_full', 'tlb_flushes_ranged']) expect(counters).toContain(c);
    for (const t of FAULT_TYPES) expect(counters).toContain(`faults.${t}`);
    for (const a of ZAP_APIS) expect(counters).toContain(`pages_zapped.${a}`);
    for (const l of LOCKS) expect(counters).toContain(`lock_wait_cycles.${l}`);
    const hists = names(LAB_STATS.histograms);
    for (const t of FAULT_TYPES) expect(hists).toEqual(expect.arrayContaining([`fault_latency_cycles.${t}`, `fault_latency_ns.${t}`]));
    const formulas = names(LAB_STATS.formulas);
    for (const f of ['l1_tlb_hit_rate', 'l2_tlb_hit_rate', 'tlb_hit_rate', 'fault_mean_cycles.anon', 'fault_mean_ns.cow',
      'zap_pages_per_sec.munmap', 'zap_cycles_per_page.MADV_DONTNEED']) expect(formulas).toContain(f);
  });

  it('every statistic has a unit and a description', () => {
    for (const s of [...LAB_STATS.counters, ...LAB_STATS.histograms, ...LAB_STATS.formulas]) {
      expect(s.unit.trim(), s.name).not.toBe('');
      expect(s.description.trim(), s.name).not.toBe('');
    }
  });

  it('every formula reads only declared counters and is finite once its counters are non-zero', () => {
    const stats = createLabStats(2);
    for (const f of LAB_STATS.formulas) expect(() => stats.formula(f.name), f.name).not.toThrow();
    for (let i = 0; i < LAB_STATS.counters.length; i++) stats.counters(1)[i] = i + 1;
    for (const f of LAB_STATS.formulas) expect(Number.isFinite(stats.formula(f.name)), f.name).toBe(true);
  });

  it('is deterministic: a fresh registry declaring the catalog has the same layout and indexes', () => {
    const reg = new StatsRegistry();
    const ids = declareLabStats(reg);
    expect(reg.layout).toBe(LAB_STATS.layout);
    expect(ids.faults).toEqual(S.faults);
    expect(ids.fault_latency_ns).toEqual(S.fault_latency_ns);
  });
});

describe('record helpers', () => {
  it('recordFault keeps the count, the latency sums, both histograms and the mean formulas in step', () => {
    const stats = createLabStats(2);
    const lat = [5589, 5600, 7000, 5589];
    lat.forEach((c, i) => recordFault(stats.counters(i % 2), stats.histograms(i % 2), 'anon', c, c / 2.445));
    recordFault(stats.counters(0), stats.histograms(0), 'cow', 6426, 2628);
    const snap = stats.snapshot();
    expect(snap.counters['faults.anon']!.perCpu).toEqual([2, 2]);
    expect(snap.formulas['faults_total']!.value).toBe(5);
    const h = snap.histograms['fault_latency_cycles.anon']!;
    expect([h.count, h.min, h.max]).toEqual([4, 5589, 7000]);
    expect(snap.formulas['fault_mean_cycles.anon']!.value).toBe(h.mean);
    expect(snap.formulas['fault_mean_ns.anon']!.value).toBeCloseTo(snap.histograms['fault_latency_ns.anon']!.mean!, 9);
    expect(snap.formulas['fault_mean_cycles.zero-page']!.value).toBeNull();
  });

  it('zapThroughput reports pages per host second and simulated cycles per page, per API', () => {
    const stats = createLabStats(1);
    recordZap(stats.counters(0), 'munmap', 1000, 1000 * 905, 370_000);
    const rows = zapThroughput(stats.snapshot());
    expect(rows.map((r) => r.key)).toEqual([...ZAP_APIS]);
    const munmap = rows.find((r) => r.key === 'munmap')!;
    expect(munmap.perSecond).toBeCloseTo(1000 / 370e-6, 3);
    expect(munmap.cyclesPerUnit).toBe(905);
  });

  it('recordLockWait feeds the mean wait per contended acquisition', () => {
    const stats = createLabStats(1);
    recordLockWait(stats.counters(0), 'ptl', 100);
    recordLockWait(stats.counters(0), 'ptl', 300);
    expect(stats.formula('lock_wait_mean_cycles.ptl')).toBe(200);
    expect(stats.counter('lock_contended.ptl')).toBe(2);
  });
});
