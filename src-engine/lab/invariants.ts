// check_invariants: cross-checks of the whole machine's state, each a plain sentence on failure.
// rss counters against ptes, mapcounts against mappings, refcounts against owners, page-table
// accounting and reachability, swap counts, the page cache, the vma lists and the allocator.
import type { Machine } from '../machine';
import type { mm_struct, vm_area_struct } from '../mm/mm_types';
import { read_entry, entry_none, entry_bad } from '../mm/pgtable';
import { pte_t, pte_present, pte_pfn, pte_special, PAGE_SIZE, PGDIR_SIZE, PUD_SIZE, PMD_SIZE, PTRS_PER_TABLE } from '../arch/x86/pgtable_types';
import { find_vma } from '../mm/mmap';
import { vm_normal_page, mm_counter, page_mapcount, PageAnon } from '../mm/mm';
import { PG_buddy, PG_table, PG_swapcache, PAGE_MAPPING_ANON } from '../mm/page';
import { pte_to_swp_entry } from '../mm/swapfile';
import { MM_SWAPENTS, NR_MM_COUNTERS } from '../include/mm_flags';

interface Walk { tables: Map<number, string>; ptes: { mm: mm_struct; addr: number; pte: pte_t }[]; nr_ptes: number; nr_pmds: number }

/** Visit every table and non-none leaf pte of mm. */
function walk_mm(m: Machine, mm: mm_struct, errs: string[]): Walk {
  const w: Walk = { tables: new Map(), ptes: [], nr_ptes: 0, nr_pmds: 0 };
  const level = (pfn: number, base: number, size: number, depth: number): void => {
    for (let i = 0; i < PTRS_PER_TABLE; i++) {
      const e = read_entry(m, pfn * PAGE_SIZE + i * 8);
      if (entry_none(e)) continue;
      const addr = base + i * size;
      if (depth === 3) { w.ptes.push({ mm, addr, pte: e }); continue; }
      if (entry_bad(e)) { errs.push(`${mm}: bad upper-level entry at 0x${addr.toString(16)} (depth ${depth})`); continue; }
      const child = pte_pfn(e);
      if (w.tables.has(child)) errs.push(`${mm}: page-table page ${child} linked twice`);
      w.tables.set(child, `${mm}`);
      if (depth === 1) w.nr_pmds++;
      if (depth === 2) w.nr_ptes++;
      level(child, addr, depth === 0 ? PUD_SIZE : depth === 1 ? PMD_SIZE : PAGE_SIZE, depth + 1);
    }
  };
  w.tables.set(mm.pgd, `${mm}`);
  level(mm.pgd, 0, PGDIR_SIZE, 0);
  return w;
}

/** Sorted, non-overlapping vmas; map_count and total_vm agree with them; i_mmap holds file vmas. */
function check_vmas(mm: mm_struct, errs: string[]): void {
  let prevEnd = 0, pages = 0;
  for (const v of mm.mmap) {
    if (v.vm_start >= v.vm_end || v.vm_start < prevEnd) errs.push(`${mm}: ${v} overlaps or is out of order`);
    if (v.vm_start % PAGE_SIZE || v.vm_end % PAGE_SIZE) errs.push(`${mm}: ${v} is not page aligned`);
    if (v.freed) errs.push(`${mm}: ${v} is on the list but was freed`);
    if (v.vm_file && !v.vm_file.f_mapping.i_mmap.includes(v)) errs.push(`${mm}: file ${v} missing from its i_mmap`);
    prevEnd = v.vm_end;
    pages += (v.vm_end - v.vm_start) / PAGE_SIZE;
  }
  let slot = mm.vma_head_slot;
  for (const v of mm.mmap) {
    if (slot !== v.slot) { errs.push(`${mm}: the shared vma list disagrees with the vma list at ${v}`); break; }
    slot = v.slab_links.next;
  }
  if (mm.map_count !== mm.mmap.length) errs.push(`${mm}: map_count ${mm.map_count} but ${mm.mmap.length} vmas`);
  if (mm.total_vm !== pages) errs.push(`${mm}: total_vm ${mm.total_vm} but vmas cover ${pages} pages`);
}

/** Account one mm's ptes: rss per counter, mappings per page, swap references. */
function check_ptes(m: Machine, mm: mm_struct, w: Walk, mapped: Map<number, number>, swaprefs: Map<number, number>, errs: string[]): void {
  const rss = [0, 0, 0, 0];
  for (const { addr, pte } of w.ptes) {
    const vma = find_vma(mm, addr);
    const inside = vma && vma.vm_start <= addr;
    if (!pte_present(pte)) {
      const e = pte_to_swp_entry(pte);
      rss[MM_SWAPENTS]!++;
      swaprefs.set(e.offset, (swaprefs.get(e.offset) ?? 0) + 1);
      if (!m.swap || !m.swap.count(e.offset)) errs.push(`${mm}: swap pte at 0x${addr.toString(16)} names free slot ${e.offset}`);
      continue;
    }
    const pfn = pte_pfn(pte);
    if (m.phys.pfn_valid(pfn) && m.mem.test(pfn, PG_buddy)) errs.push(`${mm}: pte at 0x${addr.toString(16)} maps free page ${pfn}`);
    if (!inside) { if (!pte_special(pte)) errs.push(`${mm}: pte at 0x${addr.toString(16)} lies outside every vma`); continue; }
    const page = vm_normal_page(vma as vm_area_struct, addr, pte);
    if (page === null) continue;
    rss[mm_counter(m, page)]!++;
    mapped.set(page, (mapped.get(page) ?? 0) + 1);
    if (PageAnon(m, page)) {
      const avId = (m.mem.mapping(page) - PAGE_MAPPING_ANON) / 2;
      if (!vma!.anon_vma_chain.some((av) => av.id === avId)) errs.push(`${mm}: anon page ${page} at 0x${addr.toString(16)} is not reachable through its vma's anon_vma chain`);
    }
  }
  for (let i = 0; i < NR_MM_COUNTERS; i++) {
    if (rss[i] !== mm.get_counter(i)) errs.push(`${mm}: rss counter ${i} is ${mm.get_counter(i)} but ptes count ${rss[i]}`);
  }
  if (w.nr_ptes !== mm.nr_ptes) errs.push(`${mm}: nr_ptes ${mm.nr_ptes} but ${w.nr_ptes} pte tables`);
  if (w.nr_pmds !== mm.nr_pmds) errs.push(`${mm}: nr_pmds ${mm.nr_pmds} but ${w.nr_pmds} pmd tables`);
}

/** Every struct page: mapcount equals the mappings found, refcount covers its owners, tables are owned. */
function check_pages(m: Machine, mapped: Map<number, number>, tables: Map<number, string>, errs: string[]): void {
  const cached = new Map<number, number>();
  for (const e of m.pagecache.entries()) {
    cached.set(e.pfn, (cached.get(e.pfn) ?? 0) + 1);
    if (m.mem.mapping(e.pfn) !== (e.mapping + 1) * 2) errs.push(`page cache: pfn ${e.pfn} at index ${e.index} has the wrong mapping`);
    if (m.mem.index(e.pfn) !== e.index) errs.push(`page cache: pfn ${e.pfn} at index ${e.index} has index ${m.mem.index(e.pfn)}`);
  }
  for (let pfn = 0; pfn < m.nr_ram_pages; pfn++) {
    const mc = page_mapcount(m, pfn), want = mapped.get(pfn) ?? 0;
    if (mc !== want) errs.push(`page ${pfn}: mapcount ${mc} but ${want} ptes map it`);
    const owners = mc + (cached.get(pfn) ?? 0) + (m.mem.test(pfn, PG_swapcache) ? 1 : 0);
    if (m.mem.refcount(pfn) < owners) errs.push(`page ${pfn}: refcount ${m.mem.refcount(pfn)} below its ${owners} owners (mappings + caches)`);
    if (m.mem.test(pfn, PG_table) && !tables.has(pfn)) errs.push(`page ${pfn}: page-table page owned by no live mm (leaked)`);
  }
}

/** Swap slots: each count equals the swap ptes naming it plus the swap cache's reference. */
function check_swap(m: Machine, swaprefs: Map<number, number>, errs: string[]): void {
  const sw = m.swap;
  if (!sw) return;
  for (let s = 1; s < sw.nr_slots; s++) {
    const want = (swaprefs.get(s) ?? 0) + (sw.cache.has(s) ? 1 : 0);
    if (sw.count(s) !== want) errs.push(`swap slot ${s}: count ${sw.count(s)} but ${want} references`);
  }
}

/** All invariant violations of the machine; [] when consistent. */
export function check_invariants(m: Machine): string[] {
  const errs: string[] = [];
  const mapped = new Map<number, number>();
  const swaprefs = new Map<number, number>();
  const tables = new Map<number, string>();
  for (const mm of m.mms.values()) {
    if (mm.dead) continue;
    check_vmas(mm, errs);
    const w = walk_mm(m, mm, errs);
    for (const [k, v] of w.tables) tables.set(k, v);
    check_ptes(m, mm, w, mapped, swaprefs, errs);
    if (mm.mmap_sem.state !== 0) errs.push(`${mm}: mmap_sem is still held (${mm.mmap_sem.state > 0 ? `${mm.mmap_sem.state} readers` : 'writer'})`);
  }
  check_pages(m, mapped, tables, errs);
  check_swap(m, swaprefs, errs);
  errs.push(...m.alloc.check());
  errs.push(...m.staleTlb);
  return errs;
}
