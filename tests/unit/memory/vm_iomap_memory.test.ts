// §3.9 vm_iomap_memory: map a physical range over the whole vma, starting vm_pgoff pages in.
import { describe, it, expect } from 'vitest';
import {
  MMIO_PFN, MMIO_PHYS, PAGE, has, mapDevice, must, newLab, presentMap, type DevMapOpts, type Lab, type Mm, type Vma,
} from './helpers';

/** Map a device of `pages` pages whose ->mmap calls vm_iomap_memory(vma, start, len). */
function iomap(L: Lab, pages: number, start: number, len: number, opts: DevMapOpts = {}, before?: (vma: Vma) => void) {
  const mm = L.mm_alloc();
  let ret = NaN;
  const d = mapDevice(L, mm, pages, (vma) => {
    before?.(vma);
    ret = L.vm_iomap_memory(vma, start, len);
    return 0;
  }, opts);
  expect(d.ret).toBe(d.addr);
  return { ...d, iomapRet: ret };
}

function pfnsOf(L: Lab, d: { mm: Mm; addr: number }, pages: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < pages; i++) out.push(L.pte_pfn(must(L.lookup_pte(d.mm, d.addr + i * PAGE), `pte ${i}`)));
  return out;
}

describe('§3.9 vm_iomap_memory', () => {
  it('§3.9 maps the whole vma from start >> 12, as remap_pfn_range does (flags, VM_PAT, special ptes)', () => {
    const L = newLab();
    const d = iomap(L, 2, MMIO_PHYS, 2 * PAGE);
    expect(d.iomapRet).toBe(0);
    expect(pfnsOf(L, d, 2)).toEqual([MMIO_PFN, MMIO_PFN + 1]);
    expect(L.pte_special(must(L.lookup_pte(d.mm, d.addr), 'pte'))).toBe(true);
    const want = L.VM_IO | L.VM_PFNMAP | L.VM_DONTEXPAND | L.VM_DONTDUMP | L.VM_PAT;
    expect(d.vma.vm_flags & want).toBe(want);
  });

  it('§3.9 vm_pgoff moves the start: pfn += vm_pgoff, pages -= vm_pgoff', () => {
    const L = newLab();
    const d = iomap(L, 2, MMIO_PHYS, 3 * PAGE, { pgoff: 1 });
    expect(d.iomapRet).toBe(0);
    expect(pfnsOf(L, d, 2)).toEqual([MMIO_PFN + 1, MMIO_PFN + 2]);
    expect(d.vma.vm_pgoff, 'a shared vma keeps its vm_pgoff').toBe(1);
  });

  it('§3.9 -EINVAL when vm_pgoff > pages', () => {
    const L = newLab();
    const d = iomap(L, 1, MMIO_PHYS, 2 * PAGE, { pgoff: 3 });
    expect(d.iomapRet).toBe(-L.EINVAL);
    expect(presentMap(L, d.mm, d.addr, 1)).toEqual([false]);
    expect(has(d.vma.vm_flags, L.VM_PFNMAP)).toBe(false);
  });

  it('§3.9 -EINVAL when vm_pgoff == pages leaves nothing to map', () => {
    const L = newLab();
    const d = iomap(L, 1, MMIO_PHYS, 2 * PAGE, { pgoff: 2 });
    expect(d.iomapRet).toBe(-L.EINVAL);
  });

  it('§3.9 -EINVAL when the vma is longer than the pages left; nothing changes', () => {
    const L = newLab();
    const d = iomap(L, 4, MMIO_PHYS, 2 * PAGE);
    expect(d.iomapRet).toBe(-L.EINVAL);
    expect(presentMap(L, d.mm, d.addr, 4)).toEqual([false, false, false, false]);
    expect(has(d.vma.vm_flags, L.VM_PFNMAP)).toBe(false);
  });

  it('§3.9 a vma shorter than the region maps only the vma', () => {
    const L = newLab();
    const d = iomap(L, 1, MMIO_PHYS, 4 * PAGE);
    expect(d.iomapRet).toBe(0);
    expect(presentMap(L, d.mm, d.addr, 2)).toEqual([true, false]);
  });

  it('§3.9 the offset of start inside its page counts toward the length...', () => {
    // len 4096 from phys + 0x123 spans two pages, so a 2-page vma fits.
    const L = newLab();
    const d = iomap(L, 2, MMIO_PHYS + 0x123, PAGE);
    expect(d.iomapRet).toBe(0);
    // ...but is not carried into the mapping: the ptes map whole pages from the page of start.
    expect(pfnsOf(L, d, 2)).toEqual([MMIO_PFN, MMIO_PFN + 1]);
  });

  it('§3.9 without that offset the same len is one page: the 2-page vma does not fit', () => {
    const L = newLab();
    const d = iomap(L, 2, MMIO_PHYS, PAGE);
    expect(d.iomapRet).toBe(-L.EINVAL);
  });

  it('§3.9 on a COW vma vm_pgoff is overwritten with the pfn (io_remap_pfn_range of the whole vma)', () => {
    const L = newLab();
    const d = iomap(L, 2, MMIO_PHYS, 2 * PAGE, { share: 'private' });
    expect(d.iomapRet).toBe(0);
    expect(d.vma.vm_pgoff).toBe(MMIO_PFN);
  });

  it('§3.9 on a COW vma with vm_pgoff, the pfn (start pfn + vm_pgoff) becomes the new vm_pgoff', () => {
    const L = newLab();
    const d = iomap(L, 1, MMIO_PHYS, 4 * PAGE, { share: 'private', pgoff: 2 });
    expect(d.iomapRet).toBe(0);
    expect(d.vma.vm_pgoff).toBe(MMIO_PFN + 2);
    expect(pfnsOf(L, d, 1)).toEqual([MMIO_PFN + 2]);
  });

  it('§3.9 uses vma->vm_page_prot: a driver\'s pgprot_noncached shows as PCD', () => {
    const L = newLab();
    const d = iomap(L, 1, MMIO_PHYS, PAGE, {}, (vma) => {
      vma.vm_page_prot = L.pgprot_noncached(vma.vm_page_prot);
    });
    expect(d.iomapRet).toBe(0);
    expect(L.pte_flags(must(L.lookup_pte(d.mm, d.addr), 'pte')) & L._PAGE_PCD).toBe(L._PAGE_PCD);
  });

  it('§3.9 -EINVAL when start + len overflows 64 bits (or a TypeError at the boundary: never a mapping)', () => {
    // 2^64 - 4096 is an exact double and a valid phys_addr_t in C, but it is beyond JS's exact
    // integers, so the lab may refuse it at the API boundary (TypeError, nothing changed) instead
    // of reaching the kernel's overflow check. Either way nothing may be mapped and no BUG fires.
    const L = newLab();
    const mm = L.mm_alloc();
    let ret: number | null = null;
    let err: unknown = null;
    const d = mapDevice(L, mm, 1, (vma) => {
      try {
        ret = L.vm_iomap_memory(vma, 2 ** 64 - PAGE, 2 * PAGE);
      } catch (e) {
        err = e;
      }
      return 0;
    });
    expect(d.ret).toBe(d.addr);
    if (err === null) expect(ret).toBe(-L.EINVAL);
    else expect((err as Error).name).toBe('TypeError');
    expect(presentMap(L, mm, d.addr, 1)).toEqual([false]);
    expect(has(d.vma.vm_flags, L.VM_PFNMAP)).toBe(false);
    expect(L.tainted()).toBe(false);
  });
});
