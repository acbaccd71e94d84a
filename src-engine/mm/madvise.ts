// mm/madvise.c: madvise with DONTNEED (zap), FREE (as DONTNEED), DONTFORK/DOFORK and the hints.
import type { mm_struct, vm_area_struct } from './mm_types';
import { find_vma, vma_modify } from './mmap';
import { zap_page_range } from './memory';
import { PAGE_SIZE } from '../arch/x86/pgtable_types';
import { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK,
  VM_LOCKED, VM_HUGETLB, VM_PFNMAP, VM_IO, VM_DONTCOPY, VM_SEQ_READ, VM_RAND_READ, VM_DONTDUMP, EINVAL, ENOMEM, EAGAIN } from '../include/mm_flags';

export const MADV_REMOVE = 9;
export const MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17;
const VALID = new Set([MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP, MADV_REMOVE]);

/** madvise_behavior: flag-changing advice, splitting/merging vmas as mprotect does. */
function madvise_behavior(vma: vm_area_struct, pprev: { v: vm_area_struct | null }, start: number, end: number, behavior: number): number {
  let nf = vma.vm_flags;
  switch (behavior) {
    case MADV_NORMAL: nf &= ~(VM_RAND_READ | VM_SEQ_READ); break;
    case MADV_SEQUENTIAL: nf = (nf & ~VM_RAND_READ) | VM_SEQ_READ; break;
    case MADV_RANDOM: nf = (nf & ~VM_SEQ_READ) | VM_RAND_READ; break;
    case MADV_DONTFORK: nf |= VM_DONTCOPY; break;
    case MADV_DOFORK:
      if (vma.vm_flags & VM_IO) return -EINVAL;
      nf &= ~VM_DONTCOPY;
      break;
    case MADV_DONTDUMP: nf |= VM_DONTDUMP; break;
    case MADV_DODUMP: nf &= ~VM_DONTDUMP; break;
  }
  if (nf === vma.vm_flags) { pprev.v = vma; return 0; }
  const got = vma_modify(vma, pprev, start, end, nf);
  if (typeof got === 'number') return got === -ENOMEM ? -EAGAIN : got;
  vma = got;
  pprev.v = vma;
  vma.vm_flags = nf;
  return 0;
}

/** madvise_vma: one vma's part [start, end). */
function madvise_vma(vma: vm_area_struct, pprev: { v: vm_area_struct | null }, start: number, end: number, behavior: number): number {
  switch (behavior) {
    case MADV_REMOVE:
      pprev.v = null;
      return -EINVAL;
    case MADV_WILLNEED:
      pprev.v = vma;
      return 0;
    case MADV_FREE:
    case MADV_DONTNEED:
      pprev.v = vma;
      if (vma.vm_flags & (VM_LOCKED | VM_HUGETLB | VM_PFNMAP)) return -EINVAL;
      zap_page_range(vma, start, end - start, null);
      return 0;
    default:
      return madvise_behavior(vma, pprev, start, end, behavior);
  }
}

/** sys_madvise body: 0, -EINVAL, or -ENOMEM when part of the range was unmapped. */
export function do_madvise(mm: mm_struct, start: number, len_in: number, behavior: number): number {
  if (!VALID.has(behavior)) return -EINVAL;
  if (start % PAGE_SIZE) return -EINVAL;
  const len = Math.ceil(len_in / PAGE_SIZE) * PAGE_SIZE;
  if (len_in && !len) return -EINVAL;
  const end = start + len;
  if (end < start) return -EINVAL;
  if (end === start) return 0;
  const write = behavior !== MADV_DONTNEED && behavior !== MADV_FREE && behavior !== MADV_WILLNEED;
  if (write) mm.mmap_sem.down_write(); else mm.mmap_sem.down_read();
  try {
    let vma = find_vma(mm, start);
    const pprev = { v: vma && start > vma.vm_start ? vma : vma ? vma.vm_prev : mm.mmap[mm.mmap.length - 1] ?? null };
    let unmapped_error = 0;
    for (;;) {
      if (!vma) return -ENOMEM;
      if (start < vma.vm_start) {
        unmapped_error = -ENOMEM;
        start = vma.vm_start;
        if (start >= end) return unmapped_error;
      }
      const tmp = Math.min(vma.vm_end, end);
      const err = madvise_vma(vma, pprev, start, tmp, behavior);
      if (err) return err;
      start = tmp;
      if (pprev.v && start < pprev.v.vm_end) start = pprev.v.vm_end;
      if (start >= end) return unmapped_error;
      vma = pprev.v ? pprev.v.vm_next : find_vma(mm, start);
    }
  } finally {
    if (write) mm.mmap_sem.up_write(); else mm.mmap_sem.up_read();
  }
}
