// Swap entries' life cycle (mm/swap_state.c, mm/swapfile.c, mm/vmscan.c reduced): pushing an
// anonymous page out through its reverse mappings, duplicating and freeing entries, swap-in.
import type { Machine } from '../machine';
import type { SwapEntry } from './swapfile';
import { swp_entry_to_pte } from './swapfile';
import { PG_swapcache, PG_swapbacked, PG_dirty, PG_locked, PG_writeback } from './page';
import { alloc_pages, put_page, page_mapcount, PageAnon, get_page } from './mm';
import { page_remove_rmap, rmap_anon_vmas } from './rmap';
import { read_entry } from './pgtable';
import { walk_pte } from './pgtable';
import { pte_present, pte_pfn, PAGE_SIZE } from '../arch/x86/pgtable_types';
import { flush_tlb_page } from '../arch/x86/mm/tlb';
import { mmu_notifier_invalidate_range } from './mmu_notifier';
import { GFP_HIGHUSER_MOVABLE } from './page_alloc';
import { MM_ANONPAGES, MM_SWAPENTS, EINVAL, EBUSY, ENOSPC } from '../include/mm_flags';

/** swap_duplicate: one more pte refers to the entry. */
export function swap_duplicate(m: Machine, e: SwapEntry): void {
  m.swap?.dup(e.offset);
}

/** Remove a page from the swap cache (delete_from_swap_cache): drops the cache's reference. */
function delete_from_swap_cache(m: Machine, pfn: number): void {
  const off = m.mem.private_(pfn);
  m.swap!.cache.delete(off);
  m.swap!.put(off);
  m.mem.clear(pfn, PG_swapcache);
  m.mem.set_private(pfn, 0);
  put_page(m, pfn);
}

/** free_swap_and_cache: drop a pte's reference to an entry; 0 if the entry is not valid. */
export function free_swap_and_cache(m: Machine, e: SwapEntry): number {
  const sw = m.swap;
  if (!sw || e.type !== 0 || e.offset <= 0 || e.offset >= sw.nr_slots || sw.count(e.offset) <= 0) return 0;
  const left = sw.put(e.offset);
  const cached = sw.cache.get(e.offset);
  if (left === 1 && cached !== undefined && page_mapcount(m, cached) === 0 && !m.mem.test(cached, PG_locked)) {
    delete_from_swap_cache(m, cached); // only the cache still held it
  }
  return 1;
}

/** The machine-level swap_free used by do_swap_page: drop one pte reference; free cache if unused. */
export function swap_free_entry(m: Machine, offset: number): void {
  free_swap_and_cache(m, { type: 0, offset });
}

/** reuse_swap_page: mapcount (+ swap count if in the swap cache) <= 1; takes it out of the cache. */
export function reuse_swap_page(m: Machine, pfn: number): boolean {
  let count = page_mapcount(m, pfn);
  if (count <= 1 && m.mem.test(pfn, PG_swapcache)) {
    const off = m.mem.private_(pfn);
    count += m.swap!.count(off) - 1; // the cache's own reference is not a mapping
    if (count === 1 && !m.mem.test(pfn, PG_writeback)) {
      delete_from_swap_cache(m, pfn);
      m.mem.set(pfn, PG_dirty);
    }
  }
  return count <= 1;
}

/**
 * swap_in_page: the page for a swap slot: from the swap cache (with a reference) or read into a
 * new page that joins the cache. null when no page can be allocated.
 */
export function swap_in_page(m: Machine, offset: number): { pfn: number; major: boolean } | null {
  const sw = m.swap!;
  const cached = sw.cache.get(offset);
  if (cached !== undefined) { get_page(m, cached); return { pfn: cached, major: false }; }
  const pfn = alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
  if (pfn === null) return null;
  m.phys.ram.set(sw.slot(offset), pfn * PAGE_SIZE);
  get_page(m, pfn); // the swap cache's reference
  sw.dup(offset);
  sw.cache.set(offset, pfn);
  m.mem.set(pfn, PG_swapcache);
  m.mem.set(pfn, PG_swapbacked);
  m.mem.set_private(pfn, offset);
  return { pfn, major: true };
}

/**
 * swap_out_page: reclaim an anonymous page: give it a swap slot (or reuse the one it has in the
 * swap cache), write it out, replace every pte mapping it (found through rmap) with the swap
 * entry, and free it. 0, -EINVAL (not anonymous), -EBUSY (pinned by extra references, or a
 * mapping rmap cannot reach) or -ENOSPC (swap full).
 */
export function swap_out_page(m: Machine, pfn: number): number {
  const sw = m.swap;
  if (!sw || !PageAnon(m, pfn)) return -EINVAL;
  const cached = m.mem.test(pfn, PG_swapcache);
  if (m.mem.refcount(pfn) > page_mapcount(m, pfn) + (cached ? 1 : 0)) return -EBUSY;
  const offset = cached ? m.mem.private_(pfn) : sw.get_swap_page();
  if (!offset) return -ENOSPC;
  if (!cached) { // add_to_swap: the slot's first reference is the swap cache's
    get_page(m, pfn);
    sw.cache.set(offset, pfn);
    m.mem.set(pfn, PG_swapcache);
    m.mem.set_private(pfn, offset);
  }
  sw.slot(offset).set(m.phys.ram.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE)); // pageout
  for (const vma of rmap_anon_vmas(m, pfn)) {
    const addr = vma.vm_start + (m.mem.index(pfn) - vma.vm_pgoff) * PAGE_SIZE;
    if (addr < vma.vm_start || addr >= vma.vm_end) continue;
    const ptep = walk_pte(vma.vm_mm, addr);
    if (ptep < 0) continue;
    const pte = read_entry(m, ptep);
    if (!pte_present(pte) || pte_pfn(pte) !== pfn) continue;
    m.phys.write_entry(ptep, swp_entry_to_pte({ type: 0, offset }));
    flush_tlb_page(m, vma.vm_mm, addr);
    mmu_notifier_invalidate_range(vma.vm_mm, addr, addr + PAGE_SIZE);
    sw.dup(offset);
    vma.vm_mm.add_counter(MM_ANONPAGES, -1);
    vma.vm_mm.add_counter(MM_SWAPENTS, 1);
    page_remove_rmap(m, pfn);
    put_page(m, pfn);
  }
  if (page_mapcount(m, pfn) > 0) return -EBUSY; // a mapping rmap could not reach: it stays cached
  delete_from_swap_cache(m, pfn); // __remove_mapping: the page is freed, the slot keeps the ptes' references
  return 0;
}
