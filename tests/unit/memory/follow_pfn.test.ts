// §3.12 follow_pfn: -EINVAL unless VM_IO or VM_PFNMAP and a present pte; address is not checked
// against the vma; writes pfn.value on success only.
import { describe, it, expect } from 'vitest';
import {
  BASE, MMIO_PFN, PAGE, PMD_SIZE, mapAnon, mapDevice, must, newLab, newPage, pageAt, underRead, type Lab, type Mm, type Vma,
} from './helpers';

function follow(L: Lab, mm: Mm, vma: Vma, addr: number): { ret: number; value: number } {
  const out = { value: -1 };
  const ret = underRead(L, mm, () => L.follow_pfn(vma, addr, out));
  return { ret, value: out.value };
}

/** A shared device mapping whose ->mmap remaps `mapped` pages of it (from vm_start) to MMIO. */
function remapped(L: Lab, pages: number, mapped = pages) {
  const mm = L.mm_alloc();
  const d = mapDevice(L, mm, pages, (vma) => L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, mapped * PAGE, vma.vm_page_prot));
  expect(d.ret).toBe(d.addr);
  return d;
}

describe('§3.12 follow_pfn', () => {
  it('§3.12 returns 0 and writes pfn.value for each page of a remapped VM_PFNMAP vma', () => {
    const L = newLab();
    const d = remapped(L, 3);
    for (let i = 0; i < 3; i++) expect(follow(L, d.mm, d.vma, d.addr + i * PAGE)).toEqual({ ret: 0, value: MMIO_PFN + i });
  });

  it('§3.12 an address inside a page gives that page\'s pfn', () => {
    const L = newLab();
    const d = remapped(L, 2);
    expect(follow(L, d.mm, d.vma, d.addr + PAGE + 123)).toEqual({ ret: 0, value: MMIO_PFN + 1 });
  });

  it('§3.12 -EINVAL for a vma with neither VM_IO nor VM_PFNMAP (anonymous, present pte); pfn.value untouched', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 1, { touch: 'w' });
    expect(follow(L, mm, vma, addr)).toEqual({ ret: -L.EINVAL, value: -1 });
  });

  it('§3.12 -EINVAL for VM_MIXEDMAP without VM_IO, though a page is mapped', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => L.vm_insert_page(vma, vma.vm_start, pg));
    expect(d.ret).toBe(d.addr);
    expect(follow(L, mm, d.vma, d.addr)).toEqual({ ret: -L.EINVAL, value: -1 });
  });

  it('§3.12 VM_IO alone is enough: a vm_insert_page page in a VM_IO|VM_MIXEDMAP vma is followed', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_flags = vma.vm_flags | L.VM_IO;
      return L.vm_insert_page(vma, vma.vm_start, pg);
    });
    expect(d.ret).toBe(d.addr);
    expect(follow(L, mm, d.vma, d.addr)).toEqual({ ret: 0, value: L.page_to_pfn(pg) });
  });

  it('§3.12 -EINVAL when the pte is not present (same pte table)', () => {
    const L = newLab();
    const d = remapped(L, 2, 1);
    expect(follow(L, d.mm, d.vma, d.addr + PAGE)).toEqual({ ret: -L.EINVAL, value: -1 });
  });

  it.each([
    ['the pmd is none (another 2 MiB of the same 1 GiB)', BASE + 5 * PMD_SIZE],
    ['the pud is none (another 1 GiB of the same 512 GiB)', 0x40_0000_0000],
    ['the pgd is none (another 512 GiB)', 0x6000_0000_0000],
  ])('§3.12 -EINVAL when %s', (_label, addr) => {
    const L = newLab();
    const d = remapped(L, 1);
    expect(follow(L, d.mm, d.vma, addr)).toEqual({ ret: -L.EINVAL, value: -1 });
  });

  it('§3.12/§6 the address is not checked against the vma: a present pte of another vma is followed', () => {
    const L = newLab();
    const d = remapped(L, 1);
    const anon = mapAnon(L, d.mm, 1, { addr: BASE + 16 * PAGE, touch: 'w' });
    const pfn = L.page_to_pfn(pageAt(L, d.mm, anon.addr));
    expect(follow(L, d.mm, d.vma, anon.addr)).toEqual({ ret: 0, value: pfn });
  });

  it('§3.12 a PROT_NONE pte counts as present', () => {
    const L = newLab();
    const d = remapped(L, 1);
    expect(L.mprotect(d.mm, d.addr, PAGE, L.PROT_NONE)).toBe(0);
    const pte = must(L.lookup_pte(d.mm, d.addr), 'pte');
    expect(L.pte_flags(pte) & L._PAGE_PRESENT).toBe(0);
    expect(L.pte_present(pte)).toBe(true);
    expect(follow(L, d.mm, d.vma, d.addr)).toEqual({ ret: 0, value: MMIO_PFN });
  });

  it('§3.12 only reads: the pte is unchanged and nothing is traced', () => {
    const L = newLab();
    const d = remapped(L, 1);
    const before = L.pte_val(must(L.lookup_pte(d.mm, d.addr), 'pte'));
    L.trace_start();
    expect(follow(L, d.mm, d.vma, d.addr).ret).toBe(0);
    const ev = L.trace_stop() as unknown as { name: string }[];
    expect(ev.filter((e) => e.name === 'tlb_flush' || e.name.startsWith('mmu_notifier_'))).toEqual([]);
    expect(L.pte_val(must(L.lookup_pte(d.mm, d.addr), 'pte'))).toBe(before);
  });

  it('§3.12 a pfn inserted with vm_insert_pfn into a VM_PFNMAP vma is followed', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 2, (vma) => {
      vma.vm_flags = vma.vm_flags | L.VM_PFNMAP;
      return L.vm_insert_pfn(vma, vma.vm_start + PAGE, MMIO_PFN + 42);
    });
    expect(d.ret).toBe(d.addr);
    expect(follow(L, mm, d.vma, d.addr + PAGE)).toEqual({ ret: 0, value: MMIO_PFN + 42 });
    expect(follow(L, mm, d.vma, d.addr)).toEqual({ ret: -L.EINVAL, value: -1 });
  });
});
