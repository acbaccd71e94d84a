// §3.8 remap_pfn_range: COW check (and vm_pgoff overwrite), PAT hook, flags, BUG_ON(addr >= end),
// pte writes with BUG_ON(!pte_none), -ENOMEM leaving partial work behind.
import { describe, it, expect } from 'vitest';
import {
  BASE, MMIO_PFN, PAGE, PMD_SIZE, expectInvariants, expectKernelBug, has, mapDevice, must, newLab, newPage, pattern,
  present, presentMap, recordNotifier, rss, traced, underWrite, type DevMapOpts, type Lab,
} from './helpers';

/** A device mapping whose ->mmap does nothing; remaps are done afterwards under mmap_sem (write). */
function devMap(L: Lab, pages: number, opts: DevMapOpts = {}) {
  const mm = L.mm_alloc();
  const d = mapDevice(L, mm, pages, undefined, opts);
  expect(d.ret).toBe(d.addr);
  return d;
}

/** IO | PFNMAP | DONTEXPAND | DONTDUMP, the flags remap_pfn_range sets. */
function remapFlags(L: Lab): number {
  return L.VM_IO | L.VM_PFNMAP | L.VM_DONTEXPAND | L.VM_DONTDUMP;
}

describe('§3.8 remap_pfn_range: success', () => {
  it('§3.8 whole shared vma from ->mmap: special ptes pfn..pfn+n-1, IO|PFNMAP|DONTEXPAND|DONTDUMP, and VM_PAT even with PAT off', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 4, (vma) => L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, 4 * PAGE, vma.vm_page_prot));
    expect(d.ret).toBe(d.addr);
    expect(d.vma.vm_flags & remapFlags(L)).toBe(remapFlags(L));
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(true);
    for (let i = 0; i < 4; i++) {
      const pte = must(L.lookup_pte(mm, d.addr + i * PAGE), `pte ${i}`);
      expect(L.pte_present(pte)).toBe(true);
      expect(L.pte_special(pte)).toBe(true);
      expect(L.pte_pfn(pte)).toBe(MMIO_PFN + i);
      expect(L.pte_write(pte)).toBe(true);
    }
    expect(rss(L, mm)).toMatchObject({ file: 0, anon: 0, shmem: 0 });
  });

  it('§3.8 no refcount, mapcount or rss change; no TLB flush; no mmu notifier (a RAM pfn)', () => {
    const L = newLab();
    const d = devMap(L, 1);
    const pg = newPage(L);
    const calls = recordNotifier(L, d.mm);
    const ev = traced(L, () =>
      expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, L.page_to_pfn(pg), PAGE, d.vma.vm_page_prot))).toBe(0),
    );
    expect(L.page_count(pg)).toBe(1);
    expect(L.page_mapcount(pg)).toBe(0);
    expect(rss(L, d.mm)).toMatchObject({ file: 0, anon: 0, shmem: 0 });
    expect(ev.filter((e) => e.name === 'tlb_flush' || e.name.startsWith('mmu_notifier_'))).toEqual([]);
    expect(calls).toEqual([]);
    expectInvariants(L);
  });

  it('§3.8 the RAM behind the pfns is what the user reads', () => {
    const L = newLab();
    const d = devMap(L, 1);
    const pg = newPage(L);
    L.page_write(pg, 0, pattern(32, 3));
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, L.page_to_pfn(pg), PAGE, d.vma.vm_page_prot))).toBe(0);
    expect(L.user_read(d.mm, d.addr, 32)).toEqual(pattern(32, 3));
  });

  it('§3.8 size is rounded up to whole pages: 4097 bytes write 2 ptes', () => {
    const L = newLab();
    const d = devMap(L, 4);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, PAGE + 1, d.vma.vm_page_prot))).toBe(0);
    expect(presentMap(L, d.mm, d.addr, 4)).toEqual([true, true, false, false]);
  });

  it('§3.8 part of a shared vma: ptes only in range, the flags set, but no VM_PAT (no whole-vma reservation)', () => {
    const L = newLab();
    const d = devMap(L, 4);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr + PAGE, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot))).toBe(0);
    expect(presentMap(L, d.mm, d.addr, 4)).toEqual([false, true, true, false]);
    expect(L.pte_pfn(must(L.lookup_pte(d.mm, d.addr + 2 * PAGE), 'pte'))).toBe(MMIO_PFN + 1);
    expect(d.vma.vm_flags & remapFlags(L)).toBe(remapFlags(L));
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(false);
  });

  it('§3.8 the ptes take the prot argument: PAGE_READONLY has no RW, pgprot_noncached adds PCD', () => {
    const L = newLab();
    const d = devMap(L, 2);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, PAGE, L.PAGE_READONLY))).toBe(0);
    expect(L.pte_write(must(L.lookup_pte(d.mm, d.addr), 'pte'))).toBe(false);
    const nc = L.pgprot_noncached(d.vma.vm_page_prot);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr + PAGE, MMIO_PFN + 1, PAGE, nc))).toBe(0);
    expect(L.pte_flags(must(L.lookup_pte(d.mm, d.addr + PAGE), 'pte')) & L._PAGE_PCD).toBe(L._PAGE_PCD);
  });

  it('§3.8/§6 a non-COW vma gets ptes written past vm_end too (addr is not checked against the vma)', () => {
    const L = newLab();
    const d = devMap(L, 2);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr + PAGE, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot))).toBe(0);
    const beyond = must(L.lookup_pte(d.mm, d.vma.vm_end), 'pte at vm_end');
    expect(L.pte_present(beyond)).toBe(true);
    expect(L.pte_special(beyond)).toBe(true);
    expect(L.pte_pfn(beyond)).toBe(MMIO_PFN + 1);
    // The lab is asked to emit a diagnostic here; its channel is not fixed, so it is not checked.
  });

  it('§3.8 an unaligned addr is a precondition error (undefined behaviour in C), not a KernelBug', () => {
    const L = newLab();
    const d = devMap(L, 2);
    L.down_write(d.mm.mmap_sem);
    let err: unknown = null;
    try {
      L.remap_pfn_range(d.vma, d.addr + 100, MMIO_PFN, PAGE, d.vma.vm_page_prot);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).not.toBe('KernelBug');
  });
});

describe('§3.8 remap_pfn_range on COW mappings (is_cow_mapping)', () => {
  it('§3.8 not the whole vma: -EINVAL with nothing changed (flags, vm_pgoff, ptes)', () => {
    const L = newLab();
    const d = devMap(L, 4, { share: 'private', pgoff: 7 });
    const flags = d.vma.vm_flags;
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot))).toBe(-L.EINVAL);
    expect(d.vma.vm_flags).toBe(flags);
    expect(d.vma.vm_pgoff).toBe(7);
    expect(L.lookup_pte(d.mm, d.addr)).toBeNull();
  });

  it('§3.8 the whole vma: succeeds and vm_pgoff becomes the pfn', () => {
    const L = newLab();
    const d = devMap(L, 2, { share: 'private', pgoff: 7 });
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot))).toBe(0);
    expect(d.vma.vm_pgoff).toBe(MMIO_PFN);
    expect(presentMap(L, d.mm, d.addr, 2)).toEqual([true, true]);
    expect(L.pte_write(must(L.lookup_pte(d.mm, d.addr), 'pte')), 'a private prot has no RW').toBe(false);
  });

  it('§3.8/§6 vm_pgoff is overwritten before the PAT hook fails: -EINVAL, vm_pgoff == pfn, no flags, no ptes', () => {
    const L = newLab({ pat: true });
    const d = devMap(L, 2, { share: 'private', pgoff: 7 });
    const flags = d.vma.vm_flags;
    const r = underWrite(L, d.mm, () => {
      L.fail_next('track_pfn');
      return L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot);
    });
    expect(r).toBe(-L.EINVAL);
    expect(d.vma.vm_pgoff).toBe(MMIO_PFN);
    expect(d.vma.vm_flags).toBe(flags);
    expect(L.lookup_pte(d.mm, d.addr)).toBeNull();
  });

  it('§3.8/§6 a read-only MAP_PRIVATE vma is COW too (VM_MAYWRITE): a partial remap is -EINVAL', () => {
    const L = newLab();
    const d = devMap(L, 2, { share: 'private', prot: L.PROT_READ });
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, PAGE, d.vma.vm_page_prot))).toBe(-L.EINVAL);
  });

  it('§3.8/§6 MAP_SHARED of an O_RDONLY fd is not COW: a partial remap is allowed and vm_pgoff kept', () => {
    const L = newLab();
    const d = devMap(L, 2, { open: 'r', prot: L.PROT_READ, pgoff: 3 });
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, PAGE, d.vma.vm_page_prot))).toBe(0);
    expect(d.vma.vm_pgoff).toBe(3);
    expect(present(L, d.mm, d.addr)).toBe(true);
  });

  it('§3.8 size 0 on a COW vma fails the whole-vma check (-EINVAL) before it could BUG', () => {
    const L = newLab();
    const d = devMap(L, 2, { share: 'private' });
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 0, d.vma.vm_page_prot))).toBe(-L.EINVAL);
    expect(L.tainted()).toBe(false);
  });
});

describe('§3.8 remap_pfn_range: BUGs and partial failure', () => {
  it('§3.8/§6 the flags are set before BUG_ON(addr >= end): size 0 on a shared vma', () => {
    const L = newLab();
    const d = devMap(L, 2);
    L.down_write(d.mm.mmap_sem);
    expectKernelBug(L, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 0, d.vma.vm_page_prot), 'remap_pfn_range');
    expect(d.vma.vm_flags & remapFlags(L)).toBe(remapFlags(L));
    expect(has(d.vma.vm_flags, L.VM_PAT), 'size 0 is not the whole vma: no reservation').toBe(false);
    expect(L.lookup_pte(d.mm, d.addr)).toBeNull();
  });

  it('§3.8 BUG_ON(!pte_none) on a present pte; the ptes written before it stay', () => {
    const L = newLab();
    const d = devMap(L, 4);
    L.down_write(d.mm.mmap_sem);
    expect(L.remap_pfn_range(d.vma, d.addr + PAGE, MMIO_PFN + 10, PAGE, d.vma.vm_page_prot)).toBe(0);
    expectKernelBug(L, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 4 * PAGE, d.vma.vm_page_prot), 'remap_pte_range', 'remap_pfn_range');
    expect(L.pte_pfn(must(L.lookup_pte(d.mm, d.addr), 'pte 0')), 'written before the BUG').toBe(MMIO_PFN);
    expect(L.pte_pfn(must(L.lookup_pte(d.mm, d.addr + PAGE), 'pte 1')), 'the old pte').toBe(MMIO_PFN + 10);
    expect(presentMap(L, d.mm, d.addr + 2 * PAGE, 2)).toEqual([false, false]);
  });

  it('§3.8/§6 -ENOMEM after the first pte table: the ptes already written and the flags stay; untrack_pfn drops VM_PAT', () => {
    const L = newLab();
    const addr = BASE + PMD_SIZE - 2 * PAGE; // 4 pages over two pte tables
    const d = mapDevice(L, L.mm_alloc(), 4, undefined, { addr });
    expect(d.ret).toBe(addr);
    const { mm, vma } = d;
    // Make the first table exist, so the next pte_alloc is the second table's.
    const locked = must(L.pte_alloc_map_lock(mm, addr), 'first pte table');
    L.pte_unmap_unlock(locked.ptep, locked.ptl);
    const r = underWrite(L, mm, () => {
      L.fail_next('pte_alloc');
      return L.remap_pfn_range(vma, addr, MMIO_PFN, 4 * PAGE, vma.vm_page_prot);
    });
    expect(r).toBe(-L.ENOMEM);
    expect(presentMap(L, mm, addr, 2)).toEqual([true, true]);
    expect(L.pte_pfn(must(L.lookup_pte(mm, addr + PAGE), 'pte 1'))).toBe(MMIO_PFN + 1);
    expect(L.lookup_pte(mm, addr + 2 * PAGE)).toBeNull();
    expect(vma.vm_flags & remapFlags(L)).toBe(remapFlags(L));
    expect(has(vma.vm_flags, L.VM_PAT)).toBe(false);
  });
});

describe('§3.8 the PAT hook (machine pat: true)', () => {
  it('§3.8 PAT hook failure on a shared vma: -EINVAL and nothing changes', () => {
    const L = newLab({ pat: true });
    const d = devMap(L, 2);
    const flags = d.vma.vm_flags;
    const r = underWrite(L, d.mm, () => {
      L.fail_next('track_pfn');
      return L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot);
    });
    expect(r).toBe(-L.EINVAL);
    expect(d.vma.vm_flags).toBe(flags);
    expect(L.lookup_pte(d.mm, d.addr)).toBeNull();
  });

  it('§3.8 whole vma over an existing WC reservation: the WB request adopts WC (PWT in the ptes)', () => {
    const L = newLab({ pat: true });
    expect(L.set_memtype(MMIO_PFN, 2, 'WC')).toBe(0);
    const d = devMap(L, 2);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot))).toBe(0);
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(true);
    const f = L.pte_flags(must(L.lookup_pte(d.mm, d.addr), 'pte'));
    expect(f & (L._PAGE_PWT | L._PAGE_PCD | L._PAGE_PSE)).toBe(L._PAGE_PWT);
  });

  it('§3.8 whole vma, UC- request over a WB reservation: not an allowed memtype change, -EINVAL, nothing set', () => {
    const L = newLab({ pat: true });
    expect(L.set_memtype(MMIO_PFN, 2, 'WB')).toBe(0);
    const d = devMap(L, 2);
    const flags = d.vma.vm_flags;
    const nc = L.pgprot_noncached(d.vma.vm_page_prot);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr, MMIO_PFN, 2 * PAGE, nc))).toBe(-L.EINVAL);
    expect(d.vma.vm_flags).toBe(flags);
    expect(L.lookup_pte(d.mm, d.addr)).toBeNull();
  });

  it('§3.8 part of the vma over pages of different memtypes: -EINVAL', () => {
    const L = newLab({ pat: true });
    expect(L.set_memtype(MMIO_PFN, 1, 'WC')).toBe(0); // MMIO_PFN + 1 stays unreserved (UC-)
    const d = devMap(L, 4);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr + PAGE, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot))).toBe(-L.EINVAL);
    expect(presentMap(L, d.mm, d.addr, 4)).toEqual([false, false, false, false]);
    expect(d.vma.vm_flags & L.VM_PFNMAP).toBe(0);
  });

  it('§3.8 part of the vma over pages of one memtype: the cache bits come from the lookup', () => {
    const L = newLab({ pat: true });
    expect(L.set_memtype(MMIO_PFN, 2, 'WC')).toBe(0);
    const d = devMap(L, 4);
    expect(underWrite(L, d.mm, () => L.remap_pfn_range(d.vma, d.addr + PAGE, MMIO_PFN, 2 * PAGE, d.vma.vm_page_prot))).toBe(0);
    for (const i of [1, 2]) {
      const f = L.pte_flags(must(L.lookup_pte(d.mm, d.addr + i * PAGE), `pte ${i}`));
      expect(f & (L._PAGE_PWT | L._PAGE_PCD | L._PAGE_PSE)).toBe(L._PAGE_PWT);
    }
    expect(has(d.vma.vm_flags, L.VM_PAT)).toBe(false);
  });
});
