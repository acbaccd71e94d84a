// Parallel mode: each CPU on its own worker thread over the shared machine. Faults are taken on
// the workers; the script's kernel calls run meanwhile and reach the workers' TLBs by IPI.
import { describe, it, expect, afterEach } from 'vitest';
import { createLab, type Lab } from '../../../src-engine/lab';

const PG = 4096;
let lab: Lab | null = null;
afterEach(() => { lab?.reset_machine({ ram_mb: 4, cpus: 1 }); lab = null; }); // stops the workers

/** A parallel-mode lab with one process and an anonymous region of `pages` pages. */
function parallelLab(pages: number, config: Record<string, unknown> = {}) {
  const L = createLab({ ram_mb: 64, cpus: 2, mode: 'parallel', ...config });
  lab = L;
  const mm = L.mm_alloc();
  const base = L.mmap(mm, 0, pages * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
  return { L, mm, base };
}

describe('parallel mode', () => {
  it('workers fault in the pages of one mm concurrently; the machine stays consistent', () => {
    const { L, mm, base } = parallelLab(1024);
    const r = L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 1024, write_fraction: 0.5, accesses: 40_000, seed: cpu + 1 } })));
    expect(r.cpus.map((c) => c.accesses)).toEqual([40_000, 40_000]);
    expect(r.cpus.every((c) => c.signal === null && c.faults > 0)).toBe(true);
    const written = L.get_mm_counter(mm, L.MM_ANONPAGES);
    expect(written).toBeGreaterThan(900);
    expect(r.stats.counters['faults.anon']!.value + r.stats.counters['faults.wp-copy']!.value).toBeGreaterThanOrEqual(written);
    expect(r.stats.counters.accesses!.perCpu.every((n) => n >= 40_000)).toBe(true); // retried translations count too
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);

  it('MADV_DONTNEED and munmap from the script while workers run: shootdowns by IPI, no stale TLB entry', () => {
    const { L, mm, base } = parallelLab(512, { tlb_check: true });
    let step = 0;
    const r = L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 256, write_fraction: 0.3, accesses: 200_000, seed: cpu + 7 } })), {
      every: { ms: 2, run: () => {
        if (step < 6) expect(L.madvise(mm, base + step * 32 * PG, 32 * PG, L.MADV_DONTNEED)).toBe(0);
        else if (step === 6) expect(L.munmap(mm, base + 256 * PG, 256 * PG)).toBe(0);
        step++;
      } },
    });
    expect(step).toBeGreaterThan(0);
    expect(r.cpus.every((c) => c.signal === null)).toBe(true);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);

  it('a worker whose process touches an unmapped address reports SIGSEGV', () => {
    const { L, mm, base } = parallelLab(16);
    expect(L.munmap(mm, base, 16 * PG)).toBe(0);
    const r = L.run_workloads([{ cpu: 1, mm, workload: { kind: 'sequential', base, pages: 16, write_fraction: 0, accesses: 10, seed: 1 } }]);
    expect(r.cpus[0]!.signal?.name).toBe('SIGSEGV');
    expect(L.dmesg().some((l) => l.includes('segfault'))).toBe(true);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);

  it('cycle-timed callbacks are refused with a clear TypeError', () => {
    const { L, mm, base } = parallelLab(4);
    expect(() => L.run_workloads([{ cpu: 0, mm, workload: { kind: 'sequential', base, pages: 4, write_fraction: 0, accesses: 1, seed: 1 } }], { every: { cycles: 10, run: () => {} } })).toThrow(/ms/);
  }, 60_000);

  it('custom pattern functions run on the workers with their params; one that uses a script variable fails clearly', () => {
    const { L, mm, base } = parallelLab(64);
    const r = L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, accesses: 5000, write_fraction: 0.5, seed: cpu, params: { base, pages: 64 },
      pattern: (_i: number, rng: { nextBelow(n: number): number }, p: unknown) => (p as { base: number }).base + rng.nextBelow((p as { pages: number }).pages) * 4096 })));
    expect(r.cpus.every((c) => c.accesses === 5000 && c.signal === null)).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBeGreaterThan(32);
    expect(() => L.run_workloads([{ cpu: 0, mm, accesses: 10, pattern: () => base }])).toThrow(/custom pattern of CPU 0 failed after 0 accesses: TypeError: custom pattern returned undefined .*only its arguments/);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);
});

describe('lock contention', () => {
  it('is counted per worker CPU when CPUs fault while the script zaps under them', () => {
    const { L, mm, base } = parallelLab(4096, { ram_mb: 96 });
    const r = L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 4096, write_fraction: 1, accesses: 60_000, seed: cpu } })),
      { every: { ms: 1, run: () => { L.madvise(mm, base, 1024 * PG, L.MADV_DONTNEED); } } });
    const contended = ['mmap_sem', 'ptl', 'page_table_lock', 'zone'].reduce((n, k) => n + r.stats.counters[`lock_contended.${k}`]!.value, 0);
    expect(contended).toBeGreaterThan(0);
    // Both workers fault in one mm, so mmap_sem's line moves between them (lock_handoffs, on the workers' CPUs).
    expect(r.stats.counters['lock_handoffs.mmap_sem']!.perCpu.every((n) => n > 0)).toBe(true);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);
});

describe('tracepoints from workers', () => {
  it('page_fault and tlb_flush events of every CPU land in the trace, in host-time order', () => {
    const { L, mm, base } = parallelLab(256);
    L.trace_start(['page_fault', 'tlb_flush']);
    L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 256, write_fraction: 1, accesses: 20_000, seed: cpu } })),
      { every: { ms: 1, run: () => { L.madvise(mm, base, 16 * PG, L.MADV_DONTNEED); } } });
    const ev = L.trace_stop();
    const faults = ev.filter((e) => e.name === 'page_fault');
    expect(new Set(faults.map((e) => e.cpu))).toEqual(new Set([0, 1]));
    expect(faults.every((e) => e.mm === mm && typeof e.address === 'number')).toBe(true);
    const ts = ev.map((e) => e.ts as number);
    expect(ts.every((t, i) => i === 0 || t >= ts[i - 1]!)).toBe(true);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);
});

describe('script-defined vm_ops under parallel CPUs', () => {
  it('a worker faulting on a driver vma runs the script fault handler on the script thread', () => {
    const L = createLab({ ram_mb: 64, cpus: 2, mode: 'parallel' });
    lab = L;
    const pages = Array.from({ length: 8 }, () => L.alloc_page(L.__GFP_ZERO)!);
    let calls = 0;
    const dev = L.device_create('gpu', { mmap: (_f, vma) => {
      vma.vm_flags |= L.VM_MIXEDMAP;
      vma.vm_ops = { fault: (_v, vmf) => { calls++; const p = pages[vmf.pgoff % 8]!; L.get_page(p); vmf.page = p; return 0; } };
      return 0;
    } });
    const mm = L.mm_alloc();
    const base = L.mmap(mm, 0, 8 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev, 0);
    expect(base).toBeGreaterThan(0);
    const r = L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 8, write_fraction: 0, accesses: 2000, seed: cpu } })));
    expect(r.cpus.every((c) => c.signal === null && c.accesses === 2000)).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < 8; i++) expect(L.pte_pfn(L.lookup_pte(mm, base + i * PG)!)).toBe(L.page_to_pfn(pages[i]!));
    L.mmput(mm);
    for (const p of pages) L.__free_page(p);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);
});

describe('CPUs without a job in a parallel run', () => {
  it('are flushed directly by the sender (an idle worker takes no IPI): no hang, no stale entry', () => {
    const { L, mm, base } = parallelLab(64, { tlb_check: true });
    L.touch(mm, base, 64 * PG, 'w', 0); // CPU 0 holds mm's translations, then stays idle
    const r = L.run_workloads([{ cpu: 1, mm, workload: { kind: 'random', base, pages: 32, write_fraction: 0, accesses: 50_000, seed: 3 } }],
      { every: { ms: 1, run: () => { L.madvise(mm, base + 32 * PG, 32 * PG, L.MADV_DONTNEED); } } });
    expect(r.cpus[0]!.signal).toBeNull();
    L.touch(mm, base + 32 * PG, 32 * PG, 'r', 0); // would hit stale entries had CPU 0 not been flushed
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);
});
