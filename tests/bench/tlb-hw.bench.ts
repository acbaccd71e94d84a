// Micro-benchmark of TlbHierarchy (src-engine/arch/x86/mm/tlb_hw.ts): host ns per access for
// L1 hits, L2 hits (which also fill L1) and misses followed by insert, per replacement policy,
// on the default geometry (64-entry fully associative L1, 2048-entry 16-way L2, PCIDs on).
//
//   npx tsx tests/bench/tlb-hw.bench.ts [--quick] [--json]
//
// Each (policy, case) runs in fresh child processes (3, or 1 with --quick), so that each gets a
// fresh JIT, like a CPU worker whose TLB has one geometry. On this 2-vCPU KVM guest the same
// job is sometimes 30-50 % slower in one process than in the next (host noise, see
// shared/baselines/RESULTS.md "Noise"), so the table gives the best run and the median of the
// per-process medians. The access loop calls lookup() through a TlbHierarchy held
// as a parameter (not a module constant V8 could fold) and takes misses in a separate function,
// as a CPU's translate path does. The "run:" cases drive the TLB as run_accesses does:
// quanta of 64 byte addresses, one lookupRun per stretch of L1 hits. Issue 3's target: an L1
// hit <= 10 ns per access.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TlbHierarchy, TLB_RW, TLB_USER, TLB_ACCESSED, TLB_DIRTY, pwcPrefix, type TlbGeometry, type TlbPolicy } from '../../src-engine/arch/x86/mm/tlb_hw';

const QUICK = process.argv.includes('--quick');
const ACCESSES = QUICK ? 1_000_000 : 4_000_000;
const REPS = QUICK ? 5 : 15;
const PROCESSES = QUICK ? 1 : 3;
const FLAGS = TLB_RW | TLB_USER | TLB_ACCESSED;
const PCID = 1;
const BASE_VPN = 0x4_0000; // vpn of 0x4000_0000

/**
 * One measured case: cyclic accesses over `pages` consecutive vpns; `pwc` adds a PWC probe and
 * fill per miss; `run` makes the lookups with lookupRun over quanta of addresses.
 */
interface Case { name: string; pages: number; expect: 'l1' | 'l2' | 'miss'; pwc: boolean; run?: boolean }

const CASES: Case[] = [
  { name: 'L1 hit, same page (MRU)', pages: 1, expect: 'l1', pwc: false },
  { name: 'L1 hit, 32 pages cyclic', pages: 32, expect: 'l1', pwc: false },
  { name: 'run: L1 hit, 32 pages cyclic', pages: 32, expect: 'l1', pwc: false, run: true },
  { name: 'run: miss + insert, 65536 pages', pages: 65536, expect: 'miss', pwc: false, run: true },
  { name: 'L2 hit + L1 fill, 1024 pages', pages: 1024, expect: 'l2', pwc: false },
  { name: 'miss + insert, 65536 pages', pages: 65536, expect: 'miss', pwc: false },
  { name: 'miss + PWC probe/fill + insert', pages: 65536, expect: 'miss', pwc: true },
];

/** What one child reports. */
interface Result { policy: TlbPolicy; name: string; minNs: number; medianNs: number; share: number; expect: string }

/** The miss path of the fake CPU: "walk" (optionally through the PWC) and insert; returns the pfn. */
function miss(t: TlbHierarchy, vpn: number, pwc: boolean): number {
  if (pwc) {
    t.pwcWalkStart(vpn, PCID);
    t.pwcInsert(2, pwcPrefix(2, vpn), PCID, 7, FLAGS);
  }
  const pfn = vpn & 0xfffff;
  t.insert(vpn, PCID, pfn, FLAGS);
  return pfn;
}

/** n cyclic accesses over `pages` pages (a power of two); returns a checksum. */
function run(t: TlbHierarchy, n: number, pages: number, pwc: boolean): number {
  const mask = pages - 1;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const vpn = BASE_VPN + (i & mask);
    let pfn = t.lookup(vpn, PCID);
    if (pfn < 0) pfn = miss(t, vpn, pwc);
    sum = (sum + pfn) | 0; // stays an int32: a growing double would deopt the loop mid-run
  }
  return sum;
}

const QUANTUM = 64; // accesses per run_accesses call (the machine's default quantum)
const NEED = TLB_RW | TLB_DIRTY; // what a write needs from an entry (run_accesses' FAST_WRITE)

/** n cyclic accesses over `pages` pages in quanta, as run_accesses makes them; returns a checksum. */
function runQuanta(t: TlbHierarchy, n: number, pages: number, addrs: Float64Array, writes: Uint8Array): number {
  const mask = pages - 1;
  let sum = 0;
  for (let i = 0; i < n; i += QUANTUM) {
    for (let j = 0; j < QUANTUM; j++) addrs[j] = (BASE_VPN + ((i + j) & mask)) * 4096 + 8;
    for (let k = t.lookupRun(addrs, writes, 0, QUANTUM, PCID, NEED); k < QUANTUM; k = t.lookupRun(addrs, writes, k + 1, QUANTUM, PCID, NEED)) {
      sum = (sum + (t.lastPfn < 0 ? miss(t, Math.floor(addrs[k]! / 4096), false) : t.lastPfn)) | 0;
    }
  }
  return sum;
}

/** Sorted copy of xs. */
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

/** Measure one case in this process: warm up, then REPS timed runs; ns per access. */
function measure(policy: TlbPolicy, c: Case): Result {
  const g: Partial<TlbGeometry> = { policy, pcid: true, pwc_entries: c.pwc ? 32 : 0 };
  const t = new TlbHierarchy(g);
  const addrs = new Float64Array(QUANTUM), writes = new Uint8Array(QUANTUM);
  const once = (n: number): number => (c.run ? runQuanta(t, n, c.pages, addrs, writes) : run(t, n, c.pages, c.pwc));
  let sink = 0;
  // Warm up in many short calls, so that V8 optimizes run() as a function (with full type
  // feedback) and not only as an on-stack replacement of the first long loop.
  for (let k = 0; k < 50; k++) sink ^= once(Math.max(2 * c.pages, ACCESSES / 50));
  t.resetStats();
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = process.hrtime.bigint();
    sink ^= once(ACCESSES);
    times.push(Number(process.hrtime.bigint() - t0) / ACCESSES);
  }
  const s = t.stats();
  const share = c.expect === 'l1' ? s.l1_hit_rate : c.expect === 'l2' ? s.l2_hits / s.lookups : s.miss_rate;
  if (sink === -1) console.error('unreachable');
  const ts = sorted(times);
  return { policy, name: c.name, minNs: ts[0]!, medianNs: ts[ts.length >> 1]!, share, expect: c.expect };
}

/** Time f() in ns. */
function timeNs(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0);
}

/** Insert `n` pages of pcid (into L2 and L1). */
function fillTlb(t: TlbHierarchy, n: number, pcid: number): void {
  for (let v = 0; v < n; v++) t.insert(BASE_VPN + v, pcid, v, FLAGS);
}

const FLUSH_CASES = ['flushAll(false), 2048+64 entries', 'flushPcid, 16 of 2048 entries', 'invalidatePage (INVLPG), per page'] as const;

/** Median host ns of: a full flush of a full hierarchy, a PCID flush dropping few entries, one INVLPG. */
function measureFlushes(): Record<string, number> {
  const t = new TlbHierarchy({ pcid: true });
  const times: number[][] = FLUSH_CASES.map(() => []);
  for (let r = 0; r < 400; r++) {
    fillTlb(t, 2048, 1);
    times[0]!.push(timeNs(() => t.flushAll(false)));
    fillTlb(t, 2048, 1);
    fillTlb(t, 16, 2);
    times[1]!.push(timeNs(() => t.flushPcid(2)));
    times[2]!.push(timeNs(() => { for (let v = 0; v < 33; v++) t.invalidatePage(BASE_VPN + v, 1); }) / 33);
  }
  const res: Record<string, number> = {};
  FLUSH_CASES.forEach((k, i) => { res[k] = sorted(times[i]!)[times[i]!.length >> 1]!; });
  return res;
}

/** Run this script with `args` in a fresh child process and parse the JSON of its last line. */
function childJson<T>(args: string[]): T {
  const script = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [...process.execArgv, script, ...args, ...(QUICK ? ['--quick'] : [])], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

/** Run one (policy, case) job in a fresh child process and parse its JSON line. */
function inChild(policy: TlbPolicy, index: number): Result {
  return childJson<Result>(['--job', policy, String(index)]);
}

/** Run a job in PROCESSES children: the best run, and the median of the per-process medians. */
function inChildren(policy: TlbPolicy, index: number): Result {
  const runs = Array.from({ length: PROCESSES }, () => inChild(policy, index));
  const medians = sorted(runs.map((r) => r.medianNs));
  return { ...runs[0]!, minNs: Math.min(...runs.map((r) => r.minNs)), medianNs: medians[medians.length >> 1]! };
}

/** Print the table (and the JSON when asked). */
function main(): void {
  if (process.argv.includes('--flush-job')) {
    console.log(JSON.stringify(measureFlushes()));
    return;
  }
  const job = process.argv.indexOf('--job');
  if (job >= 0) {
    const policy = process.argv[job + 1] as TlbPolicy;
    console.log(JSON.stringify(measure(policy, CASES[Number(process.argv[job + 2])]!)));
    return;
  }
  console.log(`TlbHierarchy micro-benchmark: Node ${process.version}, ${ACCESSES} accesses x ${REPS} reps per process, ${PROCESSES} process(es) per case`);
  console.log('default geometry (L1 64 fully assoc., L2 2048 16-way), PCIDs on; PWC 32 entries in the last case');
  console.log(`${'policy'.padEnd(7)} ${'case'.padEnd(32)} ${'best ns'.padStart(8)} ${'median ns'.padStart(10)} ${'M/s'.padStart(7)}  outcome`);
  const results: Result[] = [];
  for (const policy of ['lru', 'plru', 'random'] as const) {
    CASES.forEach((c, i) => {
      if (c.pwc && policy !== 'lru') return;
      const r = inChildren(policy, i);
      results.push(r);
      const rate = (1000 / r.medianNs).toFixed(1);
      console.log(`${policy.padEnd(7)} ${r.name.padEnd(32)} ${r.minNs.toFixed(2).padStart(8)} ${r.medianNs.toFixed(2).padStart(10)} ${rate.padStart(7)}  ${(r.share * 100).toFixed(1)}% ${r.expect}`);
    });
  }
  const flushes = childJson<Record<string, number>>(['--flush-job']);
  console.log('\ninvalidations (lru, PCIDs on; median host time):');
  for (const [k, ns] of Object.entries(flushes)) console.log(`  ${k.padEnd(36)} ${ns >= 10_000 ? `${(ns / 1000).toFixed(1)} us` : `${ns.toFixed(0)} ns`}`);
  if (process.argv.includes('--json')) console.log(JSON.stringify({ lookups: results, flushes }));
}

main();
