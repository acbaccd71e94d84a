// §3.2 zap_page_range (zap_pte_range), §2.8 zap_details, §2.9 vm_normal_page / print_bad_pte.
import { describe, it, expect } from 'vitest';
import {
  BASE, MMIO_PFN, PAGE, expectInvariants, flushAndNotifierNames, flushes, makeFile, mapAnon, mapDevice, mapFile,
  must, newLab, newPage, pageAt, pattern, present, presentMap, recordNotifier, rss, traced, underRead, vmaAt,
  MN_END, MN_RANGE, MN_START, type Lab, type Mm, type Vma,
} from './helpers';

type Details = Parameters<Lab['zap_page_range']>[3];

function zap(L: Lab, mm: Mm, vma: Vma, start: number, size: number, details: Details = null): void {
  underRead(L, mm, () => L.zap_page_range(vma, start, size, details));
}

describe('§3.2 zap_page_range: ptes, counters, pages', () => {
  it('§3.2 clears anonymous ptes, drops MM_ANONPAGES and frees the pages after the flush', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const pg = pageAt(L, mm, addr + PAGE);
    expect(L.page_count(pg)).toBe(1);
    zap(L, mm, vma, addr, 4 * PAGE);
    expect(presentMap(L, mm, addr, 4)).toEqual([false, false, false, false]);
    expect(rss(L, mm).anon).toBe(0);
    expect(L.page_count(pg)).toBe(0);
    expect(L.page_mapcount(pg)).toBe(0);
    expectInvariants(L);
  });

  it('§3.2 zaps only [start, start + size): neighbours keep their ptes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 6, { touch: 'w' });
    zap(L, mm, vma, addr + 2 * PAGE, 2 * PAGE);
    expect(presentMap(L, mm, addr, 6)).toEqual([true, true, false, false, true, true]);
    expect(rss(L, mm).anon).toBe(4);
    expectInvariants(L);
  });

  it('§3.2/§6 update_hiwater_rss runs before anything is removed', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 7, { touch: 'w' });
    zap(L, mm, vma, addr, 7 * PAGE);
    expect(rss(L, mm).anon).toBe(0);
    expect(mm.hiwater_rss).toBeGreaterThanOrEqual(7);
  });

  it('§3.2 hiwater_rss is a high-water mark: a later zap at lower rss does not lower it', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 7, { touch: 'w' });
    zap(L, mm, vma, addr, 3 * PAGE);
    const hw = mm.hiwater_rss;
    expect(hw).toBeGreaterThanOrEqual(7);
    zap(L, mm, vma, addr + 3 * PAGE, 4 * PAGE);
    expect(mm.hiwater_rss).toBe(hw);
  });

  it('§3.2/§6 no page table is freed: nr_ptes is unchanged and lookup_pte still finds a (none) pte', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const nr = mm.nr_ptes;
    zap(L, mm, vma, addr, 4 * PAGE);
    expect(mm.nr_ptes).toBe(nr);
    const pte = must(L.lookup_pte(mm, addr), 'the pte table after the zap');
    expect(L.pte_none(pte)).toBe(true);
  });

  it('§3.2/§6 the page cache is untouched: file pages lose their mapping but stay cached', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 4);
    const { addr, vma } = mapFile(L, mm, f, 4, { touch: 'r' });
    expect(rss(L, mm).file).toBe(4);
    expect(f.f_mapping.nrpages).toBe(4);
    zap(L, mm, vma, addr, 4 * PAGE);
    expect(rss(L, mm).file).toBe(0);
    expect(f.f_mapping.nrpages).toBe(4);
    const pg = must(L.find_get_page(f.f_mapping, 2), 'page 2 still in the page cache');
    expect(L.page_mapcount(pg)).toBe(0);
    expect(L.page_count(pg), 'the cache\'s reference + find_get_page\'s').toBe(2);
    L.put_page(pg);
    expect(L.file_read(f, 2 * PAGE, PAGE)).toEqual(pattern(PAGE, 3));
    expectInvariants(L);
  });

  it('§3.2 tmpfs pages are MM_SHMEMPAGES and are uncounted by the zap', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 3, 'tmpfs');
    const { addr, vma } = mapFile(L, mm, f, 3, { touch: 'r' });
    expect(rss(L, mm)).toMatchObject({ shmem: 3, file: 0 });
    zap(L, mm, vma, addr, 3 * PAGE);
    expect(rss(L, mm)).toMatchObject({ shmem: 0, file: 0 });
    expect(f.f_mapping.nrpages).toBe(3);
    expectInvariants(L);
  });

  it('§3.2 vm_flags are unchanged by a zap (anonymous and file vmas)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const a = mapAnon(L, mm, 2, { touch: 'w' });
    const f = makeFile(L, 2);
    const b = mapFile(L, mm, f, 2, { addr: BASE + 16 * PAGE, touch: 'w' });
    const fa = a.vma.vm_flags;
    const fb = b.vma.vm_flags;
    zap(L, mm, a.vma, a.addr, 2 * PAGE);
    zap(L, mm, b.vma, b.addr, 2 * PAGE);
    expect(a.vma.vm_flags).toBe(fa);
    expect(b.vma.vm_flags).toBe(fb);
  });

  it('§3.2 a page shared with a fork child keeps its other mapping', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { touch: 'w' });
    const pg = pageAt(L, mm, addr);
    const child = L.fork(mm);
    expect(L.page_mapcount(pg)).toBe(2);
    expect(L.page_count(pg)).toBe(2);
    zap(L, child, vmaAt(L, child, addr), addr, PAGE);
    expect(L.page_mapcount(pg)).toBe(1);
    expect(L.page_count(pg)).toBe(1);
    expect(rss(L, child).anon).toBe(0);
    expect(rss(L, mm).anon).toBe(1);
    expect(L.pte_pfn(must(L.lookup_pte(mm, addr), 'parent pte'))).toBe(L.page_to_pfn(pg));
    expectInvariants(L);
  });
});

describe('§3.2 zap_page_range: which vmas', () => {
  it('§3.2 a range over several vmas and a hole zaps every vma in it; the hole is ignored', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const a = mapAnon(L, mm, 2, { addr: BASE, touch: 'w' });
    const b = mapAnon(L, mm, 2, { addr: BASE + 4 * PAGE, touch: 'w' });
    zap(L, mm, a.vma, BASE, 6 * PAGE);
    expect(presentMap(L, mm, a.addr, 2)).toEqual([false, false]);
    expect(presentMap(L, mm, b.addr, 2)).toEqual([false, false]);
    expect(rss(L, mm).anon).toBe(0);
    expectInvariants(L);
  });

  it('§3.2 it starts at the given vma and does not look up start: a lower vma inside the range is left alone', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const a = mapAnon(L, mm, 2, { addr: BASE, touch: 'w' });
    const b = mapAnon(L, mm, 2, { addr: BASE + 4 * PAGE, touch: 'w' });
    zap(L, mm, b.vma, BASE, 6 * PAGE);
    expect(presentMap(L, mm, a.addr, 2)).toEqual([true, true]);
    expect(presentMap(L, mm, b.addr, 2)).toEqual([false, false]);
    expect(rss(L, mm).anon).toBe(2);
    expectInvariants(L);
  });
});

describe('§3.2 zap_page_range: notifiers and TLB flush', () => {
  it('§3.2 invalidate_range_start/end get exactly [start, start + size), ->invalidate_range after the flush gets the cleared range', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 8);
    L.touch(mm, addr + 2 * PAGE, 2 * PAGE, 'w');
    const calls = recordNotifier(L, mm);
    zap(L, mm, vma, addr, 8 * PAGE);
    const whole = { start: addr, end: addr + 8 * PAGE };
    expect(calls).toEqual([
      { kind: 'start', ...whole },
      { kind: 'range', ...whole }, // called by 4.7's invalidate_range_end before ->invalidate_range_end
      { kind: 'end', ...whole },
      { kind: 'range', start: addr + 2 * PAGE, end: addr + 4 * PAGE }, // tlb_flush_mmu_tlbonly
    ]);
  });

  it('§3.2 trace order for a clean anonymous zap: range_start, range_end, then tlb_flush and invalidate_range at tlb_finish_mmu', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 3, { touch: 'w' });
    const ev = traced(L, () => zap(L, mm, vma, addr, 3 * PAGE));
    expect(flushAndNotifierNames(ev)).toEqual([MN_START, MN_END, 'tlb_flush', MN_RANGE]);
    expect(flushes(ev)[0]).toMatchObject({ start: addr, end: addr + 3 * PAGE, pages: 3 });
  });

  it('§2.9/§6 zero-page ptes are cleared and flushed but were never counted', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'r' });
    expect(presentMap(L, mm, addr, 4)).toEqual([true, true, true, true]);
    expect(rss(L, mm).anon).toBe(0);
    const ev = traced(L, () => zap(L, mm, vma, addr, 4 * PAGE));
    expect(presentMap(L, mm, addr, 4)).toEqual([false, false, false, false]);
    expect(rss(L, mm).anon).toBe(0);
    expect(flushes(ev)).toHaveLength(1);
    expect(L.dmesg().some((l) => l.includes('Bad page map'))).toBe(false);
    expect(L.tainted()).toBe(false);
    expectInvariants(L);
  });
});

describe('§3.2 zap_pte_range on file pages: dirty and young', () => {
  /** A driver page inserted at the start of a shared writable device mapping (mapping NULL). */
  function insertedPage(L: Lab, mm: Mm, flags = 0) {
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_flags = vma.vm_flags | flags;
      return L.vm_insert_page(vma, vma.vm_start, pg);
    });
    expect(d.ret).toBe(d.addr);
    return { ...d, pg };
  }

  it('§3.2 a dirty pte of a page with no mapping: set_page_dirty just sets PG_dirty, and the flush is forced before invalidate_range_end', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma, pg } = insertedPage(L, mm);
    L.user_write(mm, addr, new Uint8Array([1, 2, 3])); // the CPU sets DIRTY in the pte; no fault
    expect(L.pte_dirty(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
    expect(L.PageDirty(pg)).toBe(false);
    const ev = traced(L, () => zap(L, mm, vma, addr, PAGE));
    expect(L.PageDirty(pg)).toBe(true);
    expect(flushAndNotifierNames(ev)).toEqual([MN_START, 'tlb_flush', MN_RANGE, MN_END]);
    expect(L.page_count(pg), 'the driver\'s own reference remains').toBe(1);
    expect(rss(L, mm).file).toBe(0);
    expectInvariants(L);
  });

  it('§3.2 a young pte of a file page in a vma without VM_SEQ_READ: mark_page_accessed sets PG_referenced', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma, pg } = insertedPage(L, mm);
    expect(L.pte_young(must(L.lookup_pte(mm, addr), 'pte')), 'ptes are born young (ACCESSED is in every user prot)').toBe(true);
    expect(L.PageReferenced(pg)).toBe(false);
    zap(L, mm, vma, addr, PAGE);
    expect(L.PageReferenced(pg)).toBe(true);
  });

  it('§3.2 VM_SEQ_READ: no mark_page_accessed on zap', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma, pg } = insertedPage(L, mm, L.VM_SEQ_READ);
    zap(L, mm, vma, addr, PAGE);
    expect(L.PageReferenced(pg)).toBe(false);
  });

  it('§3.2 mark_page_accessed on an already referenced, inactive page activates it and clears PG_referenced', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma, pg } = insertedPage(L, mm);
    zap(L, mm, vma, addr, PAGE);
    expect(L.PageReferenced(pg)).toBe(true);
    expect(underRead(L, mm, () => L.vm_insert_page(vma, addr, pg))).toBe(0); // vma is VM_MIXEDMAP now
    zap(L, mm, vma, addr, PAGE);
    expect(L.PageReferenced(pg)).toBe(false);
  });
});

describe('§2.8 zap_details', () => {
  it('§2.8 check_mapping set to another mapping keeps the present file ptes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const other = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 2, { touch: 'r' });
    zap(L, mm, vma, addr, 2 * PAGE, { check_mapping: other.f_mapping });
    expect(presentMap(L, mm, addr, 2)).toEqual([true, true]);
    expect(rss(L, mm).file).toBe(2);
    zap(L, mm, vma, addr, 2 * PAGE, { check_mapping: f.f_mapping });
    expect(presentMap(L, mm, addr, 2)).toEqual([false, false]);
    expect(rss(L, mm).file).toBe(0);
    expectInvariants(L);
  });

  it('§2.8 check_mapping keeps COWed anonymous pages of a private file mapping (their mapping is the anon_vma)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const { addr, vma } = mapFile(L, mm, f, 2, { share: 'private', touch: 'r' });
    L.user_write(mm, addr + PAGE, new Uint8Array([9])); // COW page 1
    expect(rss(L, mm)).toMatchObject({ file: 1, anon: 1 });
    zap(L, mm, vma, addr, 2 * PAGE, { check_mapping: f.f_mapping });
    expect(presentMap(L, mm, addr, 2)).toEqual([false, true]);
    expect(rss(L, mm)).toMatchObject({ file: 0, anon: 1 });
    expectInvariants(L);
  });

  it('§2.8 check_mapping never protects special (pfn) ptes: vm_normal_page gives no page to compare', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const d = mapDevice(L, mm, 2, (vma) => L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, 2 * PAGE, vma.vm_page_prot));
    expect(d.ret).toBe(d.addr);
    zap(L, mm, d.vma, d.addr, 2 * PAGE, { check_mapping: f.f_mapping });
    expect(presentMap(L, mm, d.addr, 2)).toEqual([false, false]);
  });

  describe('swap entries (machine swap: true)', () => {
    function swapped(L: Lab) {
      const mm = L.mm_alloc();
      const m = mapAnon(L, mm, 2, { touch: 'w' });
      expect(L.swap_out(mm, m.addr)).toBe(0);
      expect(L.is_swap_pte(must(L.lookup_pte(mm, m.addr), 'pte'))).toBe(true);
      expect(rss(L, mm)).toMatchObject({ anon: 1, swap: 1 });
      return m;
    }

    it('§3.2 NULL details frees swap entries: MM_SWAPENTS -1 and the pte is cleared', () => {
      const L = newLab({ swap: true });
      const { mm, addr, vma } = swapped(L);
      zap(L, mm, vma, addr, 2 * PAGE, null);
      expect(L.pte_none(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
      expect(rss(L, mm)).toMatchObject({ anon: 0, swap: 0 });
      expectInvariants(L);
    });

    it('§2.8 non-NULL details without check_swap_entries keeps swap ptes [ver-zap]', () => {
      const L = newLab({ swap: true });
      const { mm, addr, vma } = swapped(L);
      zap(L, mm, vma, addr, 2 * PAGE, {});
      expect(L.is_swap_pte(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
      expect(rss(L, mm)).toMatchObject({ anon: 0, swap: 1 });
      expect(present(L, mm, addr + PAGE)).toBe(false);
      expectInvariants(L);
    });

    it('§2.8 check_swap_entries: true frees swap ptes', () => {
      const L = newLab({ swap: true });
      const { mm, addr, vma } = swapped(L);
      zap(L, mm, vma, addr, 2 * PAGE, { check_swap_entries: true });
      expect(L.pte_none(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
      expect(rss(L, mm)).toMatchObject({ anon: 0, swap: 0 });
      expectInvariants(L);
    });
  });

  it('§2.8/§3.2 ignore_dirty: a dirty file pte is cleared but rss, mapcount and refcount are left as they were (4.6/4.7 quirk)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 1, { touch: 'w' });
    const pg = pageAt(L, mm, addr);
    expect(L.pte_dirty(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
    const count = L.page_count(pg);
    zap(L, mm, vma, addr, PAGE, { ignore_dirty: true });
    expect(L.pte_none(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
    expect(rss(L, mm).file).toBe(1);
    expect(L.page_mapcount(pg)).toBe(1);
    expect(L.page_count(pg)).toBe(count);
    // The lab is asked to emit a diagnostic here; its channel is not fixed, so it is not checked.
  });

  it('§2.8 first_index/last_index only steer the i_mmap walk: passed to zap_page_range they filter nothing', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 4);
    const { addr, vma } = mapFile(L, mm, f, 4, { touch: 'r' });
    zap(L, mm, vma, addr, 4 * PAGE, { first_index: 1, last_index: 1 });
    expect(presentMap(L, mm, addr, 4)).toEqual([false, false, false, false]);
    expect(rss(L, mm).file).toBe(0);
    expectInvariants(L);
  });

  it('§2.8 ignore_dirty does not affect clean file ptes or anonymous pages', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const file = mapFile(L, mm, f, 1, { touch: 'r' });
    const anon = mapAnon(L, mm, 1, { addr: BASE + 16 * PAGE, touch: 'w' }); // dirty, but anonymous
    zap(L, mm, file.vma, file.addr, PAGE, { ignore_dirty: true });
    zap(L, mm, anon.vma, anon.addr, PAGE, { ignore_dirty: true });
    expect(rss(L, mm)).toMatchObject({ file: 0, anon: 0 });
    expectInvariants(L);
  });
});

describe('§2.9 vm_normal_page and print_bad_pte', () => {
  it('§2.9 a special pte in a vma that is neither PFNMAP nor MIXEDMAP: print_bad_pte ("Bad page map"), taint, and the zap goes on', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 2, (vma) => {
      const r = L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, 2 * PAGE, vma.vm_page_prot);
      vma.vm_flags = vma.vm_flags & ~L.VM_PFNMAP; // a driver that drops the flag afterwards
      return r;
    });
    expect(d.ret).toBe(d.addr);
    expect(L.tainted()).toBe(false);
    zap(L, mm, d.vma, d.addr, 2 * PAGE);
    expect(L.dmesg().some((l) => l.includes('Bad page map'))).toBe(true);
    expect(L.tainted()).toBe(true);
    expect(presentMap(L, mm, d.addr, 2), 'both ptes are still cleared').toEqual([false, false]);
    expect(rss(L, mm)).toMatchObject({ file: 0, anon: 0, shmem: 0 });
  });

  it('§2.9 a special MMIO pte in a VM_MIXEDMAP vma: no page, no report, no counter change', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_flags = vma.vm_flags | L.VM_MIXEDMAP;
      return L.vm_insert_pfn(vma, vma.vm_start, MMIO_PFN);
    });
    expect(d.ret).toBe(d.addr);
    zap(L, mm, d.vma, d.addr, PAGE);
    expect(present(L, mm, d.addr)).toBe(false);
    expect(L.dmesg().some((l) => l.includes('Bad page map'))).toBe(false);
    expect(L.tainted()).toBe(false);
    expectInvariants(L);
  });

  it('§2.9/§3.2 a mapcount that goes below 0 on zap is reported by print_bad_pte, and the zap goes on', () => {
    // do_set_pte(anon) sets mapcount to 1 rather than adding (§3.11): two ptes, mapcount 1.
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 3);
    L.touch(mm, addr, PAGE, 'w'); // anon_vma_prepare
    const pg = must(L.alloc_page(L.GFP_HIGHUSER_MOVABLE), 'page');
    L.get_page(pg); // one reference per pte
    underRead(L, mm, () => {
      for (const a of [addr + PAGE, addr + 2 * PAGE]) {
        const { ptep, ptl } = must(L.pte_alloc_map_lock(mm, a), 'pte_alloc_map_lock');
        L.do_set_pte(vma, a, pg, ptep, true, true);
        L.pte_unmap_unlock(ptep, ptl);
      }
    });
    expect(L.page_mapcount(pg)).toBe(1);
    expect(L.tainted()).toBe(false);
    zap(L, mm, vma, addr + PAGE, 2 * PAGE);
    expect(L.dmesg().some((l) => l.includes('Bad page map'))).toBe(true);
    expect(L.tainted()).toBe(true);
    expect(presentMap(L, mm, addr, 3)).toEqual([true, false, false]);
    expect(rss(L, mm).anon).toBe(1);
  });

  it('§2.9/§3.5 a vm_insert_page page is a normal page: the zap returns its reference and uncounts it', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => L.vm_insert_page(vma, vma.vm_start, pg));
    expect(d.ret).toBe(d.addr);
    expect(L.page_count(pg)).toBe(2);
    expect(rss(L, mm).file).toBe(1);
    zap(L, mm, d.vma, d.addr, PAGE);
    expect(L.page_count(pg)).toBe(1);
    expect(L.page_mapcount(pg)).toBe(0);
    expect(rss(L, mm).file).toBe(0);
    expectInvariants(L);
  });
});
