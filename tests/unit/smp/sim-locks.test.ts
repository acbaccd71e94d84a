// mmap_sem contention in deterministic runs, modelled in simulated time: a kernel call from an
// `every` callback holds mmap_sem for write over the cycles it costs, and faults on other CPUs
// that take it for read inside that window wait, counted under lock_contended/lock_wait_cycles.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';
import { RwSemaphore, simulatedLocks } from '../../../src-engine/kernel/locking';

const PG = 4096;

/** n CPUs (1..n) faulting fresh pages of one mm, with or without a mapper on CPU 0. */
function run(n: number, mapper: boolean, seed = 1) {
  const L = createLab({ ram_mb: 64, cpus: n + 1, seed });
  const mm = L.mm_alloc();
  const jobs = Array.from({ length: n }, (_, i) => {
    const base = L.mmap(mm, 0, 256 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
    return { cpu: i + 1, mm, workload: { kind: 'strided' as const, base, pages: 256, stride: PG, write_fraction: 1, accesses: 256, seed: i } };
  });
  const every = { cycles: 250_000, run: () => {
    const a = L.mmap(mm, 0, 32 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_POPULATE);
    L.munmap(mm, a, 32 * PG);
  } };
  L.trace_start(['lock_wait']);
  const r = L.run_workloads(jobs, { quantum: 1, ...(mapper ? { every } : {}) });
  return { r, waits: L.trace_stop(), contended: r.stats.counters['lock_contended.mmap_sem']!, cycles: r.stats.counters['lock_wait_cycles.mmap_sem']! };
}

describe('simulated mmap_sem contention (deterministic mode)', () => {
  it('faults wait for a mapper holding mmap_sem for write, and the waits grow with the CPUs', () => {
    const one = run(1, true), four = run(4, true);
    expect(one.contended.value).toBeGreaterThan(0);
    expect(one.contended.unit).toBe('acquisitions');
    expect(one.cycles.unit).toBe('cycles');
    expect(one.contended.perCpu[0]).toBe(0); // the mapper itself never waits
    expect(four.contended.value).toBeGreaterThan(2 * one.contended.value);
    expect(four.cycles.value).toBeGreaterThan(2 * one.cycles.value);
    expect(four.waits.length).toBe(four.contended.value);
    expect(four.waits.every((e) => e['lock'] === 'mmap_sem' && (e['cycles'] as number) > 0)).toBe(true);
  });

  it('without a writer nothing waits', () => {
    expect(run(4, false).contended.value).toBe(0);
  });

  it('reproduces: the same seed gives the same waits', () => {
    expect(run(2, true, 5).cycles.perCpu).toEqual(run(2, true, 5).cycles.perCpu);
  });

  it('a reader inside a write hold waits until its end; before or after it does not wait', () => {
    const sem = new RwSemaphore(new Int32Array(new SharedArrayBuffer(4)), 0, 'test');
    let now = 100;
    const waits: number[] = [];
    Object.assign(simulatedLocks, { clock: () => now, wait: (_k: number, c: number) => waits.push(c) });
    try {
      sem.down_write(); now = 400; sem.up_write(); // held over [100, 400)
      for (const t of [99, 100, 250, 399, 400]) { now = t; sem.down_read(); sem.up_read(); }
    } finally { Object.assign(simulatedLocks, { clock: null, wait: null }); }
    expect(waits).toEqual([300, 150, 1]);
  });
});
