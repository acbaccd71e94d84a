// mm/mmap.c: the vma list, find_vma, placement, do_mmap/mmap_region, munmap with splitting,
// stack growth, unmap_region and exit_mmap.
import { mm_struct, vm_area_struct, file, vma_pages, FMODE_READ, FMODE_WRITE } from './mm_types';
import { protection_map, pgprot_t, __pgprot_raw, PAGE_SIZE, TASK_SIZE, _PAGE_PCD, _PAGE_PWT, _PAGE_ACCESSED,
  _PAGE_DIRTY, _PAGE_SPECIAL, _PAGE_SOFT_DIRTY } from '../arch/x86/pgtable_types';
import { VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE, VM_GROWSDOWN,
  VM_DENYWRITE, VM_LOCKED, VM_PFNMAP, VM_NORESERVE, VM_ACCOUNT, VM_SPECIAL, VM_LOCKONFAULT,
  PROT_READ, PROT_WRITE, PROT_EXEC, MAP_SHARED, MAP_PRIVATE, MAP_TYPE, MAP_FIXED, MAP_GROWSDOWN, MAP_DENYWRITE,
  MAP_LOCKED, MAP_NORESERVE, MAP_POPULATE, EINVAL, ENOMEM, EACCES, ENODEV, EPERM, EOVERFLOW_ } from '../include/mm_flags_ext';
import { mmu_gather, tlb_gather_mmu, tlb_finish_mmu } from '../asm-generic/tlb';
import { unmap_vmas, free_pgtables, FULL_MM_END } from './memory';
import { update_hiwater_rss, update_hiwater_vm } from './mm';
import { anon_vma_clone, anon_vma_prepare, unlink_anon_vmas } from './rmap';
import { leave_mm_everywhere } from '../arch/x86/mm/tlb';
import { shmem_zero_setup } from '../fs/shmem';
import { munlock_vma_pages_range } from './mlock';

export const mmap_min_addr = 65536;
export const MMAP_BASE = TASK_SIZE - 128 * 1024 * 1024;

/** find_vma: the first vma with vm_end > addr, or null (binary search over the sorted list). */
export function find_vma(mm: mm_struct, addr: number): vm_area_struct | null {
  if (mm.m.isWorker) mm.m.syncVmas(mm);
  const list = mm.mmap;
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.vm_end > addr) hi = mid;
    else lo = mid + 1;
  }
  return list[lo] ?? null;
}

/** The index of vma in its mm's list (-1 if detached). */
export function vma_index(vma: vm_area_struct): number {
  const list = vma.vm_mm.mmap;
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.vm_end > vma.vm_start) hi = mid;
    else lo = mid + 1;
  }
  return list[lo] === vma ? lo : list.indexOf(vma);
}

/** vm_get_page_prot: protection_map[flags & (R|W|X|SHARED)]. */
export function vm_get_page_prot(flags: number): pgprot_t {
  return protection_map[flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)]!;
}

const CHG_MASK_LO = _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SOFT_DIRTY;
/** vm_pgprot_modify: the protection for flags, keeping oldprot's cache-mode (and other CHG_MASK) bits. */
export function vm_pgprot_modify(oldprot: pgprot_t, flags: number): pgprot_t {
  const n = vm_get_page_prot(flags);
  return __pgprot_raw((oldprot.lo & CHG_MASK_LO) | (n.lo & ~CHG_MASK_LO), n.hi);
}

/** vma_wants_writenotify: a shared writable mapping whose first writes must fault (page_mkwrite, dirty accounting). */
export function vma_wants_writenotify(vma: vm_area_struct): boolean {
  const f = vma.vm_flags;
  if ((f & (VM_WRITE | VM_SHARED)) !== (VM_WRITE | VM_SHARED)) return false;
  if (vma.vm_ops && (vma.vm_ops.page_mkwrite || vma.vm_ops.pfn_mkwrite)) return true;
  const p = vma.vm_page_prot, q = vm_pgprot_modify(p, f);
  if (p.lo !== q.lo || p.hi !== q.hi) return false;
  if (f & VM_PFNMAP) return false;
  return !!vma.vm_file && vma.vm_file.f_mapping.accounts_dirty;
}

/** vma_set_page_prot: recompute vm_page_prot from vm_flags, dropping RW when write-notify is wanted. */
export function vma_set_page_prot(vma: vm_area_struct): void {
  let f = vma.vm_flags;
  vma.vm_page_prot = vm_pgprot_modify(vma.vm_page_prot, f);
  if (vma_wants_writenotify(vma)) {
    f &= ~VM_SHARED;
    vma.vm_page_prot = vm_pgprot_modify(vma.vm_page_prot, f);
  }
}

/** Insert vma into its mm's sorted list and its file's i_mmap (vma_link); map_count +1. */
export function vma_link(mm: mm_struct, vma: vm_area_struct, after?: vm_area_struct): void {
  const list = mm.mmap;
  let i = list.findIndex((v) => v.vm_start > vma.vm_start);
  if (i < 0) i = list.length;
  list.splice(i, 0, vma);
  if (vma.vm_file) __vma_link_file(vma, after);
  mm.map_count = mm.map_count + 1;
  mm.bump_vma_seq();
}

/** __vma_link_file: add vma to its file's i_mmap (sorted by vm_pgoff; fork inserts after the parent's). */
export function __vma_link_file(vma: vm_area_struct, after?: vm_area_struct): void {
  const im = vma.vm_file!.f_mapping.i_mmap;
  if (after) {
    const j = im.indexOf(after);
    if (j >= 0) { im.splice(j + 1, 0, vma); return; }
  }
  let i = im.findIndex((v) => v.vm_pgoff > vma.vm_pgoff);
  if (i < 0) i = im.length;
  im.splice(i, 0, vma);
}

/** unlink_file_vma: take vma out of its file's i_mmap. */
export function unlink_file_vma(vma: vm_area_struct): void {
  if (!vma.vm_file) return;
  const im = vma.vm_file.f_mapping.i_mmap;
  const i = im.indexOf(vma);
  if (i >= 0) im.splice(i, 1);
}

/** Remove vma from its mm's list (not from i_mmap); map_count -1. */
function vma_unlink_list(mm: mm_struct, vma: vm_area_struct): void {
  const i = vma_index(vma);
  if (i >= 0) mm.mmap.splice(i, 1);
  mm.map_count = mm.map_count - 1;
  mm.bump_vma_seq();
}

/** vm_stat_account: total_vm += npages. */
export function vm_stat_account(mm: mm_struct, _flags: number, npages: number): void {
  mm.total_vm = mm.total_vm + npages;
}

/** remove_vma: ->close, release the file reference, free the vma. */
function remove_vma(vma: vm_area_struct): void {
  vma.vm_ops?.close?.(vma);
  vma.m.freeVma(vma);
}

/** Copy every field of src into a new vma of mm, keeping only flagMask's flags (the *new = *vma of __split_vma and dup_mmap). */
export function vma_dup(src: vm_area_struct, mm: mm_struct = src.vm_mm, flagMask = 0xffffffff): vm_area_struct {
  const v = src.m.newVma(mm);
  v._setRange(src.vm_start, src.vm_end);
  v.vm_flags = (src.vm_flags & flagMask) >>> 0;
  v.vm_page_prot = src.vm_page_prot;
  v.vm_pgoff = src.vm_pgoff;
  v._setFile(src.vm_file);
  v._setAnon(null);
  v.vm_ops = src.vm_ops;
  v.vm_private_data = src.vm_private_data;
  return v;
}

/**
 * __split_vma: split vma at addr; the new vma takes the part below (new_below) or above.
 * Calls ->open on the new vma. 0 (errors cannot happen in this model except the caller's checks).
 */
export function __split_vma(mm: mm_struct, vma: vm_area_struct, addr: number, new_below: boolean): number {
  const n = vma_dup(vma);
  if (new_below) n._setRange(vma.vm_start, addr);
  else { n._setRange(addr, vma.vm_end); n.vm_pgoff = vma.vm_pgoff + (addr - vma.vm_start) / PAGE_SIZE; }
  anon_vma_clone(n, vma);
  if (vma.anon_vma) n._setAnon(vma.anon_vma);
  n.vm_ops?.open?.(n);
  if (new_below) {
    vma.vm_pgoff = vma.vm_pgoff + (addr - vma.vm_start) / PAGE_SIZE;
    vma._setRange(addr, vma.vm_end);
  } else {
    vma._setRange(vma.vm_start, addr);
  }
  if (vma.vm_file) {
    unlink_file_vma(vma);
    __vma_link_file(vma);
  }
  vma_link(mm, n);
  return 0;
}

/** split_vma: __split_vma unless the mm is at max_map_count (-ENOMEM). */
export function split_vma(mm: mm_struct, vma: vm_area_struct, addr: number, new_below: boolean): number {
  if (mm.map_count >= mm.m.config.max_map_count) return -ENOMEM;
  return __split_vma(mm, vma, addr, new_below);
}

/**
 * vma_modify: make [start, end) of vma a vma of its own ready for newflags: merged into a
 * neighbour when attributes line up, otherwise split out. The vma now covering the range, or
 * -ENOMEM (max_map_count). pprev.v is updated as the kernel's *pprev is.
 */
export function vma_modify(vma: vm_area_struct, pprev: { v: vm_area_struct | null }, start: number, end: number, newflags: number): vm_area_struct | number {
  const mm = vma.vm_mm;
  const pgoff = vma.vm_pgoff + (start - vma.vm_start) / PAGE_SIZE;
  const merged = vma_merge(mm, pprev.v, start, end, newflags, vma.anon_vma, vma.vm_file, pgoff);
  if (merged) { pprev.v = merged; return merged; }
  pprev.v = vma;
  if (start !== vma.vm_start) { const e = split_vma(mm, vma, start, true); if (e) return e; }
  if (end !== vma.vm_end) { const e = split_vma(mm, vma, end, false); if (e) return e; }
  return vma;
}

/**
 * Apply `fixup(vma, pprev, start, end)` to every vma covering [start, end), in order, as
 * mprotect and mlock walk their ranges: 0, the first error a fixup returns, or -ENOMEM when
 * the range starts or continues in a hole.
 */
export function for_each_vma_in_range(mm: mm_struct, start: number, end: number,
  fixup: (vma: vm_area_struct, pprev: { v: vm_area_struct | null }, start: number, end: number) => number): number {
  let vma = find_vma(mm, start);
  if (!vma || vma.vm_start > start) return -ENOMEM;
  const pprev = { v: start > vma.vm_start ? vma : vma.vm_prev };
  for (let nstart = start; ; ) {
    const tmp = Math.min(vma.vm_end, end);
    const err = fixup(vma, pprev, nstart, tmp);
    if (err) return err;
    nstart = tmp;
    if (nstart < pprev.v!.vm_end) nstart = pprev.v!.vm_end;
    if (nstart >= end) return 0;
    const next: vm_area_struct | null = pprev.v!.vm_next;
    if (!next || next.vm_start !== nstart) return -ENOMEM;
    vma = next;
  }
}

/** Whether two vmas' attributes allow merging (is_mergeable_vma + anon_vma compatibility). */
function mergeable(v: vm_area_struct, flags: number, file: file | null, anon: unknown): boolean {
  return v.vm_flags === flags && v.vm_file === file && !v.vm_ops?.close
    && (anon === null || v.anon_vma === null || v.anon_vma === anon);
}

/**
 * vma_merge: extend prev and/or next to cover [addr, end) when attributes and offsets line up;
 * returns the merged vma or null. Only the cases mmap/mprotect/madvise/mlock need.
 */
export function vma_merge(mm: mm_struct, prev: vm_area_struct | null, addr: number, end: number, flags: number,
  anon: vm_area_struct['anon_vma'], file: file | null, pgoff: number): vm_area_struct | null {
  if (flags & VM_SPECIAL) return null;
  const next = prev ? prev.vm_next : mm.mmap[0] ?? null;
  const nextAfter = next && next.vm_end === end ? next.vm_next : next;
  const prevOk = prev && prev.vm_end === addr && mergeable(prev, flags, file, anon)
    && (!file || prev.vm_pgoff + vma_pages(prev) === pgoff);
  const candNext = nextAfter && nextAfter.vm_start === end ? nextAfter : null;
  const nextOk = candNext && mergeable(candNext, flags, file, anon)
    && (!file || candNext.vm_pgoff === pgoff + (end - addr) / PAGE_SIZE)
    && (!anon || !candNext.anon_vma || candNext.anon_vma === anon);
  if (prevOk) {
    if (nextOk && (!prev!.anon_vma || !candNext!.anon_vma || prev!.anon_vma === candNext!.anon_vma)) {
      const end2 = candNext!.vm_end;
      remove_merged(mm, candNext!, prev!);
      absorb_range(mm, prev!, addr, end);
      resize(prev!, prev!.vm_start, end2);
    } else {
      absorb_range(mm, prev!, addr, end);
      resize(prev!, prev!.vm_start, end);
    }
    if (anon && !prev!.anon_vma) { prev!._setAnon(anon); }
    return prev;
  }
  if (nextOk) {
    absorb_range(mm, candNext!, addr, end);
    resize(candNext!, addr, candNext!.vm_end, pgoff);
    if (anon && !candNext!.anon_vma) candNext!._setAnon(anon);
    return candNext;
  }
  return null;
}

/**
 * A vma being merged over [addr, end) takes that range from the vmas there: one lying wholly
 * inside is removed, one overlapping an edge is trimmed (the kernel's vma_adjust cases 4 and 5).
 */
function absorb_range(mm: mm_struct, keep: vm_area_struct, addr: number, end: number): void {
  for (const v of [...mm.mmap]) {
    if (v === keep || v.vm_end <= addr || v.vm_start >= end) continue;
    if (v.vm_start >= addr && v.vm_end <= end) { remove_merged(mm, v, keep); continue; }
    import_anon(keep, v);
    if (v.vm_start < addr) resize(v, v.vm_start, addr);
    else resize(v, end, v.vm_end, v.vm_pgoff + (end - v.vm_start) / PAGE_SIZE);
  }
}

/** The vma taking over pages of `from` must reach their anon_vma (vma_adjust's importer). */
function import_anon(into: vm_area_struct, from: vm_area_struct): void {
  if (from.anon_vma && !into.anon_vma) { anon_vma_clone(into, from); into._setAnon(from.anon_vma); }
}

/** Drop a vma swallowed by a merge; its anon_vma chain moves to the survivor. */
function remove_merged(mm: mm_struct, gone: vm_area_struct, into: vm_area_struct): void {
  import_anon(into, gone);
  vma_unlink_list(mm, gone);
  unlink_file_vma(gone);
  unlink_anon_vmas(gone);
  gone.m.freeVma(gone);
}

/** Change a vma's range (and pgoff) in place, keeping i_mmap sorted. */
function resize(v: vm_area_struct, start: number, end: number, pgoff = v.vm_pgoff): void {
  v._setRange(start, end);
  v.vm_pgoff = pgoff;
  if (v.vm_file) { unlink_file_vma(v); __vma_link_file(v); }
  v.vm_mm.bump_vma_seq();
}

/** vm_unmapped_area, top-down: the highest gap of len bytes below mmap_base; -ENOMEM if none. */
function unmapped_area_topdown(mm: mm_struct, len: number): number {
  let high = MMAP_BASE;
  for (let i = mm.mmap.length - 1; i >= -1; i--) {
    const v = i >= 0 ? mm.mmap[i]! : null;
    const gapStart = v ? v.vm_end : PAGE_SIZE;
    if (gapStart < high && high - gapStart >= len) return high - len;
    if (v) high = Math.min(high, v.vm_start);
  }
  return -ENOMEM;
}

/** get_unmapped_area: where a mapping of len bytes goes; an address or -errno. */
export function get_unmapped_area(mm: mm_struct, addr: number, len: number, flags: number): number {
  if (len > TASK_SIZE) return -ENOMEM;
  if (!(flags & MAP_FIXED)) {
    let found = -ENOMEM;
    if (addr) {
      const a = Math.ceil(addr / PAGE_SIZE) * PAGE_SIZE;
      const v = find_vma(mm, a);
      if (TASK_SIZE - len >= a && (!v || a + len <= v.vm_start)) found = a;
    }
    addr = found >= 0 ? found : unmapped_area_topdown(mm, len);
    if (addr < 0) return addr;
  }
  if (addr > TASK_SIZE - len) return -ENOMEM;
  if (addr % PAGE_SIZE) return -EINVAL;
  return addr;
}

/** calc_vm_prot_bits. */
export const calc_vm_prot_bits = (prot: number): number =>
  (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);

/**
 * do_mmap: validate and place a mapping, then mmap_region. Returns the address or -errno.
 * The caller holds mmap_sem for write. *populate is returned in .populate.
 */
export function do_mmap(mm: mm_struct, f: file | null, addr: number, len: number, prot: number, flags: number, pgoff: number): { addr: number; populate: number } {
  const fail = (e: number) => ({ addr: e, populate: 0 });
  if (!len) return fail(-EINVAL);
  if (!(flags & MAP_FIXED) && addr < mmap_min_addr) addr = addr ? Math.ceil(mmap_min_addr / PAGE_SIZE) * PAGE_SIZE : 0;
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (!len || len > 2 ** 64 - PAGE_SIZE) return fail(-ENOMEM);
  if (pgoff + len / PAGE_SIZE > 2 ** 52) return fail(-EOVERFLOW_);
  if (mm.map_count > mm.m.config.max_map_count) return fail(-ENOMEM);
  addr = get_unmapped_area(mm, addr, len, flags);
  if (addr < 0) return fail(addr);
  let vm_flags = calc_vm_prot_bits(prot) | (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_DENYWRITE ? VM_DENYWRITE : 0)
    | (flags & MAP_LOCKED ? VM_LOCKED : 0) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (f) {
    const type = flags & MAP_TYPE;
    if (type !== MAP_SHARED && type !== MAP_PRIVATE) return fail(-EINVAL);
    if (type === MAP_SHARED) {
      if (prot & PROT_WRITE && !(f.f_mode & FMODE_WRITE)) return fail(-EACCES);
      vm_flags |= VM_SHARED | VM_MAYSHARE;
      if (!(f.f_mode & FMODE_WRITE)) vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
    }
    if (!(f.f_mode & FMODE_READ)) return fail(-EACCES);
    if (!f.f_op.mmap) return fail(-ENODEV);
    if (vm_flags & VM_GROWSDOWN) return fail(-EINVAL);
  } else {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        if (vm_flags & VM_GROWSDOWN) return fail(-EINVAL);
        pgoff = 0;
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP_PRIVATE:
        pgoff = addr / PAGE_SIZE;
        break;
      default:
        return fail(-EINVAL);
    }
  }
  if (flags & MAP_NORESERVE) vm_flags |= VM_NORESERVE;
  const r = mmap_region(mm, f, addr, len, vm_flags, pgoff);
  const populate = r >= 0 && (vm_flags & VM_LOCKED || flags & MAP_POPULATE) ? len : 0;
  return { addr: r, populate };
}

/** accountable_mapping: private writable mappings are charged (VM_ACCOUNT). */
const accountable = (_f: file | null, flags: number): boolean => !(flags & VM_NORESERVE) && (flags & (VM_SHARED | VM_WRITE)) === VM_WRITE;

/**
 * mmap_region: unmap what is there, merge or create the vma, call the file's ->mmap, link it.
 * Returns addr or -errno (a failing ->mmap leaves nothing behind: its partial mapping is unmapped).
 */
export function mmap_region(mm: mm_struct, f: file | null, addr: number, len: number, vm_flags: number, pgoff: number): number {
  const m = mm.m;
  if (find_vma(mm, addr) && find_vma(mm, addr)!.vm_start < addr + len) {
    if (do_munmap(mm, addr, len)) return -ENOMEM;
  }
  if (accountable(f, vm_flags)) vm_flags |= VM_ACCOUNT;
  const prev = prev_of(mm, addr);
  const merged = f?.f_inode.fs === 'chardev' || (!f && vm_flags & VM_SHARED) ? null : vma_merge(mm, prev, addr, addr + len, vm_flags, null, f, pgoff);
  let vma: vm_area_struct;
  if (merged) {
    vma = merged;
  } else {
    vma = m.newVma(mm);
    vma._setRange(addr, addr + len);
    vma.vm_flags = vm_flags;
    vma.vm_page_prot = vm_get_page_prot(vm_flags);
    vma.vm_pgoff = pgoff;
    vma._setFile(null);
    vma._setAnon(null);
    if (f) {
      vma._setFile(f);
      let err: number;
      try {
        err = f.f_op.mmap!(f, vma);
      } catch (e) {
        undo_failed_mmap(mm, vma);
        throw e;
      }
      if (typeof err !== 'number') { undo_failed_mmap(mm, vma); throw new TypeError(`${f.name}: f_op->mmap must return 0 or -errno, got ${String(err)}`); }
      if (err) { undo_failed_mmap(mm, vma); return err; }
      vm_flags = vma.vm_flags;
    } else if (vm_flags & VM_SHARED) {
      const err = shmem_zero_setup(vma);
      if (err) { m.freeVma(vma); return err; }
    }
    vma_link(mm, vma);
  }
  vm_stat_account(mm, vm_flags, len / PAGE_SIZE);
  if (vm_flags & VM_LOCKED) {
    if (!(vm_flags & VM_SPECIAL)) mm.locked_vm = mm.locked_vm + len / PAGE_SIZE;
    else vma.vm_flags = vma.vm_flags & ~(VM_LOCKED | VM_LOCKONFAULT);
  }
  vma_set_page_prot(vma);
  return addr;
}

/** Undo a failed ->mmap: zap whatever the driver mapped, free its page tables, drop the vma. */
function undo_failed_mmap(mm: mm_struct, vma: vm_area_struct): void {
  const prev = prev_of(mm, vma.vm_start);
  const next = find_vma(mm, vma.vm_start);
  vma._setFile(null);
  unmap_region(mm, [vma], prev, next, vma.vm_start, vma.vm_end);
  mm.m.freeVma(vma);
}

/** The vma that ends at or before addr (the kernel's prev for a new vma at addr). */
function prev_of(mm: mm_struct, addr: number): vm_area_struct | null {
  let p: vm_area_struct | null = null;
  for (const v of mm.mmap) { if (v.vm_end <= addr) p = v; else break; }
  return p;
}

/** unmap_region: zap [start, end) of the detached vmas and free their page tables. */
function unmap_region(mm: mm_struct, vmas: vm_area_struct[], prev: vm_area_struct | null, next: vm_area_struct | null, start: number, end: number): void {
  if (!vmas.length) return;
  const tlb = new mmu_gather();
  tlb_gather_mmu(tlb, mm, start, end);
  update_hiwater_rss(mm);
  unmap_vmas(tlb, vmas[0]!, start, end, vmas);
  free_pgtables(tlb, vmas, prev ? prev.vm_end : 0, next ? next.vm_start : 0);
  tlb_finish_mmu(tlb, start, end);
}

/**
 * do_munmap: unmap [start, start+len), splitting vmas at the edges. 0 or -EINVAL/-ENOMEM.
 * The caller holds mmap_sem for write.
 */
export function do_munmap(mm: mm_struct, start: number, len: number): number {
  if (start % PAGE_SIZE || start > TASK_SIZE || len > TASK_SIZE - start) return -EINVAL;
  len = Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  if (len === 0) return -EINVAL;
  let vma = find_vma(mm, start);
  if (!vma) return 0;
  let prev = vma.vm_prev;
  const end = start + len;
  if (vma.vm_start >= end) return 0;
  if (start > vma.vm_start) {
    if (end < vma.vm_end && mm.map_count >= mm.m.config.max_map_count) return -ENOMEM;
    const err = __split_vma(mm, vma, start, false);
    if (err) return err;
    prev = vma;
  }
  const last = find_vma(mm, end);
  if (last && end > last.vm_start) {
    const err = __split_vma(mm, last, end, true);
    if (err) return err;
  }
  vma = prev ? prev.vm_next! : mm.mmap[0]!;
  const detached: vm_area_struct[] = [];
  for (let v: vm_area_struct | null = vma; v && v.vm_start < end; v = v.vm_next) detached.push(v);
  for (const v of detached) {
    if (v.vm_flags & VM_LOCKED) {
      mm.locked_vm = mm.locked_vm - vma_pages(v);
      munlock_vma_pages_range(v, v.vm_start, v.vm_end);
    }
  }
  for (const v of detached) vma_unlink_list(mm, v);
  const next = find_vma(mm, end);
  unmap_region(mm, detached, prev, next, start, end);
  update_hiwater_vm(mm);
  for (const v of detached) {
    vm_stat_account(mm, v.vm_flags, -vma_pages(v));
    remove_vma(v);
  }
  return 0;
}

/** expand_downwards: grow a VM_GROWSDOWN vma down to address; 0 or -errno. */
function expand_downwards(vma: vm_area_struct, address: number): number {
  address = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
  if (address < mmap_min_addr) return -EPERM;
  if (!anon_vma_prepare(vma)) return -ENOMEM;
  if (address < vma.vm_start) {
    const size = vma.vm_end - address;
    const grow = (vma.vm_start - address) / PAGE_SIZE;
    if (grow > vma.vm_pgoff) return -ENOMEM;
    if (size > 8 * 1024 * 1024) return -ENOMEM; // RLIMIT_STACK
    const mm = vma.vm_mm;
    mm.total_vm = mm.total_vm + grow;
    if (vma.vm_flags & VM_LOCKED) mm.locked_vm = mm.locked_vm + grow;
    vma._setRange(address, vma.vm_end);
    vma.vm_pgoff = vma.vm_pgoff - grow;
    mm.bump_vma_seq();
  }
  return 0;
}

/** expand_stack: grow vma down to address unless a non-stack vma sits right below. */
export function expand_stack(vma: vm_area_struct, address: number): number {
  address = Math.floor(address / PAGE_SIZE) * PAGE_SIZE;
  const prev = vma.vm_prev;
  if (prev && prev.vm_end === address && !(prev.vm_flags & VM_GROWSDOWN)) return -ENOMEM;
  return expand_downwards(vma, address);
}

/** find_extend_vma: the vma containing addr, growing a stack down to it if needed; null if none. */
export function find_extend_vma(mm: mm_struct, addr: number): vm_area_struct | null {
  addr = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
  const vma = find_vma(mm, addr);
  if (!vma) return null;
  if (vma.vm_start <= addr) return vma;
  if (!(vma.vm_flags & VM_GROWSDOWN)) return null;
  if (expand_stack(vma, addr)) return null;
  return vma;
}

/** exit_mmap: tear down the whole address space (full-mm gather), then free every vma. */
export function exit_mmap(mm: mm_struct): void {
  for (const v of mm.mmap) if (v.vm_flags & VM_LOCKED) munlock_vma_pages_range(v, v.vm_start, v.vm_end);
  mm.locked_vm = 0;
  const vmas = [...mm.mmap];
  if (vmas.length) {
    const tlb = new mmu_gather();
    tlb_gather_mmu(tlb, mm, 0, FULL_MM_END);
    unmap_vmas(tlb, vmas[0]!, 0, FULL_MM_END, vmas);
    free_pgtables(tlb, vmas, 0, 0);
    tlb_finish_mmu(tlb, 0, FULL_MM_END);
  }
  for (const v of vmas) {
    vma_unlink_list(mm, v);
    remove_vma(v);
  }
  leave_mm_everywhere(mm.m, mm);
}

