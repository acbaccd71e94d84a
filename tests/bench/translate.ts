// Section 1: host translations per second on one simulated CPU under the deterministic
// scheduler. Two pointer chases over populated anonymous pages, one node per page as in the
// native tlb.c: a small one whose pages all stay in the L1 dTLB, and a large one where every
// access misses both TLB levels and walks the page tables.
import { createLab, type Lab } from '../../src-engine/lab';
import { createAccessStream, type Workload } from '../../src-engine/workload/patterns';
import { readAheadBlock } from '../../src-engine/workload/stream';
import type { RunResult } from '../../src-engine/smp/scheduler';
import { itemsForBudget, referenceLoopNs, repeat, summarize, timeNs, type BenchSizes, type Summary } from './measure';

/** The region every chase uses (one page-aligned user address). */
export const CHASE_BASE = 0x10000000;

/** One translation row: host ns per access and what the simulated MMU saw. */
export interface TranslationRow {
  name: string;
  pages: number;
  accesses: number;
  /** Host ns per access, whole run_workloads call (stream, scheduler, MMU, counters). */
  host_ns: Summary;
  /** Millions of accesses per host second at the median. */
  m_per_s: number;
  /** Host ns per access spent only generating the same stream (part of host_ns). */
  stream_ns: number;
  /** Host ns per step of the reference loop, timed just before each repetition (measure.ts referenceLoopNs). */
  reference_ns: Summary;
  sim_cycles_per_access: number;
  walks_per_access: number;
  l1_hit_rate: number;
}

/** A lab with `cpus` CPUs and one mm whose anon region [CHASE_BASE, +pages) is written once. */
export function populatedLab(cpus: number, pages: number): { lab: Lab; mm: ReturnType<Lab['mm_alloc']> } {
  const ram_mb = Math.max(64, Math.ceil((pages * 4096 * 1.25) / 2 ** 20) + 32);
  const lab = createLab({ cpus, ram_mb });
  const mm = lab.mm_alloc();
  const len = pages * 4096;
  const addr = lab.mmap(mm, CHASE_BASE, len, lab.PROT_READ | lab.PROT_WRITE, lab.MAP_PRIVATE | lab.MAP_ANONYMOUS | lab.MAP_FIXED);
  if (addr !== CHASE_BASE) throw new Error(`populatedLab: mmap failed with ${addr}`);
  lab.touch(mm, CHASE_BASE, len, 'w');
  return { lab, mm };
}

/** A read-only pointer chase over `pages` pages from `base`. */
export function chase(base: number, pages: number, accesses: number, seed = 1): Workload {
  return { kind: 'pointer_chase', base, pages, accesses, write_fraction: 0, seed };
}

/** Runs one job per workload, on CPUs 0.. in order; returns host ns and the run's result. */
export function timedRun(lab: Lab, mm: ReturnType<Lab['mm_alloc']>, workloads: Workload[]): { ns: number; res: RunResult } {
  let res: RunResult | null = null;
  const jobs = workloads.map((workload, cpu) => ({ cpu, mm, workload }));
  const ns = timeNs(() => { res = lab.run_workloads(jobs); });
  return { ns, res: res! };
}

/** The value of counter `name` in a run's stats (0 if absent). */
export function counter(res: RunResult, name: string): number {
  return res.stats.counters[name]?.value ?? 0;
}

/** Host ns per access of generating workload w alone, in batches of `batch` (what the scheduler reads ahead by). */
export function streamNs(w: Workload, batch: number): number {
  const addrs = new Float64Array(batch), writes = new Uint8Array(batch);
  const s = createAccessStream(w, 0);
  let sink = 0;
  const ns = timeNs(() => { for (let n = s.fill(addrs, writes); n > 0; n = s.fill(addrs, writes)) sink += addrs[n - 1]!; });
  if (sink < 0) console.log(sink); // keeps the loop alive
  return ns / w.accesses;
}

/** Measures one chase: a warm-up run, a calibration run that sizes the repetitions to the budget, then `reps` timed runs. */
export function measureChase(sizes: BenchSizes, name: string, pages: number): TranslationRow {
  const { lab, mm } = populatedLab(1, pages);
  const probe = Math.max(pages * 2, 20_000);
  timedRun(lab, mm, [chase(CHASE_BASE, pages, probe)]); // warm-up: JIT and TLB
  const calib = timedRun(lab, mm, [chase(CHASE_BASE, pages, probe, 99)]);
  const accesses = itemsForBudget(sizes.translateBudgetNs, calib.ns / probe, 10_000, 50_000_000);
  const results: RunResult[] = [], reference: number[] = [];
  const host = repeat(sizes.reps, (i) => {
    reference.push(referenceLoopNs());
    const { ns, res } = timedRun(lab, mm, [chase(CHASE_BASE, pages, accesses, i + 2)]);
    results.push(res);
    return ns / accesses;
  });
  const res = results[results.length - 1]!;
  const n = counter(res, 'accesses');
  return {
    name, pages, accesses, host_ns: host, m_per_s: 1e3 / host.median,
    stream_ns: streamNs(chase(CHASE_BASE, pages, accesses), readAheadBlock(lab.machine_config().quantum)),
    reference_ns: summarize(reference),
    sim_cycles_per_access: res.cycles / accesses,
    walks_per_access: counter(res, 'walks') / n,
    l1_hit_rate: counter(res, 'l1_tlb_hits') / n,
  };
}

/** Section 1: the TLB-hit chase and the every-access-walks chase. */
export function measureTranslations(sizes: BenchSizes): TranslationRow[] {
  return [
    measureChase(sizes, 'TLB hit (L1)', sizes.hitPages),
    measureChase(sizes, 'TLB miss + walk', sizes.walkPages),
  ];
}
