// mprotect (mm/mprotect.c as 4.7 has it): errno rules, vm_flags / vm_page_prot changes,
// splitting and merging, change_protection downgrading ptes, the TLB flush.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, expectSignal, mapAnon, mapFile, pteAt, pfnAt, vmaAt, fileWithPages, NX, BASE, PG, pg,
} from '../machine/helpers';

describe('mprotect errno rules', () => {
  it('-EINVAL for an unaligned start or unknown prot bits; 0 for len 0', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    expect(L.mprotect(mm, BASE + 1, PG, L.PROT_READ)).toBe(-L.EINVAL);
    expect(L.mprotect(mm, BASE, PG, 0x100)).toBe(-L.EINVAL);
    expect(L.mprotect(mm, BASE, 0, L.PROT_READ)).toBe(0);
    expect(vmaAt(L, mm, BASE).vm_flags & L.VM_WRITE).toBe(L.VM_WRITE);
    expectConsistent(L);
  });

  it('-ENOMEM when the start is unmapped (nothing changes)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(1), PG);
    expect(L.mprotect(mm, BASE, 2 * PG, L.PROT_READ)).toBe(-L.ENOMEM);
    expect(vmaAt(L, mm, pg(1)).vm_flags & L.VM_WRITE).toBe(L.VM_WRITE);
    expect(L.mprotect(mm, pg(5), PG, L.PROT_READ)).toBe(-L.ENOMEM);
    expectConsistent(L);
  });

  it('-ENOMEM at a later hole, after changing the vmas before it', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(0), 2 * PG);
    mapAnon(L, mm, pg(3), PG);
    expect(L.mprotect(mm, BASE, 4 * PG, L.PROT_READ)).toBe(-L.ENOMEM);
    expect(vmaAt(L, mm, pg(0)).vm_flags & L.VM_WRITE).toBe(0);
    expect(vmaAt(L, mm, pg(3)).vm_flags & L.VM_WRITE).toBe(L.VM_WRITE);
    expectConsistent(L);
  });

  it('-EACCES for PROT_WRITE on a MAP_SHARED mapping of an O_RDONLY file (no VM_MAYWRITE)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    const ro = L.file_open(f, 'r');
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_SHARED, ro);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ | L.PROT_WRITE)).toBe(-L.EACCES);
    expect(vmaAt(L, mm, BASE).vm_flags & L.VM_WRITE).toBe(0);
    // a private mapping of the same O_RDONLY file may become writable (VM_MAYWRITE is kept)
    mapFile(L, mm, pg(4), PG, L.PROT_READ, L.MAP_PRIVATE, ro);
    expect(L.mprotect(mm, pg(4), PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    expectConsistent(L);
  });
});

describe('mprotect: vm_flags, vm_page_prot, splitting and merging', () => {
  it('changes VM_READ/WRITE/EXEC and vm_page_prot; a middle range splits into three; the reverse merges back', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.mprotect(mm, pg(1), 2 * PG, L.PROT_READ | L.PROT_EXEC)).toBe(0);
    expect(mm.map_count).toBe(3);
    const mid = vmaAt(L, mm, pg(1));
    expect([mid.vm_start, mid.vm_end]).toEqual([pg(1), pg(3)]);
    expect(mid.vm_flags & (L.VM_READ | L.VM_WRITE | L.VM_EXEC)).toBe(L.VM_READ | L.VM_EXEC);
    expect(L.pgprot_val(mid.vm_page_prot)).toBe(0x25n);
    expect(mid.vm_pgoff).toBe(pg(1) / PG);
    expect(L.pgprot_val(vmaAt(L, mm, pg(0)).vm_page_prot)).toBe(0x25n | NX);
    expect(L.mprotect(mm, pg(1), 2 * PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    expect(mm.map_count).toBe(1);
    expectConsistent(L);
  });

  it('growing a split-off vma into its neighbour moves the boundary (vma_merge adjusting next)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 16 * PG, L.PROT_READ);
    expect(L.mprotect(mm, BASE, PG, L.PROT_NONE)).toBe(0);
    expect(mm.map_count).toBe(2);
    expect(L.mprotect(mm, BASE, 2 * PG, L.PROT_NONE)).toBe(0);
    expect(mm.map_count).toBe(2);
    const a = vmaAt(L, mm, BASE);
    const b = vmaAt(L, mm, pg(2));
    expect([a.vm_start, a.vm_end]).toEqual([BASE, pg(2)]);
    expect([b.vm_start, b.vm_end]).toEqual([pg(2), pg(16)]);
    expect(mm.total_vm).toBe(16);
    expectConsistent(L);
  });

  it('shrinking a vma in favour of its next neighbour moves the boundary back', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 16 * PG);
    expect(L.mprotect(mm, BASE, 2 * PG, L.PROT_NONE)).toBe(0);
    expect(L.mprotect(mm, pg(1), PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    expect(mm.map_count).toBe(2);
    const a = vmaAt(L, mm, BASE);
    const b = vmaAt(L, mm, pg(1));
    expect([a.vm_start, a.vm_end]).toEqual([BASE, pg(1)]);
    expect([b.vm_start, b.vm_end]).toEqual([pg(1), pg(16)]);
    expect(b.vm_pgoff).toBe(pg(1) / PG);
    expectConsistent(L);
  });

  it('PROT_NONE gives PAGE_NONE', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    expect(L.mprotect(mm, BASE, PG, L.PROT_NONE)).toBe(0);
    expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(0x120n);
    expectConsistent(L);
  });
});

describe('mprotect: change_protection on present ptes', () => {
  it('downgrades RW ptes to read-only; a write then SIGSEGVs; the data stays', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    L.user_write(mm, pg(1), new Uint8Array([2]));
    const pfn = pfnAt(L, mm, BASE);
    expect(L.mprotect(mm, BASE, 2 * PG, L.PROT_READ)).toBe(0);
    for (const a of [BASE, pg(1)]) {
      const pte = pteAt(L, mm, a);
      expect(L.pte_present(pte)).toBe(true);
      expect(L.pte_write(pte)).toBe(false);
      expect(L.pte_dirty(pte)).toBe(true); // pte_modify keeps DIRTY/ACCESSED
    }
    expect(pfnAt(L, mm, BASE)).toBe(pfn);
    expectSignal(() => L.user_write(mm, BASE, new Uint8Array([3])), 'SIGSEGV', BASE);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(2);
    expectConsistent(L);
  });

  it('flushes the TLB: a CPU that cached a writable translation cannot write afterwards', () => {
    const L = newLab({ ram_mb: 64, cpus: 2 });
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]), 0);
    L.user_write(mm, BASE, new Uint8Array([2]), 1);
    L.trace_start(['tlb_flush']);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ)).toBe(0);
    const evs = L.trace_stop() as unknown as { name: string; start: number; end: number; pages: number }[];
    expect(evs.length).toBeGreaterThan(0);
    expect(evs.some((e) => e.pages === -1 || (e.start <= BASE && e.end >= BASE + PG))).toBe(true);
    expectSignal(() => L.user_write(mm, BASE, new Uint8Array([3]), 0), 'SIGSEGV', BASE);
    expectSignal(() => L.user_write(mm, BASE, new Uint8Array([3]), 1), 'SIGSEGV', BASE);
    expect(L.user_read(mm, BASE, 1, 1)[0]).toBe(2);
    expectConsistent(L);
  });

  it('PROT_NONE makes present ptes PROTNONE; restoring PROT_READ gives back the same page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([5]));
    const pfn = pfnAt(L, mm, BASE);
    expect(L.mprotect(mm, BASE, PG, L.PROT_NONE)).toBe(0);
    expectSignal(() => L.user_read(mm, BASE, 1), 'SIGSEGV', BASE);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ)).toBe(0);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(5);
    expect(pfnAt(L, mm, BASE)).toBe(pfn);
    expectConsistent(L);
  });

  it('a private mapping made writable again keeps read-only ptes until a write fault reuses them', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ)).toBe(0);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(false);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(true);
    expectConsistent(L);
  });

  it('a shared tmpfs mapping made writable again gets RW ptes back directly (no write-notify)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 't', 1, 'tmpfs');
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    L.touch(mm, BASE, PG, 'w');
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ)).toBe(0);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(false);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(true);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(0);
    expectConsistent(L);
  });
});
