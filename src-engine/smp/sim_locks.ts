// mmap_sem contention in deterministic runs. Every CPU runs on one thread there, so a lock is
// never really waited for; instead the wait is modelled in simulated time (kernel/locking.ts
// simulatedLocks): an `every` callback runs as CPU 0's process context from its simulated time
// t, a write hold spans the cycles its kernel call charged, and a CPU whose fault takes
// mmap_sem for read inside that window waits until it ends. The waits are counted as in
// parallel mode (lock_contended.mmap_sem, lock_wait_cycles.mmap_sem) and traced (lock_wait).
import type { Machine } from '../machine';
import { simulatedLocks } from '../kernel/locking';
import { recordLockWait, LOCKS } from '../metrics/catalog';
import type { RunOptions } from './scheduler';

/** Charge a simulated lock wait to the CPU running now: counted, traced, and added to its clock. */
function simulatedWait(m: Machine, kind: number, cycles: number): void {
  const cpu = m.cpus[m.current_cpu]!;
  recordLockWait(cpu.stats, LOCKS[kind]!, cycles);
  if (m.trace.on('lock_wait')) m.trace.emit({ name: 'lock_wait', cpu: cpu.id, lock: LOCKS[kind], cycles, at: cpu.clock });
  cpu.clock += cycles;
}

/**
 * Run `body` (a deterministic run_workloads) with simulated mmap_sem contention, its `every`
 * callback starting CPU 0 no earlier than the callback's time. Parallel runs are passed through.
 */
export function withSimulatedLocks<R>(m: Machine, opts: RunOptions, body: (opts: RunOptions) => R): R {
  if (m.config.mode === 'parallel') return body(opts);
  const every = opts.every;
  const run = every && typeof every.run === 'function'
    ? { ...opts, every: { ...every, run: (t: number) => { const c0 = m.cpus[0]!; if (c0.clock < t) c0.clock = t; every.run(t); } } }
    : opts;
  const saved = { ...simulatedLocks };
  simulatedLocks.clock = () => m.cpus[m.current_cpu]!.clock;
  simulatedLocks.wait = (kind, cycles) => simulatedWait(m, kind, cycles);
  try { return body(run); } finally { Object.assign(simulatedLocks, saved); }
}
