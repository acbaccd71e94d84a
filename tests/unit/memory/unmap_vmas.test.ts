// §3.1 unmap_vmas (and unmap_single_vma / unmap_page_range).
import { describe, it, expect } from 'vitest';
import {
  BASE, MMIO_PFN, PAGE, expectInvariants, expectKernelBug, flushes, has, mapAnon, mapDevice, newLab, presentMap,
  recordNotifier, rss, traced, underWrite, type Lab, type Mm, type Vma,
} from './helpers';

/** unmap_vmas inside a gather of its own, as unmap_region does (mmap_sem held for write). */
function unmapWithGather(L: Lab, mm: Mm, vma: Vma, start: number, end: number): void {
  const tlb = new L.mmu_gather();
  underWrite(L, mm, () => {
    L.tlb_gather_mmu(tlb, mm, start, end);
    L.unmap_vmas(tlb, vma, start, end);
    L.tlb_finish_mmu(tlb, start, end);
  });
}

describe('§3.1 unmap_vmas', () => {
  it('§3.1 zaps [start_addr, end_addr) across consecutive vmas and a hole, and nothing outside it', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const a = mapAnon(L, mm, 4, { addr: BASE, touch: 'w' });
    const b = mapAnon(L, mm, 4, { addr: BASE + 6 * PAGE, touch: 'w' }); // hole at pages 4-5
    expect(rss(L, mm).anon).toBe(8);
    unmapWithGather(L, mm, a.vma, BASE + 2 * PAGE, BASE + 8 * PAGE);
    expect(presentMap(L, mm, BASE, 4)).toEqual([true, true, false, false]);
    expect(presentMap(L, mm, b.addr, 4)).toEqual([false, false, true, true]);
    expect(rss(L, mm).anon).toBe(4);
    expectInvariants(L);
  });

  it('§3.1 starts at the given vma: vmas below it are untouched even when the range covers them', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, 4, { addr: BASE, touch: 'w' });
    const b = mapAnon(L, mm, 4, { addr: BASE + 6 * PAGE, touch: 'w' });
    unmapWithGather(L, mm, b.vma, BASE, BASE + 10 * PAGE);
    expect(presentMap(L, mm, BASE, 4)).toEqual([true, true, true, true]);
    expect(presentMap(L, mm, b.addr, 4)).toEqual([false, false, false, false]);
    expect(rss(L, mm).anon).toBe(4);
    expectInvariants(L);
  });

  it('§3.1/§6 unmap_vmas does not call update_hiwater_rss', () => {
    // Nothing in this scenario calls update_hiwater_rss (faults do not), so it stays 0.
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 6, { touch: 'w' });
    unmapWithGather(L, mm, vma, addr, addr + 6 * PAGE);
    expect(rss(L, mm).anon).toBe(0);
    expect(mm.hiwater_rss).toBe(0);
  });

  it('§3.1/§6 munmap (unmap_region) does call update_hiwater_rss before unmap_vmas', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 6, { touch: 'w' });
    expect(L.munmap(mm, addr, 6 * PAGE)).toBe(0);
    expect(mm.hiwater_rss).toBeGreaterThanOrEqual(6);
    expectInvariants(L);
  });

  it('§3.1 invalidate_range_start/end get the unclamped [start_addr, end_addr)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const calls = recordNotifier(L, mm);
    const start = addr - 16 * PAGE;
    const end = addr + 100 * PAGE;
    const tlb = new L.mmu_gather();
    L.down_write(mm.mmap_sem);
    L.tlb_gather_mmu(tlb, mm, start, end);
    L.unmap_vmas(tlb, vma, start, end);
    // Before tlb_finish_mmu: start, then end (4.7's range_end first calls ->invalidate_range).
    expect(calls).toEqual([
      { kind: 'start', start, end },
      { kind: 'range', start, end },
      { kind: 'end', start, end },
    ]);
    L.tlb_finish_mmu(tlb, start, end);
    L.up_write(mm.mmap_sem);
    // The flush's ->invalidate_range covers only the cleared ptes.
    expect(calls[3]).toEqual({ kind: 'range', start: addr, end: addr + 4 * PAGE });
    expect(calls).toHaveLength(4);
  });

  it('§3.1 unmap_vmas frees no page table (free_pgtables is the caller\'s job)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const nr = mm.nr_ptes;
    expect(nr).toBeGreaterThan(0);
    unmapWithGather(L, mm, vma, addr, addr + 4 * PAGE);
    expect(mm.nr_ptes).toBe(nr);
    const pte = L.lookup_pte(mm, addr);
    expect(pte, 'the pte table is still there').not.toBeNull();
    expect(L.pte_none(pte!)).toBe(true);
    expectInvariants(L);
  });

  it('§3.1 file pages keep their page-cache page; the vma keeps its flags', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = L.file_create('u', 2 * PAGE, 'ramfs');
    L.file_write(f, 0, new Uint8Array(2 * PAGE).fill(7));
    const addr = L.mmap(mm, BASE, 2 * PAGE, L.PROT_READ, L.MAP_SHARED | L.MAP_FIXED, f, 0);
    expect(addr).toBe(BASE);
    L.touch(mm, addr, 2 * PAGE, 'r');
    const vma = L.find_vma(mm, addr)!;
    const flags = vma.vm_flags;
    expect(rss(L, mm).file).toBe(2);
    unmapWithGather(L, mm, vma, addr, addr + 2 * PAGE);
    expect(rss(L, mm).file).toBe(0);
    expect(f.f_mapping.nrpages).toBe(2);
    expect(vma.vm_flags).toBe(flags);
    expectInvariants(L);
  });

  it('§3.1 a range that misses the vma (ends at vm_start, or starts at vm_end) changes nothing', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    unmapWithGather(L, mm, vma, addr - 8 * PAGE, addr);
    unmapWithGather(L, mm, vma, addr + 4 * PAGE, addr + 8 * PAGE);
    expect(presentMap(L, mm, addr, 4)).toEqual([true, true, true, true]);
    expect(rss(L, mm).anon).toBe(4);
    expectInvariants(L);
  });

  it('§3.1 start_addr > end_addr inside one vma reaches BUG_ON(addr >= end) in unmap_page_range, after invalidate_range_start', () => {
    // unmap_single_vma clamps each end separately: start = max(vm_start, s) stays below vm_end,
    // end = min(vm_end, e) stays above vm_start, start != end, so unmap_page_range is called.
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const calls = recordNotifier(L, mm);
    const tlb = new L.mmu_gather();
    L.down_write(mm.mmap_sem);
    L.tlb_gather_mmu(tlb, mm, addr, addr + 4 * PAGE);
    expectKernelBug(L, () => L.unmap_vmas(tlb, vma, addr + 3 * PAGE, addr + PAGE), 'unmap_page_range');
    expect(calls.map((c) => c.kind), 'invalidate_range_start ran before the BUG').toEqual(['start']);
    expect(calls[0]).toMatchObject({ start: addr + 3 * PAGE, end: addr + PAGE });
    expect(presentMap(L, mm, addr, 4)).toEqual([true, true, true, true]);
  });

  it('§3.1 unmap_single_vma untracks a VM_PFNMAP vma\'s PAT reservation even when the clamped range is empty', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 4, (vma) => L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, 4 * PAGE, vma.vm_page_prot));
    expect(d.ret).toBe(d.addr);
    expect(has(d.vma.vm_flags, L.VM_PAT), 'whole-vma remap reserved the range').toBe(true);
    // s == e == vm_start + 1 page: start < vm_end and end > vm_start, but start == end.
    unmapWithGather(L, mm, d.vma, d.addr + PAGE, d.addr + PAGE);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(false);
    expect(presentMap(L, mm, d.addr, 4)).toEqual([true, true, true, true]);
  });

  it('§3.1 special (pfn) ptes are cleared and flushed with no counter change', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 4, (vma) => L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, 4 * PAGE, vma.vm_page_prot));
    L.touch(mm, d.addr, 4 * PAGE, 'r'); // run the mm on cpu 0 (no faults: the ptes are present)
    const before = rss(L, mm);
    const ev = traced(L, () => unmapWithGather(L, mm, d.vma, d.addr, d.addr + 4 * PAGE));
    expect(presentMap(L, mm, d.addr, 4)).toEqual([false, false, false, false]);
    expect(rss(L, mm)).toEqual(before);
    expect(flushes(ev)).toHaveLength(1);
    expect(flushes(ev)[0]).toMatchObject({ start: d.addr, end: d.addr + 4 * PAGE, pages: 4 });
    expect(L.dmesg().some((l) => l.includes('Bad page map'))).toBe(false);
    expectInvariants(L);
  });
});
