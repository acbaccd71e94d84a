// §4 do_wp_page: reuse by mapcount (not refcount), copy otherwise, zero-page COW,
// wp_page_reuse / wp_page_copy effects.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, mapAnon, pteAt, pageAt, pfnAt, isZero, pattern, expectBytes, BASE, PG, pg, forkOk,
} from '../machine/helpers';

describe('§4 do_wp_page: zero-page COW (old == NULL -> wp_page_copy)', () => {
  it('read then write: a new zeroed anon page, ANON +1, RW|DIRTY, not special; the zero page is untouched', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.touch(mm, BASE, PG, 'r');
    const zpfn = pfnAt(L, mm, BASE);
    const zcount = L.pfn_valid(zpfn) ? L.page_count(L.pfn_to_page(zpfn)!) : -1;
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_pfn(pte)).not.toBe(zpfn);
    expect(L.pte_special(pte)).toBe(false);
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    const p = pageAt(L, mm, BASE);
    expect(L.PageAnon(p)).toBe(true);
    expect(L.page_mapcount(p)).toBe(1);
    expect(L.page_count(p)).toBe(1);
    expect(isZero(L.user_read(mm, BASE, PG))).toBe(true);
    if (zcount >= 0) expect(L.page_count(L.pfn_to_page(zpfn)!)).toBe(zcount);
    expectConsistent(L);
  });
});

describe('§4 do_wp_page: reuse of an anonymous page by mapcount', () => {
  it('mprotect(R) then mprotect(RW) leaves the private pte read-only; the write reuses the page (same pfn, no counter change)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const pfn = pfnAt(L, mm, BASE);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ)).toBe(0);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    // change_protection on a private vma: pte_modify(vm_page_prot) has no RW (no dirty_accountable)
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(false);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    expect(pfnAt(L, mm, BASE)).toBe(pfn);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(1);
    expectConsistent(L);
  });

  it('a get_page-pinned anonymous page with mapcount 1 (refcount 2) is still reused', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const child = forkOk(L, mm);
    L.mmput(child); // the parent's pte stays write-protected, mapcount back to 1
    const p = pageAt(L, mm, BASE);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(false);
    expect(L.page_mapcount(p)).toBe(1);
    L.get_page(p);
    expect(L.page_count(p)).toBe(2);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    expect(pfnAt(L, mm, BASE)).toBe(L.page_to_pfn(p)); // reuse_swap_page looks at mapcount only
    expect(L.page_count(p)).toBe(2);
    L.user_write(mm, BASE, new Uint8Array([2]));
    expect(L.page_read(p, 0, 1)[0]).toBe(2); // the pin sees the process's writes
    L.put_page(p);
    expectConsistent(L);
  });

  it('wp_page_reuse sets ACCESSED|DIRTY|RW and changes no counter', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const child = forkOk(L, mm);
    expect(L.munmap(child, BASE, PG)).toBe(0);
    const before = { anon: L.get_mm_counter(mm, L.MM_ANONPAGES), file: L.get_mm_counter(mm, L.MM_FILEPAGES) };
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_write(pte) && L.pte_dirty(pte) && L.pte_young(pte)).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(before.anon);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(before.file);
    L.mmput(child);
    expectConsistent(L);
  });
});

describe('§4 do_wp_page: copy when the anonymous page is mapped more than once', () => {
  it('after fork the writer gets a copy; the other keeps the old page; counters unchanged for anon -> anon', () => {
    const L = newLab();
    const parent = L.mm_alloc();
    mapAnon(L, parent, BASE, PG);
    L.user_write(parent, BASE, pattern(PG, 3));
    const child = forkOk(L, parent);
    const old = pageAt(L, parent, BASE);
    expect(L.page_mapcount(old)).toBe(2);
    L.user_write(parent, BASE + 1, new Uint8Array([0xff]));
    const fresh = pageAt(L, parent, BASE);
    expect(L.page_to_pfn(fresh)).not.toBe(L.page_to_pfn(old));
    expect(pfnAt(L, child, BASE)).toBe(L.page_to_pfn(old));
    expect(L.page_mapcount(old)).toBe(1);
    expect(L.page_count(old)).toBe(1);
    expect(L.page_mapcount(fresh)).toBe(1);
    expect(L.get_mm_counter(parent, L.MM_ANONPAGES)).toBe(1);
    expect(L.get_mm_counter(child, L.MM_ANONPAGES)).toBe(1);
    const want = pattern(PG, 3);
    expectBytes(L.user_read(child, BASE, PG), want, 'child');
    want[1] = 0xff;
    expectBytes(L.user_read(parent, BASE, PG), want, 'parent');
    // the child is now the only mapper: its write reuses
    expect(L.touch(child, BASE, PG, 'w')).toBe(1);
    expect(pfnAt(L, child, BASE)).toBe(L.page_to_pfn(old));
    expectConsistent(L);
  });

  it('a pinned page shared by two processes is still copied (mapcount 2)', () => {
    const L = newLab();
    const parent = L.mm_alloc();
    mapAnon(L, parent, BASE, PG);
    L.user_write(parent, BASE, new Uint8Array([1]));
    const child = forkOk(L, parent);
    const p = pageAt(L, parent, BASE);
    L.get_page(p);
    L.user_write(child, BASE, new Uint8Array([2]));
    expect(pfnAt(L, child, BASE)).not.toBe(L.page_to_pfn(p));
    expect(L.page_read(p, 0, 1)[0]).toBe(1);
    L.put_page(p);
    expectConsistent(L);
  });
});

describe('§4 wp_page_copy flushes the old translation', () => {
  it('zero-page COW on one CPU: another CPU that cached the zero-page translation reads the new page', () => {
    // wp_page_copy: ptep_clear_flush_notify flushes the address on every CPU of the mm, also
    // when the old pte was the zero page (old == NULL).
    const L = newLab({ ram_mb: 64, cpus: 2 });
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.user_write(mm, pg(1), new Uint8Array([5]), 0);
    expect(Array.from(L.user_read(mm, BASE, 2, 0))).toEqual([0, 0]); // cpu 0 caches the zero page
    L.user_write(mm, BASE + 1, new Uint8Array([1]), 1); // COW of the zero page on cpu 1
    expect(Array.from(L.user_read(mm, BASE, 2, 1))).toEqual([0, 1]);
    expect(Array.from(L.user_read(mm, BASE, 2, 0))).toEqual([0, 1]);
    expectConsistent(L);
  });

  it('after the COW, a CPU that cached the old page translation reads the new page', () => {
    const L = newLab({ ram_mb: 64, cpus: 2 });
    const parent = L.mm_alloc();
    mapAnon(L, parent, pg(0), PG);
    L.user_write(parent, BASE, new Uint8Array([1]));
    const child = forkOk(L, parent);
    expect(L.user_read(parent, BASE, 1, 1)[0]).toBe(1); // cpu 1 caches the RO translation
    L.user_write(parent, BASE, new Uint8Array([2]), 0); // COW on cpu 0
    expect(L.user_read(parent, BASE, 1, 1)[0]).toBe(2);
    expect(L.user_read(child, BASE, 1, 1)[0]).toBe(1);
    expectConsistent(L);
  });
});

// wp_page_copy allocation failures (VM_FAULT_OOM) are in oom.test.ts.
