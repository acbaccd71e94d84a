// mm/filemap.c: the page cache's pages (find_get_page, add/delete), filemap_fault,
// filemap_map_pages (fault-around), filemap_page_mkwrite, and buffered file read/write.
import type { Machine } from '../machine';
import type { address_space, vm_area_struct, vm_fault, file } from './mm_types';
import { register_vm_ops } from './mm_types';
import { PG_uptodate, PG_locked, PG_swapbacked, PG_dirty, PG_lru } from './page';
import { alloc_pages, get_page, put_page, set_page_dirty } from './mm';
import { GFP_HIGHUSER_MOVABLE, __GFP_ZERO } from './page_alloc';
import { do_set_pte } from './memory';
import { read_entry, pte_offset } from './pgtable';
import { PAGE_SIZE } from '../arch/x86/pgtable_types';
import { VM_FAULT_SIGBUS, VM_FAULT_OOM, VM_FAULT_LOCKED, VM_FAULT_MAJOR, VM_FAULT_NOPAGE } from '../include/mm_flags';
import { pte_lockptr } from './pgtable';
import { lockWaits, waitStep, contended, DeadlockError, LOCK_PAGE } from '../kernel/locking';
import type { MemMap } from './page';

/** Pages this thread holds locked while lock waits may block (parallel runs): [mem_map, pfn] pairs. */
const heldMem: MemMap[] = [];
const heldPfn: number[] = [];

/** Whether this thread holds the page lock of pfn (as far as it was tracked). */
function holds_page_lock(m: Machine, pfn: number): boolean {
  for (let i = heldPfn.length - 1; i >= 0; i--) if (heldPfn[i] === pfn && heldMem[i] === m.mem) return true;
  return false;
}

/**
 * trylock_page: take PG_locked if it is clear; true on success. An atomic test-and-set when
 * other threads touch struct pages, a plain one in deterministic mode (MemMap.concurrent).
 */
export function trylock_page(m: Machine, pfn: number): boolean {
  if (m.mem.test_and_set(pfn, PG_locked)) return false;
  if (lockWaits.blocking) { heldMem.push(m.mem); heldPfn.push(pfn); }
  return true;
}

/**
 * lock_page: take the page lock, waiting (spin, then short naps, serving IPIs) while another
 * thread holds it. A wait that could only be on this thread itself (it holds the page, or no
 * other thread runs) is a DeadlockError, not a hang.
 */
export function lock_page(m: Machine, pfn: number): void {
  if (trylock_page(m, pfn)) return;
  if (!lockWaits.blocking || holds_page_lock(m, pfn)) {
    throw new DeadlockError(`lock_page(pfn ${pfn}) on a page locked by this same thread`);
  }
  const t0 = performance.now();
  for (let i = 0; waitStep(i); i++) {
    if (trylock_page(m, pfn)) { contended(LOCK_PAGE, t0); return; }
  }
  throw new DeadlockError(`lock_page(pfn ${pfn}) never released`);
}

/** unlock_page: release the page lock. */
export function unlock_page(m: Machine, pfn: number): void {
  for (let i = heldPfn.length - 1; i >= 0; i--) {
    if (heldPfn[i] === pfn && heldMem[i] === m.mem) { heldPfn.splice(i, 1); heldMem.splice(i, 1); break; }
  }
  m.mem.clear(pfn, PG_locked);
}

/** find_get_page: the cached page at index with a new reference (taken under the tree_lock), or null. */
export function find_get_page(mapping: address_space, index: number): number | null {
  const m = mapping.m;
  const pfn = m.pagecache.lookup(mapping.id, index, (p) => get_page(m, p));
  return pfn < 0 ? null : pfn;
}

/**
 * find_lock_page: the cached page at index, locked and still in this mapping (a page truncated
 * while we waited for its lock is dropped and looked up again), with a reference; or null.
 */
export function find_lock_page(mapping: address_space, index: number): number | null {
  const m = mapping.m;
  for (;;) {
    const pfn = find_get_page(mapping, index);
    if (pfn === null) return null;
    lock_page(m, pfn);
    if (m.mem.mapping(pfn) === mapping.mapping_word && m.mem.index(pfn) === index) return pfn;
    unlock_page(m, pfn);
    put_page(m, pfn);
  }
}

/**
 * add_to_page_cache_lru: insert a new (not yet visible) page at index, locked, with mapping and
 * index set before anyone can find it; the cache takes its own reference and the caller keeps
 * its one. False (page unlocked and untouched) if another page got there first.
 */
export function add_to_page_cache_lru(m: Machine, pfn: number, mapping: address_space, index: number): boolean {
  m.mem.set(pfn, PG_locked);
  m.mem.set_mapping(pfn, mapping.mapping_word);
  m.mem.set_index(pfn, index);
  m.mem.set(pfn, PG_lru);
  if (mapping.swap_backed) m.mem.set(pfn, PG_swapbacked);
  get_page(m, pfn);
  if (m.pagecache.insert(mapping.id, index, pfn)) {
    if (lockWaits.blocking) { heldMem.push(m.mem); heldPfn.push(pfn); }
    return true;
  }
  m.mem.ref_add(pfn, -1); // the cache's reference, never the last
  m.mem.set_mapping(pfn, 0);
  m.mem.clear(pfn, PG_lru);
  m.mem.clear(pfn, PG_swapbacked);
  m.mem.clear(pfn, PG_locked);
  return false;
}

/** delete_from_page_cache: unhook a locked page from its mapping and drop the cache's reference. */
export function delete_from_page_cache(m: Machine, mapping: address_space, pfn: number): void {
  m.pagecache.delete(mapping.id, m.mem.index(pfn));
  m.mem.set_mapping(pfn, 0);
  m.mem.clear(pfn, PG_dirty);
  put_page(m, pfn);
}

/**
 * find_or_create_page: the cache page at index, locked, with a reference for the caller
 * (a missing one is created zero-filled and uptodate). null when out of memory. .created tells
 * whether it was read in (a major fault).
 */
export function find_or_create_page(mapping: address_space, index: number): { pfn: number; created: boolean } | null {
  const m = mapping.m;
  for (;;) {
    const got = find_lock_page(mapping, index);
    if (got !== null) return { pfn: got, created: false };
    const pfn = alloc_pages(m, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
    if (pfn === null) return null;
    m.mem.set(pfn, PG_uptodate);
    if (add_to_page_cache_lru(m, pfn, mapping, index)) return { pfn, created: true };
    put_page(m, pfn);
  }
}

/** Pages of a file of size bytes (round_up(i_size, PAGE_SIZE) >> PAGE_SHIFT). */
export const size_pages = (size: number): number => Math.ceil(size / PAGE_SIZE);

/**
 * filemap_fault: the cache page for vmf.pgoff, locked, with a reference; SIGBUS beyond EOF.
 * The size is checked again once the page is locked: a truncate that shrank the file meanwhile
 * set i_size before it locks pages, so a page past the new EOF is never handed back.
 */
export function filemap_fault(vma: vm_area_struct, vmf: vm_fault): number {
  const m = vma.m;
  const f = vma.vm_file!;
  const mapping = f.f_mapping;
  if (vmf.pgoff >= size_pages(f.f_inode.i_size)) return VM_FAULT_SIGBUS;
  const got = find_or_create_page(mapping, vmf.pgoff);
  if (!got) return VM_FAULT_OOM;
  if (vmf.pgoff >= size_pages(f.f_inode.i_size)) {
    unlock_page(m, got.pfn);
    put_page(m, got.pfn);
    return VM_FAULT_SIGBUS;
  }
  vmf.page = got.pfn;
  return VM_FAULT_LOCKED | (got.created && mapping.host.fs === 'diskfs' ? VM_FAULT_MAJOR : 0);
}

/**
 * filemap_map_pages: map every cached, uptodate page of [vmf.pgoff, max_pgoff) whose pte is
 * none and whose lock can be had at once (a locked page is someone's fault or truncate: skip it),
 * re-checking under the lock that it is still in the file and inside EOF.
 */
export function filemap_map_pages(vma: vm_area_struct, vmf: vm_fault & { max_pgoff?: number; pmdp?: number }): void {
  const m = vma.m;
  const f = vma.vm_file!;
  const mapping = f.f_mapping;
  const pmd = read_entry(m, vmf.pmdp!);
  const ptl = pte_lockptr(m, pmd);
  for (let index = vmf.pgoff; index <= vmf.max_pgoff!; index++) {
    const pfn = find_get_page(mapping, index);
    if (pfn === null) continue;
    if (!m.mem.test(pfn, PG_uptodate) || !trylock_page(m, pfn)) { put_page(m, pfn); continue; }
    let mapped = false;
    if (m.mem.mapping(pfn) === mapping.mapping_word && index < size_pages(f.f_inode.i_size)) {
      const addr = vmf.address + (index - vmf.pgoff) * PAGE_SIZE;
      const ptep = pte_offset(pmd, addr);
      ptl.lock();
      if (m.phys.entry_none_locked(ptep)) { do_set_pte(vma, addr, pfn, ptep, false, false); mapped = true; }
      ptl.unlock();
    }
    unlock_page(m, pfn);
    if (!mapped) put_page(m, pfn); // a mapped page keeps the reference for its pte
  }
}

/** filemap_page_mkwrite: a page is about to be written through a shared mapping: dirty it, locked; NOPAGE if truncated. */
export function filemap_page_mkwrite(vma: vm_area_struct, vmf: vm_fault): number {
  const m = vma.m;
  const pfn = m.unwrapPage(vmf.page)!;
  const mapping = vma.vm_file!.f_mapping;
  vma.vm_file!.f_inode.mtime = m.cycles;
  lock_page(m, pfn);
  if (m.mem.mapping(pfn) !== mapping.mapping_word) {
    unlock_page(m, pfn);
    return VM_FAULT_NOPAGE;
  }
  set_page_dirty(m, pfn);
  return VM_FAULT_LOCKED;
}

/** The vm_operations of regular files (generic_file_vm_ops). */
export const generic_file_vm_ops = {
  name: 'generic_file_vm_ops',
  fault: filemap_fault,
  map_pages: filemap_map_pages as (vma: vm_area_struct, vmf: vm_fault) => void,
  page_mkwrite: filemap_page_mkwrite,
};

register_vm_ops(2, generic_file_vm_ops);

/** generic_file_mmap: regular files map through the page cache. */
export function generic_file_mmap(_file: file, vma: vm_area_struct): number {
  vma.vm_ops = generic_file_vm_ops;
  return 0;
}

/**
 * file_write: write data at offset through the page cache (generic_perform_write), growing the
 * file. Returns bytes written or -ENOMEM when a page cannot be had (what was written stays).
 */
export function file_write(f: file, offset: number, data: Uint8Array): number {
  const m = f.m, mapping = f.f_mapping;
  let done = 0;
  while (done < data.length) {
    const pos = offset + done;
    const index = Math.floor(pos / PAGE_SIZE), off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, data.length - done);
    const got = find_or_create_page(mapping, index);
    if (!got) break;
    m.phys.ram.set(data.subarray(done, done + n), got.pfn * PAGE_SIZE + off);
    set_page_dirty(m, got.pfn);
    unlock_page(m, got.pfn);
    put_page(m, got.pfn);
    done += n;
    if (offset + done > f.f_inode.i_size) f.f_inode.i_size = offset + done;
  }
  f.f_inode.mtime = m.cycles;
  return done === 0 && data.length > 0 ? -12 : done;
}

/**
 * file_read: read up to len bytes at offset (clipped to EOF). Holes read as zeros; ramfs and
 * diskfs bring missing pages into the cache as their readpage does, tmpfs does not.
 */
export function file_read(f: file, offset: number, len: number): Uint8Array {
  const m = f.m, mapping = f.f_mapping;
  const end = Math.min(offset + len, f.f_inode.i_size);
  const out = new Uint8Array(Math.max(0, end - offset));
  for (let pos = offset; pos < end; ) {
    const index = Math.floor(pos / PAGE_SIZE), off = pos % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - off, end - pos);
    let pfn = find_get_page(mapping, index);
    if (pfn === null && mapping.host.fs !== 'tmpfs') {
      pfn = find_or_create_page(mapping, index)?.pfn ?? null;
      if (pfn !== null) unlock_page(m, pfn);
    }
    if (pfn !== null) {
      out.set(m.phys.ram.subarray(pfn * PAGE_SIZE + off, pfn * PAGE_SIZE + off + n), pos - offset);
      put_page(m, pfn);
    }
    pos += n;
  }
  return out;
}

