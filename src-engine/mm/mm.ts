// Inline helpers of include/linux/mm.h and mm/swap.c: page references, counters, allocation,
// vm_normal_page, set_page_dirty, mark_page_accessed.
import type { Machine } from '../machine';
import { BUG_ON, TAINT_BAD_PAGE } from '../kernel/bug';
import { PG_active, PG_dirty, PG_head, PG_referenced, PG_reserved, PG_swapbacked, PG_tail, PG_table,
  PG_lru, PG_uptodate, PG_locked, PG_mlocked, PG_swapcache, PAGE_MAPPING_ANON } from './page';
import { __GFP_COMP, __GFP_ZERO } from './page_alloc';
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, VM_MIXEDMAP, VM_PFNMAP } from '../include/mm_flags';
import { pte_t, pte_pfn, pte_special, pte_val } from '../arch/x86/pgtable_types';
import type { mm_struct, vm_area_struct } from './mm_types';

/**
 * The pfn whose refcount stands for this page (a compound tail's head). A plain load, as the
 * kernel's READ_ONCE(page->compound_head): a page's compound state is fixed while it is referenced.
 */
export function compound_head(m: Machine, pfn: number): number {
  return m.mem.test_plain(pfn, PG_tail) ? m.mem.extra(pfn) - 1 : pfn;
}

/** page_count: the head page's _refcount. */
export function page_count(m: Machine, pfn: number): number {
  return m.mem.refcount(compound_head(m, pfn));
}

/** page_mapcount: _mapcount + 1. */
export function page_mapcount(m: Machine, pfn: number): number {
  return m.mem.mapcount_raw(pfn) + 1;
}

/** PageAnon: page->mapping has the anon bit. */
export function PageAnon(m: Machine, pfn: number): boolean {
  return (m.mem.mapping(pfn) & PAGE_MAPPING_ANON) !== 0;
}

/** get_page: one more reference (on the compound head). */
export function get_page(m: Machine, pfn: number): void {
  m.mem.ref_add(compound_head(m, pfn), 1);
}

/**
 * put_page: drop a reference; at zero the page (or compound block) goes back to the allocator.
 * A put on a page whose count is already 0 is reported as a bad page state and changes nothing.
 */
export function put_page(m: Machine, pfn: number): void {
  const head = compound_head(m, pfn);
  if (m.mem.refcount(head) <= 0) {
    bad_page(m, head, 'put_page on a page with refcount 0');
    return;
  }
  if (m.mem.ref_add(head, -1) === 0) __free_pages_ok(m, head, m.mem.test_plain(head, PG_head) ? m.mem.extra(head) : 0); // ours alone now
}

/** Report a bad page state, as the kernel's bad_page does, and taint. */
export function bad_page(m: Machine, pfn: number, reason: string): void {
  m.log.printk(`BUG: Bad page state in process mmu-lab  pfn:${pfn.toString(16)}`);
  m.log.printk(`page:pfn ${pfn} count:${m.mem.refcount(pfn)} mapcount:${page_mapcount(m, pfn)} mapping:${m.mem.mapping(pfn)} index:${m.mem.index(pfn)}`);
  m.log.printk(`page dumped because: ${reason}`);
  m.log.taint |= TAINT_BAD_PAGE;
}

/** Free a block whose head's count reached 0: clear the struct pages, give it to the buddy. */
function __free_pages_ok(m: Machine, head: number, order: number): void {
  for (let i = 0; i < 1 << order; i++) { // the block is ours alone: plain loads and stores
    const p = head + i;
    if (m.mem.mapcount_raw_plain(p) !== -1) bad_page(m, p, 'nonzero mapcount');
    if (m.mem.test_plain(p, PG_reserved)) { bad_page(m, p, 'PAGE_FLAGS_CHECK_AT_FREE flag(s) set'); return; }
    m.mem.reset_for_free(p, i === 0); // the head's count is already 0
  }
  free_block(m, head, order);
  m.charge(m.config.cost_free_page << order);
}

/** While release_pages runs: the machine whose freed blocks wait in `pending` as [pfn, order] pairs. */
let batching: Machine | null = null;
const pending: number[] = [];
let pendingN = 0;

/** Give a block to the allocator, or queue it while release_pages batches for this machine. */
export function free_block(m: Machine, pfn: number, order: number): void {
  if (batching !== m) { m.alloc.free(pfn, order); return; }
  pending[2 * pendingN] = pfn;
  pending[2 * pendingN + 1] = order;
  pendingN++;
}

/**
 * release_pages: free(pfn) for each pfn of each list, in order, where free puts a page (or gives
 * back a page-table page); the blocks freed reach the allocator in the same order, under one
 * hold of the zone lock instead of one per page.
 */
export function release_pages(m: Machine, lists: readonly (readonly number[])[], free: (m: Machine, pfn: number) => void): void {
  if (batching !== null) { for (const l of lists) for (const pfn of l) free(m, pfn); return; } // nested: the outer call batches
  batching = m;
  try {
    for (const l of lists) for (const pfn of l) free(m, pfn);
  } finally {
    batching = null;
    const n = pendingN;
    pendingN = 0;
    if (n > 0) m.alloc.free_batch(pending, n);
  }
}

/**
 * alloc_pages(gfp, order): 2^order contiguous frames, head refcount 1, or null (out of memory or
 * an injected 'page_alloc' failure). __GFP_ZERO zeroes them; __GFP_COMP makes a compound page.
 */
export function alloc_pages(m: Machine, gfp: number, order: number): number | null {
  if (m.shouldFail('page_alloc')) return null;
  return alloc_pages_nofail_inject(m, gfp, order);
}

/**
 * alloc_pages for a caller that overwrites all of the new page before anything can read it (a
 * COW copy): charged exactly as alloc_pages(gfp, 0), but a __GFP_ZERO page is not zeroed on the
 * host first, since the copy replaces every byte.
 */
export function alloc_page_for_copy(m: Machine, gfp: number): number | null {
  if (m.shouldFail('page_alloc')) return null;
  return alloc_pages_nofail_inject(m, gfp, 0, false);
}

/** alloc_pages without consulting fault injection (page tables use their own sites). */
export function alloc_pages_nofail_inject(m: Machine, gfp: number, order: number, zero = true): number | null {
  const pfn = m.alloc.alloc(order);
  if (pfn === null) return null;
  m.charge(m.config.cost_page_alloc + (gfp & __GFP_ZERO ? m.config.cost_clear_page << order : 0));
  m.mem.set_refcount(pfn, 1);
  for (let i = 0; i < 1 << order; i++) {
    if (gfp & __GFP_ZERO && zero) m.phys.clear_page(pfn + i);
    if (order > 0 && gfp & __GFP_COMP) {
      if (i === 0) { m.mem.set(pfn, PG_head); m.mem.set_extra(pfn, order); }
      else { m.mem.set(pfn + i, PG_tail); m.mem.set_extra(pfn + i, pfn + 1); }
    } else if (order > 0) {
      m.mem.set_extra(pfn + i, i === 0 ? order : -(pfn + 1)); // a plain high-order block
    }
  }
  return pfn;
}

/** __free_pages(page, order): drop the caller's reference to a block it allocated. */
export function __free_pages(m: Machine, pfn: number, order: number): void {
  const head = compound_head(m, pfn);
  if (m.mem.refcount(head) <= 0) { bad_page(m, head, '__free_pages on a free page'); return; }
  if (m.mem.ref_add(head, -1) === 0) __free_pages_ok(m, head, order);
}

/** split_page: turn a non-compound order-n block into 2^n independent pages, each with count 1. */
export function split_page(m: Machine, pfn: number, order: number): void {
  BUG_ON(m.log, m.config.debug_vm && m.mem.test(pfn, PG_head), 'split_page', 'VM_BUG_ON_PAGE(PageCompound(page))');
  BUG_ON(m.log, m.config.debug_vm && m.mem.refcount(pfn) === 0, 'split_page', 'VM_BUG_ON_PAGE(!page_count(page))');
  for (let i = 0; i < 1 << order; i++) {
    m.mem.set_extra(pfn + i, 0);
    if (i > 0) m.mem.set_refcount(pfn + i, 1);
  }
}

/** mm_counter_file: SHMEM for swap-backed pages, else FILE. */
export function mm_counter_file(m: Machine, pfn: number): number {
  return m.mem.test(pfn, PG_swapbacked) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/** mm_counter: ANON for anonymous pages, else mm_counter_file. */
export function mm_counter(m: Machine, pfn: number): number {
  return PageAnon(m, pfn) ? MM_ANONPAGES : mm_counter_file(m, pfn);
}

/** get_mm_rss: FILE + ANON + SHMEM. */
export function get_mm_rss(mm: mm_struct): number {
  return mm.get_counter(MM_FILEPAGES) + mm.get_counter(MM_ANONPAGES) + mm.get_counter(MM_SHMEMPAGES);
}

/** update_hiwater_rss: hiwater_rss = max(hiwater_rss, rss). */
export function update_hiwater_rss(mm: mm_struct): void {
  const rss = get_mm_rss(mm);
  if (mm.hiwater_rss < rss) mm.hiwater_rss = rss;
}

/** update_hiwater_vm. */
export function update_hiwater_vm(mm: mm_struct): void {
  if (mm.hiwater_vm < mm.total_vm) mm.hiwater_vm = mm.total_vm;
}

/** is_zero_pfn. */
export const is_zero_pfn = (m: Machine, pfn: number): boolean => pfn === m.zero_pfn;

/**
 * vm_normal_page (x86, __HAVE_ARCH_PTE_SPECIAL): the struct page behind a present pte, or null
 * for special mappings (pfn maps, the zero page) and bad entries.
 */
export function vm_normal_page(vma: vm_area_struct, addr: number, pte: pte_t): number | null {
  const m = vma.m;
  const pfn = pte_pfn(pte);
  if (pte_special(pte)) {
    const fsp = vma.vm_ops?.find_special_page;
    if (fsp) {
      const r = fsp(vma, addr) as { pfn?: number } | null | undefined;
      return r && typeof r.pfn === 'number' ? r.pfn : null;
    }
    if (vma.vm_flags & (VM_PFNMAP | VM_MIXEDMAP)) return null;
    if (!is_zero_pfn(m, pfn)) print_bad_pte(vma, addr, pte, null);
    return null;
  }
  if (pfn > m.highest_memmap_pfn) {
    print_bad_pte(vma, addr, pte, null);
    return null;
  }
  return pfn;
}

/** print_bad_pte: log "BUG: Bad page map", taint with TAINT_BAD_PAGE, and carry on. */
export function print_bad_pte(vma: vm_area_struct, addr: number, pte: pte_t, page: number | null): void {
  const m = vma.m;
  m.log.printk(`BUG: Bad page map in process mmu-lab  pte:${pte_val(pte).toString(16).padStart(16, '0')} pmd:(sim)`);
  if (page !== null) m.log.printk(`page:pfn ${page} count:${m.mem.refcount(page)} mapcount:${page_mapcount(m, page)}`);
  m.log.printk(`addr:${addr.toString(16)} vm_flags:${vma.vm_flags.toString(16).padStart(8, '0')} anon_vma:${vma.anon_vma ? vma.anon_vma.id : 0} mapping:${vma.vm_file ? vma.vm_file.name : '(null)'} index:${Math.floor((addr - vma.vm_start) / 4096) + vma.vm_pgoff}`);
  m.log.taint |= TAINT_BAD_PAGE;
}

/** set_page_dirty: mark dirty; for a mapping that accounts dirty pages this is where it would. */
export function set_page_dirty(m: Machine, pfn: number): boolean {
  return !m.mem.test_and_set(pfn, PG_dirty);
}

/** mark_page_accessed: inactive,unreferenced -> referenced; inactive,referenced -> active. */
export function mark_page_accessed(m: Machine, pfn: number): void {
  if (!m.mem.test(pfn, PG_active) && !m.mem.test(pfn, PG_unevictable_bit) && m.mem.test(pfn, PG_referenced)) {
    m.mem.set(pfn, PG_active);
    m.mem.clear(pfn, PG_referenced);
  } else if (!m.mem.test(pfn, PG_referenced)) {
    m.mem.set(pfn, PG_referenced);
  }
}
const PG_unevictable_bit = 19;

/** lru_cache_add: the page is on an LRU list (the pagevec is treated as already drained). */
export function lru_cache_add(m: Machine, pfn: number): void {
  m.mem.set(pfn, PG_lru);
}

/** Flags a script can read by name. */
export const NAMED_FLAGS: Record<string, number> = {
  locked: PG_locked, referenced: PG_referenced, uptodate: PG_uptodate, dirty: PG_dirty, lru: PG_lru,
  active: PG_active, reserved: PG_reserved, swapcache: PG_swapcache, swapbacked: PG_swapbacked,
  mlocked: PG_mlocked, head: PG_head, table: PG_table,
};
