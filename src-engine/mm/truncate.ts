// mm/truncate.c: truncate_pagecache and truncate_inode_pages.
import type { file, address_space } from './mm_types';
import { unmap_mapping_range } from './memory';
import { delete_from_page_cache, size_pages } from './filemap';
import { page_mapcount } from './mm';
import { PAGE_SIZE } from '../arch/x86/pgtable_types';
import { PG_locked } from './page';

/**
 * truncate_inode_pages: drop cached pages from byte lstart on, unmapping any still mapped
 * (even_cows=0 for that page), and zero the tail of a partial last page.
 */
export function truncate_inode_pages(mapping: address_space, lstart: number, oldsize: number): void {
  const m = mapping.m;
  const first = size_pages(lstart);
  const partial = lstart % PAGE_SIZE;
  if (partial) {
    const pfn = m.pagecache.lookup(mapping.id, Math.floor(lstart / PAGE_SIZE));
    if (pfn >= 0) m.phys.ram.fill(0, pfn * PAGE_SIZE + partial, (pfn + 1) * PAGE_SIZE);
  }
  const last = size_pages(oldsize) + 1;
  for (let index = first; index <= last; index++) {
    const pfn = m.pagecache.lookup(mapping.id, index);
    if (pfn < 0) continue;
    m.mem.set(pfn, PG_locked);
    if (page_mapcount(m, pfn) > 0) unmap_mapping_range(mapping, index * PAGE_SIZE, PAGE_SIZE, 0);
    m.mem.clear(pfn, PG_locked);
    delete_from_page_cache(m, mapping, pfn);
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
