// The deterministic SMP scheduler: CPUs running workloads on one thread, TLB reach, shootdowns
// between CPUs, kernel calls from the script while CPUs run, and reproducibility.
import { describe, it, expect } from 'vitest';
import { createLab, labMachine, type Lab } from '../../../src-engine/lab';
import { createAccessStream } from '../../../src-engine/workload/patterns';

const PG = 4096;

/** A lab with one process whose anonymous region of `pages` pages is populated. */
function populated(pages: number, config: Record<string, unknown> = {}) {
  const L = createLab({ ram_mb: 64, cpus: 2, ...config });
  const mm = L.mm_alloc();
  const base = L.mmap(mm, 0, pages * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_POPULATE);
  return { L, mm, base };
}

/** The counters and formulas of a run, without host-time (ns) figures, which vary run to run. */
function simulatedOnly(r: ReturnType<Lab['run_workloads']>) {
  const keep = (name: string) => !name.includes('_ns') && !name.includes('host') && !name.includes('per_sec');
  return {
    cycles: r.cycles,
    cpus: r.cpus,
    counters: Object.fromEntries(Object.entries(r.stats.counters).filter(([k]) => keep(k)).map(([k, v]) => [k, v.perCpu])),
    formulas: Object.fromEntries(Object.entries(r.stats.formulas).filter(([k]) => keep(k)).map(([k, v]) => [k, v.perCpu])),
    series: r.tlb_hit_rate,
  };
}

describe('TLB reach under the scheduler', () => {
  it('a cyclic working set fits the 64-entry L1 dTLB up to 64 pages and the 2048-entry STLB up to 2048', () => {
    const rate = (pages: number, which: 'l1_tlb_hit_rate' | 'l2_tlb_hit_rate') => {
      const { L, mm, base } = populated(pages, { cpus: 1, ram_mb: 128 });
      const r = L.run_workloads([{ cpu: 0, mm, workload: { kind: 'pointer_chase', base, pages, write_fraction: 0, accesses: 20 * pages, seed: 3 } }]);
      return r.stats.formulas[which]!.value!;
    };
    expect(rate(64, 'l1_tlb_hit_rate')).toBeGreaterThan(0.9);
    expect(rate(96, 'l1_tlb_hit_rate')).toBeLessThan(0.1);
    expect(rate(2048, 'l2_tlb_hit_rate')).toBeGreaterThan(0.9);
    expect(rate(4096, 'l2_tlb_hit_rate')).toBeLessThan(0.1);
  });

  it('a smaller configured L1 moves the knee', () => {
    const { L, mm, base } = populated(48, { cpus: 1, tlb_l1_entries: 32, tlb_l1_ways: 32 });
    const r = L.run_workloads([{ cpu: 0, mm, workload: { kind: 'pointer_chase', base, pages: 48, write_fraction: 0, accesses: 2000, seed: 3 } }]);
    expect(r.stats.formulas.l1_tlb_hit_rate!.value!).toBeLessThan(0.1);
  });
});

describe('determinism', () => {
  it('the same machine, jobs and seed give identical cycles, counters, formulas and series', () => {
    const once = () => {
      const L = createLab({ ram_mb: 64, cpus: 2, seed: 7 });
      const mm = L.mm_alloc();
      const base = L.mmap(mm, 0, 512 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
      const r = L.run_workloads([
        { cpu: 0, mm, workload: { kind: 'random', base, pages: 512, write_fraction: 0.3, accesses: 20000, seed: 1 } },
        { cpu: 1, mm, workload: { kind: 'zipf', base, pages: 512, write_fraction: 0.5, accesses: 20000, seed: 2 } },
      ], { quantum: 32, sample_cycles: 20000, every: { cycles: 50000, run: () => { L.madvise(mm, base, 64 * PG, L.MADV_DONTNEED); } } });
      return { sim: simulatedOnly(r), invariants: L.check_invariants() };
    };
    const a = once(), b = once();
    expect(a.invariants).toEqual([]);
    expect(a.sim).toEqual(b.sim);
    expect(a.sim.cpus.every((c) => c.signal === null && c.accesses === 20000)).toBe(true);
  });

  it('a different seed changes the interleaving but not the per-CPU access counts', () => {
    const run = (seed: number) => {
      const L = createLab({ ram_mb: 64, cpus: 2, seed });
      const mm = L.mm_alloc();
      const base = L.mmap(mm, 0, 256 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
      return L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 256, write_fraction: 1, accesses: 3000, seed: 5 } })));
    };
    const a = run(1), b = run(2);
    expect(a.cpus.map((c) => c.accesses)).toEqual(b.cpus.map((c) => c.accesses));
  });
});

describe('shootdowns between CPUs', () => {
  it('munmap while two CPUs run the mm sends IPIs; no CPU keeps a stale translation (tlb_check)', () => {
    const { L, mm, base } = populated(64, { tlb_check: true });
    let unmapped = false;
    L.trace_start(['tlb_flush']);
    const r = L.run_workloads([0, 1].map((cpu) => ({ cpu, mm, workload: { kind: 'random' as const, base, pages: 32, write_fraction: 0.2, accesses: 4000, seed: cpu } })), {
      every: { cycles: 5000, run: () => { if (!unmapped) { unmapped = true; expect(L.munmap(mm, base + 32 * PG, 32 * PG)).toBe(0); } } },
    });
    const ev = L.trace_stop();
    expect(unmapped).toBe(true);
    expect(ev.some((e) => e.reason === 'TLB_REMOTE_SEND_IPI')).toBe(true);
    expect(ev.some((e) => e.reason === 'TLB_REMOTE_SHOOTDOWN')).toBe(true);
    expect(r.stats.counters.shootdowns_received!.value).toBeGreaterThan(0);
    expect(L.check_invariants()).toEqual([]);
  });

  it('the checker reports a translation used after its pte was changed without a flush', () => {
    const { L, mm, base } = populated(4, { tlb_check: true, cpus: 1 });
    L.touch(mm, base, PG, 'r');
    const m = labMachine(L);
    // Change the pte behind the kernel's back (as a kernel bug that forgot the flush would).
    const lp = L.pte_alloc_map_lock(mm, base)!;
    m.phys.write_entry((lp.ptep as unknown as { pa: number }).pa, L.lookup_pte(mm, base + PG)!);
    L.pte_unmap_unlock(lp.ptep, lp.ptl);
    L.touch(mm, base, PG, 'r');
    expect(L.check_invariants().some((e) => e.includes('stale TLB entry'))).toBe(true);
  });

  it('a process killed by SIGSEGV ends its job; the other CPU carries on', () => {
    const { L, mm, base } = populated(16);
    expect(L.mprotect(mm, base, 16 * PG, L.PROT_NONE)).toBe(0);
    const mm2 = L.mm_alloc();
    const b2 = L.mmap(mm2, 0, 16 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
    const r = L.run_workloads([
      { cpu: 0, mm, workload: { kind: 'sequential', base, pages: 16, write_fraction: 0, accesses: 100, seed: 1 } },
      { cpu: 1, mm: mm2, workload: { kind: 'sequential', base: b2, pages: 16, write_fraction: 1, accesses: 1000, seed: 1 } },
    ]);
    expect(r.cpus[0]!.signal?.name).toBe('SIGSEGV');
    expect(r.cpus[1]!.signal).toBeNull();
    expect(r.cpus[1]!.accesses).toBe(1000);
    expect(L.check_invariants()).toEqual([]);
  });
});

describe('bad jobs', () => {
  it('are TypeErrors that change nothing', () => {
    const { L, mm, base } = populated(4);
    const w = { kind: 'random' as const, base, pages: 4, write_fraction: 0, accesses: 10, seed: 1 };
    expect(() => L.run_workloads([{ cpu: 9, mm, workload: w }])).toThrow(TypeError);
    expect(() => L.run_workloads([{ cpu: 0, mm, workload: w }, { cpu: 0, mm, workload: w }])).toThrow(TypeError);
    expect(() => L.run_workloads([{ cpu: 0, mm, workload: { ...w, kind: 'nope' as 'random' } }])).toThrow(TypeError);
    expect(L.check_invariants()).toEqual([]);
  });
});

describe('reading streams ahead', () => {
  it('a custom pattern runs a quantum at a time: its bad address at access 100 fails the run after the first quantum of 64 ran', () => {
    const { L, mm, base } = populated(8, { cpus: 1 });
    const before = L.stats_snapshot().counters['accesses']!.value;
    const pattern = (i: number) => (i === 100 ? -1 : base + (i % 8) * PG);
    expect(() => L.run_workloads([{ cpu: 0, mm, pattern, accesses: 1000 }], { quantum: 64 })).toThrow(TypeError);
    expect(L.stats_snapshot().counters['accesses']!.value - before).toBe(64);
  });

  it('a built-in stream, read ahead, runs exactly as the same accesses given a quantum at a time by a custom pattern', () => {
    const spec = (base: number, seed: number) => ({ kind: 'random' as const, base, pages: 300, write_fraction: 0.3, accesses: 20_000, seed });
    const once = (custom: boolean, quantum: number) => {
      const { L, mm, base } = populated(300, { cpus: 2 });
      const jobs = [0, 1].map((cpu) => {
        const w = spec(base, cpu + 1);
        if (!custom) return { cpu, mm, workload: w };
        const s = createAccessStream(w, cpu), addrs = new Float64Array(w.accesses), writes = new Uint8Array(w.accesses);
        s.fill(addrs, writes);
        return { cpu, mm, pattern: (i: number) => addrs[i]!, accesses: w.accesses, write_fraction: w.write_fraction, seed: w.seed };
      });
      return simulatedOnly(L.run_workloads(jobs, { quantum }));
    };
    for (const quantum of [64, 100]) { // 100: the read-ahead block (4000) ends in a partial quantum
      const r = once(false, quantum);
      expect(r.cpus.map((c) => c.accesses)).toEqual([20_000, 20_000]);
      expect(once(true, quantum)).toEqual(r);
    }
  });
});
