// §4 handle_pte_fault / do_anonymous_page: zero-page reads, anonymous write faults,
// hardware-maintained ACCESSED/DIRTY on present ptes.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, mapAnon, mapFile, pteAt, pageAt, fileWithPages, isZero, BASE, PG, pg, forkOk,
} from '../machine/helpers';

describe('§4 do_anonymous_page: a read maps the zero page', () => {
  it('special pte at the zero pfn, read-only, young; no rss, refcount or mapcount change', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_special(pte)).toBe(true);
    expect(L.pte_write(pte)).toBe(false);
    expect(L.pte_dirty(pte)).toBe(false);
    expect(L.pte_young(pte)).toBe(true);
    const zpfn = L.pte_pfn(pte);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expect(mm.hiwater_rss).toBe(0);
    // every zero-page read in every process maps the same pfn, and takes no reference on it
    let zc = -1;
    let zm = -1;
    if (L.pfn_valid(zpfn)) {
      zc = L.page_count(L.pfn_to_page(zpfn)!);
      zm = L.page_mapcount(L.pfn_to_page(zpfn)!);
    }
    const mm2 = L.mm_alloc();
    mapAnon(L, mm2, BASE, 4 * PG);
    expect(L.touch(mm2, BASE, 4 * PG, 'r')).toBe(4);
    expect(L.touch(mm, pg(1), 3 * PG, 'r')).toBe(3);
    for (const m of [mm, mm2]) {
      for (let i = 0; i < 4; i++) expect(L.pte_pfn(pteAt(L, m, pg(i)))).toBe(zpfn);
      expect(L.get_mm_counter(m, L.MM_ANONPAGES)).toBe(0);
    }
    if (L.pfn_valid(zpfn)) {
      expect(L.page_count(L.pfn_to_page(zpfn)!)).toBe(zc);
      expect(L.page_mapcount(L.pfn_to_page(zpfn)!)).toBe(zm);
    }
    expect(isZero(L.user_read(mm, BASE, 4 * PG))).toBe(true);
    expectConsistent(L);
  });

  it('a zero-page read does not create an anon_vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.touch(mm, BASE, PG, 'r');
    expect(L.find_vma(mm, BASE)!.anon_vma).toBeNull();
    L.touch(mm, BASE, PG, 'w');
    expect(L.find_vma(mm, BASE)!.anon_vma).not.toBeNull();
    expectConsistent(L);
  });

  it('a second read of a mapped zero page takes no fault', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(0);
    expectConsistent(L);
  });
});

describe('§4 do_anonymous_page: a write allocates a zeroed page', () => {
  it('MM_ANONPAGES +1, pte RW|DIRTY|young, page refcount 1 mapcount 1, rest of the page zero', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.user_write(mm, pg(2) + 10, new Uint8Array([1, 2, 3]));
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    const pte = pteAt(L, mm, pg(2));
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.pte_young(pte)).toBe(true);
    expect(L.pte_special(pte)).toBe(false);
    const p = pageAt(L, mm, pg(2));
    expect(L.page_count(p)).toBe(1);
    expect(L.page_mapcount(p)).toBe(1);
    const got = L.user_read(mm, pg(2), PG);
    expect(Array.from(got.subarray(10, 13))).toEqual([1, 2, 3]);
    expect(isZero(got.subarray(0, 10))).toBe(true);
    expect(isZero(got.subarray(13))).toBe(true);
    expect(isZero(L.page_read(p, 13, PG - 13))).toBe(true);
    expectConsistent(L);
  });

  it('touch(w) counts one fault per page, none for pages already writable', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 8 * PG);
    expect(L.touch(mm, BASE, 8 * PG, 'w')).toBe(8);
    expect(L.touch(mm, BASE, 8 * PG, 'w')).toBe(0);
    expect(L.touch(mm, BASE, 8 * PG, 'r')).toBe(0);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(8);
    expectConsistent(L);
  });

  it('a MAP_SHARED anonymous vma never reaches do_anonymous_page (shmem fault handler instead)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.mmap(mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(BASE);
    L.touch(mm, BASE, PG, 'r');
    // shmem maps a real page-cache page for a read, not the zero page
    expect(L.pte_special(pteAt(L, mm, BASE))).toBe(false);
    expect(L.get_mm_counter(mm, L.MM_SHMEMPAGES)).toBe(1);
    expectConsistent(L);
  });
});

describe('§4 handle_pte_fault on a present pte / hardware A and D bits', () => {
  it('a write to a present RW clean pte takes no fault: the MMU sets DIRTY', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 't', 1, 'tmpfs');
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    expect(L.pte_dirty(pteAt(L, mm, BASE))).toBe(false);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(0);
    expect(L.pte_dirty(pteAt(L, mm, BASE))).toBe(true);
    expect(L.file_read(f, 0, 1)[0]).toBe(L.user_read(mm, BASE, 1)[0]);
    expectConsistent(L);
  });

  it('an access through an old pte takes no fault: the MMU sets ACCESSED', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const child = forkOk(L, mm); // the child's copy is old
    expect(L.pte_young(pteAt(L, child, BASE))).toBe(false);
    expect(L.touch(child, BASE, PG, 'r')).toBe(0);
    expect(L.pte_young(pteAt(L, child, BASE))).toBe(true);
    expectConsistent(L);
  });

  it('a user page fault maps with _PAGE_USER', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.touch(mm, BASE, PG, 'r');
    L.touch(mm, pg(1), PG, 'w');
    expect(L.pte_flags(pteAt(L, mm, BASE)) & L._PAGE_USER).toBe(L._PAGE_USER);
    expect(L.pte_flags(pteAt(L, mm, pg(1))) & L._PAGE_USER).toBe(L._PAGE_USER);
    expectConsistent(L);
  });
});

describe('§2.3 hiwater_rss', () => {
  it('is raised by update_hiwater_rss before a zap (madvise) and never goes down', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.touch(mm, BASE, 4 * PG, 'w');
    expect(L.madvise(mm, BASE, 4 * PG, L.MADV_DONTNEED)).toBe(0);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expect(mm.hiwater_rss).toBeGreaterThanOrEqual(4);
    L.touch(mm, BASE, PG, 'w');
    expect(L.munmap(mm, BASE, 4 * PG)).toBe(0);
    expect(mm.hiwater_rss).toBeGreaterThanOrEqual(4);
    expectConsistent(L);
  });
});
