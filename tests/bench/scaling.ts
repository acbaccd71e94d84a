// Section 5: scaling from 1 to N CPUs. Parallel mode (a worker thread per CPU) is asked for
// first; while the engine refuses it, its rows say so with the engine's reason instead of a
// figure. The deterministic scheduler's rows run the same jobs on one thread: each CPU a thread
// of one process chasing its own 32-page (L1-resident) region, the same total accesses for
// every CPU count, so host throughput shows the scheduler's overhead and simulated throughput
// the modelled speed-up.
import { createLab, type Lab } from '../../src-engine/lab';
import type { MachineConfig } from '../../src-engine/params';
import { itemsForBudget, repeat, warmUntilSettled, type BenchSizes, type Summary } from './measure';
import { CHASE_BASE, chase, counter, timedRun } from './translate';
import { PAGE } from './labkit';

export interface ScalingRow {
  cpus: number;
  accesses: number;
  /** Total accesses per host second, millions, over all CPUs. */
  host_m_per_s: Summary;
  /** Host throughput relative to the 1-CPU row. */
  host_speedup: number;
  /** Accesses per simulated cycle over all CPUs (until the last one finishes). */
  sim_accesses_per_cycle: number;
  sim_speedup: number;
}

export interface ScalingResult {
  /** Parallel mode: rows, or why there are none. */
  parallel: { measured: true; rows: ScalingRow[] } | { measured: false; reason: string };
  deterministic: ScalingRow[];
}

const REGION_PAGES = 32;

/** A lab of `cpus` CPUs in `mode` whose mm has one populated 32-page region per CPU. */
function scalingLab(cpus: number, mode: MachineConfig['mode']): { lab: Lab; mm: ReturnType<Lab['mm_alloc']> } {
  const lab = createLab({ cpus, mode, ram_mb: 64 });
  const mm = lab.mm_alloc();
  const len = cpus * REGION_PAGES * PAGE;
  const addr = lab.mmap(mm, CHASE_BASE, len, lab.PROT_READ | lab.PROT_WRITE, lab.MAP_PRIVATE | lab.MAP_ANONYMOUS | lab.MAP_FIXED);
  if (addr !== CHASE_BASE) throw new Error(`scalingLab: mmap failed with ${addr}`);
  for (let c = 0; c < cpus; c++) lab.touch(mm, CHASE_BASE + c * REGION_PAGES * PAGE, REGION_PAGES * PAGE, 'w', c);
  return { lab, mm };
}

/** One chase per CPU over its own region, `total` accesses split evenly. */
const jobsFor = (cpus: number, total: number, seed: number) =>
  Array.from({ length: cpus }, (_, c) => chase(CHASE_BASE + c * REGION_PAGES * PAGE, REGION_PAGES, Math.ceil(total / cpus), seed + c));

/** Untimed runs of `total` accesses until the rate settles (see warmUntilSettled); the best host ns per access seen. */
function warmUp(lab: Lab, mm: ReturnType<Lab['mm_alloc']>, cpus: number, total: number): number {
  return 1 / warmUntilSettled((w) => {
    const { ns, res } = timedRun(lab, mm, jobsFor(cpus, total, 1000 + w));
    return counter(res, 'accesses') / ns;
  });
}

/** Rows for every CPU count in `mode`, the same total accesses each (sized on one CPU). */
export function measureScalingRows(sizes: BenchSizes, mode: MachineConfig['mode']): ScalingRow[] {
  const one = scalingLab(1, mode);
  // Sized from the settled rate, not a fresh worker's first run: runs sized from that one were
  // ~20 ms long, too short for a parallel run's start and end to be negligible.
  const nsPerAccess = warmUp(one.lab, one.mm, 1, Math.max(100_000, Math.round(sizes.scalingBudgetNs / 100)));
  const total = itemsForBudget(sizes.scalingBudgetNs, nsPerAccess, 10_000, 50_000_000);
  const rows: ScalingRow[] = [];
  for (const cpus of sizes.scalingCpus) {
    const { lab, mm } = cpus === 1 ? one : scalingLab(cpus, mode);
    if (cpus !== 1) timedRun(lab, mm, jobsFor(cpus, 100_000, 1)); // warm-up: starts the CPU workers, JITs them
    warmUp(lab, mm, cpus, total);
    let simRate = 0;
    const host = repeat(sizes.reps, (i) => {
      const { ns, res } = timedRun(lab, mm, jobsFor(cpus, total, 10 * i + 3));
      const n = counter(res, 'accesses');
      simRate = n / res.cycles;
      return (n / ns) * 1e3;
    });
    const base = rows[0] ?? { host_m_per_s: host, sim_accesses_per_cycle: simRate };
    rows.push({
      cpus, accesses: total, host_m_per_s: host, host_speedup: host.median / base.host_m_per_s.median,
      sim_accesses_per_cycle: simRate, sim_speedup: simRate / base.sim_accesses_per_cycle,
    });
  }
  return rows;
}

/** Why the engine refuses parallel mode, or null if it builds a parallel machine. */
export function parallelUnavailable(): string | null {
  try {
    createLab({ cpus: 2, mode: 'parallel', ram_mb: 16 });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Parallel-mode rows, or why there are none (the engine refuses the mode, or a run failed). */
function parallelRows(sizes: BenchSizes): ScalingResult['parallel'] {
  const reason = parallelUnavailable();
  if (reason !== null) return { measured: false, reason: `parallel mode not built: ${reason}` };
  try {
    return { measured: true, rows: measureScalingRows(sizes, 'parallel') };
  } catch (e) {
    return { measured: false, reason: `parallel run failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Section 5: parallel rows if the engine has the mode, and the deterministic rows. */
export function measureScaling(sizes: BenchSizes): ScalingResult {
  return { parallel: parallelRows(sizes), deterministic: measureScalingRows(sizes, 'deterministic') };
}
