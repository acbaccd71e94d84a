// A CPU's hot loop completes the commonest TLB miss itself (lookupRun with the RAM's words:
// TlbHierarchy.walkPte) and charges it in bulk (fault.ts l1_hits). With tlb_check on, run_accesses
// takes every access through translate and the general walker instead, and the checker only
// reads. So the two must model the same machine: the same results, counters, clocks and TLB
// contents, whatever the geometry, policy, PCID setting and faults along the way.
import { describe, it, expect } from 'vitest';
import { createLab, labMachine } from '../../../src-engine/lab';

const B1 = 0x10000000, B2 = 0x7f0000000000;

/** Runs of several workloads, with faults, zapped and write-protected ranges between them; everything observable. */
function observe(cfg: Record<string, unknown>): unknown {
  const lab = createLab({ cpus: 2, ram_mb: 32, seed: 11, ...cfg } as never);
  const m = labMachine(lab);
  const mm1 = lab.mm_alloc(), mm2 = lab.mm_alloc();
  const P = 3000;
  const rw = lab.PROT_READ | lab.PROT_WRITE, flags = lab.MAP_PRIVATE | lab.MAP_ANONYMOUS | lab.MAP_FIXED;
  lab.mmap(mm1, B1, P * 4096, rw, flags);
  lab.mmap(mm2, B2, P * 4096, rw, flags);
  lab.touch(mm1, B1, 2500 * 4096, 'w');
  const seen: unknown[] = [];
  const snap = (r: unknown): void => {
    const { host_ms: _, ...rest } = r as Record<string, unknown>;
    seen.push(JSON.stringify(rest, (k, v) => (/(^|_)ns($|_|\.)|host|_ms$|per_sec/.test(k) ? undefined : v))); // host timings differ run to run
    seen.push(m.cpus.map((c) => ({ e: c.tlb.entries(), s: c.tlb.stats(), clock: c.clock })));
  };
  let z = 0;
  snap(lab.run_workloads([
    { cpu: 0, mm: mm1, workload: { kind: 'pointer_chase', base: B1, pages: P, accesses: 12000, write_fraction: 0, seed: 3 } },
    { cpu: 1, mm: mm2, workload: { kind: 'random', base: B2, pages: P, accesses: 12000, write_fraction: 0.3, seed: 4 } },
  ] as never, { every: { cycles: 200000, run: () => { lab.madvise(mm1, B1 + (z++ % 30) * 64 * 4096, 16 * 4096, lab.MADV_DONTNEED); } } } as never));
  lab.mprotect(mm2, B2, 800 * 4096, lab.PROT_READ);
  snap(lab.run_workloads([
    { cpu: 0, mm: mm2, workload: { kind: 'hot_cold', base: B2, pages: P, accesses: 10000, write_fraction: 0, seed: 5 } },
    { cpu: 1, mm: mm1, workload: { kind: 'random', base: B1, pages: P, accesses: 10000, write_fraction: 0.5, seed: 6 } },
  ] as never));
  return seen;
}

describe('the hot loop\'s own walks (lookupRun + walkPte)', () => {
  const geometries = [{}, { tlb_l1_entries: 16, tlb_l1_ways: 4, tlb_l2_entries: 256, tlb_l2_ways: 8, pwc_entries: 4 }, { pwc_entries: 0 }];
  for (const tlb_policy of ['lru', 'plru', 'random']) {
    for (const [i, geo] of geometries.entries()) {
      it(`model the same machine as the general walker (${tlb_policy}, geometry ${i}, pcid ${i !== 1})`, () => {
        const cfg = { tlb_policy, pcid: i !== 1, ...geo };
        expect(observe(cfg)).toEqual(observe({ ...cfg, tlb_check: true }));
      });
    }
  }
});
