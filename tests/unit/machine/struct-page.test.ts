// §2.5 struct page fields and the rmap rules, observed through faults, fork and munmap.
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, mapAnon, mapFile, pageAt, fileWithPages, BASE, PG, pg, forkOk, } from './helpers';

describe('§2.5 anonymous pages (page_add_new_anon_rmap)', () => {
  it('a write-faulted anonymous page: PageAnon, PageSwapBacked, mapcount 1, refcount 1, index = linear_page_index', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 8 * PG);
    L.user_write(mm, pg(3), new Uint8Array([1]));
    const p = pageAt(L, mm, pg(3));
    expect(L.PageAnon(p)).toBe(true);
    expect(L.PageSwapBacked(p)).toBe(true);
    expect(L.page_mapcount(p)).toBe(1);
    expect(L.page_count(p)).toBe(1);
    // anonymous MAP_PRIVATE: vm_pgoff = vm_start >> 12, so index = addr >> 12
    expect(p.index).toBe(pg(3) / PG);
    expect(p.mapping).not.toBeNull();
    expectConsistent(L);
  });

  it('fork: page_dup_rmap adds one mapping and one reference per child', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const c1 = forkOk(L, mm);
    const c2 = forkOk(L, mm);
    const p = pageAt(L, mm, BASE);
    expect(L.page_mapcount(p)).toBe(3);
    expect(L.page_count(p)).toBe(3);
    L.mmput(c1);
    expect(L.page_mapcount(p)).toBe(2);
    expect(L.page_count(p)).toBe(2);
    L.mmput(c2);
    expect(L.page_mapcount(p)).toBe(1);
    expect(L.page_count(p)).toBe(1);
    expectConsistent(L);
  });

  it('page_remove_rmap does not clear page->mapping: a pinned page keeps PageAnon after munmap', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const p = pageAt(L, mm, BASE);
    L.get_page(p);
    expect(L.munmap(mm, BASE, PG)).toBe(0);
    expect(L.page_mapcount(p)).toBe(0);
    expect(L.page_count(p)).toBe(1);
    expect(L.PageAnon(p)).toBe(true);
    expect(p.mapping).not.toBeNull();
    expectConsistent(L);
    L.put_page(p);
    expectConsistent(L);
  });
});

describe('§2.5 page-cache pages (page_add_file_rmap)', () => {
  it('a mapped ramfs page: not anon, mapping = f_mapping, index = file page, 1 ref for the cache + 1 per pte', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 4);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ, L.MAP_SHARED, f, 0);
    L.touch(mm, pg(2), PG, 'r');
    const p = pageAt(L, mm, pg(2));
    expect(L.PageAnon(p)).toBe(false);
    expect(L.PageSwapBacked(p)).toBe(false);
    expect(p.mapping).toBe(f.f_mapping);
    expect(p.index).toBe(2);
    expect(L.page_mapcount(p)).toBe(1);
    expect(L.page_count(p)).toBe(2);
    const mm2 = L.mm_alloc();
    mapFile(L, mm2, BASE, 4 * PG, L.PROT_READ, L.MAP_PRIVATE, f, 0);
    L.touch(mm2, pg(2), PG, 'r');
    expect(L.page_mapcount(p)).toBe(2);
    expect(L.page_count(p)).toBe(3);
    L.mmput(mm2);
    L.mmput(mm);
    expect(L.page_mapcount(p)).toBe(0);
    expect(L.page_count(p)).toBe(1); // the page cache's own reference
    expectConsistent(L);
  });

  it('tmpfs pages are PageSwapBacked and count as MM_SHMEMPAGES, ramfs pages as MM_FILEPAGES', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const t = fileWithPages(L, 't', 1, 'tmpfs');
    const r = fileWithPages(L, 'r', 1, 'ramfs');
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_SHARED, t);
    mapFile(L, mm, pg(64), PG, L.PROT_READ, L.MAP_SHARED, r);
    L.touch(mm, BASE, PG, 'r');
    L.touch(mm, pg(64), PG, 'r');
    expect(L.PageSwapBacked(pageAt(L, mm, BASE))).toBe(true);
    expect(L.PageSwapBacked(pageAt(L, mm, pg(64)))).toBe(false);
    expect(L.get_mm_counter(mm, L.MM_SHMEMPAGES)).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectConsistent(L);
  });

  it('anonymous MAP_SHARED memory is shmem: MM_SHMEMPAGES, not anon', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.mmap(mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(BASE);
    L.user_write(mm, BASE, new Uint8Array([5]));
    const p = pageAt(L, mm, BASE);
    expect(L.PageAnon(p)).toBe(false);
    expect(L.PageSwapBacked(p)).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_SHMEMPAGES)).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectConsistent(L);
  });
});
