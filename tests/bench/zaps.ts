// Section 3: zap throughput per API. Each repetition populates a fresh range (untimed), then
// times the single call that zaps it, as the native zap.c times the single syscall. Simulated
// cycles come from machine_stats().cycles around the call; the pte count from Machine.zapped.
import { createLab, labMachine, type Lab } from '../../src-engine/lab';
import type { file, mm_struct } from '../../src-engine/mm/mm_types';
import { interleaved, summarize, timeNs, zapReps, type BenchSizes, type Summary } from './measure';
import { PAGE, cachedFile, mapAnon, mapFile, ok, simCycles } from './labkit';

/** One zap row. */
export interface ZapRow {
  api: string;
  what: string;
  pages: number;
  /** Present ptes the call cleared (checks that the range really was populated). */
  ptes_zapped: number;
  host_ns_per_page: Summary;
  pages_per_sec: number;
  sim_cycles_per_page: number;
}

/** The call to time over a populated range, and the cleanup after it. */
interface Prepared { zap: () => void; cleanup: () => void }

interface ZapCase {
  api: string;
  what: string;
  prepare: (lab: Lab, mm: mm_struct, pages: number) => Prepared;
}

/** A fresh anon range of `pages` written pages. */
function populatedAnon(lab: Lab, mm: mm_struct, pages: number): number {
  const addr = mapAnon(lab, mm, pages);
  lab.touch(mm, addr, pages * PAGE, 'w');
  return addr;
}

/** An anon range populated by writes, zapped by `zap(lab, mm, addr, len)`; munmapped afterwards unless the zap did it. */
function anonCase(zap: (lab: Lab, mm: mm_struct, addr: number, len: number) => void, unmaps = false) {
  return (lab: Lab, mm: mm_struct, pages: number): Prepared => {
    const addr = populatedAnon(lab, mm, pages), len = pages * PAGE;
    return { zap: () => zap(lab, mm, addr, len), cleanup: () => { if (!unmaps) ok('munmap', lab.munmap(mm, addr, len)); } };
  };
}

/** A shared mapping of a new cached tmpfs file, every page written through it, zapped by `zap(lab, f, len)`. */
function fileCase(zap: (lab: Lab, f: file, len: number) => void) {
  let serial = 0;
  return (lab: Lab, mm: mm_struct, pages: number): Prepared => {
    const f = cachedFile(lab, `bench-zap-${serial++}`, pages);
    const addr = mapFile(lab, mm, f, pages, true), len = pages * PAGE;
    lab.touch(mm, addr, len, 'w');
    return {
      zap: () => zap(lab, f, len),
      cleanup: () => { ok('munmap', lab.munmap(mm, addr, len)); ok('ftruncate', lab.ftruncate(f, 0)); },
    };
  };
}

export const ZAP_CASES: readonly ZapCase[] = [
  { api: 'zap_page_range', what: 'anon, written', prepare: anonCase((lab, mm, a, len) => lab.zap_page_range(lab.find_vma(mm, a), a, len)) },
  { api: 'MADV_DONTNEED', what: 'anon, written', prepare: anonCase((lab, mm, a, len) => ok('madvise', lab.madvise(mm, a, len, lab.MADV_DONTNEED))) },
  { api: 'munmap', what: 'anon, written', prepare: anonCase((lab, mm, a, len) => ok('munmap', lab.munmap(mm, a, len)), true) },
  { api: 'unmap_mapping_range', what: 'shared tmpfs, cache kept', prepare: fileCase((lab, f, len) => lab.unmap_mapping_range(f.f_mapping, 0, len, false)) },
  { api: 'ftruncate', what: 'shared tmpfs, mapped', prepare: fileCase((lab, f) => ok('ftruncate', lab.ftruncate(f, 0))) },
];

/** One timed zap: host ns per page, simulated cycles of the call and the ptes it cleared. */
interface Once { ns: number; cycles: number; ptes: number }

/** Populates, times and cleans up one zap of c over `pages` pages. */
export function zapOnce(lab: Lab, mm: mm_struct, c: ZapCase, pages: number): Once {
  const m = labMachine(lab);
  const p = c.prepare(lab, mm, pages);
  const c0 = simCycles(lab), z0 = m.zapped;
  const ns = timeNs(p.zap);
  const once = { ns: ns / pages, cycles: simCycles(lab) - c0, ptes: m.zapped - z0 };
  p.cleanup();
  return once;
}

/** The row of case c from its timed repetitions. */
function zapRow(c: ZapCase, pages: number, runs: Once[]): ZapRow {
  const host = summarize(runs.map((r) => r.ns));
  const last = runs[runs.length - 1]!;
  return {
    api: c.api, what: c.what, pages, ptes_zapped: last.ptes, host_ns_per_page: host,
    pages_per_sec: 1e9 / host.median, sim_cycles_per_page: last.cycles / pages,
  };
}

/**
 * Section 3: every API at every size, interleaved per repetition; a machine per size.
 * beforeRound(pages, r), if given, runs before each timed round (see measureFaults).
 */
export function measureZaps(sizes: BenchSizes, beforeRound?: (pages: number, r: number) => void): ZapRow[] {
  const rows: ZapRow[] = [];
  for (const pages of sizes.zapPages) {
    const lab = createLab({ cpus: 1, ram_mb: Math.ceil((pages * PAGE * 2.5) / 2 ** 20) + 64 });
    const mm = lab.mm_alloc();
    const reps = zapReps(sizes, pages);
    const runs = interleaved(ZAP_CASES, reps, (c) => zapOnce(lab, mm, c, pages), (c) => zapOnce(lab, mm, c, Math.min(pages, 4096)),
      beforeRound && ((r) => beforeRound(pages, r)));
    ZAP_CASES.forEach((c, i) => rows.push(zapRow(c, pages, runs[i]!)));
  }
  return rows;
}
