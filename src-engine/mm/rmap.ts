// Reverse mapping (mm/rmap.c): mapcounts, anon_vma identity of anonymous pages, and the
// anon_vma chains that let an anonymous page find every vma that may map it.
import type { Machine } from '../machine';
import type { anon_vma, vm_area_struct } from './mm_types';
import { linear_page_index } from './mm_types';
import { BUG_ON } from '../kernel/bug';
import { PG_swapbacked, PG_mlocked, PG_locked, PAGE_MAPPING_ANON } from './page';
import { PageAnon } from './mm';

/** page_add_file_rmap: one more mapping of a file (or driver) page. */
export function page_add_file_rmap(m: Machine, pfn: number): void {
  m.charge(m.config.cost_file_rmap);
  m.mem.mapcount_add(pfn, 1);
}

/** page_dup_rmap: one more mapping (fork). */
export function page_dup_rmap(m: Machine, pfn: number): void {
  m.mem.mapcount_add(pfn, 1);
}

/** page_remove_rmap: one mapping fewer; page->mapping stays. Returns the new raw _mapcount. */
export function page_remove_rmap(m: Machine, pfn: number): number {
  const raw = m.mem.mapcount_add(pfn, -1);
  if (raw < 0) m.mem.clear(pfn, PG_mlocked);
  return raw;
}

/**
 * __page_set_anon_rmap: point an anonymous page at vma's anon_vma (BUG without one): its own
 * for an exclusive (new) page, the root of its chain otherwise, so every sharer can find it.
 */
function __page_set_anon_rmap(m: Machine, pfn: number, vma: vm_area_struct, addr: number, exclusive: boolean): void {
  let av = vma.anon_vma;
  BUG_ON(m.log, !av, '__page_set_anon_rmap', 'BUG_ON(!anon_vma)');
  if (PageAnon(m, pfn)) return;
  if (!exclusive) av = av!.root ?? av;
  m.mem.set_mapping(pfn, av!.id * 2 + PAGE_MAPPING_ANON);
  m.mem.set_index(pfn, linear_page_index(vma, addr));
}

/** page_add_new_anon_rmap: a freshly allocated anonymous page gets its first (only) mapping. */
export function page_add_new_anon_rmap(m: Machine, pfn: number, vma: vm_area_struct, addr: number): void {
  BUG_ON(m.log, m.config.debug_vm && (addr < vma.vm_start || addr >= vma.vm_end), 'page_add_new_anon_rmap',
    'VM_BUG_ON_VMA(address < vma->vm_start || address >= vma->vm_end, vma)');
  m.charge(m.config.cost_anon_rmap);
  m.mem.__set(pfn, PG_swapbacked); // __SetPageSwapBacked: the page is new, not yet visible to others
  m.mem.set_mapcount_raw(pfn, 0);
  __page_set_anon_rmap(m, pfn, vma, addr, true);
}

/** do_page_add_anon_rmap: one more mapping of an anonymous (swap-cache) page. */
export function page_add_anon_rmap(m: Machine, pfn: number, vma: vm_area_struct, addr: number, exclusive = false): void {
  const first = m.mem.mapcount_add(pfn, 1) === 0;
  if (first) __page_set_anon_rmap(m, pfn, vma, addr, exclusive);
}

/** page_move_anon_rmap: make an exclusively mapped anonymous page belong to vma's anon_vma. */
export function page_move_anon_rmap(m: Machine, pfn: number, vma: vm_area_struct): void {
  BUG_ON(m.log, m.config.debug_vm && !m.mem.test(pfn, PG_locked), 'page_move_anon_rmap', 'VM_BUG_ON_PAGE(!PageLocked(page))');
  BUG_ON(m.log, m.config.debug_vm && !vma.anon_vma, 'page_move_anon_rmap', 'VM_BUG_ON_VMA(!anon_vma, vma)');
  m.mem.set_mapping(pfn, vma.anon_vma!.id * 2 + PAGE_MAPPING_ANON);
}

/** Link vma into an anon_vma's chain (shared slab). */
function anon_vma_chain_link(vma: vm_area_struct, av: anon_vma): void {
  vma.m.avSlab.link(av.id, vma.slot, vma.avcHead, (h) => { vma.avcHead = h; });
}

/**
 * anon_vma_prepare: give vma an anon_vma if it has none (under mm->page_table_lock, re-checked
 * there, as two CPUs may fault in the same vma at once). False on allocation failure.
 */
export function anon_vma_prepare(vma: vm_area_struct): boolean {
  if (vma.anon_vma) return true;
  const mm = vma.vm_mm;
  mm.page_table_lock.lock();
  try {
    if (vma.anon_vma) return true;
    const av = vma.m.newAnonVma(null);
    anon_vma_chain_link(vma, av);
    vma.m.avSlab.addDegree(av.id, 1);
    vma._setAnon(av);
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  } finally {
    mm.page_table_lock.unlock();
  }
}

/** anon_vma_clone: dst joins every anon_vma src is chained to (vma split or fork). */
export function anon_vma_clone(dst: vm_area_struct, src: vm_area_struct): void {
  for (const av of src.anon_vma_chain) anon_vma_chain_link(dst, av);
  if (!dst.anon_vma && src.anon_vma) dst._setAnon(src.anon_vma);
}

/** anon_vma_fork: the child's vma shares the parent's chain and gets its own anon_vma. */
export function anon_vma_fork(child: vm_area_struct, parent: vm_area_struct): void {
  if (!parent.anon_vma) return;
  child._setAnon(null);
  anon_vma_clone(child, parent);
  const av = child.m.newAnonVma(parent.anon_vma);
  anon_vma_chain_link(child, av);
  child._setAnon(av);
}

/** unlink_anon_vmas: take vma off every chain (empty anon_vmas stay: pages may still point at them). */
export function unlink_anon_vmas(vma: vm_area_struct): void {
  vma.avcHead = vma.m.avSlab.unlinkVma(vma.avcHead);
}

/** Every vma that may map anonymous page pfn (rmap_walk_anon over its anon_vma). */
export function rmap_anon_vmas(m: Machine, pfn: number): vm_area_struct[] {
  const mapping = m.mem.mapping(pfn);
  if (!(mapping & PAGE_MAPPING_ANON)) return [];
  const id = (mapping - 1) / 2;
  return id > 0 && id <= m.avSlab.lastId ? [...m.anonVma(id).vmas] : [];
}
