// The bench's result (what the JSON file holds), the lab/native comparisons, the PASS/FAIL
// verdicts against issue 3's targets, and the plain-text tables `npm run bench` prints.
import type { Summary } from './measure';
import type { TranslationRow } from './translate';
import type { FaultRow } from './faults';
import type { ZapRow } from './zaps';
import type { ShootdownResult } from './shootdown';
import type { ScalingResult, ScalingRow } from './scaling';
import type { MemoryResult } from './memory';
import { nativeRow, type NativeResult } from './native';
import { PARAMS } from '../../src-engine/params';
import { CPU_GHZ } from '../../src-engine/costs';

export interface BenchMeta {
  date: string;
  mode: string;
  /** How the engine code ran: an esbuild bundle (as the app ships) or under tsx. */
  runtime: string;
  node: string;
  host_cpus: number;
  cpu_model: string;
  /** CPUs' worth of other work during 0.5 s before the run (0 = idle; above ~0.2 timings suffer). */
  busy_cpus_before: number;
  /** CPUs' worth of other processes' work during the two parallel-mode sections (see targets). */
  busy_cpus_during?: { shootdown: number; scaling: number };
  seconds: number;
}

/** One lab figure beside its native counterpart; ratio = lab / native (time ratio: > 1 is slower). */
export interface Comparison { what: string; unit: string; lab: number; native: number | null; ratio: number | null }

export interface Target { name: string; value: number | null; cmp: '≤' | '≥'; limit: number; unit: string; status: 'PASS' | 'FAIL' | 'n/a'; note: string }

export interface BenchResult {
  meta: BenchMeta;
  translation: TranslationRow[];
  faults: FaultRow[];
  zaps: ZapRow[];
  shootdown: ShootdownResult;
  scaling: ScalingResult;
  memory: MemoryResult | { error: string };
  native: NativeResult | null;
  comparisons: Comparison[];
  targets: Target[];
}

const GIB = 2 ** 30;

/** A number with about three significant digits (integers above 1000 in full). */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toString();
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return a === 0 ? '0' : x.toPrecision(3);
}

/** "median (min–max)" of a summary scaled by k. */
export const fmtSummary = (s: Summary, k = 1): string => `${fmt(s.median * k)} (${fmt(s.min * k)}–${fmt(s.max * k)})`;

/** A count as 1.2M / 34k / 56. */
const fmtCount = (n: number): string => (n >= 1e6 ? `${fmt(n / 1e6)}M` : n >= 1e4 ? `${fmt(n / 1e3)}k` : String(n));

/** A text table: a title line, a header row and the rows; the first column left-aligned, the rest right. */
export function table(title: string, headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [title, line(headers), ...rows.map(line)].join('\n');
}

/** The median of a native case in ns (or null). */
const nativeNs = (n: NativeResult | null, kase: string, pages?: number): number | null => nativeRow(n, kase, pages)?.value.median ?? null;

/** One comparison row. */
function compare(what: string, unit: string, lab: number, native: number | null): Comparison {
  return { what, unit, lab, native, ratio: native === null ? null : lab / native };
}

/** Which native case each lab figure is held against. */
const FAULT_NATIVE: Record<string, string> = {
  'zero-page': 'zero_read', anon: 'anon_write', 'fault-around': 'file_read_faultaround',
  'wp-copy': 'cow_copy', 'wp-reuse': 'wp_reuse', shared: 'shared_write',
};
const ZAP_NATIVE: Record<string, string> = {
  zap_page_range: 'anon_dontneed', MADV_DONTNEED: 'anon_dontneed', munmap: 'anon_munmap',
  unmap_mapping_range: 'file_dontneed', ftruncate: 'ftrunc_mapped',
};

/**
 * The native round trip: (single-page zap with a thread spinning on CPU 1) - (without), or null
 * when the zaps did not really send about one IPI each (a KVM guest skips IPIs to preempted
 * vCPUs, and a busy CPU 1 runs another mm).
 */
function nativeRoundTripNs(n: NativeResult | null): number | null {
  const remote = nativeRow(n, 'madvise_1page_remote'), local = nativeRow(n, 'madvise_1page_local');
  if (!remote || !local || (remote.ipis_per_op ?? 0) < 0.9) return null;
  return remote.value.median - local.value.median;
}

/** What the native shootdown run really did, for the comparison's label. */
function shootdownNote(n: NativeResult | null): string {
  const ipis = nativeRow(n, 'madvise_1page_remote')?.ipis_per_op;
  return ipis === undefined ? '' : `; native sent ${fmt(ipis)} IPIs/call${ipis < 0.9 ? ', so no round trip' : ''}`;
}

/** Every lab figure that has a native counterpart, as lab / native time ratios. */
export function comparisons(r: Omit<BenchResult, 'comparisons' | 'targets' | 'meta'>): Comparison[] {
  const n = r.native;
  const out: Comparison[] = [];
  const [hit, walk] = r.translation;
  if (hit) out.push(compare(`translation, TLB hit (${hit.pages} pages)`, 'ns/access', hit.host_ns.median, nativeNs(n, 'tlb_hit')));
  if (walk) out.push(compare(`translation, miss + walk (${walk.pages} pages)`, 'ns/access', walk.host_ns.median, nativeNs(n, 'tlb_walk')));
  for (const f of r.faults) out.push(compare(`fault: ${f.name}`, 'ns/fault', f.host_us.median * 1e3, nativeNs(n, FAULT_NATIVE[f.type] ?? '', f.pages)));
  for (const z of r.zaps) out.push(compare(`zap: ${z.api} (${z.pages} pages)`, 'ns/page', z.host_ns_per_page.median, nativeNs(n, ZAP_NATIVE[z.api] ?? '', z.pages)));
  out.push(compare(`shootdown round trip (2 CPUs${shootdownNote(n)})`, 'ns', r.shootdown.host_us_round_trip.median * 1e3, nativeRoundTripNs(n)));
  // A model parameter, not a lab timing: the simulated ns it charges against what it models.
  out.push(compare('lock hand-off: the model\'s cost_lock_handoff (simulated ns)', 'ns', PARAMS.cost_lock_handoff.default / CPU_GHZ, nativeNs(n, 'lock_handoff')));
  return out;
}

/** A verdict: PASS if value ≤ limit (or ≥ for `atLeast`), n/a when value is null. */
function verdict(name: string, value: number | null, limit: number, unit: string, note = '', atLeast = false): Target {
  const status = value === null ? 'n/a' : (atLeast ? value >= limit : value <= limit) ? 'PASS' : 'FAIL';
  return { name, value, cmp: atLeast ? '≥' : '≤', limit, unit, status, note };
}

/** The targets checked against this run. */
export function targets(r: Omit<BenchResult, 'targets' | 'meta'>, withNative: boolean, during?: BenchMeta['busy_cpus_during']): Target[] {
  // The parallel rows need the second CPU: say how busy other processes kept the machine meanwhile.
  const busy = (x: number | undefined): string => (x === undefined ? '' : `; others kept ${Math.max(0, x).toFixed(2)} CPUs busy`);
  const [hit, walk] = r.translation;
  const out = [
    verdict('TLB-hit translation per access', hit?.host_ns.median ?? null, 10, 'ns', hit ? `reference loop ${fmt(hit.reference_ns.median)} ns meanwhile` : ''),
    verdict('page walk on a miss, per access', walk?.host_ns.median ?? null, 60, 'ns',
      walk ? `${fmt(walk.walks_per_access * 100)}% of accesses walk; reference loop ${fmt(walk.reference_ns.median)} ns meanwhile` : ''),
  ];
  const anon = r.comparisons.find((c) => c.what === 'fault: anon write');
  out.push(verdict('anon write fault, lab/native time', withNative ? anon?.ratio ?? null : null, 1, '×', withNative ? '' : 'needs --native'));
  for (const c of r.comparisons.filter((x) => x.what.startsWith('zap: MADV_DONTNEED'))) {
    out.push(verdict(`${c.what.slice(5)}, lab/native time`, withNative ? c.ratio : null, 1, '×', withNative ? '' : 'needs --native'));
  }
  const par = r.scaling.parallel;
  const two = par.measured ? par.rows.find((x: ScalingRow) => x.cpus === 2)?.host_speedup ?? null : null;
  out.push(verdict('2 workers vs 1, TLB-hit workload', two, 1.8, '×', par.measured ? busy(during?.scaling).slice(2) : 'parallel mode not built (section 5)', true));
  const sp = r.shootdown.parallel;
  out.push('error' in sp
    ? verdict('shootdown round trip, 2 CPUs', r.shootdown.host_us_round_trip.median, 2, 'µs', 'deterministic mode only: parallel mode failed')
    : verdict('shootdown round trip, 2 CPUs', sp.host_us_round_trip, 2, 'µs', `parallel mode: script thread to a worker CPU and back${busy(during?.shootdown)}`));
  const mem = 'points' in r.memory ? r.memory : null;
  const worst = mem ? Math.max(...mem.points.map((p) => p.rss_bytes)) / GIB : null;
  const memNote = mem ? `${mem.cpus} CPUs, ${mem.ram_mb} MiB, RSS after writing ${Math.max(...mem.points.map((p) => p.touched_mb))} MiB` : (r.memory as { error: string }).error;
  out.push(verdict(`${mem?.cpus ?? 16} CPUs with ${(mem?.ram_mb ?? 1024) / 1024} GiB simulated RAM, host RSS`, worst, 1.5, 'GiB', memNote));
  return out;
}

/** Section 1's table. */
function translationTable(rows: TranslationRow[]): string {
  return table('1. Host translations per CPU (1 CPU, deterministic scheduler; pointer chase over populated anon pages)',
    ['case', 'pages', 'accesses', 'host ns/access (min–max)', 'M/s', 'of it stream ns', 'sim cycles/access', 'walks/access', 'L1 hits', 'reference loop ns'],
    rows.map((t) => [t.name, String(t.pages), fmtCount(t.accesses), fmtSummary(t.host_ns), fmt(t.m_per_s), fmt(t.stream_ns),
      fmt(t.sim_cycles_per_access), fmt(t.walks_per_access), fmt(t.l1_hit_rate), fmtSummary(t.reference_ns)]))
    + '\n   reference loop: fixed code (four hash chains in the L1 cache) timed before each repetition, ns per step; not a target, it shows how fast the host ran plain code meanwhile';
}

/** Section 2's table. */
function faultTable(rows: FaultRow[]): string {
  return table('2. Faults by type (touch() over fresh mappings, 1 CPU)',
    ['fault', 'type', 'pages', 'faults', 'host µs/fault (min–max)', 'faults/s', 'host ns/page', 'sim cycles/fault'],
    rows.map((f) => [f.name, f.type, String(f.pages), String(f.faults), fmtSummary(f.host_us), fmtCount(Math.round(f.faults_per_sec)),
      fmt(f.host_ns_per_page), fmt(f.sim_cycles_per_fault)]));
}

/** Section 3's table. */
function zapTable(rows: ZapRow[]): string {
  return table('3. Zap throughput by API (one call over a populated range)',
    ['api', 'range', 'pages', 'ptes zapped', 'host ns/page (min–max)', 'Mpages/s', 'sim cycles/page'],
    rows.map((z) => [z.api, z.what, String(z.pages), String(z.ptes_zapped), fmtSummary(z.host_ns_per_page), fmt(z.pages_per_sec / 1e6), fmt(z.sim_cycles_per_page)]));
}

/** Section 4's table. */
function shootdownTable(s: ShootdownResult): string {
  return table(`4. TLB shootdown, 2 CPUs (single-page MADV_DONTNEED from CPU 0, ${s.ops} calls per rep, ${s.host_us_local.reps} reps each way; ${fmt(s.ipis_per_op)} IPI per call)`,
    ['case', 'host µs/call (min–max)', 'sim cycles/call'],
    [
      ['mm loaded on CPUs 0 and 1 (one IPI)', fmtSummary(s.host_us_with_ipi), fmt(s.sim_cycles_with_ipi)],
      ['mm loaded on CPU 0 only (no IPI)', fmtSummary(s.host_us_local), fmt(s.sim_cycles_local)],
      ['round trip (paired differences)', fmtSummary(s.host_us_round_trip), fmt(s.sim_cycles_round_trip)],
      ...('error' in s.parallel
        ? [['parallel mode: cross-thread round trip', `n/a (${s.parallel.error})`, '']]
        : [['parallel: zap while CPU 1\'s worker runs (1 IPI; median call per rep)', fmtSummary(s.parallel.host_us_while_running), ''],
          ['parallel: same zap, worker idle (direct flush; median call)', fmtSummary(s.parallel.host_us_idle), ''],
          ['parallel: cross-thread round trip (difference)', fmt(s.parallel.host_us_round_trip), '']]),
    ]);
}

/** Section 5's table. */
function scalingTable(s: ScalingResult): string {
  const row = (mode: string, x: ScalingRow) => [mode, String(x.cpus), fmtCount(x.accesses), fmtSummary(x.host_m_per_s), fmt(x.host_speedup),
    fmt(x.sim_accesses_per_cycle), fmt(x.sim_speedup)];
  const par = s.parallel.measured ? s.parallel.rows.map((x) => row('parallel workers', x))
    : [['parallel workers', '1→N', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a']];
  const title = '5. Scaling (each CPU chases its own 32 pages; same total accesses at every CPU count)'
    + (s.parallel.measured ? '' : `\n   parallel: measured n/a — ${s.parallel.reason}`);
  return table(title, ['mode', 'CPUs', 'accesses', 'total host M/s (min–max)', 'host speed-up', 'sim accesses/cycle', 'sim speed-up'],
    [...par, ...s.deterministic.map((x) => row('deterministic, 1 thread', x))]);
}

/** Section 6's table. */
function memoryTable(m: MemoryResult | { error: string }): string {
  if (!('points' in m)) return `6. Memory: n/a — ${m.error}`;
  const mib = (b: number) => fmt(b / 2 ** 20);
  return table(`6. Host memory (fresh process, ${m.cpus} CPUs, ${m.ram_mb} MiB simulated RAM; RSS before the machine: ${mib(m.baseline_rss_bytes)} MiB)`,
    ['anon memory written (MiB)', 'host RSS (MiB)', 'ArrayBuffers allocated (MiB)', 'JS heap used (MiB)'],
    m.points.map((p) => [String(p.touched_mb), mib(p.rss_bytes), mib(p.array_buffers_bytes), mib(p.heap_used_bytes)]));
}

/** The lab/native side-by-side table. */
function nativeTable(r: BenchResult): string {
  if (!r.native) return '';
  if (!r.native.ok) return `Lab vs native: n/a — ${r.native.reason}`;
  const t = table('Lab vs native (host kernel, gcc -O2, same sizes; ratio = lab time / native time, > 1 means the lab is slower)',
    ['what', 'unit', 'lab', 'native', 'lab/native'],
    r.comparisons.map((c) => [c.what, c.unit, fmt(c.lab), fmt(c.native), c.ratio === null ? 'n/a' : `${fmt(c.ratio)}×`]));
  const paired = r.native.paired.length
    ? `\n   ${r.native.paired.join(', ')}: the native program ran one repetition before each round of the lab's section, so both sides were timed in the same minutes`
    : '';
  return r.native.errors.length ? `${t}${paired}\nnative errors:\n  ${r.native.errors.join('\n  ')}` : `${t}${paired}`;
}

/** The PASS/FAIL table. */
function targetTable(ts: Target[]): string {
  return table("Targets (issue 3)", ['target', 'measured', 'limit', 'verdict', 'note'],
    ts.map((t) => [t.name, t.value === null ? 'n/a' : `${fmt(t.value)} ${t.unit}`, `${t.cmp} ${fmt(t.limit)} ${t.unit}`, t.status, t.note]));
}

/** Everything `npm run bench` prints after its progress lines. */
export function renderReport(r: BenchResult): string {
  const m = r.meta;
  const busy = m.busy_cpus_before > 0.2 ? `\nWARNING: other processes kept ${fmt(m.busy_cpus_before)} CPUs busy before the run: timings are inflated` : '';
  const head = `MMU Lab bench (${m.mode}) — ${m.date} — ${m.runtime}, Node ${m.node}, ${m.host_cpus} host CPUs (${m.cpu_model}), ${fmt(m.busy_cpus_before)} CPUs busy before — ${fmt(m.seconds)} s${busy}`;
  return [head, translationTable(r.translation), faultTable(r.faults), zapTable(r.zaps), shootdownTable(r.shootdown),
    scalingTable(r.scaling), memoryTable(r.memory), nativeTable(r), targetTable(r.targets)].filter(Boolean).join('\n\n');
}
