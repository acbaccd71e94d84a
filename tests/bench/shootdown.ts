// Section 4: the TLB-shootdown round trip between two CPUs. A 2-CPU machine whose mm is loaded
// on both (each touched the range) zaps one page at a time with MADV_DONTNEED from CPU 0, so
// each call sends exactly one IPI to CPU 1. The same calls with only CPU 0 holding the mm give
// the zap's own cost; the difference is the round trip. Deterministic mode: the IPI is handled
// on this thread, so this is the host cost of the IPI path, not a cross-thread handoff.
import { createLab, type Lab } from '../../src-engine/lab';
import type { mm_struct } from '../../src-engine/mm/mm_types';
import { median, nowNs, summarize, timeNs, warmUntilSettled, type BenchSizes, type Summary } from './measure';
import { PAGE, counters, mapAnon, ok, simCycles } from './labkit';

export interface ShootdownResult {
  ops: number;
  /**
   * Parallel mode: host µs of a single-page MADV_DONTNEED from the script's thread (the median
   * call of each rep) while CPU 1's worker runs the mm (each call sends it an IPI and waits for
   * the ack), and the same call while the worker is idle (no IPI: its TLB is flushed directly);
   * the round trip is the difference of their medians. An error if parallel mode could not run.
   */
  parallel: { host_us_while_running: Summary; host_us_idle: Summary; host_us_round_trip: number } | { error: string };
  /** IPIs sent per call with the mm loaded on both CPUs (should be 1). */
  ipis_per_op: number;
  /** Host µs per single-page MADV_DONTNEED with, and without, a remote CPU to shoot down. */
  host_us_with_ipi: Summary;
  host_us_local: Summary;
  /** Paired differences (with IPI - without): host µs per shootdown round trip. */
  host_us_round_trip: Summary;
  sim_cycles_with_ipi: number;
  sim_cycles_local: number;
  sim_cycles_round_trip: number;
}

interface OpTimes { us: number; cycles: number; ipis: number }

/** Populates `ops` pages on the given CPUs, then zaps them one page per call from CPU 0. */
function zapPages(lab: Lab, mm: mm_struct, ops: number, cpus: readonly number[]): OpTimes {
  const addr = mapAnon(lab, mm, ops);
  for (const cpu of cpus) lab.touch(mm, addr, ops * PAGE, 'w', cpu);
  const [ipi0] = counters(lab, ['shootdowns_sent']);
  const c0 = simCycles(lab);
  const ns = timeNs(() => {
    for (let i = 0; i < ops; i++) ok('madvise', lab.madvise(mm, addr + i * PAGE, PAGE, lab.MADV_DONTNEED));
  });
  const cycles = simCycles(lab) - c0;
  const [ipi1] = counters(lab, ['shootdowns_sent']);
  ok('munmap', lab.munmap(mm, addr, ops * PAGE));
  return { us: ns / ops / 1e3, cycles: cycles / ops, ipis: (ipi1! - ipi0!) / ops };
}

/** A fresh 2-CPU machine and mm, sized for one range of `ops` pages, its code paths warmed up. */
function warmMachine(ops: number, cpus: readonly number[]): { lab: Lab; mm: mm_struct } {
  const lab = createLab({ cpus: 2, ram_mb: 64 + Math.ceil((ops * PAGE * 2) / 2 ** 20) });
  const mm = lab.mm_alloc();
  zapPages(lab, mm, ops, cpus);
  return { lab, mm };
}

/**
 * Section 4: the round trip as the median of paired differences, (zap with CPU 1 holding the
 * mm) - (zap with CPU 0 alone), over 3 × reps pairs whose order alternates (ABBA) so that drift
 * cancels.
 */
export function measureShootdown(sizes: BenchSizes): ShootdownResult {
  const ops = sizes.shootdownOps;
  const remote = warmMachine(ops, [1, 0]), local = warmMachine(ops, [0]);
  const withIpi: OpTimes[] = [], alone: OpTimes[] = [];
  const runRemote = () => withIpi.push(zapPages(remote.lab, remote.mm, ops, [1, 0]));
  const runLocal = () => alone.push(zapPages(local.lab, local.mm, ops, [0]));
  for (let r = 0; r < sizes.reps * 3; r++) {
    if (r % 2 === 0) { runRemote(); runLocal(); } else { runLocal(); runRemote(); }
  }
  const us = (xs: OpTimes[]) => summarize(xs.map((x) => x.us));
  return {
    ops,
    parallel: measureParallel(Math.min(ops, 2000), sizes.reps),
    ipis_per_op: withIpi[0]!.ipis,
    host_us_with_ipi: us(withIpi),
    host_us_local: us(alone),
    host_us_round_trip: summarize(withIpi.map((x, i) => x.us - alone[i]!.us)),
    sim_cycles_with_ipi: withIpi[0]!.cycles,
    sim_cycles_local: alone[0]!.cycles,
    sim_cycles_round_trip: withIpi[0]!.cycles - alone[0]!.cycles,
  };
}

/**
 * The cross-thread round trip: one worker CPU chases a small region of the mm (so it holds the
 * mm loaded) while the script's thread zaps other pages of it one by one; each zap's flush
 * sends that CPU an IPI and waits for its ack. Compared with the same zaps while the worker is
 * idle (its TLB flushed directly). Each call is timed on its own and a rep's figure is its
 * median call: a call that waited for a descheduled thread (tens of µs to ms on this VM, a few
 * per thousand) moves a median by nothing, a mean per rep by a lot. The worker first chases
 * until its rate settles: an IPI waits for the receiver's next quantum boundary, and a fresh
 * worker's quanta are several times longer than a warm one's.
 */
function measureParallel(ops: number, reps: number): ShootdownResult['parallel'] {
  let lab: Lab | null = null;
  try {
    lab = createLab({ cpus: 2, ram_mb: 64, mode: 'parallel' });
    const L = lab;
    const mm = L.mm_alloc();
    const chase = mapAnon(L, mm, 32);
    L.touch(mm, chase, 32 * PAGE, 'w', 1);
    const chaseJob = (accesses: number) => [{ cpu: 1, mm, workload: { kind: 'pointer_chase' as const, base: chase, pages: 32, write_fraction: 0, accesses, seed: 1 } }];
    warmUntilSettled(() => {
      const t0 = nowNs();
      L.run_workloads(chaseJob(Math.min(2_000_000, ops * 1000)), { quantum: 64 }); // ~20 ms per run at full size
      return 1 / (nowNs() - t0);
    });
    zapCalls(L, mm, ops); // the zap path's own warm-up, on this thread
    const running: number[] = [], idle: number[] = [];
    for (let r = 0; r < Math.max(3, reps); r++) {
      let done = false;
      L.run_workloads(chaseJob(2_000_000_000), {
        every: { ms: 5, run: () => { if (!done) { running.push(median(zapCalls(L, mm, ops))); done = true; } } },
        quantum: 64,
        stop: () => done,
      });
      idle.push(median(zapCalls(L, mm, ops)));
    }
    const a = summarize(running), b = summarize(idle);
    return { host_us_while_running: a, host_us_idle: b, host_us_round_trip: a.median - b.median };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    lab?.reset_machine({ ram_mb: 4, cpus: 1 });
  }
}

/** Maps `ops` fresh written pages and zaps them one by one with MADV_DONTNEED; host µs of each call. */
function zapCalls(L: Lab, mm: mm_struct, ops: number): number[] {
  const addr = L.mmap(mm, 0, ops * PAGE, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_POPULATE);
  if (addr < 0) throw new Error(`mmap failed with ${addr}`);
  const us: number[] = [];
  for (let i = 0; i < ops; i++) {
    const t0 = nowNs();
    ok('madvise', L.madvise(mm, addr + i * PAGE, PAGE, L.MADV_DONTNEED));
    us.push((nowNs() - t0) / 1e3);
  }
  ok('munmap', L.munmap(mm, addr, ops * PAGE));
  return us;
}
