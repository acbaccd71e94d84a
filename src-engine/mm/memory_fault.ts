// The page-fault half of mm/memory.c: handle_mm_fault and its paths (anonymous, file read with
// fault-around, COW, shared write, write-protect reuse/copy, swap-in).
import type { Machine } from '../machine';
import { mm_struct, vm_area_struct, vm_fault, linear_page_index, vma_pages, vma_is_anonymous } from './mm_types';
import { BUG_ON } from '../kernel/bug';
import { read_entry, pte_offset, pud_alloc, pmd_alloc, pte_alloc, entry_table, ptl_of_table, entry_pa,
  pte_none_at } from './pgtable';
import type { SpinLock } from '../kernel/locking';
import { pte_t, pte_present, pte_write, pte_pfn, pte_mkyoung, pte_mkdirty, pte_mkspecial, pfn_pte,
  PAGE_SIZE, PAGE_SHIFT, PTRS_PER_TABLE, pte_hw_present, NONE_PTE, __pte, table_index } from '../arch/x86/pgtable_types';
import { vm_normal_page, PageAnon, get_page, put_page, alloc_pages, alloc_page_for_copy, is_zero_pfn, mm_counter_file, set_page_dirty,
  page_mapcount, lru_cache_add } from './mm';
import { anon_vma_prepare, page_add_new_anon_rmap, page_move_anon_rmap, page_remove_rmap, page_add_anon_rmap } from './rmap';
import { do_set_pte, maybe_mkwrite } from './memory';
import { mmu_notifier_invalidate_range_start, mmu_notifier_invalidate_range_end, mmu_notifier_invalidate_range } from './mmu_notifier';
import { flush_tlb_page } from '../arch/x86/mm/tlb';
import { GFP_HIGHUSER_MOVABLE, __GFP_ZERO } from './page_alloc';
import { PG_uptodate, PG_mlocked } from './page';
import { lock_page, trylock_page, unlock_page } from './filemap';
import { VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VM_FAULT_WRITE, VM_FAULT_ERROR, VM_FAULT_NOPAGE,
  VM_FAULT_RETRY, VM_FAULT_LOCKED, VM_FAULT_MAJOR, FAULT_FLAG_WRITE, FAULT_FLAG_MKWRITE, VM_SHARED, VM_WRITE,
  VM_GROWSDOWN, VM_LOCKED, MM_ANONPAGES, MM_SWAPENTS } from '../include/mm_flags';
import { expand_stack } from './mmap';
import { pte_to_swp_entry } from './swapfile';
import { swap_in_page, reuse_swap_page } from './swap_state';

/** Which path handled the last fault (for the page_fault tracepoint and the metrics). */
export type FaultType = 'zero-page' | 'anon' | 'file' | 'fault-around' | 'cow' | 'shared' | 'wp-reuse' | 'wp-copy'
  | 'wp-shared' | 'swap' | 'spurious' | 'error';

/** Set the fault type of the fault in progress. */
function note(m: Machine, t: FaultType): void { m.faultType = t; }


/** pte_same. */
const pte_same = (a: pte_t, b: pte_t): boolean => a.lo === b.lo && a.hi === b.hi;

/**
 * handle_mm_fault: resolve a fault at address in vma; returns VM_FAULT_* bits (0 = handled).
 * The caller holds mmap_sem for read.
 */
export function handle_mm_fault(mm: mm_struct, vma: vm_area_struct, address: number, flags: number): number {
  const m = mm.m;
  m.pgfault++;
  note(m, 'error');
  const pudp = pud_alloc(mm, address);
  if (pudp < 0) return VM_FAULT_OOM;
  const pmdp = pmd_alloc(mm, pudp, address);
  if (pmdp < 0) return VM_FAULT_OOM;
  if (!pte_alloc(mm, pmdp)) return VM_FAULT_OOM;
  return handle_pte_fault(mm, vma, address, pmdp, flags);
}

/** handle_pte_fault: dispatch on the pte's state. */
function handle_pte_fault(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, flags: number): number {
  const m = mm.m;
  const table = entry_table(m, pmdp);
  const ptep = entry_pa(table, table_index(address, PAGE_SHIFT));
  const lo = m.phys.entry_lo(ptep), hi = m.phys.entry_hi(ptep);
  if (lo === 0 && hi === 0) { // pte_none
    return vma_is_anonymous(vma) ? do_anonymous_page(mm, vma, address, pmdp, flags) : do_fault(mm, vma, address, pmdp, flags, NONE_PTE);
  }
  const entry = __pte(lo, hi);
  if (!pte_present(entry)) return do_swap_page(mm, vma, address, pmdp, flags, entry);
  const ptl = ptl_of_table(m, table);
  ptl.lock();
  if (!pte_same(m.phys.read_entry_locked(ptep), entry)) { ptl.unlock(); note(m, 'spurious'); return 0; }
  let e = entry;
  if (flags & FAULT_FLAG_WRITE) {
    if (!pte_write(entry)) return do_wp_page(mm, vma, address, ptep, pmdp, ptl, entry); // drops ptl
    e = pte_mkdirty(e);
  }
  e = pte_mkyoung(e);
  // ptep_set_access_flags: x86 writes the entry only for a write (dirty) fault.
  if (!pte_same(e, entry) && flags & FAULT_FLAG_WRITE) m.phys.write_entry(ptep, e);
  ptl.unlock();
  note(m, 'spurious');
  return 0;
}

/** check_stack_guard_page: grow a VM_GROWSDOWN vma by a page when its first page faults. */
function check_stack_guard_page(vma: vm_area_struct, address: number): number {
  address = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
  if (vma.vm_flags & VM_GROWSDOWN && address === vma.vm_start) {
    const prev = vma.vm_prev;
    if (prev && prev.vm_end === address) return prev.vm_flags & VM_GROWSDOWN ? 0 : -1;
    if (expand_stack(vma, address - PAGE_SIZE)) return -1;
  }
  return 0;
}

/** The pte address the last map_lock found (read right after the call: pte_offset_map_lock's value). */
let mapped_ptep = 0;

/** pte_offset_map_lock: lock the pte table under the pmd entry at pmdp; returns the lock, the pte is in mapped_ptep. */
function map_lock(m: Machine, pmdp: number, address: number): SpinLock {
  const table = entry_table(m, pmdp);
  const ptl = ptl_of_table(m, table);
  ptl.lock();
  mapped_ptep = entry_pa(table, table_index(address, PAGE_SHIFT));
  return ptl;
}

/** do_anonymous_page: a read maps the zero page; a write maps a new zeroed anonymous page. */
function do_anonymous_page(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, flags: number): number {
  const m = mm.m;
  if (vma.vm_flags & VM_SHARED) return VM_FAULT_SIGBUS;
  if (check_stack_guard_page(vma, address) < 0) return VM_FAULT_SIGSEGV;
  if (!(flags & FAULT_FLAG_WRITE)) {
    const entry = pte_mkspecial(pfn_pte(m.zero_pfn, vma.vm_page_prot));
    const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
    if (m.phys.entry_none_locked(ptep)) m.phys.write_entry(ptep, entry);
    ptl.unlock();
    m.charge(m.config.cost_map_pte);
    note(m, 'zero-page');
    return 0;
  }
  if (!anon_vma_prepare(vma)) return VM_FAULT_OOM;
  const page = alloc_pages(m, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
  if (page === null) return VM_FAULT_OOM;
  m.mem.__set(page, PG_uptodate); // __SetPageUptodate: nothing else can see the new page yet
  let entry = pfn_pte(page, vma.vm_page_prot);
  if (vma.vm_flags & VM_WRITE) entry = maybe_mkwrite(pte_mkdirty(entry), vma);
  const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
  if (!m.phys.entry_none_locked(ptep)) { ptl.unlock(); put_page(m, page); note(m, 'spurious'); return 0; }
  mm.add_counter(MM_ANONPAGES, 1);
  page_add_new_anon_rmap(m, page, vma, address);
  lru_cache_add(m, page);
  m.phys.write_entry(ptep, entry);
  ptl.unlock();
  m.charge(m.config.cost_map_pte);
  note(m, 'anon');
  return 0;
}

/** A vm_fault for ->fault / ->page_mkwrite. */
function make_vmf(m: Machine, address: number, pgoff: number, flags: number, page: number | null): vm_fault {
  return { flags, pgoff, address: Math.floor(address / PAGE_SIZE) * PAGE_SIZE, page: page === null ? null : m.wrapPage(page) };
}

/** __do_fault: call ->fault; on success returns the locked page the handler supplied. */
function __do_fault(vma: vm_area_struct, address: number, pgoff: number, flags: number): { ret: number; page: number } {
  const m = vma.m;
  const vmf = make_vmf(m, address, pgoff, flags, null);
  const ret = vma.vm_ops!.fault!(vma, vmf);
  if (typeof ret !== 'number') throw new TypeError(`vm_ops.fault must return a VM_FAULT_* number, got ${String(ret)}`);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) return { ret, page: -1 };
  const page = vmf.page === null || vmf.page === undefined ? null : m.unwrapPage(vmf.page);
  BUG_ON(m.log, page === null, '__do_fault', 'NULL pointer dereference: ->fault returned 0 without setting vmf->page');
  if (!(ret & VM_FAULT_LOCKED)) lock_page(m, page!);
  return { ret, page: page! };
}

/** do_fault: a none pte in a file (or driver) vma. */
function do_fault(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, flags: number, orig: pte_t): number {
  const pgoff = linear_page_index(vma, address);
  if (!vma.vm_ops?.fault) return VM_FAULT_SIGBUS;
  if (!(flags & FAULT_FLAG_WRITE)) return do_read_fault(mm, vma, address, pmdp, pgoff, flags, orig);
  if (!(vma.vm_flags & VM_SHARED)) return do_cow_fault(mm, vma, address, pmdp, pgoff, flags, orig);
  return do_shared_fault(mm, vma, address, pmdp, pgoff, flags, orig);
}

/** do_fault_around: map the cached pages of the fault-around window (through ->map_pages). */
function do_fault_around(vma: vm_area_struct, address: number, pmdp: number, pgoff: number, flags: number): void {
  const m = vma.m;
  const nr_pages = m.config.fault_around_bytes / PAGE_SIZE;
  const win = nr_pages * PAGE_SIZE;
  let start_addr = Math.max(Math.floor(address / win) * win, vma.vm_start);
  const off = Math.floor((address - start_addr) / PAGE_SIZE) % PTRS_PER_TABLE;
  pgoff -= off;
  let max_pgoff = pgoff - (Math.floor(start_addr / PAGE_SIZE) % PTRS_PER_TABLE) + PTRS_PER_TABLE - 1;
  max_pgoff = Math.min(max_pgoff, vma_pages(vma) + vma.vm_pgoff - 1, pgoff + nr_pages - 1);
  const pmd = read_entry(m, pmdp);
  while (!pte_none_at(m, pte_offset(pmd, start_addr))) {
    if (++pgoff > max_pgoff) return;
    start_addr += PAGE_SIZE;
    if (start_addr >= vma.vm_end) return;
  }
  vma.vm_ops!.map_pages!(vma, { flags, pgoff, address: start_addr, page: null, max_pgoff, pmdp } as vm_fault);
}

/** do_read_fault: fault-around first, then ->fault and a read-only (unless RW prot) file pte. */
function do_read_fault(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, pgoff: number, flags: number, orig: pte_t): number {
  const m = mm.m;
  if (vma.vm_ops!.map_pages && m.config.fault_around_bytes / PAGE_SIZE > 1) {
    const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
    ptl.unlock(); // map_pages takes the pte lock page by page in this model
    do_fault_around(vma, address, pmdp, pgoff, flags);
    if (!pte_same(read_entry(m, ptep), orig)) { note(m, 'fault-around'); return 0; }
  }
  const { ret, page } = __do_fault(vma, address, pgoff, flags);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) { note(m, ret & VM_FAULT_NOPAGE ? 'file' : 'error'); return ret; }
  const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
  if (!pte_same(m.phys.read_entry_locked(ptep), orig)) {
    ptl.unlock(); unlock_page(m, page); put_page(m, page);
    return ret;
  }
  do_set_pte(vma, address, page, ptep, false, false);
  unlock_page(m, page);
  ptl.unlock();
  note(m, 'file');
  return ret;
}

/** do_cow_fault: copy the file page into a new anonymous page; the cache page is not mapped. */
function do_cow_fault(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, pgoff: number, flags: number, orig: pte_t): number {
  const m = mm.m;
  if (!anon_vma_prepare(vma)) return VM_FAULT_OOM;
  const new_page = alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
  if (new_page === null) return VM_FAULT_OOM;
  const { ret, page } = __do_fault(vma, address, pgoff, flags);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) { put_page(m, new_page); return ret; }
  m.phys.copy_page(new_page, page);
  m.charge(m.config.cost_copy_page);
  m.mem.set(new_page, PG_uptodate);
  const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
  if (!pte_same(m.phys.read_entry_locked(ptep), orig)) {
    ptl.unlock(); unlock_page(m, page); put_page(m, page); put_page(m, new_page);
    return ret;
  }
  do_set_pte(vma, address, new_page, ptep, true, true);
  lru_cache_add(m, new_page);
  ptl.unlock();
  unlock_page(m, page);
  put_page(m, page);
  note(m, 'cow');
  return ret;
}

/** do_page_mkwrite: tell the file a page is about to be written; 0 means retry. */
function do_page_mkwrite(vma: vm_area_struct, page: number, address: number): number {
  const m = vma.m;
  const vmf = make_vmf(m, address, m.mem.index(page), FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE, page);
  let ret = vma.vm_ops!.page_mkwrite!(vma, vmf);
  if (typeof ret !== 'number') throw new TypeError(`vm_ops.page_mkwrite must return a VM_FAULT_* number, got ${String(ret)}`);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) return ret;
  if (!(ret & VM_FAULT_LOCKED)) {
    lock_page(m, page);
    if (m.mem.mapping(page) === 0) { unlock_page(m, page); return 0; }
    ret |= VM_FAULT_LOCKED;
  }
  return ret;
}

/** do_shared_fault: ->fault, ->page_mkwrite, then a dirty writable file pte. */
function do_shared_fault(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, pgoff: number, flags: number, orig: pte_t): number {
  const m = mm.m;
  const { ret, page } = __do_fault(vma, address, pgoff, flags);
  if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE | VM_FAULT_RETRY)) return ret;
  if (vma.vm_ops!.page_mkwrite) {
    unlock_page(m, page);
    const tmp = do_page_mkwrite(vma, page, address);
    if (!tmp || tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) { put_page(m, page); return tmp; }
  }
  const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
  if (!pte_same(m.phys.read_entry_locked(ptep), orig)) {
    ptl.unlock(); unlock_page(m, page); put_page(m, page);
    return ret;
  }
  do_set_pte(vma, address, page, ptep, true, false);
  ptl.unlock();
  set_page_dirty(m, page);
  m.charge(m.config.cost_set_page_dirty);
  unlock_page(m, page);
  if (!vma.vm_ops!.page_mkwrite && vma.vm_file) vma.vm_file.f_inode.mtime = m.cycles;
  note(m, 'shared');
  return ret;
}

/** wp_page_reuse: make the pte young, dirty and (with VM_WRITE) writable in place. */
function wp_page_reuse(vma: vm_area_struct, address: number, ptep: number, ptl: { unlock(): void }, orig: pte_t,
  page: number | null, page_mkwrite: boolean, dirty_shared: boolean): number {
  const m = vma.m;
  const entry = maybe_mkwrite(pte_mkdirty(pte_mkyoung(orig)), vma);
  if (!pte_same(entry, m.phys.read_entry_locked(ptep))) m.phys.write_entry(ptep, entry);
  m.charge(m.config.cost_map_pte);
  ptl.unlock();
  if (dirty_shared && page !== null) {
    if (!page_mkwrite) lock_page(m, page);
    set_page_dirty(m, page);
    BUG_ON(m.log, m.config.debug_vm && PageAnon(m, page), 'wp_page_reuse', 'VM_BUG_ON_PAGE(PageAnon(page))');
    unlock_page(m, page);
    put_page(m, page);
    if (!page_mkwrite && vma.vm_file) vma.vm_file.f_inode.mtime = m.cycles;
  }
  return VM_FAULT_WRITE;
}

/**
 * wp_page_copy: break COW. Copies old (or zero-fills for the zero page) into a new anonymous
 * page and swaps it in; drops two references on old. VM_FAULT_WRITE, 0 on a race, or OOM.
 */
function wp_page_copy(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, orig: pte_t, old: number | null): number {
  const m = mm.m;
  const zero = is_zero_pfn(m, pte_pfn(orig));
  // Not the zero page: cow_user_page overwrites the whole new page, so it need not be zeroed first.
  const new_page = !anon_vma_prepare(vma) ? null
    : zero ? alloc_pages(m, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0) : alloc_page_for_copy(m, GFP_HIGHUSER_MOVABLE);
  if (new_page === null) { if (old !== null) put_page(m, old); return VM_FAULT_OOM; }
  if (!zero) cow_user_page(m, new_page, old, orig);
  m.mem.set(new_page, PG_uptodate);
  const start = Math.floor(address / PAGE_SIZE) * PAGE_SIZE, end = start + PAGE_SIZE;
  mmu_notifier_invalidate_range_start(mm, start, end);
  const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
  let copied = false;
  let drop: number | null = new_page;
  if (pte_same(m.phys.read_entry_locked(ptep), orig)) {
    if (old !== null) {
      if (!PageAnon(m, old)) { mm.add_counter(mm_counter_file(m, old), -1); mm.add_counter(MM_ANONPAGES, 1); }
    } else {
      mm.add_counter(MM_ANONPAGES, 1);
    }
    const entry = maybe_mkwrite(pte_mkdirty(pfn_pte(new_page, vma.vm_page_prot)), vma);
    ptep_clear_flush_notify(vma, address, ptep);
    page_add_new_anon_rmap(m, new_page, vma, address);
    lru_cache_add(m, new_page);
    m.phys.write_entry(ptep, entry);
    m.charge(m.config.cost_map_pte);
    if (old !== null) page_remove_rmap(m, old);
    drop = old;
    copied = true;
  }
  if (drop !== null) put_page(m, drop);
  ptl.unlock();
  mmu_notifier_invalidate_range_end(mm, start, end);
  if (old !== null) {
    if (copied && vma.vm_flags & VM_LOCKED) m.mem.clear(old, PG_mlocked);
    put_page(m, old);
  }
  note(m, 'wp-copy');
  return copied ? VM_FAULT_WRITE : 0;
}

/** cow_user_page: copy the old page, or (no struct page) the bytes the user sees, else zeros. */
function cow_user_page(m: Machine, dst: number, src: number | null, orig: pte_t): void {
  m.charge(m.config.cost_copy_page);
  if (src !== null) { m.phys.copy_page(dst, src); return; }
  const bytes = pte_hw_present(orig) ? m.phys.read(pte_pfn(orig) * PAGE_SIZE, PAGE_SIZE) : null;
  if (bytes) m.phys.ram.set(bytes, dst * PAGE_SIZE);
  else m.phys.clear_page(dst);
}

/** ptep_clear_flush_notify: clear the pte (the caller holds its lock), flush it from TLBs if it was accessible, notify. */
export function ptep_clear_flush_notify(vma: vm_area_struct, address: number, ptep: number): pte_t {
  const m = vma.m;
  const old = m.phys.read_entry_locked(ptep);
  m.phys.write_entry(ptep, NONE_PTE);
  if (pte_hw_present(old)) flush_tlb_page(m, vma.vm_mm, address);
  const s = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
  mmu_notifier_invalidate_range(vma.vm_mm, s, s + PAGE_SIZE);
  return old;
}

/**
 * do_wp_page: a write to a present read-only pte. Reuses an exclusively mapped anonymous page
 * (by mapcount), makes shared file pages writable (page_mkwrite), copies otherwise.
 */
function do_wp_page(mm: mm_struct, vma: vm_area_struct, address: number, ptep: number, pmdp: number,
  ptl: { unlock(): void; lock(): void }, orig: pte_t): number {
  const m = mm.m;
  const old = vm_normal_page(vma, address, orig);
  const shared_writable = (vma.vm_flags & (VM_WRITE | VM_SHARED)) === (VM_WRITE | VM_SHARED);
  if (old === null) {
    if (shared_writable) return wp_pfn_shared(vma, address, ptep, ptl, orig);
    ptl.unlock();
    return wp_page_copy(mm, vma, address, pmdp, orig, null);
  }
  if (PageAnon(m, old)) {
    if (!trylock_page(m, old)) {
      // Someone (swap-in on another CPU) holds it: never wait for a page lock under the ptl.
      get_page(m, old);
      ptl.unlock();
      lock_page(m, old);
      ptl.lock();
      if (!pte_same(m.phys.read_entry_locked(ptep), orig)) {
        unlock_page(m, old); ptl.unlock(); put_page(m, old); note(m, 'spurious'); return 0;
      }
      put_page(m, old); // the pte still maps it: not the last reference
    }
    if (reuse_swap_page(m, old)) {
      if (page_mapcount(m, old) === 1) page_move_anon_rmap(m, old, vma);
      unlock_page(m, old);
      note(m, 'wp-reuse');
      return wp_page_reuse(vma, address, ptep, ptl, orig, old, false, false);
    }
    unlock_page(m, old);
  } else if (shared_writable) {
    return wp_page_shared(vma, address, ptep, ptl, orig, old);
  }
  get_page(m, old);
  ptl.unlock();
  return wp_page_copy(mm, vma, address, pmdp, orig, old);
}

/** wp_pfn_shared: a shared writable pfn mapping: ->pfn_mkwrite, then reuse. */
function wp_pfn_shared(vma: vm_area_struct, address: number, ptep: number, ptl: { unlock(): void; lock(): void }, orig: pte_t): number {
  const m = vma.m;
  if (vma.vm_ops?.pfn_mkwrite) {
    ptl.unlock();
    const ret = vma.vm_ops.pfn_mkwrite(vma, make_vmf(m, address, linear_page_index(vma, address), FAULT_FLAG_WRITE | FAULT_FLAG_MKWRITE, null));
    if (ret & VM_FAULT_ERROR) return ret;
    ptl.lock();
    if (!pte_same(m.phys.read_entry_locked(ptep), orig)) { ptl.unlock(); return 0; }
  }
  note(m, 'wp-shared');
  return wp_page_reuse(vma, address, ptep, ptl, orig, null, false, false);
}

/** wp_page_shared: a shared writable file page: ->page_mkwrite, then reuse with dirtying. */
function wp_page_shared(vma: vm_area_struct, address: number, ptep: number, ptl: { unlock(): void; lock(): void }, orig: pte_t, old: number): number {
  const m = vma.m;
  get_page(m, old);
  let mkwrite = false;
  if (vma.vm_ops?.page_mkwrite) {
    ptl.unlock();
    const tmp = do_page_mkwrite(vma, old, address);
    if (!tmp || tmp & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) { put_page(m, old); return tmp; }
    ptl.lock();
    if (!pte_same(m.phys.read_entry_locked(ptep), orig)) { unlock_page(m, old); ptl.unlock(); put_page(m, old); return 0; }
    mkwrite = true;
  }
  note(m, 'wp-shared');
  return wp_page_reuse(vma, address, ptep, ptl, orig, old, mkwrite, true);
}

/** do_swap_page: bring a swapped-out anonymous page back (reusing it for a write if exclusive). */
function do_swap_page(mm: mm_struct, vma: vm_area_struct, address: number, pmdp: number, flags: number, orig: pte_t): number {
  const m = mm.m;
  if (!m.swap) return VM_FAULT_SIGBUS; // a non-present pte without a swap device: treat as a bad entry
  const entry = pte_to_swp_entry(orig);
  const page = swap_in_page(m, entry.offset);
  if (page === null) return VM_FAULT_OOM;
  let ret = page.major ? VM_FAULT_MAJOR : 0;
  const pfn = page.pfn;
  lock_page(m, pfn);
  const ptl = map_lock(m, pmdp, address), ptep = mapped_ptep;
  if (!pte_same(m.phys.read_entry_locked(ptep), orig)) { ptl.unlock(); unlock_page(m, pfn); put_page(m, pfn); return ret; }
  mm.add_counter(MM_ANONPAGES, 1);
  mm.add_counter(MM_SWAPENTS, -1);
  let pte = pfn_pte(pfn, vma.vm_page_prot);
  let exclusive = false;
  if (flags & FAULT_FLAG_WRITE && reuse_swap_page(m, pfn)) {
    pte = maybe_mkwrite(pte_mkdirty(pte), vma);
    flags &= ~FAULT_FLAG_WRITE;
    ret |= VM_FAULT_WRITE;
    exclusive = true;
  }
  m.phys.write_entry(ptep, pte);
  page_add_anon_rmap(m, pfn, vma, address, exclusive);
  m.swapFreeEntry(entry.offset);
  unlock_page(m, pfn);
  note(m, 'swap');
  if (flags & FAULT_FLAG_WRITE) {
    ptl.unlock();
    ptl.lock();
    const cur = m.phys.read_entry_locked(ptep);
    if (!pte_write(cur)) return ret | do_wp_page(mm, vma, address, ptep, pmdp, ptl, cur);
  }
  ptl.unlock();
  return ret;
}

