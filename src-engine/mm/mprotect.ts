// mm/mprotect.c: mprotect with vma merging/splitting and change_protection.
import type { mm_struct, vm_area_struct } from './mm_types';
import { for_each_vma_in_range, vma_modify, vma_set_page_prot, vma_wants_writenotify, vm_stat_account, calc_vm_prot_bits } from './mmap';
import { read_entry, pte_offset, pte_lockptr, walk_pmd, entry_none, entry_bad, pmd_addr_end } from './pgtable';
import { pgprot_t, pte_present, pte_modify, pte_mkwrite, pte_dirty, PAGE_SIZE, TASK_SIZE } from '../arch/x86/pgtable_types';
import { mmu_notifier_invalidate_range_start, mmu_notifier_invalidate_range_end } from './mmu_notifier';
import { flush_tlb_mm_range } from '../arch/x86/mm/tlb';
import { populate_vma_page_range } from './gup';
import { VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_LOCKED, VM_ACCOUNT, VM_HUGETLB, VM_NORESERVE,
  PROT_READ, PROT_WRITE, PROT_EXEC, PROT_GROWSDOWN, EINVAL, ENOMEM, EACCES } from '../include/mm_flags';

/** change_pte_range: apply newprot to the present ptes of [addr, end) under one pmd; returns pages changed. */
function change_pte_range(vma: vm_area_struct, pmdp: number, addr: number, end: number, newprot: pgprot_t, dirty_accountable: boolean): number {
  const m = vma.m;
  const pmd = read_entry(m, pmdp);
  const ptl = pte_lockptr(m, pmd);
  ptl.lock();
  let pages = 0;
  for (; addr < end; addr += PAGE_SIZE) {
    const ptep = pte_offset(pmd, addr);
    const old = read_entry(m, ptep);
    if (!pte_present(old)) continue;
    let ptent = pte_modify(old, newprot);
    if (dirty_accountable && pte_dirty(ptent)) ptent = pte_mkwrite(ptent);
    m.phys.write_entry(ptep, ptent);
    pages++;
  }
  ptl.unlock();
  return pages;
}

/** change_protection: newprot over [start, end) of vma, notifying and flushing if anything changed. */
export function change_protection(vma: vm_area_struct, start: number, end: number, newprot: pgprot_t, dirty_accountable: boolean): number {
  const mm = vma.vm_mm, m = vma.m;
  let pages = 0;
  let mni = -1;
  for (let addr = start, next; addr < end; addr = next) {
    next = pmd_addr_end(addr, end);
    const pmdp = walk_pmd(mm, addr);
    if (pmdp < 0) continue;
    const pmd = read_entry(m, pmdp);
    if (entry_none(pmd) || entry_bad(pmd)) continue;
    if (mni < 0) { mni = addr; mmu_notifier_invalidate_range_start(mm, mni, end); }
    pages += change_pte_range(vma, pmdp, addr, next, newprot, dirty_accountable);
  }
  if (mni >= 0) mmu_notifier_invalidate_range_end(mm, mni, end);
  if (pages) flush_tlb_mm_range(m, mm, start, end);
  return pages;
}

/** mprotect_fixup: give [start, end) of vma newflags (merging or splitting), then update the ptes. */
function mprotect_fixup(vma: vm_area_struct, pprev: { v: vm_area_struct | null }, start: number, end: number, newflags: number): number {
  const mm = vma.vm_mm;
  const oldflags = vma.vm_flags;
  const nrpages = (end - start) / PAGE_SIZE;
  if (newflags === oldflags) { pprev.v = vma; return 0; }
  if (newflags & VM_WRITE && !(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) newflags |= VM_ACCOUNT;
  const got = vma_modify(vma, pprev, start, end, newflags);
  if (typeof got === 'number') return got;
  vma = got;
  pprev.v = vma;
  vma.vm_flags = newflags;
  const dirty_accountable = vma_wants_writenotify(vma);
  vma_set_page_prot(vma);
  change_protection(vma, start, end, vma.vm_page_prot, dirty_accountable);
  if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) === VM_LOCKED && newflags & VM_WRITE) populate_vma_page_range(vma, start, end);
  vm_stat_account(mm, oldflags, -nrpages);
  vm_stat_account(mm, newflags, nrpages);
  return 0;
}

/** sys_mprotect body (the caller holds mmap_sem for write): 0 or -EINVAL/-ENOMEM/-EACCES. */
export function do_mprotect(mm: mm_struct, start: number, len: number, prot: number): number {
  prot &= ~PROT_GROWSDOWN;
  if (start % PAGE_SIZE) return -EINVAL;
  if (!len) return 0;
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  const end = start + len;
  if (end <= start || start > TASK_SIZE) return -ENOMEM;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) return -EINVAL;
  return for_each_vma_in_range(mm, start, end, (vma, pprev, s, e) => {
    const newflags = calc_vm_prot_bits(prot) | (vma.vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
    // newflags >> 4 puts VM_MAY* where VM_* are: asking for what the mapping may never have.
    if ((newflags & ~(newflags >> 4)) & (VM_READ | VM_WRITE | VM_EXEC)) return -EACCES;
    return mprotect_fixup(vma, pprev, s, e, newflags);
  });
}
