// §3.5 vm_insert_page: checks in order -EFAULT, -EINVAL (refcount 0), BUG_ON(mmap_sem not
// write-held), BUG_ON(VM_PFNMAP), VM_MIXEDMAP set, then insert_page (-EINVAL anon, -ENOMEM, -EBUSY).
import { describe, it, expect } from 'vitest';
import {
  PAGE, expectInvariants, expectKernelBug, has, makeFile, mapAnon, mapDevice, mapDeviceWithFlags, must, newLab, newPage,
  pageAt, pattern, present, recordNotifier, rss, traced, underRead, underWrite, BASE, type Lab, type Page,
} from './helpers';

/** Map a shared device of `pages` pages and vm_insert_page `pg` at vm_start + off from ->mmap. */
function insertInMmap(L: Lab, pg: Page, pages = 1, off = 0, opts: Parameters<typeof mapDevice>[4] = {}) {
  const mm = L.mm_alloc();
  let ret = NaN;
  const d = mapDevice(L, mm, pages, (vma) => {
    ret = L.vm_insert_page(vma, vma.vm_start + off, pg);
    return 0;
  }, opts);
  expect(d.ret).toBe(d.addr);
  return { ...d, insertRet: ret };
}

describe('§3.5 vm_insert_page: success', () => {
  it('§3.5 inside ->mmap: maps the page, sets VM_MIXEDMAP, counts MM_FILEPAGES, takes a reference and a mapcount', () => {
    const L = newLab();
    const pg = newPage(L);
    const { mm, addr, vma, insertRet } = insertInMmap(L, pg);
    expect(insertRet).toBe(0);
    expect(has(vma.vm_flags, L.VM_MIXEDMAP)).toBe(true);
    const pte = must(L.lookup_pte(mm, addr), 'pte');
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_pfn(pte)).toBe(L.page_to_pfn(pg));
    expect(L.pte_special(pte), 'a normal page, not special').toBe(false);
    expect(L.pte_dirty(pte)).toBe(false);
    expect(L.pte_young(pte), 'ACCESSED comes from the prot').toBe(true);
    expect(L.pte_write(pte), 'shared writable: PAGE_SHARED has RW').toBe(true);
    expect(L.pte_nx(pte)).toBe(true);
    expect(L.page_count(pg)).toBe(2);
    expect(L.page_mapcount(pg)).toBe(1);
    expect(rss(L, mm)).toMatchObject({ file: 1, anon: 0, shmem: 0 });
    expectInvariants(L);
  });

  it('§3.5 the pte protection is vm_page_prot: PROT_EXEC drops NX', () => {
    const L = newLab();
    const pg = newPage(L);
    const { mm, addr, insertRet } = insertInMmap(L, pg, 1, 0, { prot: L.PROT_READ | L.PROT_WRITE | L.PROT_EXEC });
    expect(insertRet).toBe(0);
    expect(L.pte_nx(must(L.lookup_pte(mm, addr), 'pte'))).toBe(false);
  });

  it('§3.5 a MAP_PRIVATE vma\'s vm_page_prot never has RW, so neither does the pte', () => {
    const L = newLab();
    const pg = newPage(L);
    const { mm, addr, insertRet } = insertInMmap(L, pg, 1, 0, { share: 'private' });
    expect(insertRet).toBe(0);
    expect(L.pte_write(must(L.lookup_pte(mm, addr), 'pte'))).toBe(false);
  });

  it('§3.5 MAP_SHARED of an O_RDONLY fd: no RW in the pte', () => {
    const L = newLab();
    const pg = newPage(L);
    const { mm, addr, vma, insertRet } = insertInMmap(L, pg, 1, 0, { open: 'r', prot: L.PROT_READ });
    expect(insertRet).toBe(0);
    expect(has(vma.vm_flags, L.VM_SHARED)).toBe(false);
    expect(L.pte_write(must(L.lookup_pte(mm, addr), 'pte'))).toBe(false);
  });

  it('§3.5 page->mapping and page->index are not set', () => {
    const L = newLab();
    const pg = newPage(L);
    const { insertRet } = insertInMmap(L, pg, 4, 2 * PAGE, { pgoff: 5 });
    expect(insertRet).toBe(0);
    expect(pg.mapping).toBeFalsy();
    expect(pg.index).toBe(0);
    expect(L.PageAnon(pg)).toBe(false);
  });

  it('§3.5 a swap-backed (tmpfs page-cache) page counts as MM_SHMEMPAGES and keeps its mapping', () => {
    const L = newLab();
    const f = makeFile(L, 1, 'tmpfs');
    const pg = must(L.find_get_page(f.f_mapping, 0), 'tmpfs page');
    const mappingBefore = pg.mapping;
    const { mm, insertRet } = insertInMmap(L, pg);
    expect(insertRet).toBe(0);
    expect(rss(L, mm)).toMatchObject({ shmem: 1, file: 0 });
    expect(pg.mapping).toBe(mappingBefore);
    expect(L.page_mapcount(pg)).toBe(1);
    expectInvariants(L);
  });

  it('§3.5 the user reads the page\'s contents and user writes land in it', () => {
    const L = newLab();
    const pg = newPage(L);
    L.page_write(pg, 0, pattern(64, 5));
    const { mm, addr } = insertInMmap(L, pg);
    expect(L.user_read(mm, addr, 64)).toEqual(pattern(64, 5));
    L.user_write(mm, addr + 100, pattern(8, 9));
    expect(L.page_read(pg, 100, 8)).toEqual(pattern(8, 9));
  });

  it('§3.5 no TLB flush and no mmu notifier call', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDeviceWithFlags(L, mm, 1, L.VM_MIXEDMAP);
    const calls = recordNotifier(L, mm);
    const pg = newPage(L);
    const ev = traced(L, () => expect(underRead(L, mm, () => L.vm_insert_page(d.vma, d.addr, pg))).toBe(0));
    expect(ev.filter((e) => e.name === 'tlb_flush' || e.name.startsWith('mmu_notifier_'))).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('§3.5 fork takes a reference: the MIXEDMAP pte is copied, clean and old, into the child', () => {
    const L = newLab();
    const pg = newPage(L);
    const { mm, addr } = insertInMmap(L, pg);
    const child = L.fork(mm);
    const cpte = must(L.lookup_pte(child, addr), 'child pte');
    expect(L.pte_present(cpte)).toBe(true);
    expect(L.pte_pfn(cpte)).toBe(L.page_to_pfn(pg));
    expect(L.pte_young(cpte), 'the child\'s copy is old').toBe(false);
    expect(L.pte_dirty(cpte)).toBe(false);
    expect(L.page_count(pg)).toBe(3);
    expect(L.page_mapcount(pg)).toBe(2);
    expect(rss(L, child).file).toBe(1);
    expectInvariants(L);
  });

  it('§3.5 a zap gives the reference back; the driver\'s page is not freed', () => {
    const L = newLab();
    const pg = newPage(L);
    const { mm, addr, vma } = insertInMmap(L, pg);
    underRead(L, mm, () => L.zap_page_range(vma, addr, PAGE, null));
    expect(L.page_count(pg)).toBe(1);
    expect(L.page_mapcount(pg)).toBe(0);
    expect(rss(L, mm).file).toBe(0);
    expectInvariants(L);
  });
});

describe('§3.5 vm_insert_page: errors and their order', () => {
  it.each([
    ['one page below vm_start', -PAGE],
    ['at vm_end', PAGE],
  ])('§3.5 -EFAULT %s, before VM_MIXEDMAP is set', (_label, off) => {
    const L = newLab();
    const pg = newPage(L);
    const { vma, insertRet } = insertInMmap(L, pg, 1, off);
    expect(insertRet).toBe(-L.EFAULT);
    expect(has(vma.vm_flags, L.VM_MIXEDMAP)).toBe(false);
    expect(L.page_count(pg)).toBe(1);
  });

  /** vm_insert_page from ->mmap of a page freed just before (so nothing can reuse it first). */
  function insertFreedInMmap(L: Lab, off: number) {
    const mm = L.mm_alloc();
    const pg = newPage(L);
    let ret = NaN;
    let count = NaN;
    const d = mapDevice(L, mm, 1, (vma) => {
      L.__free_page(pg);
      count = L.page_count(pg);
      ret = L.vm_insert_page(vma, vma.vm_start + off, pg);
      return 0;
    });
    expect(d.ret).toBe(d.addr);
    expect(count).toBe(0);
    return { ...d, insertRet: ret };
  }

  it('§3.5 -EINVAL for a page whose refcount is 0, before VM_MIXEDMAP is set', () => {
    const L = newLab();
    const { mm, addr, vma, insertRet } = insertFreedInMmap(L, 0);
    expect(insertRet).toBe(-L.EINVAL);
    expect(has(vma.vm_flags, L.VM_MIXEDMAP)).toBe(false);
    expect(present(L, mm, addr)).toBe(false);
  });

  it('§3.5 the range check comes before the refcount check', () => {
    const L = newLab();
    const { insertRet } = insertFreedInMmap(L, PAGE);
    expect(insertRet).toBe(-L.EFAULT);
  });

  it('§3.5 -EINVAL (refcount 0) comes before the BUG checks: no BUG with mmap_sem free', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    const pg = newPage(L);
    L.__free_page(pg);
    expect(L.page_count(pg)).toBe(0);
    expect(L.vm_insert_page(d.vma, d.addr, pg)).toBe(-L.EINVAL);
    expect(L.tainted()).toBe(false);
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(false);
  });

  it('§3.5 -EFAULT comes before the BUG checks too', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    expect(L.vm_insert_page(d.vma, d.addr + PAGE, newPage(L))).toBe(-L.EFAULT);
    expect(L.tainted()).toBe(false);
  });

  it('§3.5 BUG_ON(down_read_trylock(mmap_sem)) outside ->mmap with mmap_sem free; VM_MIXEDMAP not set', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    const pg = newPage(L);
    expectKernelBug(L, () => L.vm_insert_page(d.vma, d.addr, pg), 'vm_insert_page');
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(false);
    expect(present(L, mm, d.addr)).toBe(false);
    expect(L.page_count(pg)).toBe(1);
    expect(rss(L, mm).file).toBe(0);
  });

  it('§3.5 BUG also when mmap_sem is only held for read (the read trylock succeeds)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    L.down_read(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_page(d.vma, d.addr, newPage(L)), 'vm_insert_page');
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(false);
  });

  it('§3.5 outside ->mmap with mmap_sem held for write: no BUG, the page is inserted', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    const pg = newPage(L);
    expect(underWrite(L, mm, () => L.vm_insert_page(d.vma, d.addr, pg))).toBe(0);
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(true);
    expect(L.tainted()).toBe(false);
    expectInvariants(L);
  });

  it('§3.5 BUG_ON(VM_PFNMAP), checked after the mmap_sem check; VM_MIXEDMAP not set', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDeviceWithFlags(L, mm, 1, L.VM_PFNMAP);
    L.down_write(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_page(d.vma, d.addr, newPage(L)), 'vm_insert_page');
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(false);
    expect(present(L, mm, d.addr)).toBe(false);
  });

  it.each([
    ['VM_MIXEDMAP', 'mixed'],
    ['VM_MIXEDMAP | VM_PFNMAP', 'both'],
  ])('§3.5 on a vma that already has %s neither BUG check runs (no mmap_sem needed)', (_label, which) => {
    const L = newLab();
    const mm = L.mm_alloc();
    const flags = which === 'both' ? L.VM_MIXEDMAP | L.VM_PFNMAP : L.VM_MIXEDMAP;
    const d = mapDeviceWithFlags(L, mm, 1, flags);
    const pg = newPage(L);
    expect(L.vm_insert_page(d.vma, d.addr, pg)).toBe(0);
    expect(L.tainted()).toBe(false);
    expect(L.page_mapcount(pg)).toBe(1);
  });

  it('§3.5/§6 sets VM_MIXEDMAP even when it then fails with -EINVAL (an anonymous page)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const anon = mapAnon(L, mm, 1, { addr: BASE + 64 * PAGE, touch: 'w' });
    const apg = pageAt(L, mm, anon.addr);
    const d = mapDevice(L, mm, 1);
    expect(underWrite(L, mm, () => L.vm_insert_page(d.vma, d.addr, apg))).toBe(-L.EINVAL);
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(true);
    expect(present(L, mm, d.addr)).toBe(false);
    expect(L.page_mapcount(apg)).toBe(1);
    expect(L.page_count(apg)).toBe(1);
    expectInvariants(L);
  });

  it('§3.5/§6 sets VM_MIXEDMAP even when it then fails with -EBUSY (the pte is already present)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const first = newPage(L);
    // A driver whose ->fault hands out `first`: a user read maps it with do_set_pte.
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_ops = {
        fault: (_vma, vmf) => {
          L.get_page(first);
          vmf.page = first;
          return 0;
        },
      };
    });
    expect(d.ret).toBe(d.addr);
    L.touch(mm, d.addr, PAGE, 'r');
    expect(present(L, mm, d.addr)).toBe(true);
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(false);
    const second = newPage(L);
    expect(underWrite(L, mm, () => L.vm_insert_page(d.vma, d.addr, second))).toBe(-L.EBUSY);
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(true);
    expect(L.pte_pfn(must(L.lookup_pte(mm, d.addr), 'pte'))).toBe(L.page_to_pfn(first));
    expect(L.page_count(second)).toBe(1);
    expect(L.page_mapcount(second)).toBe(0);
    expectInvariants(L);
  });

  it('§3.5 -EBUSY on a second insert at the same address: the first mapping is untouched', () => {
    const L = newLab();
    const a = newPage(L);
    const { mm, addr, vma } = insertInMmap(L, a);
    const b = newPage(L);
    expect(underRead(L, mm, () => L.vm_insert_page(vma, addr, b))).toBe(-L.EBUSY);
    expect(L.pte_pfn(must(L.lookup_pte(mm, addr), 'pte'))).toBe(L.page_to_pfn(a));
    expect(L.page_count(b)).toBe(1);
    expect(rss(L, mm).file).toBe(1);
    expectInvariants(L);
  });

  it('§3.5 -ENOMEM when the pte table cannot be allocated; VM_MIXEDMAP stays set', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    const nr = mm.nr_ptes;
    const pg = newPage(L);
    const r = underWrite(L, mm, () => {
      L.fail_next('pte_alloc');
      return L.vm_insert_page(d.vma, d.addr, pg);
    });
    expect(r).toBe(-L.ENOMEM);
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(true);
    expect(mm.nr_ptes).toBe(nr);
    expect(L.lookup_pte(mm, d.addr)).toBeNull();
    expect(L.page_count(pg)).toBe(1);
    expectInvariants(L);
  });

  it('§3.5 -ENOMEM when the pmd table cannot be allocated', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    const r = underWrite(L, mm, () => {
      L.fail_next('pmd_alloc');
      return L.vm_insert_page(d.vma, d.addr, newPage(L));
    });
    expect(r).toBe(-L.ENOMEM);
    expect(has(d.vma.vm_flags, L.VM_MIXEDMAP)).toBe(true);
    expect(L.lookup_pte(mm, d.addr)).toBeNull();
    expectInvariants(L);
  });
});
