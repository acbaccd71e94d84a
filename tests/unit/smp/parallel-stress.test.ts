// Stress in parallel mode: two worker CPUs fault and write while the script's thread zaps,
// unmaps and remaps, forks and exits, and truncates under them. Afterwards the machine must be
// consistent: rss and mapcounts match the ptes, no page lost or freed twice, no stale TLB hit.
import { describe, it, expect, afterEach } from 'vitest';
import { createLab, type Lab } from '../../../src-engine/lab';
import { Rng } from '../../../src-engine/workload/rng';

const PG = 4096;
let lab: Lab | null = null;
afterEach(() => { lab?.reset_machine({ ram_mb: 4, cpus: 1 }); lab = null; });

describe('parallel stress', () => {
  it('concurrent faults, zaps, munmap/mmap, fork/exit and truncate leave the machine consistent', () => {
    const L = createLab({ ram_mb: 96, cpus: 2, mode: 'parallel', tlb_check: true });
    lab = L;
    const mm = L.mm_alloc();
    const PAGES = 512;
    const anon = L.mmap(mm, 0, PAGES * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
    const f = L.file_create('shared', PAGES * PG, 'tmpfs');
    const shared = L.mmap(mm, 0, PAGES * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f, 0);
    const rng = Rng.fromSeed(42);
    let ops = 0;
    const step = (): void => {
      const page = rng.nextBelow(PAGES - 16);
      switch (rng.nextBelow(5)) {
        case 0: expect(L.madvise(mm, anon + page * PG, 16 * PG, L.MADV_DONTNEED)).toBe(0); break;
        case 1:
          expect(L.munmap(mm, anon + page * PG, 8 * PG)).toBe(0);
          expect(L.mmap(mm, anon + page * PG, 8 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(anon + page * PG);
          break;
        case 2: {
          const child = L.fork(mm);
          expect(() => L.user_write(child, anon + page * PG, new Uint8Array([1]), 0)).toThrow(/worker thread/); // CPUs are busy
          L.proc_mem_rw(child, anon + page * PG, new Uint8Array([1, 2, 3]), 3, true); // a forced write: COW in the child
          L.mmput(child);
          break;
        }
        case 3: expect(L.madvise(mm, shared + page * PG, 16 * PG, L.MADV_DONTNEED)).toBe(0); break;
        case 4: expect(L.mprotect(mm, anon + page * PG, 4 * PG, rng.nextBelow(2) ? L.PROT_READ : L.PROT_READ | L.PROT_WRITE)).toBe(0); break;
      }
      ops++;
    };
    const r = L.run_workloads([
      { cpu: 0, mm, workload: { kind: 'random', base: anon, pages: PAGES, write_fraction: 0.5, accesses: 1_000_000, seed: 1 } },
      { cpu: 1, mm, workload: { kind: 'random', base: shared, pages: PAGES, write_fraction: 0.5, accesses: 1_000_000, seed: 2 } },
    ], { every: { ms: 1, run: step } });
    expect(ops).toBeGreaterThan(5);
    // CPU 0 may die of SIGSEGV when it writes a page step 4 made read-only; nothing else may happen.
    for (const c of r.cpus) if (c.signal) expect(c.signal.name).toBe('SIGSEGV');
    expect(L.check_invariants()).toEqual([]);
    // Truncate the file the other CPU mapped, then tear everything down: every page comes back.
    expect(L.ftruncate(f, 0)).toBe(0);
    L.mmput(mm);
    expect(L.check_invariants()).toEqual([]);
    expect(f.f_mapping.nrpages).toBe(0);
    expect(L.dmesg().filter((l) => l.includes('BUG'))).toEqual([]);
  }, 120_000);
});
