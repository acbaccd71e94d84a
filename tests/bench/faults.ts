// Section 2: page faults per second by type. Each repetition maps fresh memory, then times one
// touch() over every page (the user access, the walk, the fault and the retry: what a native
// fault costs too), and reads the fault counters to check the type and count faults.
import { createLab, type Lab } from '../../src-engine/lab';
import type { FaultType } from '../../src-engine/mm/memory_fault';
import type { file, mm_struct } from '../../src-engine/mm/mm_types';
import { interleaved, summarize, timeNs, type BenchSizes, type Summary } from './measure';
import { PAGE, cachedFile, counters, mapAnon, mapFile, ok } from './labkit';

/** One fault row. */
export interface FaultRow {
  name: string;
  type: FaultType;
  pages: number;
  /** Faults of `type` per repetition (fault-around maps 16 pages per fault). */
  faults: number;
  faults_per_page: number;
  /** Host µs per fault of `type`: the timed touch() divided by that count. */
  host_us: Summary;
  faults_per_sec: number;
  /** Host ns per page touched (what fault-around is compared by). */
  host_ns_per_page: number;
  sim_cycles_per_fault: number;
}

/** What a repetition leaves to time: the touch to run, and the cleanup afterwards. */
interface Prepared { run: () => void; cleanup: () => void }

/** One fault case: how to set up a repetition over `pages` pages. */
interface FaultCase {
  name: string;
  type: FaultType;
  prepare: (lab: Lab, pages: number, shared: Shared) => Prepared;
}

/** State shared by the repetitions: the process and the cached file. */
interface Shared { mm: mm_struct; file: file }

/** touch() over [addr, +pages) of mm in `mode` on CPU 0. */
const touchAll = (lab: Lab, mm: mm_struct, addr: number, pages: number, mode: 'r' | 'w') => (): void => {
  lab.touch(mm, addr, pages * PAGE, mode);
};

/** A fresh anon mapping touched in `mode`. */
function anonCase(lab: Lab, pages: number, s: Shared, mode: 'r' | 'w'): Prepared {
  const addr = mapAnon(lab, s.mm, pages);
  return { run: touchAll(lab, s.mm, addr, pages, mode), cleanup: () => ok('munmap', lab.munmap(s.mm, addr, pages * PAGE)) };
}

/** A fresh shared mapping of the cached file, touched in `mode`. */
function fileCase(lab: Lab, pages: number, s: Shared, mode: 'r' | 'w'): Prepared {
  const addr = mapFile(lab, s.mm, s.file, pages, mode === 'w');
  return { run: touchAll(lab, s.mm, addr, pages, mode), cleanup: () => ok('munmap', lab.munmap(s.mm, addr, pages * PAGE)) };
}

/** A written anon region in a new parent, forked; `childGone` drops the child before the timed
 *  part (so the parent's writes reuse its pages), else the child's writes copy them. */
function forkCase(lab: Lab, pages: number, childGone: boolean): Prepared {
  const parent = lab.mm_alloc();
  const addr = mapAnon(lab, parent, pages);
  lab.touch(parent, addr, pages * PAGE, 'w');
  const child = lab.fork(parent);
  if (childGone) lab.mmput(child);
  const writer = childGone ? parent : child;
  return {
    run: touchAll(lab, writer, addr, pages, 'w'),
    cleanup: () => { if (!childGone) lab.mmput(child); lab.mmput(parent); },
  };
}

export const FAULT_CASES: readonly FaultCase[] = [
  { name: 'zero-page read', type: 'zero-page', prepare: (lab, n, s) => anonCase(lab, n, s, 'r') },
  { name: 'anon write', type: 'anon', prepare: (lab, n, s) => anonCase(lab, n, s, 'w') },
  { name: 'file read, fault-around', type: 'fault-around', prepare: (lab, n, s) => fileCase(lab, n, s, 'r') },
  { name: 'COW after fork (copy)', type: 'wp-copy', prepare: (lab, n) => forkCase(lab, n, false) },
  { name: 'wp-reuse after child exit', type: 'wp-reuse', prepare: (lab, n) => forkCase(lab, n, true) },
  { name: 'shared file write', type: 'shared', prepare: (lab, n, s) => fileCase(lab, n, s, 'w') },
];

/** One timed touch of a case: host µs per fault of its type, that count, and their simulated cycles. */
interface Once { us: number; faults: number; cycles: number }

/** Prepares, times and cleans up one repetition of c; throws if no fault of c's type happened. */
export function faultOnce(lab: Lab, c: FaultCase, pages: number, s: Shared): Once {
  const names = [`faults.${c.type}`, `fault_cycles.${c.type}`];
  const p = c.prepare(lab, pages, s);
  const before = counters(lab, names);
  const ns = timeNs(p.run);
  const after = counters(lab, names);
  p.cleanup();
  const faults = after[0]! - before[0]!;
  if (faults <= 0) throw new Error(`fault bench '${c.name}': touch took no ${c.type} fault`);
  return { us: ns / faults / 1e3, faults, cycles: after[1]! - before[1]! };
}

/** The row of case c from its timed repetitions. */
function faultRow(c: FaultCase, pages: number, runs: Once[]): FaultRow {
  const host = summarize(runs.map((r) => r.us));
  const { faults, cycles } = runs[runs.length - 1]!;
  return {
    name: c.name, type: c.type, pages, faults, faults_per_page: faults / pages, host_us: host,
    faults_per_sec: 1e6 / host.median, host_ns_per_page: (host.median * 1e3 * faults) / pages,
    sim_cycles_per_fault: cycles / faults,
  };
}

/**
 * Section 2: every fault case on one single-CPU machine, the cases interleaved per repetition;
 * beforeRound(r), if given, runs before each timed round (the native counterpart's repetition,
 * so that both sides of a lab/native ratio are timed in the same minute).
 */
export function measureFaults(sizes: BenchSizes, beforeRound?: (r: number) => void): FaultRow[] {
  const pages = sizes.faultPages;
  const lab = createLab({ cpus: 1, ram_mb: Math.max(64, Math.ceil((pages * PAGE * 4) / 2 ** 20) + 32) });
  const s: Shared = { mm: lab.mm_alloc(), file: cachedFile(lab, 'bench-fault', pages) };
  const once = (c: FaultCase) => faultOnce(lab, c, pages, s);
  const runs = interleaved(FAULT_CASES, sizes.reps, once, once, beforeRound);
  return FAULT_CASES.map((c, i) => faultRow(c, pages, runs[i]!));
}
