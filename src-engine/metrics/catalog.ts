// The lab's statistics, each declared once with its unit and description (gem5 style): the
// counters the CPUs bump, the fault-latency histograms, and the formulas (hit rates, means,
// throughputs) computed from counters whenever they are read.
//
// Every thread imports this module and so builds the same registry in the same order: the
// indexes in S address the same slots in the shared buffers everywhere. Hot path on CPU c:
//   const blk = stats.counters(c);  blk[S.l1_tlb_hits] += 1;
import type { FaultType } from '../mm/memory_fault';
import type { Histogram } from './histogram';
import { StatsRegistry, Throughput, type CounterReader, type SharedStats, type Stats, type StatsSnapshot, type ThroughputRow } from './stats';

/** Every fault path the kernel accounts (the keys of costs.ts FAULT_CYCLES). */
export const FAULT_TYPES = [
  'zero-page', 'anon', 'file', 'fault-around', 'cow', 'shared',
  'wp-reuse', 'wp-copy', 'wp-shared', 'swap', 'spurious', 'error',
] as const satisfies readonly FaultType[];

/** Compile-time check that FAULT_TYPES lists every FaultType. */
const _everyFaultType: [Exclude<FaultType, (typeof FAULT_TYPES)[number]>] extends [never] ? true : never = true;

/** The APIs whose zap throughput is measured. */
export const ZAP_APIS = ['zap_page_range', 'unmap_mapping_range', 'munmap', 'MADV_DONTNEED'] as const;
export type ZapApi = (typeof ZAP_APIS)[number];

/** The locks whose contention is measured. */
export const LOCKS = ['mmap_sem', 'ptl', 'page_table_lock', 'zone', 'page_lock'] as const;
export type LockName = (typeof LOCKS)[number];

/**
 * The locks whose hand-offs between CPUs are charged (cost_lock_handoff). Not the zone lock:
 * 4.7 takes it for an order-0 page only when a per-CPU free list needs refilling, while the
 * lab's allocator, which has no per-CPU lists, takes it for every page. Not the page lock: its
 * bit shares the struct page's flags word, which has no room for the last holder.
 */
export const HANDOFF_LOCKS = ['mmap_sem', 'ptl', 'page_table_lock'] as const satisfies readonly LockName[];
export type HandoffLock = (typeof HANDOFF_LOCKS)[number];

const FAULT_WORDS: Record<FaultType, string> = {
  'zero-page': 'read faults that mapped the zero page',
  anon: 'write faults that allocated a zeroed anonymous page',
  file: 'read faults that mapped one page-cache page',
  'fault-around': 'read faults that mapped cached neighbours too (fault-around)',
  cow: 'write faults on private file mappings that copied the page (do_cow_fault)',
  shared: 'write faults that mapped a page-cache page writable (do_shared_fault)',
  'wp-reuse': 'write-protect faults that reused an exclusive anonymous page',
  'wp-copy': 'write-protect faults that copied a shared page (COW break)',
  'wp-shared': 'write-protect faults on shared mappings (page_mkwrite)',
  swap: 'faults that swapped a page in',
  spurious: 'faults that found the pte already fixed',
  error: 'faults that ended in SIGSEGV, SIGBUS or OOM',
};

const LOCK_WORDS: Record<LockName, string> = {
  mmap_sem: "an mm's mmap_sem (read or write)",
  ptl: 'a split page-table lock (per pte page)',
  page_table_lock: "an mm's page_table_lock",
  zone: "the page allocator's zone lock",
  page_lock: "a struct page's PG_locked bit (lock_page)",
};

/** a / b (NaN when b is 0: the ratio is undefined, and snapshots report null). */
const ratio = (a: number, b: number): number => a / b;

/** Declare the TLB and page-walk counters and their formulas. */
function declareTranslation(reg: StatsRegistry) {
  const ids = {
    accesses: reg.declareCounter('accesses', 'accesses', 'loads and stores translated by the MMU'),
    l1_tlb_hits: reg.declareCounter('l1_tlb_hits', 'lookups', 'accesses whose translation hit the L1 dTLB'),
    l1_tlb_misses: reg.declareCounter('l1_tlb_misses', 'lookups', 'accesses that missed the L1 dTLB (and looked in the STLB)'),
    l2_tlb_hits: reg.declareCounter('l2_tlb_hits', 'lookups', 'L1 misses that hit the second-level STLB'),
    l2_tlb_misses: reg.declareCounter('l2_tlb_misses', 'lookups', 'L1 misses that also missed the STLB (and walked)'),
    walks: reg.declareCounter('walks', 'walks', 'hardware page-table walks'),
    walk_refs: reg.declareCounter('walk_refs', 'references', 'page-table memory references made by walks (page-walk cache hits excluded)'),
  };
  const get2 = (a: string, b: string) => (get: CounterReader) => ratio(get(a), get(a) + get(b));
  reg.declareFormula('l1_tlb_hit_rate', 'ratio', 'L1 dTLB hits / L1 lookups', get2('l1_tlb_hits', 'l1_tlb_misses'));
  reg.declareFormula('l2_tlb_hit_rate', 'ratio', 'STLB hits / STLB lookups', get2('l2_tlb_hits', 'l2_tlb_misses'));
  reg.declareFormula('tlb_hit_rate', 'ratio', 'translations served by either TLB level / L1 lookups',
    (get) => ratio(get('l1_tlb_hits') + get('l2_tlb_hits'), get('l1_tlb_hits') + get('l1_tlb_misses')));
  reg.declareFormula('walk_refs_per_walk', 'references/walk', 'page-table memory references per walk', (get) => ratio(get('walk_refs'), get('walks')));
  return ids;
}

/** Declare the per-type fault counters, latency histograms and mean-latency formulas. */
function declareFaults(reg: StatsRegistry) {
  const words = (t: FaultType): string => FAULT_WORDS[t];
  const ids = {
    faults: reg.declareCounters('faults', FAULT_TYPES, 'faults', words),
    fault_cycles: reg.declareCounters('fault_cycles', FAULT_TYPES, 'cycles', (t) => `simulated cycles spent in ${words(t)}`),
    fault_host_ns: reg.declareCounters('fault_host_ns', FAULT_TYPES, 'ns', (t) => `host nanoseconds spent in ${words(t)}`),
    fault_latency_cycles: reg.declareHistograms('fault_latency_cycles', FAULT_TYPES, 'cycles', (t) => `latency in simulated cycles of ${words(t)}`),
    fault_latency_ns: reg.declareHistograms('fault_latency_ns', FAULT_TYPES, 'ns', (t) => `latency in host nanoseconds of ${words(t)}`),
  };
  reg.declareFormula('faults_total', 'faults', 'page faults of every type', (get) => FAULT_TYPES.reduce((n, t) => n + get(`faults.${t}`), 0));
  reg.declareFormulas('fault_mean_cycles', FAULT_TYPES, 'cycles/fault', (t) => `mean simulated cycles of ${words(t)}`,
    (get, t) => ratio(get(`fault_cycles.${t}`), get(`faults.${t}`)));
  reg.declareFormulas('fault_mean_ns', FAULT_TYPES, 'ns/fault', (t) => `mean host nanoseconds of ${words(t)}`,
    (get, t) => ratio(get(`fault_host_ns.${t}`), get(`faults.${t}`)));
  return ids;
}

/** Declare the TLB shootdown and flush counters. */
function declareShootdowns(reg: StatsRegistry) {
  return {
    shootdowns_sent: reg.declareCounter('shootdowns_sent', 'IPIs', 'TLB-shootdown IPIs this CPU sent'),
    shootdowns_received: reg.declareCounter('shootdowns_received', 'IPIs', 'TLB-shootdown IPIs this CPU received and acknowledged'),
    tlb_flushes_full: reg.declareCounter('tlb_flushes_full', 'flushes', 'full TLB flushes (ranges over the single-page ceiling, or all)'),
    tlb_flushes_ranged: reg.declareCounter('tlb_flushes_ranged', 'flushes', 'ranged TLB flushes done page by page (invlpg)'),
    tlb_flush_pages: reg.declareCounter('tlb_flush_pages', 'pages', 'pages invalidated one by one by ranged flushes'),
  };
}

/** Declare lock-contention counters and the mean wait per contended acquisition. */
function declareLocks(reg: StatsRegistry) {
  const ids = {
    lock_wait_cycles: reg.declareCounters('lock_wait_cycles', LOCKS, 'cycles', (l) => `simulated cycles spent waiting for ${LOCK_WORDS[l]}`),
    lock_contended: reg.declareCounters('lock_contended', LOCKS, 'acquisitions', (l) => `acquisitions of ${LOCK_WORDS[l]} that had to wait`),
    lock_handoffs: reg.declareCounters('lock_handoffs', HANDOFF_LOCKS, 'acquisitions',
      (l) => `acquisitions of ${LOCK_WORDS[l]} last taken by another CPU (its cache line moved: cost_lock_handoff each)`),
  };
  reg.declareFormulas('lock_wait_mean_cycles', LOCKS, 'cycles/acquisition', (l) => `mean wait of a contended acquisition of ${LOCK_WORDS[l]}`,
    (get, l) => ratio(get(`lock_wait_cycles.${l}`), get(`lock_contended.${l}`)));
  return ids;
}

/**
 * Declare every lab statistic into `reg` (which must be empty) and return the indexes: counter
 * indexes for blk[i], histogram indexes for hists[i], and the zap Throughput family.
 */
export function declareLabStats(reg: StatsRegistry) {
  return {
    ...declareTranslation(reg),
    ...declareFaults(reg),
    ...declareShootdowns(reg),
    zap: new Throughput(reg, { name: 'zap', work: 'pages_zapped', units: 'pages', unit: 'page', what: 'pages zapped', keys: ZAP_APIS }),
    ...declareLocks(reg),
  };
}

export type LabStatIds = ReturnType<typeof declareLabStats>;

/** The lab's registry, the same in every thread that imports this module. */
export const LAB_STATS = new StatsRegistry();
/** Indexes of the lab's statistics in LAB_STATS. */
export const S: LabStatIds = declareLabStats(LAB_STATS);

/** Fresh zeroed lab stats for nrCpus CPUs (the owner hands `stats.shared` to the workers). */
export const createLabStats = (nrCpus: number): Stats => LAB_STATS.create(nrCpus);

/** The lab stats another thread created; throws Error if that thread's catalog differs. */
export const attachLabStats = (shared: SharedStats): Stats => LAB_STATS.attach(shared);

/** Per fault type, the indexes recordFault updates: [faults, fault_cycles, fault_host_ns, cycle histogram, ns histogram]. */
const FAULT_SLOTS = new Map<FaultType, readonly number[]>(FAULT_TYPES.map((t) => [t,
  [S.faults[t], S.fault_cycles[t], S.fault_host_ns[t], S.fault_latency_cycles[t], S.fault_latency_ns[t]]]));

/** Account one handled fault on the CPU owning blk/hists: count, cycles, host ns, both histograms. */
export function recordFault(blk: Float64Array, hists: readonly Histogram[], type: FaultType, cycles: number, hostNs: number): void {
  const at = FAULT_SLOTS.get(type)!; // one lookup: five keyed loads by a varying name cost more than the rest
  blk[at[0]!]! += 1;
  blk[at[1]!]! += cycles;
  blk[at[2]!]! += hostNs;
  hists[at[3]!]!.record(cycles);
  hists[at[4]!]!.record(hostNs);
}

/** Account one zap of `pages` pages by `api` on the CPU owning blk. */
export function recordZap(blk: Float64Array, api: ZapApi, pages: number, cycles: number, hostNs: number): void {
  S.zap.record(blk, api, pages, cycles, hostNs);
}

/** Account one contended acquisition of `lock` that waited `cycles` on the CPU owning blk. */
export function recordLockWait(blk: Float64Array, lock: LockName, cycles: number): void {
  blk[S.lock_contended[lock]]! += 1;
  blk[S.lock_wait_cycles[lock]]! += cycles;
}

/** Account one hand-off of `lock` (taken from another CPU's hold) on the CPU owning blk. */
export function recordLockHandoff(blk: Float64Array, lock: HandoffLock): void {
  blk[S.lock_handoffs[lock]]! += 1;
}

/** Zap throughput per API (pages per host second, simulated cycles per page) from a snapshot. */
export const zapThroughput = (snap: StatsSnapshot): ThroughputRow[] => S.zap.table(snap);
