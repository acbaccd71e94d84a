// kernel/fork.c: mm_alloc, dup_mm/dup_mmap (fork's copy of the address space) and mmput.
import type { Machine } from '../machine';
import type { mm_struct } from '../mm/mm_types';
import { pgd_alloc, free_table_page } from '../mm/pgtable';
import { exit_mmap, vma_link, vm_stat_account, vma_dup } from '../mm/mmap';
import { anon_vma_fork } from '../mm/rmap';
import { copy_page_range } from '../mm/memory';
import { get_mm_rss } from '../mm/mm';
import { flush_tlb_mm } from '../arch/x86/mm/tlb';
import { VM_DONTCOPY, VM_LOCKED, VM_LOCKONFAULT, VM_UFFD_MISSING, VM_UFFD_WP, ENOMEM, NR_MM_COUNTERS } from '../include/mm_flags';
import { vma_pages } from '../mm/mm_types';

/** mm_alloc: a new, empty address space (null when the pgd cannot be allocated). */
export function mm_alloc(m: Machine): mm_struct | null {
  const mm = m.newMm();
  if (!pgd_alloc(mm)) { m.freeMm(mm); return null; }
  mm.mm_users = 1;
  return mm;
}

/**
 * dup_mmap: copy oldmm's vmas (skipping VM_DONTCOPY) and, through copy_page_range, the ptes
 * that fork copies. 0 or -errno (the caller then tears the child down).
 */
function dup_mmap(mm: mm_struct, oldmm: mm_struct): number {
  oldmm.mmap_sem.down_write();
  let ret = 0;
  try {
    mm.total_vm = oldmm.total_vm;
    for (const mpnt of [...oldmm.mmap]) {
      if (mpnt.vm_flags & VM_DONTCOPY) { vm_stat_account(mm, mpnt.vm_flags, -vma_pages(mpnt)); continue; }
      const tmp = vma_dup(mpnt, mm, ~(VM_LOCKED | VM_LOCKONFAULT | VM_UFFD_MISSING | VM_UFFD_WP));
      anon_vma_fork(tmp, mpnt);
      vma_link(mm, tmp, mpnt);
      ret = copy_page_range(mm, oldmm, mpnt);
      tmp.vm_ops?.open?.(tmp);
      if (ret) break;
    }
  } finally {
    flush_tlb_mm(oldmm.m, oldmm);
    oldmm.mmap_sem.up_write();
  }
  return ret;
}

/** fork's dup_mm: the child's mm, or -errno. */
export function dup_mm(oldmm: mm_struct): mm_struct | number {
  const m = oldmm.m;
  const mm = mm_alloc(m);
  if (!mm) return -ENOMEM;
  const err = dup_mmap(mm, oldmm);
  if (err) { mmput(mm); return err; }
  mm.hiwater_rss = get_mm_rss(mm);
  mm.hiwater_vm = mm.total_vm;
  return mm;
}

/** check_mm: report rss counters and page-table counts left over at teardown, as the kernel does. */
function check_mm(mm: mm_struct): void {
  const m = mm.m;
  for (let i = 0; i < NR_MM_COUNTERS; i++) {
    const v = mm.get_counter(i);
    if (v) m.log.printk(`BUG: Bad rss-counter state mm:${mm.id} idx:${i} val:${v}`);
  }
  if (mm.nr_ptes) m.log.printk(`BUG: non-zero nr_ptes on freeing mm: ${mm.nr_ptes}`);
  if (mm.nr_pmds) m.log.printk(`BUG: non-zero nr_pmds on freeing mm: ${mm.nr_pmds}`);
}

/** mmput: drop a user; the last one tears the address space down and frees the pgd. */
export function mmput(mm: mm_struct): void {
  if (mm.dead) throw new TypeError(`mmput: ${mm} has already been released`);
  mm.mm_users = mm.mm_users - 1;
  if (mm.mm_users > 0) return;
  exit_mmap(mm);
  check_mm(mm);
  free_table_page(mm.m, mm.pgd);
  mm.dead = true;
  mm.m.freeMm(mm);
}
