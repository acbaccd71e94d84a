// mlock / munlock basics (mm/mlock.c, 4.7): VM_LOCKED, population, splitting, errno rules.
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, mapAnon, mapFile, pteAt, pteNone, vmaAt, fileWithPages, rss, BASE, PG, pg } from '../machine/helpers';

describe('mlock', () => {
  it('sets VM_LOCKED and populates: a private writable mapping is write-faulted in', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.mlock(mm, BASE, 4 * PG)).toBe(0);
    expect(vmaAt(L, mm, BASE).vm_flags & L.VM_LOCKED).toBe(L.VM_LOCKED);
    expect(rss(L, mm).anon).toBe(4);
    for (let i = 0; i < 4; i++) {
      const pte = pteAt(L, mm, pg(i));
      expect(L.pte_present(pte) && L.pte_write(pte)).toBe(true);
    }
    expectConsistent(L);
  });

  it('a read-only private mapping is populated with read faults (zero page, no rss)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG, L.PROT_READ);
    expect(L.mlock(mm, BASE, 2 * PG)).toBe(0);
    expect(L.pte_present(pteAt(L, mm, BASE))).toBe(true);
    expect(L.pte_special(pteAt(L, mm, BASE))).toBe(true);
    expect(rss(L, mm).anon).toBe(0);
    expectConsistent(L);
  });

  it('a shared file mapping is populated with read faults', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 4);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    expect(L.mlock(mm, BASE, 4 * PG)).toBe(0);
    expect(rss(L, mm).file).toBe(4);
    expectConsistent(L);
  });

  it('locks whole pages: start is rounded down and len up; a partial range splits the vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.mlock(mm, pg(1) + 100, 10)).toBe(0);
    expect(mm.map_count).toBe(3);
    const v = vmaAt(L, mm, pg(1));
    expect([v.vm_start, v.vm_end]).toEqual([pg(1), pg(2)]);
    expect(v.vm_flags & L.VM_LOCKED).toBe(L.VM_LOCKED);
    expect(vmaAt(L, mm, pg(0)).vm_flags & L.VM_LOCKED).toBe(0);
    expect(pteNone(L, mm, pg(0))).toBe(true);
    expect(rss(L, mm).anon).toBe(1);
    expectConsistent(L);
  });

  it('-ENOMEM for an unmapped range or one with a hole', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.mlock(mm, BASE, PG)).toBe(-L.ENOMEM);
    mapAnon(L, mm, pg(0), PG);
    mapAnon(L, mm, pg(2), PG);
    expect(L.mlock(mm, BASE, 3 * PG)).toBe(-L.ENOMEM);
    expect(L.mlock(mm, BASE, 0)).toBe(0);
    expectConsistent(L);
  });
});

describe('munlock', () => {
  it('clears VM_LOCKED, keeps the pages and merges the vmas back', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    // Fault first so that all split parts share one anon_vma: 4.7's is_mergeable_anon_vma
    // refuses to merge a vma that has an anon_vma into a neighbour whose anon_vma_chain is
    // empty (the list_is_singular() test), so without this the vmas would stay split.
    L.touch(mm, BASE, 4 * PG, 'w');
    expect(L.mlock(mm, pg(1), 2 * PG)).toBe(0);
    expect(mm.map_count).toBe(3);
    expect(L.munlock(mm, pg(1), 2 * PG)).toBe(0);
    expect(vmaAt(L, mm, pg(1)).vm_flags & L.VM_LOCKED).toBe(0);
    expect(rss(L, mm).anon).toBe(4);
    expect(L.pte_present(pteAt(L, mm, pg(1)))).toBe(true);
    expect(mm.map_count).toBe(1);
    expect(L.madvise(mm, BASE, 4 * PG, L.MADV_DONTNEED)).toBe(0); // no longer locked
    expectConsistent(L);
  });

  it('munmap of a locked vma works and frees its pages', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG, undefined, L.MAP_LOCKED);
    expect(rss(L, mm).anon).toBe(2);
    expect(L.munmap(mm, BASE, 2 * PG)).toBe(0);
    expect(rss(L, mm).anon).toBe(0);
    expectConsistent(L);
  });
});
