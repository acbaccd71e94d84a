// §3.11 do_set_pte: install a pte for a page the caller holds a reference on, with the pte lock
// held (pte_alloc_map_lock → do_set_pte → pte_unmap_unlock).
import { describe, it, expect } from 'vitest';
import {
  ANON_RMAP_BUG, PAGE, expectInvariants, expectKernelBug, makeFile, mapAnon, mapFile, must, newLab, pattern, present,
  recordNotifier, rss, traced, underRead, type Lab, type Page, type Vma,
} from './helpers';

/** do_set_pte as a fault handler would call it: mmap_sem (read) and the pte lock held. */
function setPte(L: Lab, vma: Vma, addr: number, page: Page, write: boolean, anon: boolean): void {
  const mm = vma.vm_mm;
  underRead(L, mm, () => {
    const { ptep, ptl } = must(L.pte_alloc_map_lock(mm, addr), 'pte_alloc_map_lock');
    L.do_set_pte(vma, addr, page, ptep, write, anon);
    L.pte_unmap_unlock(ptep, ptl);
  });
}

function userPage(L: Lab): Page {
  return must(L.alloc_page(L.GFP_HIGHUSER_MOVABLE), 'alloc_page');
}

describe('§3.11 do_set_pte: file pages', () => {
  it('§3.11 write = false: mk_pte(page, vm_page_prot), not dirty; MM_FILEPAGES +1, mapcount +1, no new reference', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const { addr, vma } = mapFile(L, mm, f, 2);
    const pg = must(L.find_get_page(f.f_mapping, 0), 'cache page 0'); // this reference becomes the pte's
    expect(L.page_count(pg)).toBe(2);
    setPte(L, vma, addr, pg, false, false);
    const pte = must(L.lookup_pte(mm, addr), 'pte');
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_pfn(pte)).toBe(L.page_to_pfn(pg));
    expect(L.pte_special(pte)).toBe(false);
    expect(L.pte_dirty(pte)).toBe(false);
    expect(L.pte_young(pte)).toBe(true);
    // ramfs maps through generic_file_vm_ops, which has ->page_mkwrite: the shared writable vma
    // is write-notified, so vm_page_prot has no RW and a write = false pte is read-only.
    expect(L.pte_write(pte), 'write-notified vm_page_prot').toBe(false);
    expect(L.pte_nx(pte)).toBe(true);
    expect(rss(L, mm)).toMatchObject({ file: 1, anon: 0 });
    expect(L.page_mapcount(pg)).toBe(1);
    expect(L.page_count(pg)).toBe(2);
    expect(L.user_read(mm, addr, 16)).toEqual(pattern(16, 1));
    expectInvariants(L);
  });

  it('§3.11 a tmpfs shared writable vma (no write-notify) keeps RW in vm_page_prot: write = false still gives RW', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1, 'tmpfs');
    const { addr, vma } = mapFile(L, mm, f, 1);
    const pg = must(L.find_get_page(f.f_mapping, 0), 'cache page');
    setPte(L, vma, addr, pg, false, false);
    const pte = must(L.lookup_pte(mm, addr), 'pte');
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(false);
  });

  it('§3.11 write = true on a shared writable (write-notified) vma: DIRTY, and RW from maybe_mkwrite (VM_WRITE)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 1);
    const pg = must(L.find_get_page(f.f_mapping, 0), 'cache page');
    setPte(L, vma, addr, pg, true, false);
    const pte = must(L.lookup_pte(mm, addr), 'pte');
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.pte_write(pte)).toBe(true);
    expectInvariants(L);
  });

  it('§3.11/§6 write = true without VM_WRITE: DIRTY but no RW (maybe_mkwrite)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 1, { prot: L.PROT_READ });
    const pg = must(L.find_get_page(f.f_mapping, 0), 'cache page');
    setPte(L, vma, addr, pg, true, false);
    const pte = must(L.lookup_pte(mm, addr), 'pte');
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.pte_write(pte)).toBe(false);
  });

  it('§3.11 a tmpfs page (swap-backed, not anonymous) counts as MM_SHMEMPAGES', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1, 'tmpfs');
    const { addr, vma } = mapFile(L, mm, f, 1);
    const pg = must(L.find_get_page(f.f_mapping, 0), 'cache page');
    setPte(L, vma, addr, pg, false, false);
    expect(rss(L, mm)).toMatchObject({ shmem: 1, file: 0, anon: 0 });
    expectInvariants(L);
  });

  it('§3.11/§6 a present pte is overwritten silently (occupancy is not checked)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const { addr, vma } = mapFile(L, mm, f, 1, { touch: 'r' }); // a 1-page vma: no fault-around neighbours
    const old = must(L.pfn_to_page(L.pte_pfn(must(L.lookup_pte(mm, addr), 'pte'))), 'old page');
    const pg = must(L.find_get_page(f.f_mapping, 1), 'cache page 1');
    setPte(L, vma, addr, pg, false, false);
    expect(L.pte_pfn(must(L.lookup_pte(mm, addr), 'pte'))).toBe(L.page_to_pfn(pg));
    expect(L.tainted()).toBe(false);
    expect(rss(L, mm).file, 'the overwritten page is never uncounted').toBe(2);
    expect(L.page_mapcount(old)).toBe(1);
    expect(L.page_mapcount(pg)).toBe(1);
  });

  it('§3.11 no TLB flush and no mmu notifier call', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 1);
    const pg = must(L.find_get_page(f.f_mapping, 0), 'cache page');
    const calls = recordNotifier(L, mm);
    const ev = traced(L, () => setPte(L, vma, addr, pg, true, false));
    expect(ev.filter((e) => e.name === 'tlb_flush' || e.name.startsWith('mmu_notifier_'))).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('§3.11 do_set_pte: anonymous pages', () => {
  it('§3.11 anon = true: MM_ANONPAGES +1; the page becomes anonymous (anon_vma, linear index), mapcount 1, PG_swapbacked', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4);
    L.touch(mm, addr, PAGE, 'w'); // anon_vma_prepare
    expect(vma.anon_vma).not.toBeNull();
    const pg = userPage(L);
    setPte(L, vma, addr + 2 * PAGE, pg, true, true);
    const pte = must(L.lookup_pte(mm, addr + 2 * PAGE), 'pte');
    expect(L.pte_pfn(pte)).toBe(L.page_to_pfn(pg));
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    expect(rss(L, mm)).toMatchObject({ anon: 2, file: 0 });
    expect(L.PageAnon(pg)).toBe(true);
    expect(L.PageSwapBacked(pg)).toBe(true);
    expect(L.page_mapcount(pg)).toBe(1);
    expect(L.page_count(pg)).toBe(1);
    expect(pg.index, 'linear_page_index').toBe(vma.vm_pgoff + 2);
    expectInvariants(L);
  });

  it('§3.11 in a private file vma (as do_cow_fault does): the anonymous page\'s index is the file page offset', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 8);
    const { addr, vma } = mapFile(L, mm, f, 2, { share: 'private', pgoff: 3 });
    L.user_write(mm, addr, new Uint8Array([1])); // COW fault: anon_vma_prepare
    const pg = userPage(L);
    setPte(L, vma, addr + PAGE, pg, true, true);
    expect(pg.index).toBe(4);
    expect(L.PageAnon(pg)).toBe(true);
    expect(L.pte_write(must(L.lookup_pte(mm, addr + PAGE), 'pte'))).toBe(true);
    expect(rss(L, mm)).toMatchObject({ anon: 2 });
    expectInvariants(L);
  });

  it('§3.11/§6 anon with no anon_vma: BUG in __page_set_anon_rmap, after MM_ANONPAGES +1 and mapcount = 1; the pte is not written', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2); // never faulted: no anon_vma
    expect(vma.anon_vma).toBeNull();
    const pg = userPage(L);
    L.down_read(mm.mmap_sem);
    const { ptep } = must(L.pte_alloc_map_lock(mm, addr), 'pte_alloc_map_lock');
    expectKernelBug(L, () => L.do_set_pte(vma, addr, pg, ptep, true, true), ...ANON_RMAP_BUG);
    expect(rss(L, mm).anon, 'inc_mm_counter ran before the rmap').toBe(1);
    expect(L.page_mapcount(pg), '_mapcount was set to 0 before __page_set_anon_rmap').toBe(1);
    expect(L.PageSwapBacked(pg)).toBe(true);
    expect(L.PageAnon(pg)).toBe(false);
    expect(L.pte_none(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
  });

  it('§3.11/§6 page_add_new_anon_rmap sets mapcount to 1, it does not add', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4);
    L.touch(mm, addr, PAGE, 'w');
    const pg = userPage(L);
    setPte(L, vma, addr + PAGE, pg, true, true);
    L.get_page(pg); // the second pte's reference
    setPte(L, vma, addr + 2 * PAGE, pg, true, true);
    expect(L.page_mapcount(pg)).toBe(1);
    expect(rss(L, mm).anon).toBe(3);
    expect(present(L, mm, addr + 2 * PAGE)).toBe(true);
  });

  it('§3.11 debug_vm: VM_BUG_ON for an address outside the vma, in page_add_new_anon_rmap, after MM_ANONPAGES +1', () => {
    const L = newLab({ debug_vm: true });
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2);
    L.touch(mm, addr, PAGE, 'w');
    const pg = userPage(L);
    const outside = vma.vm_end;
    L.down_read(mm.mmap_sem);
    const { ptep } = must(L.pte_alloc_map_lock(mm, outside), 'pte_alloc_map_lock');
    expectKernelBug(L, () => L.do_set_pte(vma, outside, pg, ptep, true, true), 'page_add_new_anon_rmap');
    expect(rss(L, mm).anon).toBe(2);
    expect(present(L, mm, outside)).toBe(false);
  });

  it('§3.11 without debug_vm the address is not checked: the pte outside the vma is written', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2);
    L.touch(mm, addr, PAGE, 'w');
    const pg = userPage(L);
    setPte(L, vma, vma.vm_end, pg, true, true);
    expect(L.tainted()).toBe(false);
    expect(present(L, mm, vma.vm_end)).toBe(true);
    expect(rss(L, mm).anon).toBe(2);
  });
});
