// The machine's statistics as charts: fault latency histograms and CDFs per fault type, zap
// throughput per API, and the live TLB hit rate per CPU. Pure functions from the host's data
// (StatsSnapshot, RunSample) to ChartSpecs, so they are tested without a canvas.
import type { ChartSpec, RunSample, StatsSnapshot } from '../../src-main/contract';
import { cdfFromCounts } from './cdf';

/** The histogram JSON of a StatsSnapshot entry. */
type HistogramData = StatsSnapshot['histograms'][string]['data'];

/**
 * The [lower, upper) value range of bucket i of a histogram with 2^subBits sub-buckets per
 * octave (src-engine/metrics/histogram.ts's layout: bucket 0 is [0, 1), then octaves).
 */
export function bucketBounds(i: number, subBits: number): [number, number] {
  if (i === 0) return [0, 1];
  const e = (i - 1) >> subBits;
  const s = (i - 1) & ((1 << subBits) - 1);
  const unit = 2 ** e / (1 << subBits);
  return [2 ** e + s * unit, 2 ** e + (s + 1) * unit];
}

/**
 * A histogram's buckets in ascending order, from the bucket below its lowest non-empty one to the
 * bucket above its highest, the empty ones included (count 0): a line drawn through them rises
 * from zero and falls back to it, so a fault type whose samples share one bucket shows as a spike,
 * not a lone dot, and its CDF starts at 0. Lower and upper bounds and counts.
 */
export function histogramBuckets(h: HistogramData): { lower: number[]; upper: number[]; count: number[] } {
  const subBits = Math.round(Math.log2(h.subBuckets));
  const counts = new Map(h.buckets);
  const indices = h.buckets.map(([i]) => i);
  const out = { lower: [] as number[], upper: [] as number[], count: [] as number[] };
  if (!indices.length) return out;
  const first = Math.max(0, Math.min(...indices) - 1), last = Math.max(...indices) + 1;
  for (let i = first; i <= last; i++) {
    const [lo, hi] = bucketBounds(i, subBits);
    out.lower.push(lo);
    out.upper.push(hi);
    out.count.push(counts.get(i) ?? 0);
  }
  return out;
}

/** The fault types with samples in `snap`'s histograms named `<prefix>.<type>`, with their data. */
function faultHistograms(snap: StatsSnapshot, prefix: string): { type: string; data: HistogramData }[] {
  return Object.entries(snap.histograms)
    .filter(([name, h]) => name.startsWith(`${prefix}.`) && h.count > 0)
    .map(([name, h]) => ({ type: name.slice(prefix.length + 1), data: h.data }));
}

/** Fault latency histograms (count per latency bucket) per fault type, or null without faults. */
export function faultLatencyChart(snap: StatsSnapshot, unit: 'cycles' | 'ns' = 'cycles'): ChartSpec | null {
  const hs = faultHistograms(snap, `fault_latency_${unit}`);
  if (!hs.length) return null;
  return {
    title: `Fault latency by type (${unit})`, kind: 'line', x_label: `latency (${unit}, bucket start)`, y_label: 'faults', log_x: true,
    series: hs.map(({ type, data }) => {
      const b = histogramBuckets(data);
      return { name: type, x: b.lower.map((v) => Math.max(v, 1)), y: b.count };
    }),
  };
}

/** Fault latency CDFs per fault type (fraction of faults at or below each bucket's upper bound). */
export function faultCdfChart(snap: StatsSnapshot, unit: 'cycles' | 'ns' = 'cycles'): ChartSpec | null {
  const hs = faultHistograms(snap, `fault_latency_${unit}`);
  if (!hs.length) return null;
  return {
    title: `Fault latency CDF (${unit})`, kind: 'line', x_label: `latency (${unit})`, y_label: 'fraction of faults', log_x: true,
    series: hs.map(({ type, data }) => {
      const b = histogramBuckets(data);
      return { name: type, x: b.upper, y: cdfFromCounts(b.count) };
    }),
  };
}

/** One row of the zap throughput table. */
export interface ZapRow { api: string; pages: number; pagesPerSec: number | null; cyclesPerPage: number | null }

/** Zap throughput per API from the `pages_zapped.*` counters and `zap_*` formulas (APIs that zapped nothing left out). */
export function zapRows(snap: StatsSnapshot): ZapRow[] {
  const rows: ZapRow[] = [];
  for (const [name, c] of Object.entries(snap.counters)) {
    if (!name.startsWith('pages_zapped.') || c.value <= 0) continue;
    const api = name.slice('pages_zapped.'.length);
    rows.push({
      api, pages: c.value,
      pagesPerSec: snap.formulas[`zap_pages_per_sec.${api}`]?.value ?? null,
      cyclesPerPage: snap.formulas[`zap_cycles_per_page.${api}`]?.value ?? null,
    });
  }
  return rows;
}

/** Zap throughput as bars (pages per host second), one bar per API; null when nothing was zapped. */
export function zapThroughputChart(snap: StatsSnapshot): ChartSpec | null {
  const rows = zapRows(snap).filter((r) => r.pagesPerSec !== null && Number.isFinite(r.pagesPerSec));
  if (!rows.length) return null;
  return {
    title: 'Zap throughput', kind: 'bar', x_label: 'API', y_label: 'pages / host second',
    series: rows.map((r, i) => ({ name: r.api, x: [i], y: [r.pagesPerSec!] })),
  };
}

/** Live TLB hit-rate samples of one run_workloads call: per CPU, times and rates. */
export interface LiveRun { run: number; cellId: string; t: number[]; perCpu: { t: number[]; v: number[] }[]; faults: number; accesses: number }

/** Appends `samples` to `run` in place (null rates, intervals without accesses, are skipped). */
export function appendSamples(run: LiveRun, samples: readonly RunSample[]): void {
  for (const s of samples) {
    run.t.push(s.t);
    s.tlb_hit_rate.forEach((v, cpu) => {
      const series = (run.perCpu[cpu] ??= { t: [], v: [] });
      if (v === null) return;
      series.t.push(s.t);
      series.v.push(v);
    });
    run.faults = s.faults;
    run.accesses = s.accesses;
  }
}

/** The TLB hit rate over time per CPU of a live run, or null before any sample. */
export function tlbHitRateChart(run: LiveRun | null): ChartSpec | null {
  if (!run || !run.perCpu.some((s) => s && s.t.length)) return null;
  return {
    title: `TLB hit rate per CPU (run ${run.run + 1})`, kind: 'line', x_label: 'simulated cycles', y_label: 'hit rate',
    series: run.perCpu.map((s, cpu) => ({ name: `cpu ${cpu}`, x: s?.t ?? [], y: s?.v ?? [] })).filter((s) => s.x.length),
  };
}
