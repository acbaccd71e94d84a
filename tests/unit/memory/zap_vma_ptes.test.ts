// §3.4 zap_vma_ptes: -1 for anything but an in-range VM_PFNMAP zap; drops VM_PAT for the whole vma.
import { describe, it, expect } from 'vitest';
import {
  MMIO_PFN, PAGE, expectInvariants, flushes, has, mapAnon, mapDevice, newLab, newPage, presentMap, rss, traced,
  underRead, type DevMapOpts, type Lab, type Mm,
} from './helpers';

/** A shared device mapping of `pages` pages whose ->mmap remaps the whole vma to MMIO. */
function remapped(L: Lab, mm: Mm, pages: number, opts: DevMapOpts = {}) {
  const d = mapDevice(L, mm, pages, (vma) => L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, pages * PAGE, vma.vm_page_prot), opts);
  expect(d.ret).toBe(d.addr);
  expect(has(d.vma.vm_flags, L.VM_PFNMAP)).toBe(true);
  expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(true);
  return d;
}

describe('§3.4 zap_vma_ptes', () => {
  it('§3.4 returns 0 and clears the pfn ptes of a VM_PFNMAP vma, with a TLB flush and no counter change', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    L.touch(mm, d.addr, 4 * PAGE, 'r'); // run the mm on cpu 0
    const before = rss(L, mm);
    const ev = traced(L, () => expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr + PAGE, 2 * PAGE))).toBe(0));
    expect(presentMap(L, mm, d.addr, 4)).toEqual([true, false, false, true]);
    expect(rss(L, mm)).toEqual(before);
    expect(flushes(ev)).toHaveLength(1);
    expect(flushes(ev)[0]).toMatchObject({ start: d.addr + PAGE, end: d.addr + 3 * PAGE, pages: 2 });
  });

  it('§3.4 returns -1 (not an errno) when address < vm_start; nothing changes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    expect(L.zap_vma_ptes(d.vma, d.addr - PAGE, 2 * PAGE)).toBe(-1);
    expect(presentMap(L, mm, d.addr, 4)).toEqual([true, true, true, true]);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(true);
  });

  it('§3.4 returns -1 when address + size > vm_end; nothing changes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    expect(L.zap_vma_ptes(d.vma, d.addr + 2 * PAGE, 3 * PAGE)).toBe(-1);
    expect(presentMap(L, mm, d.addr, 4)).toEqual([true, true, true, true]);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(true);
  });

  it('§3.4 address + size == vm_end is allowed', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr + 2 * PAGE, 2 * PAGE))).toBe(0);
    expect(presentMap(L, mm, d.addr, 4)).toEqual([true, true, false, false]);
  });

  it('§3.4 returns -1 for an anonymous vma and leaves its pages mapped', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2, { touch: 'w' });
    expect(L.zap_vma_ptes(vma, addr, 2 * PAGE)).toBe(-1);
    expect(presentMap(L, mm, addr, 2)).toEqual([true, true]);
    expect(rss(L, mm).anon).toBe(2);
  });

  it.each([
    ['VM_MIXEDMAP alone', 0],
    ['VM_IO | VM_MIXEDMAP', 1],
  ])('§3.4 returns -1 without VM_PFNMAP (%s)', (_label, io) => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => {
      if (io) vma.vm_flags = vma.vm_flags | L.VM_IO;
      return L.vm_insert_page(vma, vma.vm_start, pg);
    });
    expect(d.ret).toBe(d.addr);
    expect(L.zap_vma_ptes(d.vma, d.addr, PAGE)).toBe(-1);
    expect(presentMap(L, mm, d.addr, 1)).toEqual([true]);
    expect(L.page_count(pg)).toBe(2);
  });

  it('§3.4/§6 a partial zap drops VM_PAT for the whole vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr + 3 * PAGE, PAGE))).toBe(0);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(false);
    expect(has(d.vma.vm_flags, L.VM_PFNMAP), 'only VM_PAT goes').toBe(true);
    expect(presentMap(L, mm, d.addr, 4)).toEqual([true, true, true, false]);
  });

  it('§3.4/§6 with PAT on, a partial zap frees the whole-vma memtype reservation', () => {
    const L = newLab({ pat: true });
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    // remap_pfn_range reserved [MMIO, +4 pages) as WB: a UC- reservation of it conflicts.
    expect(L.set_memtype(MMIO_PFN, 4, 'UC-')).toBeLessThan(0);
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr + PAGE, PAGE))).toBe(0);
    expect(L.set_memtype(MMIO_PFN, 4, 'UC-'), 'the whole reservation is gone').toBe(0);
  });

  it('§3.4/§6 size 0 with address > vm_start still drops VM_PAT (unmap_single_vma untracks before checking start == end)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr + PAGE, 0))).toBe(0);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(false);
    expect(presentMap(L, mm, d.addr, 4)).toEqual([true, true, true, true]);
  });

  it('§3.4 size 0 at vm_start returns 0 and keeps VM_PAT: the clamped end is not above vm_start, so unmap_single_vma returns first', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr, 0))).toBe(0);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(true);
  });

  it('§3.4 page tables stay after zap_vma_ptes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = remapped(L, mm, 4);
    const nr = mm.nr_ptes;
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr, 4 * PAGE))).toBe(0);
    expect(mm.nr_ptes).toBe(nr);
    expect(L.lookup_pte(mm, d.addr)).not.toBeNull();
    expectInvariants(L);
  });

  it('§3.1 untrack_pfn WARNs once and keeps VM_PAT when follow_phys finds no pte at vm_start', () => {
    // A driver remaps only page 1 (no reservation, no VM_PAT) and then sets VM_PAT by hand:
    // untrack_pfn(vma, 0, 0) must look the address up at vm_start, where there is no pte.
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 2, (vma) => {
      const r = L.remap_pfn_range(vma, vma.vm_start + PAGE, MMIO_PFN, PAGE, vma.vm_page_prot);
      vma.vm_flags = vma.vm_flags | L.VM_PAT;
      return r;
    });
    expect(d.ret).toBe(d.addr);
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr + PAGE, PAGE))).toBe(0);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(true);
    expect(L.dmesg().filter((l) => l.includes('WARNING'))).toHaveLength(1);
    expect(presentMap(L, mm, d.addr, 2)).toEqual([false, false]);
    // WARN_ON_ONCE: a second zap does not warn again.
    expect(underRead(L, mm, () => L.zap_vma_ptes(d.vma, d.addr, PAGE))).toBe(0);
    expect(L.dmesg().filter((l) => l.includes('WARNING'))).toHaveLength(1);
  });
});
