// Parallel mode: while CPU workers run, the script's thread is no CPU. What its kernel calls
// account (zaps, shootdowns sent, faults of gup, contended lock waits) goes to the script
// thread's stats slot, the `script` part of a run's counters, not to CPU 0's block (which
// worker 0 writes meanwhile); totals are the CPUs' parts plus the script's.
import { describe, it, expect, afterEach } from 'vitest';
import { createLab, labMachine, type Lab } from '../../../src-engine/lab';
import type { StatsSnapshot } from '../../../src-engine/metrics/stats';

const PG = 4096;
let lab: Lab | null = null;
afterEach(() => { lab?.reset_machine({ ram_mb: 4, cpus: 1 }); lab = null; }); // stops the workers

/** Every counter's total is the sum of its per-CPU values plus its script part. */
function expectTotalsAdd(snap: StatsSnapshot): void {
  for (const [name, c] of Object.entries(snap.counters)) {
    expect(c.value, name).toBe(c.perCpu.reduce((a, b) => a + b, 0) + (c.script ?? 0));
    if ('script' in c) expect(c.script, name).not.toBe(0);
  }
}

describe("the script thread's accounting while CPU workers run", () => {
  it("zaps, their shootdowns and gup's faults from an every callback go to the script slot, not to CPU 0's", () => {
    const L = createLab({ ram_mb: 64, cpus: 2, mode: 'parallel' });
    lab = L;
    const mm = L.mm_alloc();
    const base = L.mmap(mm, 0, 1024 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
    const buf = new Uint8Array(8);
    let calls = 0, moved = 0;
    // Writes only: the workers take anon faults and never clear a pte, so they send no shootdown.
    const r = L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 1024, write_fraction: 1, accesses: 150_000, seed: cpu + 3 } })), {
      every: { ms: 1, run: () => {
        const at = base + (calls++ % 16) * 64 * PG;
        expect(L.madvise(mm, at, 64 * PG, L.MADV_DONTNEED)).toBe(0);
        moved += L.proc_mem_rw(mm, at, buf, 8, true); // gup faults the first page back in
      } },
    });
    expect(calls).toBeGreaterThan(0);
    const c = r.stats.counters;
    expect(c['pages_zapped.MADV_DONTNEED']!.perCpu).toEqual([0, 0]);
    expect(c['pages_zapped.MADV_DONTNEED']!.script).toBeGreaterThan(0);
    expect(c['zap_host_ns.MADV_DONTNEED']!.perCpu).toEqual([0, 0]);
    expect(c['zap_host_ns.MADV_DONTNEED']!.script).toBeGreaterThan(0);
    expect(c['shootdowns_sent']!.perCpu).toEqual([0, 0]);
    expect(c['shootdowns_sent']!.script).toBeGreaterThan(0);
    expect(moved).toBe(8 * calls);
    const scriptFaults = Object.entries(c).filter(([k]) => k.startsWith('faults.')).reduce((n, [, v]) => n + (v.script ?? 0), 0);
    expect(scriptFaults).toBeGreaterThan(0);
    // CPU 0's block holds its own job's work only: its faults are the ones its worker reported.
    r.cpus.forEach((o) => { expect(r.stats.formulas['faults_total']!.perCpu[o.cpu]).toBe(o.faults); });
    expect(r.stats.formulas['faults_total']!.value).toBe(r.cpus[0]!.faults + r.cpus[1]!.faults + scriptFaults);
    expect(r.stats.histograms['fault_latency_cycles.anon']!.count).toBe(c['faults.anon']!.value);
    expectTotalsAdd(r.stats);
    const life = L.machine_stats().counters['pages_zapped.MADV_DONTNEED']!;
    expect(life.script).toBe(c['pages_zapped.MADV_DONTNEED']!.script);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);

  it("a contended wait of the script's thread for a lock a worker holds is counted in the script slot and charged to no CPU's clock", () => {
    const L = createLab({ ram_mb: 64, cpus: 2, mode: 'parallel' });
    lab = L;
    const m = labMachine(L);
    const pages = Array.from({ length: 4 }, () => L.alloc_page(L.__GFP_ZERO)!);
    // A driver whose faults the worker delegates to this thread: the worker holds its mm's
    // mmap_sem for read until this thread has served the fault, which it does while it waits.
    const dev = L.device_create('drv', { mmap: (_f, vma) => {
      vma.vm_flags |= L.VM_MIXEDMAP;
      vma.vm_ops = { fault: (_v, vmf) => { const p = pages[vmf.pgoff % 4]!; L.get_page(p); vmf.page = p; return 0; } };
      return 0;
    } });
    const mm = L.mm_alloc();
    const npages = 2048;
    const base = L.mmap(mm, 0, npages * PG, L.PROT_READ, L.MAP_SHARED, dev, 0);
    const clock0 = m.cpus[0]!.clock;
    let waits = 0;
    const r = L.run_workloads([{ cpu: 1, mm, workload: { kind: 'sequential', base, pages: npages, write_fraction: 0, accesses: npages, seed: 1 } }], {
      every: { ms: 1, run: () => {
        if (waits > 0) return;
        const t0 = performance.now();
        while (mm.mmap_sem.state <= 0 && performance.now() - t0 < 100); // the worker holds it in a fault
        if (mm.mmap_sem.state <= 0) return;
        L.down_write(mm.mmap_sem);
        L.up_write(mm.mmap_sem);
        waits = m.stats.scriptCounters()[m.stats.registry.counterIndex('lock_contended.mmap_sem')]!;
      } },
    });
    expect(r.cpus[0]!.signal).toBeNull();
    expect(waits).toBeGreaterThan(0);
    const contended = r.stats.counters['lock_contended.mmap_sem']!;
    expect(contended.script).toBe(waits);
    expect(r.stats.counters['lock_wait_cycles.mmap_sem']!.script).toBeGreaterThan(0);
    expect(m.cpus[0]!.clock).toBe(clock0); // CPU 0 ran no job, and the script's waits are no CPU's
    expectTotalsAdd(r.stats);
    L.mmput(mm);
    for (const p of pages) L.__free_page(p);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);
});
