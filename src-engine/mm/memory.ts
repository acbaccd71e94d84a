// mm/memory.c: zapping, the pfn/page insertion API, remapping, unmap_mapping_range,
// do_set_pte, follow_pfn, access_remote_vm, copy_page_range and free_pgtables.
// Fault handling lives in mm/memory_fault.ts (the second half of memory.c).
import type { Machine } from '../machine';
import { mm_struct, vm_area_struct, address_space, vma_pages, MMF } from './mm_types';
import { BUG_ON } from '../kernel/bug';
import { mmu_gather, tlb_gather_mmu, tlb_finish_mmu, tlb_flush_mmu_tlbonly, tlb_flush_mmu_free,
  __tlb_remove_page, tlb_remove_tlb_entry, tlb_remove_table } from '../asm-generic/tlb';
import { mmu_notifier_invalidate_range_start, mmu_notifier_invalidate_range_end } from './mmu_notifier';
import { read_entry, entry_none, entry_bad, pmd_huge, pgd_offset, pud_offset, pmd_offset, pte_offset,
  pgd_addr_end, pud_addr_end, pmd_addr_end, pte_lockptr, get_locked_pte, pud_alloc, pmd_alloc, pte_alloc,
  walk_pmd, LockedPte } from './pgtable';
import { pte_t, pgprot_t, pte_none, pte_present, pte_dirty, pte_young, pte_pfn, pte_write, pfn_pte,
  pte_mkspecial, pte_mkdirty, pte_mkwrite, pte_wrprotect, pte_mkold, pte_mkclean, NONE_PTE, PAGE_SIZE,
  PMD_SIZE, PUD_SIZE, PGDIR_SIZE } from '../arch/x86/pgtable_types';
import { vm_normal_page, mm_counter, mm_counter_file, update_hiwater_rss, set_page_dirty, mark_page_accessed,
  get_page, PageAnon, print_bad_pte } from './mm';
import { page_remove_rmap, page_add_file_rmap, page_add_new_anon_rmap, page_dup_rmap, unlink_anon_vmas } from './rmap';
import { EFAULT, EINVAL, EBUSY, ENOMEM, VM_PFNMAP, VM_MIXEDMAP, VM_IO, VM_DONTEXPAND, VM_DONTDUMP, VM_SEQ_READ,
  VM_WRITE, VM_SHARED, VM_MAYWRITE, VM_HUGETLB, MM_SWAPENTS, MM_ANONPAGES, NR_MM_COUNTERS } from '../include/mm_flags';
import { track_pfn_insert, track_pfn_remap, untrack_pfn, track_pfn_copy } from '../arch/x86/mm/pat_track';
import { pte_to_swp_entry } from './swapfile';
import { free_swap_and_cache, swap_duplicate } from './swap_state';
import { unlink_file_vma } from './mmap';

export { mmu_gather };

/** is_cow_mapping: private and may be written (VM_MAYWRITE without VM_SHARED). */
export const is_cow_mapping = (flags: number): boolean => (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;

/** Apply an rss delta vector (add_mm_rss_vec). */
function add_mm_rss_vec(mm: mm_struct, rss: number[]): void {
  for (let i = 0; i < NR_MM_COUNTERS; i++) if (rss[i]) mm.add_counter(i, rss[i]!);
}

/** A pmd entry that is none or bad (a bad one is cleared with a report): skip it. */
function pmd_none_or_clear_bad(m: Machine, pmdp: number, what = 'pmd'): boolean {
  const e = read_entry(m, pmdp);
  if (entry_none(e)) return true;
  if (entry_bad(e)) {
    m.log.printk(`mm/memory.c: bad ${what} ${e.hi.toString(16)}${e.lo.toString(16).padStart(8, '0')}`);
    m.phys.write_entry(pmdp, NONE_PTE);
    return true;
  }
  return false;
}

/**
 * zap_pte_range: clear the ptes of [addr, end) under one pmd, queueing pages on the gather.
 * Honors details (check_mapping, ignore_dirty, check_swap_entries). Returns end.
 */
function zap_pte_range(tlb: mmu_gather, vma: vm_area_struct, pmdp: number, addr: number, end: number,
  details: zap_details | null): number {
  const mm = tlb.mm!, m = mm.m;
  for (;;) {
    let force_flush = false;
    const rss = [0, 0, 0, 0];
    const pmd = read_entry(m, pmdp);
    const ptl = pte_lockptr(m, pmd);
    ptl.lock();
    for (let ptep = pte_offset(pmd, addr); addr !== end; addr += PAGE_SIZE, ptep += 8) {
      const ptent = m.phys.read_entry_locked(ptep);
      if (pte_none(ptent)) continue;
      if (pte_present(ptent)) {
        const page = vm_normal_page(vma, addr, ptent);
        if (details && page !== null && details.check_mapping && details.check_mapping.mapping_word !== m.mem.mapping(page)) continue;
        m.phys.write_entry(ptep, NONE_PTE);
        tlb_remove_tlb_entry(tlb, addr);
        m.charge(m.config.cost_zap_pte);
        m.zapped++;
        if (page === null) continue;
        m.charge(m.config.cost_zap_page);
        const anon = PageAnon(m, page);
        if (!anon) {
          if (pte_dirty(ptent)) {
            if (details && details.ignore_dirty) {
              m.log.printk(`zap_pte_range: ignore_dirty left pfn ${page} counted as mapped at 0x${addr.toString(16)} (4.6/4.7 OOM-reaper quirk)`);
              continue;
            }
            force_flush = true;
            set_page_dirty(m, page);
          }
          if (pte_young(ptent) && !(vma.vm_flags & VM_SEQ_READ)) mark_page_accessed(m, page);
        }
        rss[anon ? MM_ANONPAGES : mm_counter_file(m, page)]!--; // mm_counter(page), PageAnon known
        if (page_remove_rmap(m, page) + 1 < 0) print_bad_pte(vma, addr, ptent, page); // page_mapcount after it
        if (__tlb_remove_page(tlb, page) === 0) {
          force_flush = true;
          addr += PAGE_SIZE;
          break;
        }
        continue;
      }
      if (details && !details.check_swap_entries) continue;
      const entry = pte_to_swp_entry(ptent);
      rss[MM_SWAPENTS]!--;
      if (!free_swap_and_cache(m, entry)) print_bad_pte(vma, addr, ptent, null);
      m.phys.write_entry(ptep, NONE_PTE);
    }
    add_mm_rss_vec(mm, rss);
    if (force_flush) tlb_flush_mmu_tlbonly(tlb);
    ptl.unlock();
    if (!force_flush || addr === end) {
      if (force_flush) tlb_flush_mmu_free(tlb);
      return addr;
    }
    tlb_flush_mmu_free(tlb);
  }
}

/** zap_pmd_range: zap_pte_range over each present pmd of [addr, end) under a pud. */
function zap_pmd_range(tlb: mmu_gather, vma: vm_area_struct, pudp: number, addr: number, end: number, d: zap_details | null): void {
  const m = vma.m;
  const pud = read_entry(m, pudp);
  for (let next; addr !== end; addr = next) {
    next = pmd_addr_end(addr, end);
    const pmdp = pmd_offset(pud, addr);
    if (pmd_huge(read_entry(m, pmdp))) continue; // no THP: never populated
    if (pmd_none_or_clear_bad(m, pmdp)) continue;
    zap_pte_range(tlb, vma, pmdp, addr, next, d);
  }
}

/** zap_pud_range. */
function zap_pud_range(tlb: mmu_gather, vma: vm_area_struct, pgdp: number, addr: number, end: number, d: zap_details | null): void {
  const m = vma.m;
  const pgd = read_entry(m, pgdp);
  for (let next; addr !== end; addr = next) {
    next = pud_addr_end(addr, end);
    const pudp = pud_offset(pgd, addr);
    if (pmd_none_or_clear_bad(m, pudp, 'pud')) continue;
    zap_pmd_range(tlb, vma, pudp, addr, next, d);
  }
}

/** unmap_page_range: walk pgd..pte over [addr, end) of vma, zapping (BUG if addr >= end). */
export function unmap_page_range(tlb: mmu_gather, vma: vm_area_struct, addr: number, end: number, d: zap_details | null): void {
  const m = vma.m;
  BUG_ON(m.log, addr >= end, 'unmap_page_range', 'BUG_ON(addr >= end)');
  for (let next; addr !== end; addr = next) {
    next = pgd_addr_end(addr, end);
    const pgdp = pgd_offset(vma.vm_mm, addr);
    if (pmd_none_or_clear_bad(m, pgdp, 'pgd')) continue;
    zap_pud_range(tlb, vma, pgdp, addr, next, d);
  }
}

/** Options of a zap (struct zap_details). */
export interface zap_details {
  check_mapping?: address_space | null;
  first_index?: number;
  last_index?: number;
  ignore_dirty?: boolean;
  check_swap_entries?: boolean;
}

/** unmap_single_vma: clamp [s, e) to vma, drop a PFNMAP's PAT reservation, zap. */
export function unmap_single_vma(tlb: mmu_gather, vma: vm_area_struct, s: number, e: number, d: zap_details | null): void {
  const start = Math.max(vma.vm_start, s);
  if (start >= vma.vm_end) return;
  const end = Math.min(vma.vm_end, e);
  if (end <= vma.vm_start) return;
  if (vma.vm_flags & VM_PFNMAP) untrack_pfn(vma, 0, 0);
  if (start !== end) {
    if (vma.vm_flags & VM_HUGETLB) return; // hugetlb is out of scope: never created
    unmap_page_range(tlb, vma, start, end, d);
  }
}

/** The vmas of vma's mm from vma on, in address order. */
export function vmas_from(vma: vm_area_struct): vm_area_struct[] {
  const list = vma.vm_mm.mmap;
  const i = list.indexOf(vma);
  return i < 0 ? [vma] : list.slice(i);
}

/**
 * unmap_vmas: zap [start_addr, end_addr) of every vma from `vma` on while vm_start < end_addr,
 * bracketed by notifier start/end. No hiwater update, no page-table freeing.
 */
export function unmap_vmas(tlb: mmu_gather, vma: vm_area_struct, start_addr: number, end_addr: number, list?: vm_area_struct[]): void {
  const mm = vma.vm_mm;
  mmu_notifier_invalidate_range_start(mm, start_addr, end_addr);
  for (const v of list ?? vmas_from(vma)) {
    if (v.vm_start >= end_addr) break;
    unmap_single_vma(tlb, v, start_addr, end_addr, null);
  }
  mmu_notifier_invalidate_range_end(mm, start_addr, end_addr);
}

/**
 * Zap [start, end) of `vmas` under one gather, as zap_page_range and zap_page_range_single do:
 * hiwater first, notifier start/end around the walk, pages freed after the flush.
 */
function zap_range(vma: vm_area_struct, start: number, end: number, details: zap_details | null, vmas: vm_area_struct[]): void {
  const mm = vma.vm_mm;
  const tlb = new mmu_gather();
  tlb_gather_mmu(tlb, mm, start, end);
  update_hiwater_rss(mm);
  mmu_notifier_invalidate_range_start(mm, start, end);
  for (const v of vmas) {
    if (v.vm_start >= end) break;
    unmap_single_vma(tlb, v, start, end, details);
  }
  mmu_notifier_invalidate_range_end(mm, start, end);
  tlb_finish_mmu(tlb, start, end);
}

/** zap_page_range: remove user pages in [start, start+size) of vma and the vmas after it. */
export function zap_page_range(vma: vm_area_struct, start: number, size: number, details: zap_details | null): void {
  zap_range(vma, start, start + size, details, vmas_from(vma));
}

/** zap_page_range_single: like zap_page_range but only within this one vma. */
export function zap_page_range_single(vma: vm_area_struct, address: number, size: number, details: zap_details | null): void {
  zap_range(vma, address, address + size, details, [vma]);
}

/** zap_vma_ptes: zap ptes of a VM_PFNMAP vma inside it; -1 (not an errno) when refused. */
export function zap_vma_ptes(vma: vm_area_struct, address: number, size: number): number {
  if (address < vma.vm_start || address + size > vma.vm_end || !(vma.vm_flags & VM_PFNMAP)) return -1;
  zap_page_range_single(vma, address, size, null);
  return 0;
}

/** The end argument that marks a full-mm teardown (~0UL). */
export const FULL_MM_END = 2 ** 64 - 1;

/** free_pte_range: unhook a pmd's pte table and queue it for freeing. */
function free_pte_range(tlb: mmu_gather, pmdp: number, addr: number): void {
  const mm = tlb.mm!, m = mm.m;
  const pfn = pte_pfn(read_entry(m, pmdp));
  m.phys.write_entry(pmdp, NONE_PTE);
  tlb_remove_table(tlb, pfn, addr);
  mm.add(MMF.NR_PTES, -1);
}

/** The kernel's "end - 1 > ceiling - 1" with ceiling 0 meaning the top of the address space. */
const beyond = (end: number, ceiling: number): boolean => ceiling !== 0 && end - 1 > ceiling - 1;

/** free_pmd_range: free pte tables under a pud, then the pmd table if [floor, ceiling) allows. */
function free_pmd_range(tlb: mmu_gather, pudp: number, addr: number, end: number, floor: number, ceiling: number): void {
  const m = tlb.mm!.m;
  const start = addr;
  const pud = read_entry(m, pudp);
  for (let next; addr !== end; addr = next) {
    next = pmd_addr_end(addr, end);
    const pmdp = pmd_offset(pud, addr);
    if (pmd_none_or_clear_bad(m, pmdp)) continue;
    free_pte_range(tlb, pmdp, addr);
  }
  const s = Math.floor(start / PUD_SIZE) * PUD_SIZE;
  if (s < floor) return;
  if (ceiling) { ceiling = Math.floor(ceiling / PUD_SIZE) * PUD_SIZE; if (!ceiling) return; }
  if (beyond(end, ceiling)) return;
  m.phys.write_entry(pudp, NONE_PTE);
  tlb_remove_table(tlb, pte_pfn(pud), s);
  tlb.mm!.add(MMF.NR_PMDS, -1);
}

/** free_pud_range: the same one level up (pud tables are not counted). */
function free_pud_range(tlb: mmu_gather, pgdp: number, addr: number, end: number, floor: number, ceiling: number): void {
  const m = tlb.mm!.m;
  const start = addr;
  const pgd = read_entry(m, pgdp);
  for (let next; addr !== end; addr = next) {
    next = pud_addr_end(addr, end);
    const pudp = pud_offset(pgd, addr);
    if (pmd_none_or_clear_bad(m, pudp, 'pud')) continue;
    free_pmd_range(tlb, pudp, addr, next, floor, ceiling);
  }
  const s = Math.floor(start / PGDIR_SIZE) * PGDIR_SIZE;
  if (s < floor) return;
  if (ceiling) { ceiling = Math.floor(ceiling / PGDIR_SIZE) * PGDIR_SIZE; if (!ceiling) return; }
  if (beyond(end, ceiling)) return;
  m.phys.write_entry(pgdp, NONE_PTE);
  tlb_remove_table(tlb, pte_pfn(pgd), s);
}

/** free_pgd_range: free the page tables of [addr, end) that nothing in [floor, ceiling) still needs. */
export function free_pgd_range(tlb: mmu_gather, addr: number, end: number, floor: number, ceiling: number): void {
  const m = tlb.mm!.m;
  addr = Math.floor(addr / PMD_SIZE) * PMD_SIZE;
  if (addr < floor) addr += PMD_SIZE;
  if (ceiling) { ceiling = Math.floor(ceiling / PMD_SIZE) * PMD_SIZE; if (!ceiling) return; }
  if (beyond(end, ceiling)) end -= PMD_SIZE;
  if (addr > end - 1) return;
  for (let next; addr !== end; addr = next) {
    next = pgd_addr_end(addr, end);
    const pgdp = pgd_offset(tlb.mm!, addr);
    if (pmd_none_or_clear_bad(m, pgdp, 'pgd')) continue;
    free_pud_range(tlb, pgdp, addr, next, floor, ceiling);
  }
}

/**
 * free_pgtables: for a detached, address-ordered list of vmas, unlink them from anon_vmas and
 * i_mmap and free the page tables under them within [floor, ceiling) (0 ceiling = top).
 */
export function free_pgtables(tlb: mmu_gather, vmas: vm_area_struct[], floor: number, ceiling: number): void {
  for (let i = 0; i < vmas.length; ) {
    let vma = vmas[i]!;
    const addr = vma.vm_start;
    unlink_anon_vmas(vma);
    unlink_file_vma(vma);
    let j = i + 1;
    while (j < vmas.length && vmas[j]!.vm_start <= vma.vm_end + PMD_SIZE) {
      vma = vmas[j]!;
      unlink_anon_vmas(vma);
      unlink_file_vma(vma);
      j++;
    }
    const next = vmas[j];
    free_pgd_range(tlb, addr, vma.vm_end, floor, next ? next.vm_start : ceiling);
    i = j;
  }
}

/** insert_page: map a non-anonymous page at addr with prot; counts it as a file page. */
function insert_page(vma: vm_area_struct, addr: number, page: number, prot: pgprot_t): number {
  const mm = vma.vm_mm, m = vma.m;
  if (PageAnon(m, page)) return -EINVAL;
  const lp = get_locked_pte(mm, addr);
  if (!lp) return -ENOMEM;
  try {
    if (!pte_none(read_entry(m, lp.ptep))) return -EBUSY;
    get_page(m, page);
    mm.add_counter(mm_counter_file(m, page), 1);
    page_add_file_rmap(m, page);
    m.phys.write_entry(lp.ptep, pfn_pte(page, prot));
    return 0;
  } finally {
    lp.ptl.unlock();
  }
}

/**
 * vm_insert_page: insert a driver's (non-anonymous) page into vma at addr. Makes the vma
 * VM_MIXEDMAP first (BUG unless mmap_sem is held for write); 0 or -EFAULT/-EINVAL/-ENOMEM/-EBUSY.
 */
export function vm_insert_page(vma: vm_area_struct, addr: number, page: number): number {
  const m = vma.m;
  if (addr < vma.vm_start || addr >= vma.vm_end) return -EFAULT;
  if (m.mem.refcount(page) === 0) return -EINVAL;
  if (!(vma.vm_flags & VM_MIXEDMAP)) {
    BUG_ON(m.log, vma.vm_mm.mmap_sem.down_read_trylock(), 'vm_insert_page', 'BUG_ON(down_read_trylock(&vma->vm_mm->mmap_sem))');
    BUG_ON(m.log, (vma.vm_flags & VM_PFNMAP) !== 0, 'vm_insert_page', 'BUG_ON(vma->vm_flags & VM_PFNMAP)');
    vma.vm_flags = vma.vm_flags | VM_MIXEDMAP;
  }
  return insert_page(vma, addr, page, vma.vm_page_prot);
}

/** insert_pfn: a special pte for pfn at addr; -ENOMEM or -EBUSY on failure. */
function insert_pfn(vma: vm_area_struct, addr: number, pfn: number, prot: pgprot_t): number {
  const lp = get_locked_pte(vma.vm_mm, addr);
  if (!lp) return -ENOMEM;
  try {
    if (!pte_none(read_entry(vma.m, lp.ptep))) return -EBUSY;
    vma.m.phys.write_entry(lp.ptep, pte_mkspecial(pfn_pte(pfn, prot)));
    return 0;
  } finally {
    lp.ptl.unlock();
  }
}

/** vm_insert_pfn_prot: insert a pfn with an explicit protection into a PFNMAP/MIXEDMAP vma. */
export function vm_insert_pfn_prot(vma: vm_area_struct, addr: number, pfn: number, pgprot: pgprot_t): number {
  const m = vma.m, f = vma.vm_flags, fn = 'vm_insert_pfn_prot';
  BUG_ON(m.log, !(f & (VM_PFNMAP | VM_MIXEDMAP)), fn, 'BUG_ON(!(vma->vm_flags & (VM_PFNMAP|VM_MIXEDMAP)))');
  BUG_ON(m.log, (f & (VM_PFNMAP | VM_MIXEDMAP)) === (VM_PFNMAP | VM_MIXEDMAP), fn, 'BUG_ON((vma->vm_flags & (VM_PFNMAP|VM_MIXEDMAP)) == (VM_PFNMAP|VM_MIXEDMAP))');
  BUG_ON(m.log, (f & VM_PFNMAP) !== 0 && is_cow_mapping(f), fn, 'BUG_ON((vma->vm_flags & VM_PFNMAP) && is_cow_mapping(vma->vm_flags))');
  BUG_ON(m.log, (f & VM_MIXEDMAP) !== 0 && m.phys.pfn_valid(pfn), fn, 'BUG_ON((vma->vm_flags & VM_MIXEDMAP) && pfn_valid(pfn))');
  if (addr < vma.vm_start || addr >= vma.vm_end) return -EFAULT;
  const tracked = track_pfn_insert(vma, pgprot, pfn);
  if (tracked.err) return -EINVAL;
  return insert_pfn(vma, addr, pfn, tracked.prot);
}

/** vm_insert_pfn: vm_insert_pfn_prot with the vma's own protection. */
export function vm_insert_pfn(vma: vm_area_struct, addr: number, pfn: number): number {
  return vm_insert_pfn_prot(vma, addr, pfn, vma.vm_page_prot);
}

/** PAGE_ALIGN. */
export const PAGE_ALIGN = (x: number): number => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;
const TWO_64 = 2 ** 64;

/** remap_pte_range: fill the ptes of [addr, end) under one pmd with consecutive pfns. */
function remap_pte_range(mm: mm_struct, pmdp: number, addr: number, end: number, pfn: number, prot: pgprot_t): number {
  const m = mm.m;
  if (!pte_alloc(mm, pmdp)) return -ENOMEM;
  const pmd = read_entry(m, pmdp);
  const ptl = pte_lockptr(m, pmd);
  ptl.lock();
  try {
    for (; addr !== end; addr += PAGE_SIZE, pfn++) {
      const ptep = pte_offset(pmd, addr);
      BUG_ON(m.log, !pte_none(read_entry(m, ptep)), 'remap_pte_range', 'BUG_ON(!pte_none(*pte))');
      m.phys.write_entry(ptep, pte_mkspecial(pfn_pte(pfn, prot)));
    }
    return 0;
  } finally {
    ptl.unlock();
  }
}

/** remap_pmd_range. */
function remap_pmd_range(mm: mm_struct, pudp: number, addr: number, end: number, pfn: number, prot: pgprot_t): number {
  const base = pfn - addr / PAGE_SIZE;
  for (let next; addr !== end; addr = next) {
    next = pmd_addr_end(addr, end);
    const pmdp = pmd_alloc(mm, pudp, addr);
    if (pmdp < 0) return -ENOMEM;
    const err = remap_pte_range(mm, pmdp, addr, next, base + addr / PAGE_SIZE, prot);
    if (err) return err;
  }
  return 0;
}

/**
 * remap_pfn_range: map [addr, addr + PAGE_ALIGN(size)) to consecutive pfns from pfn as special
 * ptes, marking the vma IO|PFNMAP|DONTEXPAND|DONTDUMP. 0, -EINVAL or -ENOMEM (partial ptes stay).
 */
export function remap_pfn_range(vma: vm_area_struct, addr: number, pfn: number, size: number, prot: pgprot_t): number {
  const m = vma.m, mm = vma.vm_mm;
  if (addr % PAGE_SIZE !== 0) throw new TypeError(`remap_pfn_range: addr 0x${addr.toString(16)} is not page aligned (undefined behaviour in the kernel)`);
  const asize = PAGE_ALIGN(size);
  let end = addr + asize;
  if (end >= TWO_64) end -= TWO_64;
  if (is_cow_mapping(vma.vm_flags)) {
    if (addr !== vma.vm_start || end !== vma.vm_end) return -EINVAL;
    vma.vm_pgoff = pfn;
  }
  const tracked = track_pfn_remap(vma, prot, pfn, addr, asize);
  if (tracked.err) return -EINVAL;
  prot = tracked.prot;
  vma.vm_flags = vma.vm_flags | VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
  BUG_ON(m.log, addr >= end, 'remap_pfn_range', 'BUG_ON(addr >= end)');
  if (addr < vma.vm_start || end > vma.vm_end) {
    m.log.printk(`remap_pfn_range: writing ptes outside the vma [0x${vma.vm_start.toString(16)}, 0x${vma.vm_end.toString(16)}): 0x${addr.toString(16)}-0x${end.toString(16)}`);
  }
  let err = 0;
  for (let a = addr, next; a !== end; a = next) {
    next = pgd_addr_end(a, end);
    const pudp = pud_alloc(mm, a);
    if (pudp < 0) { err = -ENOMEM; break; }
    for (let b = a, nb; b !== next; b = nb) {
      nb = pud_addr_end(b, next);
      const pudp2 = pud_offset(read_entry(m, pgd_offset(mm, b)), b);
      err = remap_pmd_range(mm, pudp2, b, nb, pfn + (b - addr) / PAGE_SIZE, prot);
      if (err) break;
    }
    if (err) break;
  }
  if (err) untrack_pfn(vma, pfn, asize);
  return err;
}

/** vm_iomap_memory: map the physical range [start, start+len) over the whole vma (honoring vm_pgoff). */
export function vm_iomap_memory(vma: vm_area_struct, start: number, len: number): number {
  if (start + len >= TWO_64) return -EINVAL;
  len += start % PAGE_SIZE;
  let pfn = Math.floor(start / PAGE_SIZE);
  let pages = Math.ceil(len / PAGE_SIZE);
  if (vma.vm_pgoff > pages) return -EINVAL;
  pfn += vma.vm_pgoff;
  pages -= vma.vm_pgoff;
  const vm_len = vma.vm_end - vma.vm_start;
  if (vm_len / PAGE_SIZE > pages) return -EINVAL;
  return remap_pfn_range(vma, vma.vm_start, pfn, vm_len, vma.vm_page_prot);
}

export const ULONG_MAX_INDEX = 2 ** 64 - 1;

/**
 * unmap_mapping_range: zap every vma mapping file pages [holebegin, holebegin+holelen) of mapping
 * (holelen 0: to the end of the file). even_cows=0 keeps private COW pages.
 */
export function unmap_mapping_range(mapping: address_space, holebegin: number, holelen: number, even_cows: number | boolean): void {
  const hba = Math.floor(holebegin / PAGE_SIZE);
  const hlen = Math.floor((holelen + PAGE_SIZE - 1) / PAGE_SIZE);
  const details: zap_details = {
    check_mapping: even_cows ? null : mapping,
    first_index: hba,
    last_index: hba + hlen - 1,
  };
  if (details.last_index! < details.first_index!) details.last_index = ULONG_MAX_INDEX;
  for (const vma of [...mapping.i_mmap]) {
    const vba = vma.vm_pgoff, vea = vba + vma_pages(vma) - 1;
    if (vba > details.last_index!) break; // i_mmap is ordered by vm_pgoff
    if (vea < details.first_index!) continue;
    const zba = Math.max(details.first_index!, vba), zea = Math.min(details.last_index!, vea);
    zap_page_range_single(vma, (zba - vba) * PAGE_SIZE + vma.vm_start, (zea - zba + 1) * PAGE_SIZE, details);
  }
}

/**
 * do_set_pte: install page at address (the caller holds the pte lock and gives its page
 * reference to the pte). write makes it dirty (and RW with VM_WRITE); anon maps it as new anon.
 */
export function do_set_pte(vma: vm_area_struct, address: number, page: number, ptep: number, write: boolean, anon: boolean): void {
  const m = vma.m, mm = vma.vm_mm;
  let entry = pfn_pte(page, vma.vm_page_prot);
  if (write) entry = maybe_mkwrite(pte_mkdirty(entry), vma);
  m.charge(m.config.cost_map_pte);
  if (anon) {
    mm.add_counter(MM_ANONPAGES, 1);
    page_add_new_anon_rmap(m, page, vma, address);
  } else {
    mm.add_counter(mm_counter_file(m, page), 1);
    page_add_file_rmap(m, page);
  }
  m.phys.write_entry(ptep, entry);
}

/** maybe_mkwrite: RW only if the vma is VM_WRITE. */
export function maybe_mkwrite(pte: pte_t, vma: vm_area_struct): pte_t {
  return vma.vm_flags & VM_WRITE ? pte_mkwrite(pte) : pte;
}

/** __follow_pte: the locked present pte mapping address in mm, or null (-EINVAL). */
export function __follow_pte(mm: mm_struct, address: number): LockedPte | null {
  const m = mm.m;
  const pmdp = walk_pmd(mm, address);
  if (pmdp < 0) return null;
  const pmd = read_entry(m, pmdp);
  if (entry_none(pmd) || entry_bad(pmd) || pmd_huge(pmd)) return null;
  const ptl = pte_lockptr(m, pmd);
  ptl.lock();
  const ptep = pte_offset(pmd, address);
  if (!pte_present(read_entry(m, ptep))) { ptl.unlock(); return null; }
  return { ptep, ptl };
}

/** follow_pfn: the pfn mapped at address of an IO/PFNMAP vma, written to pfn.value; 0 or -EINVAL. */
export function follow_pfn(vma: vm_area_struct, address: number, pfn: { value: number }): number {
  if (!(vma.vm_flags & (VM_IO | VM_PFNMAP))) return -EINVAL;
  const lp = __follow_pte(vma.vm_mm, address);
  if (!lp) return -EINVAL;
  pfn.value = pte_pfn(read_entry(vma.m, lp.ptep));
  lp.ptl.unlock();
  return 0;
}

/** follow_phys: physical address and pte of an IO/PFNMAP mapping; null when refused (-EINVAL). */
export function follow_phys(vma: vm_area_struct, address: number, write: boolean): { phys: number; pte: pte_t } | null {
  if (!(vma.vm_flags & (VM_IO | VM_PFNMAP))) return null;
  const lp = __follow_pte(vma.vm_mm, address);
  if (!lp) return null;
  const pte = read_entry(vma.m, lp.ptep);
  lp.ptl.unlock();
  if (write && !pte_write(pte)) return null;
  return { phys: pte_pfn(pte) * PAGE_SIZE, pte };
}

/**
 * generic_access_phys: ->access for PFNMAP vmas. Copies len bytes at the physical address behind
 * addr, ignoring page boundaries; len, or -EINVAL if follow_phys refuses.
 */
export function generic_access_phys(vma: vm_area_struct, addr: number, buf: Uint8Array, len: number, write: number | boolean): number {
  const fp = follow_phys(vma, addr, !!write);
  if (!fp) return -EINVAL;
  const pa = fp.phys + (addr % PAGE_SIZE);
  const m = vma.m;
  if (write) {
    for (let i = 0; i < len; i++) if (m.phys.backed(pa + i)) m.phys.write(pa + i, buf.subarray(i, i + 1));
  } else {
    for (let i = 0; i < len; i++) buf[i] = m.phys.backed(pa + i) ? m.phys.read(pa + i, 1)![0]! : 0xff;
  }
  return len;
}

/**
 * copy_one_pte: copy one non-none pte of a forking vma: swap entries are duplicated, COW
 * mappings write-protected in both, shared copies clean, the child's copy old.
 */
function copy_one_pte(dst: mm_struct, src: mm_struct, dst_ptep: number, src_ptep: number, vma: vm_area_struct, addr: number, rss: number[]): void {
  const m = vma.m;
  let pte = read_entry(m, src_ptep);
  if (!pte_present(pte)) {
    swap_duplicate(m, pte_to_swp_entry(pte));
    rss[MM_SWAPENTS]!++;
    m.phys.write_entry(dst_ptep, pte);
    return;
  }
  if (is_cow_mapping(vma.vm_flags)) {
    m.phys.write_entry(src_ptep, pte_wrprotect(read_entry(m, src_ptep)));
    pte = pte_wrprotect(pte);
  }
  if (vma.vm_flags & VM_SHARED) pte = pte_mkclean(pte);
  pte = pte_mkold(pte);
  const page = vm_normal_page(vma, addr, pte);
  if (page !== null) {
    get_page(m, page);
    page_dup_rmap(m, page);
    rss[mm_counter(m, page)]!++;
  }
  m.phys.write_entry(dst_ptep, pte);
}

/** copy_pte_range: copy the ptes of [addr, end) under one pmd; -ENOMEM if the table can't be had. */
function copy_pte_range(dst: mm_struct, src: mm_struct, src_pmdp: number, vma: vm_area_struct, addr: number, end: number): number {
  const m = vma.m;
  const lp = get_locked_pte(dst, addr);
  if (!lp) return -ENOMEM;
  const dst_pmd = read_entry(m, walk_pmd(dst, addr));
  const src_pmd = read_entry(m, src_pmdp);
  const src_ptl = pte_lockptr(m, src_pmd);
  const same = src_ptl.index === lp.ptl.index;
  if (!same) src_ptl.lock();
  const rss = [0, 0, 0, 0];
  try {
    for (; addr !== end; addr += PAGE_SIZE) {
      const sp = pte_offset(src_pmd, addr);
      if (pte_none(read_entry(m, sp))) continue;
      copy_one_pte(dst, src, pte_offset(dst_pmd, addr), sp, vma, addr, rss);
    }
  } finally {
    if (!same) src_ptl.unlock();
    lp.ptl.unlock();
  }
  add_mm_rss_vec(dst, rss);
  return 0;
}

/**
 * copy_page_range: fork's copy of vma's page tables from src to dst. Copies nothing for vmas
 * without anon_vma unless PFNMAP/MIXEDMAP/HUGETLB. 0, -ENOMEM, or -EINVAL from track_pfn_copy.
 */
export function copy_page_range(dst: mm_struct, src: mm_struct, vma: vm_area_struct): number {
  const m = vma.m;
  if (!(vma.vm_flags & (VM_HUGETLB | VM_PFNMAP | VM_MIXEDMAP)) && !vma.anon_vma) return 0;
  if (vma.vm_flags & VM_PFNMAP) {
    const err = track_pfn_copy(vma);
    if (err) return err;
  }
  const cow = is_cow_mapping(vma.vm_flags);
  const start = vma.vm_start, end = vma.vm_end;
  if (cow) mmu_notifier_invalidate_range_start(src, start, end);
  let ret = 0;
  for (let addr = start, next; addr !== end; addr = next) {
    next = pmd_addr_end(addr, end);
    const src_pmdp = walk_pmd(src, addr);
    if (src_pmdp < 0) continue;
    const pmd = read_entry(m, src_pmdp);
    if (entry_none(pmd) || entry_bad(pmd)) continue;
    if (copy_pte_range(dst, src, src_pmdp, vma, addr, next)) { ret = -ENOMEM; break; }
  }
  if (cow) mmu_notifier_invalidate_range_end(src, start, end);
  return ret;
}

