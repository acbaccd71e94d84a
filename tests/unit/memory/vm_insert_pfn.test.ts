// §3.6 vm_insert_pfn and §3.7 vm_insert_pfn_prot: four BUG_ONs, then -EFAULT, the PAT hook
// (-EINVAL), -ENOMEM, -EBUSY; a special pte with no counters.
import { describe, it, expect } from 'vitest';
import {
  BASE, MMIO_PFN, PAGE, expectInvariants, expectKernelBug, has, mapAnon, mapDevice, mapDeviceWithFlags, must, newLab,
  newPage, present, recordNotifier, rss, traced, underRead, type DevMapOpts, type Lab, type Mm, type Vma,
} from './helpers';

const BUG_FN = 'vm_insert_pfn_prot';

/** Insert from a fault-handler context: mmap_sem held for read. */
function insertPfn(L: Lab, mm: Mm, vma: Vma, addr: number, pfn: number): number {
  return underRead(L, mm, () => L.vm_insert_pfn(vma, addr, pfn));
}

function pfnmap(L: Lab, pages = 2, opts: DevMapOpts = {}) {
  const mm = L.mm_alloc();
  return mapDeviceWithFlags(L, mm, pages, L.VM_PFNMAP, opts);
}

describe('§3.7 vm_insert_pfn_prot: the BUG_ONs, in order', () => {
  it('§3.7 BUG_ON when the vma has neither VM_PFNMAP nor VM_MIXEDMAP', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    L.down_read(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn_prot(d.vma, d.addr, MMIO_PFN, d.vma.vm_page_prot), BUG_FN);
    expect(present(L, mm, d.addr)).toBe(false);
  });

  it('§3.6 vm_insert_pfn is vm_insert_pfn_prot with vm_page_prot: its BUG fires in vm_insert_pfn_prot', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    L.down_read(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn(d.vma, d.addr, MMIO_PFN), BUG_FN);
  });

  it('§3.7 BUG_ON when the vma has both VM_PFNMAP and VM_MIXEDMAP', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDeviceWithFlags(L, mm, 1, L.VM_PFNMAP | L.VM_MIXEDMAP);
    L.down_read(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn(d.vma, d.addr, MMIO_PFN), BUG_FN);
    expect(present(L, mm, d.addr)).toBe(false);
  });

  it('§3.7 BUG_ON(VM_PFNMAP && is_cow_mapping): a MAP_PRIVATE device mapping', () => {
    const L = newLab();
    const d = pfnmap(L, 1, { share: 'private' });
    L.down_read(d.mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn(d.vma, d.addr, MMIO_PFN), BUG_FN);
  });

  it('§3.7/§6 a read-only MAP_PRIVATE mapping is still COW (VM_MAYWRITE, not VM_WRITE, decides): BUG', () => {
    const L = newLab();
    const d = pfnmap(L, 1, { share: 'private', prot: L.PROT_READ });
    expect(has(d.vma.vm_flags, L.VM_WRITE)).toBe(false);
    expect(has(d.vma.vm_flags, L.VM_MAYWRITE)).toBe(true);
    L.down_read(d.mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn(d.vma, d.addr, MMIO_PFN), BUG_FN);
  });

  it('§3.7/§6 MAP_SHARED of an O_RDONLY fd is neither shared nor COW: no BUG, and the pte has no RW', () => {
    const L = newLab();
    const d = pfnmap(L, 1, { open: 'r', prot: L.PROT_READ });
    expect(has(d.vma.vm_flags, L.VM_SHARED)).toBe(false);
    expect(has(d.vma.vm_flags, L.VM_MAYWRITE)).toBe(false);
    expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    expect(L.pte_write(must(L.lookup_pte(d.mm, d.addr), 'pte'))).toBe(false);
    expect(L.tainted()).toBe(false);
  });

  it('§3.7 BUG_ON(VM_MIXEDMAP && pfn_valid): RAM must go through vm_insert_page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDeviceWithFlags(L, mm, 1, L.VM_MIXEDMAP);
    const pfn = L.page_to_pfn(newPage(L));
    expect(L.pfn_valid(pfn)).toBe(true);
    L.down_read(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn(d.vma, d.addr, pfn), BUG_FN);
    expect(present(L, mm, d.addr)).toBe(false);
  });

  it('§3.7/§6 the BUG checks come before the -EFAULT range check (no flags, address outside the vma)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1);
    L.down_read(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn(d.vma, d.addr + 8 * PAGE, MMIO_PFN), BUG_FN);
  });

  it('§3.7/§6 the pfn_valid BUG also comes before the range check', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDeviceWithFlags(L, mm, 1, L.VM_MIXEDMAP);
    const pfn = L.page_to_pfn(newPage(L));
    L.down_read(mm.mmap_sem);
    expectKernelBug(L, () => L.vm_insert_pfn(d.vma, d.addr - PAGE, pfn), BUG_FN);
  });
});

describe('§3.7 vm_insert_pfn_prot: errors', () => {
  it.each([
    ['one page below vm_start', -PAGE],
    ['at vm_end', 2 * PAGE],
  ])('§3.7 -EFAULT %s', (_label, off) => {
    const L = newLab();
    const d = pfnmap(L, 2);
    expect(insertPfn(L, d.mm, d.vma, d.addr + off, MMIO_PFN)).toBe(-L.EFAULT);
    expect(L.lookup_pte(d.mm, d.addr + off)).toBeNull();
    expect(L.tainted()).toBe(false);
  });

  it('§3.7 -EBUSY on an occupied pte; the existing pte is unchanged', () => {
    const L = newLab();
    const d = pfnmap(L, 2);
    expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN + 5)).toBe(-L.EBUSY);
    expect(L.pte_pfn(must(L.lookup_pte(d.mm, d.addr), 'pte'))).toBe(MMIO_PFN);
  });

  it('§3.7 -ENOMEM when the pte table cannot be allocated', () => {
    const L = newLab();
    const d = pfnmap(L, 2);
    const nr = d.mm.nr_ptes;
    const r = underRead(L, d.mm, () => {
      L.fail_next('pte_alloc');
      return L.vm_insert_pfn(d.vma, d.addr, MMIO_PFN);
    });
    expect(r).toBe(-L.ENOMEM);
    expect(L.lookup_pte(d.mm, d.addr)).toBeNull();
    expect(d.mm.nr_ptes).toBe(nr);
    expectInvariants(L);
  });

  it('§3.7 -EINVAL when the PAT hook (track_pfn_insert) fails; nothing is mapped', () => {
    // On x86 track_pfn_insert never fails; fail_next('track_pfn') models a hook that does, and
    // the kernel turns any failure into -EINVAL.
    const L = newLab({ pat: true });
    const d = pfnmap(L, 2);
    const r = underRead(L, d.mm, () => {
      L.fail_next('track_pfn');
      return L.vm_insert_pfn(d.vma, d.addr, MMIO_PFN);
    });
    expect(r).toBe(-L.EINVAL);
    expect(present(L, d.mm, d.addr)).toBe(false);
  });
});

describe('§3.7 vm_insert_pfn_prot: the pte it writes', () => {
  it('§3.7 a special pte with the pfn and vm_page_prot\'s bits; no rss, refcount or vm_flags change', () => {
    const L = newLab();
    const d = pfnmap(L, 2);
    const flags = d.vma.vm_flags;
    expect(insertPfn(L, d.mm, d.vma, d.addr + PAGE, MMIO_PFN + 3)).toBe(0);
    const pte = must(L.lookup_pte(d.mm, d.addr + PAGE), 'pte');
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_special(pte)).toBe(true);
    expect(L.pte_pfn(pte)).toBe(MMIO_PFN + 3);
    expect(L.pte_write(pte), 'PAGE_SHARED').toBe(true);
    expect(L.pte_young(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(false);
    expect(L.pte_nx(pte)).toBe(true);
    const f = L.pte_flags(pte);
    expect(f & (L._PAGE_PRESENT | L._PAGE_USER | L._PAGE_SPECIAL)).toBe(L._PAGE_PRESENT | L._PAGE_USER | L._PAGE_SPECIAL);
    expect(f & (L._PAGE_PCD | L._PAGE_PWT)).toBe(0);
    expect(d.vma.vm_flags).toBe(flags);
    expect(rss(L, d.mm)).toMatchObject({ file: 0, anon: 0, shmem: 0 });
    expect(present(L, d.mm, d.addr)).toBe(false);
  });

  it('§3.7 a RAM pfn in a VM_PFNMAP vma is allowed and takes no reference or mapcount', () => {
    const L = newLab();
    const d = pfnmap(L, 1);
    const pg = newPage(L);
    expect(insertPfn(L, d.mm, d.vma, d.addr, L.page_to_pfn(pg))).toBe(0);
    expect(L.pte_special(must(L.lookup_pte(d.mm, d.addr), 'pte'))).toBe(true);
    expect(L.page_count(pg)).toBe(1);
    expect(L.page_mapcount(pg)).toBe(0);
    expect(rss(L, d.mm).file).toBe(0);
    expectInvariants(L);
  });

  it('§3.7 an MMIO pfn in a VM_MIXEDMAP vma gives a special pte too', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDeviceWithFlags(L, mm, 1, L.VM_MIXEDMAP);
    expect(insertPfn(L, mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    const pte = must(L.lookup_pte(mm, d.addr), 'pte');
    expect(L.pte_special(pte)).toBe(true);
    expect(L.pte_pfn(pte)).toBe(MMIO_PFN);
  });

  it('§3.7 vm_insert_pfn_prot uses the pgprot given, not vm_page_prot', () => {
    const L = newLab();
    const d = pfnmap(L, 2);
    expect(underRead(L, d.mm, () => L.vm_insert_pfn_prot(d.vma, d.addr, MMIO_PFN, L.PAGE_READONLY))).toBe(0);
    expect(L.pte_write(must(L.lookup_pte(d.mm, d.addr), 'pte'))).toBe(false);
    const nc = L.pgprot_noncached(d.vma.vm_page_prot);
    expect(underRead(L, d.mm, () => L.vm_insert_pfn_prot(d.vma, d.addr + PAGE, MMIO_PFN + 1, nc))).toBe(0);
    const f = L.pte_flags(must(L.lookup_pte(d.mm, d.addr + PAGE), 'pte'));
    expect(f & L._PAGE_PCD, 'UC- is PCD').toBe(L._PAGE_PCD);
    expect(f & L._PAGE_RW).toBe(L._PAGE_RW);
  });

  it('§3.6 vm_insert_pfn takes the driver\'s vm_page_prot (pgprot_noncached set in ->mmap shows as PCD)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_flags = vma.vm_flags | L.VM_PFNMAP;
      vma.vm_page_prot = L.pgprot_noncached(vma.vm_page_prot);
    });
    expect(insertPfn(L, mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    expect(L.pte_flags(must(L.lookup_pte(mm, d.addr), 'pte')) & L._PAGE_PCD).toBe(L._PAGE_PCD);
  });

  it('§3.7 no TLB flush and no mmu notifier call', () => {
    const L = newLab();
    const d = pfnmap(L, 1);
    const calls = recordNotifier(L, d.mm);
    const ev = traced(L, () => expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN)).toBe(0));
    expect(ev.filter((e) => e.name === 'tlb_flush' || e.name.startsWith('mmu_notifier_'))).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('§3.7 only the one pte is written (its table allocated on demand); follow_pfn reads the pfn back', () => {
    const L = newLab();
    const d = pfnmap(L, 4);
    const nr = d.mm.nr_ptes;
    expect(insertPfn(L, d.mm, d.vma, d.addr + 2 * PAGE, MMIO_PFN + 9)).toBe(0);
    expect(d.mm.nr_ptes).toBe(nr + 1);
    const out = { value: -1 };
    expect(underRead(L, d.mm, () => L.follow_pfn(d.vma, d.addr + 2 * PAGE, out))).toBe(0);
    expect(out.value).toBe(MMIO_PFN + 9);
    expect([0, 1, 3].map((i) => present(L, d.mm, d.addr + i * PAGE))).toEqual([false, false, false]);
  });
});

describe('§3.7 PAT (machine pat: true): track_pfn_insert sets the cache bits from the memtype', () => {
  it('§3.7 a WC reservation of the pfn gives PWT (the PAT entry for WC), whatever the prot asked', () => {
    const L = newLab({ pat: true });
    expect(L.set_memtype(MMIO_PFN, 1, 'WC')).toBe(0);
    const d = pfnmap(L, 1);
    const nc = L.pgprot_noncached(d.vma.vm_page_prot);
    expect(underRead(L, d.mm, () => L.vm_insert_pfn_prot(d.vma, d.addr, MMIO_PFN, nc))).toBe(0);
    const f = L.pte_flags(must(L.lookup_pte(d.mm, d.addr), 'pte'));
    expect(f & (L._PAGE_PWT | L._PAGE_PCD | L._PAGE_PSE)).toBe(L._PAGE_PWT);
  });

  it('§3.7 an MMIO pfn with no reservation looks up as UC- (PCD)', () => {
    const L = newLab({ pat: true });
    const d = pfnmap(L, 1);
    expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    const f = L.pte_flags(must(L.lookup_pte(d.mm, d.addr), 'pte'));
    expect(f & (L._PAGE_PWT | L._PAGE_PCD | L._PAGE_PSE)).toBe(L._PAGE_PCD);
  });

  it('§3.7 with PAT off the prot\'s cache bits are kept (no lookup)', () => {
    const L = newLab();
    const d = pfnmap(L, 1);
    expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    expect(L.pte_flags(must(L.lookup_pte(d.mm, d.addr), 'pte')) & (L._PAGE_PWT | L._PAGE_PCD)).toBe(0);
  });
});

describe('§3.7 zapping inserted pfns', () => {
  it('§3.7 zap_vma_ptes removes them without touching counters', () => {
    const L = newLab();
    const d = pfnmap(L, 2);
    expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    expect(insertPfn(L, d.mm, d.vma, d.addr + PAGE, MMIO_PFN + 1)).toBe(0);
    expect(underRead(L, d.mm, () => L.zap_vma_ptes(d.vma, d.addr, 2 * PAGE))).toBe(0);
    expect([0, 1].map((i) => present(L, d.mm, d.addr + i * PAGE))).toEqual([false, false]);
    expect(rss(L, d.mm)).toMatchObject({ file: 0, anon: 0, shmem: 0 });
    expect(L.tainted()).toBe(false);
  });

  it('§3.7 anonymous neighbours are unaffected by an insert into the same pte table', () => {
    const L = newLab();
    const d = pfnmap(L, 1);
    const anon = mapAnon(L, d.mm, 1, { addr: BASE + 8 * PAGE, touch: 'w' });
    expect(insertPfn(L, d.mm, d.vma, d.addr, MMIO_PFN)).toBe(0);
    expect(present(L, d.mm, anon.addr)).toBe(true);
    expect(rss(L, d.mm).anon).toBe(1);
    expectInvariants(L);
  });
});
