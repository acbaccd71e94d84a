// mm/mlock.c: mlock/munlock of ranges (VM_LOCKED, locked_vm, PG_mlocked on populated pages).
import type { mm_struct, vm_area_struct } from './mm_types';
import { for_each_vma_in_range, vma_modify } from './mmap';
import { walk_pte, read_entry } from './pgtable';
import { pte_present, PAGE_SIZE } from '../arch/x86/pgtable_types';
import { vm_normal_page } from './mm';
import { PG_mlocked } from './page';
import { VM_LOCKED, VM_LOCKONFAULT, VM_SPECIAL, VM_HUGETLB, EINVAL, ENOMEM, EAGAIN } from '../include/mm_flags';
import { __mm_populate } from './gup';

/** munlock_vma_pages_range: clear VM_LOCKED and PG_mlocked on the pages mapped in [start, end). */
export function munlock_vma_pages_range(vma: vm_area_struct, start: number, end: number): void {
  vma.vm_flags = vma.vm_flags & ~(VM_LOCKED | VM_LOCKONFAULT);
  const m = vma.m;
  for (let a = start; a < end; a += PAGE_SIZE) {
    const ptep = walk_pte(vma.vm_mm, a);
    if (ptep < 0) continue;
    const pte = read_entry(m, ptep);
    if (!pte_present(pte)) continue;
    const page = vm_normal_page(vma, a, pte);
    if (page !== null) m.mem.clear(page, PG_mlocked);
  }
}

/** mlock_fixup: set or clear VM_LOCKED on [start, end) of vma, splitting or merging as needed. */
function mlock_fixup(vma: vm_area_struct, pprev: { v: vm_area_struct | null }, start: number, end: number, newflags: number): number {
  const mm = vma.vm_mm;
  if (newflags === vma.vm_flags || vma.vm_flags & (VM_SPECIAL | VM_HUGETLB)) { pprev.v = vma; return 0; }
  const got = vma_modify(vma, pprev, start, end, newflags);
  if (typeof got === 'number') return got;
  vma = got;
  pprev.v = vma;
  const lock = !!(newflags & VM_LOCKED);
  const nr = (end - start) / PAGE_SIZE;
  mm.locked_vm = mm.locked_vm + (lock ? nr : -nr);
  if (lock) vma.vm_flags = newflags;
  else munlock_vma_pages_range(vma, start, end);
  return 0;
}

/** apply_vma_lock_flags: set the lock flags on every vma of [start, start+len); 0 or -ENOMEM/-EINVAL. */
function apply_vma_lock_flags(mm: mm_struct, start: number, len: number, flags: number): number {
  const end = start + len;
  if (end < start) return -EINVAL;
  if (end === start) return 0;
  return for_each_vma_in_range(mm, start, end, (vma, pprev, s, e) =>
    mlock_fixup(vma, pprev, s, e, (vma.vm_flags & ~(VM_LOCKED | VM_LOCKONFAULT)) | flags));
}

/** sys_mlock: lock and populate [start, start+len). 0 or -ENOMEM/-EAGAIN/-EINVAL. */
export function do_mlock(mm: mm_struct, start: number, len: number): number {
  len = Math.ceil((len + (start % PAGE_SIZE)) / PAGE_SIZE) * PAGE_SIZE;
  start = Math.floor(start / PAGE_SIZE) * PAGE_SIZE;
  mm.mmap_sem.down_write();
  let err: number;
  try { err = apply_vma_lock_flags(mm, start, len, VM_LOCKED); } finally { mm.mmap_sem.up_write(); }
  if (err) return err;
  mm.mmap_sem.down_read();
  try { err = __mm_populate(mm, start, len); } finally { mm.mmap_sem.up_read(); }
  if (err === -14) return -ENOMEM;
  if (err === -ENOMEM) return -EAGAIN;
  return err;
}

/** sys_munlock: unlock [start, start+len). 0 or -ENOMEM/-EINVAL. */
export function do_munlock(mm: mm_struct, start: number, len: number): number {
  len = Math.ceil((len + (start % PAGE_SIZE)) / PAGE_SIZE) * PAGE_SIZE;
  start = Math.floor(start / PAGE_SIZE) * PAGE_SIZE;
  mm.mmap_sem.down_write();
  try { return apply_vma_lock_flags(mm, start, len, 0); } finally { mm.mmap_sem.up_write(); }
}
