// Page-table levels as the kernel allocates and walks them (mm/memory.c: __pud_alloc,
// __pmd_alloc, __pte_alloc, get_locked_pte, free_pgd_range). Tables live in RAM frames with the
// real x86-64 layout; an entry is addressed by its physical byte address ("ptep").
import type { Machine } from '../machine';
import type { mm_struct } from './mm_types';
import { PG_table } from './page';
import { alloc_pages_nofail_inject, free_block } from './mm';
import { __GFP_ZERO, GFP_KERNEL } from './page_alloc';
import { PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT, PGDIR_SIZE, PUD_SIZE, PMD_SIZE,
  pte_t, pte_pfn, table_entry, table_index, _PAGE_PRESENT, _PAGE_PSE, pfn_of_halves } from '../arch/x86/pgtable_types';
import { SpinLock, LOCK_PTL } from '../kernel/locking';
import { MMF } from './mm_types';

/** Physical address of entry `idx` of the table in frame `pfn`. */
export const entry_pa = (pfn: number, idx: number): number => pfn * 4096 + idx * 8;

/** Read an entry. */
export const read_entry = (m: Machine, pa: number): pte_t => m.phys.read_entry(pa);

/** pte_pfn of the entry whose halves are lo and hi (no pte_t kept). */
export const entry_pfn = (lo: number, hi: number): number => pfn_of_halves(lo, hi);

/** pte_none of the entry at `pa`, read without making a pte_t. */
export const pte_none_at = (m: Machine, pa: number): boolean => m.phys.entry_lo(pa) === 0 && m.phys.entry_hi(pa) === 0;

/** The frame of the table an upper-level entry at `pa` points at (read as read_entry reads it). */
export const entry_table = (m: Machine, pa: number): number => entry_pfn(m.phys.entry_lo(pa), m.phys.entry_hi(pa));

/** An upper-level entry is none. */
export const entry_none = (e: pte_t): boolean => e.lo === 0 && e.hi === 0;
/** An upper-level entry is bad: present bit missing or a huge mapping where a table belongs. */
export const entry_bad = (e: pte_t): boolean => !entry_none(e) && ((e.lo & _PAGE_PRESENT) === 0 || (e.lo & _PAGE_PSE) !== 0);
/** pmd_trans_huge: a 2 MiB leaf (never created here: no THP). */
export const pmd_huge = (e: pte_t): boolean => (e.lo & (_PAGE_PRESENT | _PAGE_PSE)) === (_PAGE_PRESENT | _PAGE_PSE);

export const pgd_offset = (mm: mm_struct, addr: number): number => entry_pa(mm.pgd, table_index(addr, PGDIR_SHIFT));
export const pud_offset = (pgd: pte_t, addr: number): number => entry_pa(pte_pfn(pgd), table_index(addr, PUD_SHIFT));
export const pmd_offset = (pud: pte_t, addr: number): number => entry_pa(pte_pfn(pud), table_index(addr, PMD_SHIFT));
export const pte_offset = (pmd: pte_t, addr: number): number => entry_pa(pte_pfn(pmd), table_index(addr, PAGE_SHIFT));

/** pgd_addr_end and friends: the end of the entry covering addr, clipped to end. */
export function level_addr_end(addr: number, end: number, size: number): number {
  const boundary = (Math.floor(addr / size) + 1) * size;
  return boundary < end ? boundary : end;
}
export const pgd_addr_end = (a: number, e: number): number => level_addr_end(a, e, PGDIR_SIZE);
export const pud_addr_end = (a: number, e: number): number => level_addr_end(a, e, PUD_SIZE);
export const pmd_addr_end = (a: number, e: number): number => level_addr_end(a, e, PMD_SIZE);

/** A zeroed page-table page; null on failure or an injected failure at `site`. */
function alloc_table(m: Machine, site: 'pud_alloc' | 'pmd_alloc' | 'pte_alloc' | null): number | null {
  if (site && m.shouldFail(site)) return null;
  const pfn = alloc_pages_nofail_inject(m, GFP_KERNEL | __GFP_ZERO, 0);
  if (pfn === null) return null;
  m.mem.set(pfn, PG_table);
  return pfn;
}

/** Allocate the pgd of a new mm (pgd_alloc); false when out of memory. */
export function pgd_alloc(mm: mm_struct): boolean {
  const pfn = alloc_table(mm.m, null);
  if (pfn === null) return false;
  mm.pgd = pfn;
  return true;
}

/** Populate a none upper-level entry at `pa` with a new table, under page_table_lock. */
function populate(mm: mm_struct, pa: number, site: 'pud_alloc' | 'pmd_alloc' | 'pte_alloc'): boolean {
  const m = mm.m;
  const pfn = alloc_table(m, site);
  if (pfn === null) return false;
  mm.page_table_lock.lock();
  try {
    if (!entry_none(read_entry(m, pa))) { // another thread populated it first
      free_table_page(m, pfn);
      return true;
    }
    m.phys.write_entry(pa, table_entry(pfn));
    if (site === 'pte_alloc') mm.add(MMF.NR_PTES, 1);
    if (site === 'pmd_alloc') mm.add(MMF.NR_PMDS, 1);
    return true;
  } finally {
    mm.page_table_lock.unlock();
  }
}

/** Give a page-table page straight back to the allocator (it was never visible). */
export function free_table_page(m: Machine, pfn: number): void {
  m.mem.clear(pfn, PG_table);
  m.mem.set_refcount(pfn, 0);
  free_block(m, pfn, 0);
}

/** The table under the upper-level entry at `pa`, populating a none entry first; -1 on failure. */
function table_alloc(mm: mm_struct, pa: number, site: 'pud_alloc' | 'pmd_alloc'): number {
  const phys = mm.m.phys;
  const lo = phys.entry_lo(pa), hi = phys.entry_hi(pa);
  if (lo === 0 && hi === 0) return populate(mm, pa, site) ? entry_table(mm.m, pa) : -1;
  return entry_pfn(lo, hi);
}

/** pud_alloc: the pud entry for addr, allocating the pud table; -1 on failure. */
export function pud_alloc(mm: mm_struct, addr: number): number {
  const pud = table_alloc(mm, pgd_offset(mm, addr), 'pud_alloc');
  return pud < 0 ? -1 : entry_pa(pud, table_index(addr, PUD_SHIFT));
}

/** pmd_alloc: the pmd entry for addr under pud entry `pudp`; -1 on failure. */
export function pmd_alloc(mm: mm_struct, pudp: number, addr: number): number {
  const pmd = table_alloc(mm, pudp, 'pmd_alloc');
  return pmd < 0 ? -1 : entry_pa(pmd, table_index(addr, PMD_SHIFT));
}

/** pte_alloc: make sure the pmd entry `pmdp` has a pte table; false on failure (-ENOMEM). */
export function pte_alloc(mm: mm_struct, pmdp: number): boolean {
  const phys = mm.m.phys;
  if (phys.entry_lo(pmdp) !== 0 || phys.entry_hi(pmdp) !== 0) return true;
  return populate(mm, pmdp, 'pte_alloc');
}

/** The last split ptl handed out: a SpinLock is immutable, so one per table can be reused. */
let lastPtl: SpinLock | null = null;

/** The split page-table lock of the pte table in frame `pfn` (the same object while it repeats). */
export function ptl_of_table(m: Machine, pfn: number): SpinLock {
  const words = m.mem.w, index = m.mem.private_word(pfn), l = lastPtl;
  if (l !== null && l.index === index && l.words === words) return l; // the same words: the same machine
  return (lastPtl = new SpinLock(words, index, LOCK_PTL, m.mem.concurrent, m));
}

/** The split page-table lock of the pte table that pmd entry `pmd` points at. */
export function pte_lockptr(m: Machine, pmd: pte_t): SpinLock {
  return ptl_of_table(m, pte_pfn(pmd));
}

/** Walk to the pmd entry for addr without allocating; -1 if an upper level is none or bad. */
export function walk_pmd(mm: mm_struct, addr: number): number {
  const m = mm.m;
  const pgd = read_entry(m, pgd_offset(mm, addr));
  if (entry_none(pgd) || entry_bad(pgd)) return -1;
  const pud = read_entry(m, pud_offset(pgd, addr));
  if (entry_none(pud) || entry_bad(pud)) return -1;
  return pmd_offset(pud, addr);
}

/** Walk to the pte for addr without allocating; -1 where no pte table covers addr. */
export function walk_pte(mm: mm_struct, addr: number): number {
  const pmdp = walk_pmd(mm, addr);
  if (pmdp < 0) return -1;
  const pmd = read_entry(mm.m, pmdp);
  if (entry_none(pmd) || entry_bad(pmd)) return -1;
  return pte_offset(pmd, addr);
}

/** A locked pte: its address and the lock to release. */
export interface LockedPte { ptep: number; ptl: SpinLock }

/** get_locked_pte: allocate pud/pmd/pte as needed and return the locked pte, or null (-ENOMEM). */
export function get_locked_pte(mm: mm_struct, addr: number): LockedPte | null {
  const pudp = pud_alloc(mm, addr);
  if (pudp < 0) return null;
  const pmdp = pmd_alloc(mm, pudp, addr);
  if (pmdp < 0) return null;
  if (!pte_alloc(mm, pmdp)) return null;
  const pmd = read_entry(mm.m, pmdp);
  const ptl = pte_lockptr(mm.m, pmd);
  ptl.lock();
  return { ptep: pte_offset(pmd, addr), ptl };
}

