// mm/truncate.c: truncate_pagecache and truncate_inode_pages.
import type { file, address_space } from './mm_types';
import type { Machine } from '../machine';
import { unmap_mapping_range } from './memory';
import { delete_from_page_cache, size_pages, find_get_page, find_lock_page, trylock_page, lock_page, unlock_page } from './filemap';
import { page_mapcount, put_page } from './mm';
import { PAGE_SIZE } from '../arch/x86/pgtable_types';

/**
 * truncate_inode_page: drop one locked page from the cache, unmapping it first if still mapped
 * (even_cows=0 for that page). A page a racing truncate already took out is left alone.
 */
function truncate_inode_page(m: Machine, mapping: address_space, pfn: number, index: number): void {
  if (m.mem.mapping(pfn) !== mapping.mapping_word) return;
  if (page_mapcount(m, pfn) > 0) unmap_mapping_range(mapping, index * PAGE_SIZE, PAGE_SIZE, 0);
  delete_from_page_cache(m, mapping, pfn);
}

/**
 * truncate_inode_pages: drop cached pages from byte lstart on and zero the tail of a partial
 * last page. As in 4.7, a first pass takes only the pages whose lock is free (trylock_page), the
 * partial page is zeroed under its lock, and a second pass waits for each remaining page's
 * lock (lock_page), so a fault holding a page finishes mapping it before it is unmapped.
 */
export function truncate_inode_pages(mapping: address_space, lstart: number, oldsize: number): void {
  const m = mapping.m;
  const first = size_pages(lstart);
  // Every index a page was ever cached at: a fault that lost a race may leave one past an old EOF.
  const last = Math.max(size_pages(oldsize) + 1, m.pagecache.highWater(mapping.id));
  for (let index = first; index <= last; index++) {
    const pfn = find_get_page(mapping, index);
    if (pfn === null) continue;
    if (trylock_page(m, pfn)) { truncate_inode_page(m, mapping, pfn, index); unlock_page(m, pfn); }
    put_page(m, pfn);
  }
  const partial = lstart % PAGE_SIZE;
  if (partial) {
    const pfn = find_lock_page(mapping, Math.floor(lstart / PAGE_SIZE));
    if (pfn !== null) {
      m.phys.ram.fill(0, pfn * PAGE_SIZE + partial, (pfn + 1) * PAGE_SIZE);
      unlock_page(m, pfn);
      put_page(m, pfn);
    }
  }
  for (let index = first; index <= last; index++) {
    const pfn = find_get_page(mapping, index);
    if (pfn === null) continue;
    lock_page(m, pfn);
    truncate_inode_page(m, mapping, pfn, index);
    unlock_page(m, pfn);
    put_page(m, pfn);
  }
}

/** truncate_pagecache: unmap (even COWs), drop the pages, unmap again (catching racing COWs). */
export function truncate_pagecache(f: file, oldsize: number, newsize: number): void {
  const mapping = f.f_mapping;
  const holebegin = size_pages(newsize) * PAGE_SIZE;
  unmap_mapping_range(mapping, holebegin, 0, 1);
  truncate_inode_pages(mapping, newsize, oldsize);
  unmap_mapping_range(mapping, holebegin, 0, 1);
}

/** ftruncate (truncate_setsize + truncate_pagecache): set the size; shrinking drops pages. */
export function do_truncate(f: file, length: number): number {
  const old = f.f_inode.i_size;
  f.f_inode.i_size = length;
  if (length < old) truncate_pagecache(f, old, length);
  f.f_inode.mtime = f.m.cycles;
  return 0;
}
