// mm/gup.c: get_user_pages as 4.7.4 has it (with the Dirty COW window of faultin_page, and the
// 4.7.9 FOLL_COW fix as a machine option), plus access_remote_vm and the /proc/pid/mem and
// process_vm_readv paths built on it.
import type { mm_struct, vm_area_struct } from './mm_types';
import { find_extend_vma, find_vma } from './mmap';
import { handle_mm_fault } from './memory_fault';
import { is_cow_mapping } from './memory';
import { walk_pmd, read_entry, entry_none, entry_bad, pte_offset } from './pgtable';
import { pte_t, pte_present, pte_protnone, pte_write, pte_dirty, pte_pfn, pte_none, pte_mkyoung, pte_mkdirty, PAGE_SIZE } from '../arch/x86/pgtable_types';
import { vm_normal_page, get_page, put_page, set_page_dirty, mark_page_accessed, is_zero_pfn } from './mm';
import { PG_dirty, PG_mlocked } from './page';
import { VM_IO, VM_PFNMAP, VM_WRITE, VM_READ, VM_MAYREAD, VM_LOCKED, VM_LOCKONFAULT, VM_SHARED, VM_EXEC, FOLL_WRITE, FOLL_TOUCH, FOLL_GET, FOLL_FORCE,
  FOLL_NUMA, FOLL_REMOTE, FOLL_COW, FOLL_MLOCK, FOLL_POPULATE, FOLL_DUMP, FAULT_FLAG_WRITE, FAULT_FLAG_REMOTE,
  VM_FAULT_ERROR, VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, VM_FAULT_WRITE, VM_FAULT_RETRY,
  EFAULT, ENOMEM, EIO, EBUSY, ENOENT } from '../include/mm_flags';

const EEXIST_PAGE = -17;

/** check_vma_flags: -EFAULT when gup may not touch vma for these flags. */
function check_vma_flags(vma: vm_area_struct, flags: number): number {
  const f = vma.vm_flags;
  if (f & (VM_IO | VM_PFNMAP)) return -EFAULT;
  if (flags & FOLL_WRITE) {
    if (!(f & VM_WRITE)) {
      if (!(flags & FOLL_FORCE)) return -EFAULT;
      if (!is_cow_mapping(f)) return -EFAULT;
    }
  } else if (!(f & VM_READ)) {
    if (!(flags & FOLL_FORCE)) return -EFAULT;
    if (!(f & VM_MAYREAD)) return -EFAULT;
  }
  return 0;
}

/** can_follow_write_pte: writable, or (with the 4.7.9 fix) a forced COW page this gup already broke. */
function can_follow_write_pte(vma: vm_area_struct, pte: pte_t, flags: number): boolean {
  if (pte_write(pte)) return true;
  return vma.m.config.dirty_cow_fix && !!(flags & FOLL_FORCE) && !!(flags & FOLL_COW) && pte_dirty(pte);
}

/**
 * follow_page_pte: the page mapped at address if gup may use it as is: a pfn (with a reference
 * under FOLL_GET), null to ask for a fault, or a negative errno (EEXIST_PAGE: a pfn map, no page).
 */
function follow_page(vma: vm_area_struct, address: number, flags: number): number | null {
  const m = vma.m;
  const pmdp = walk_pmd(vma.vm_mm, address);
  if (pmdp < 0) return no_page_table(vma, flags);
  const pmd = read_entry(m, pmdp);
  if (entry_none(pmd) || entry_bad(pmd)) return no_page_table(vma, flags);
  const ptep = pte_offset(pmd, address);
  const pte = read_entry(m, ptep);
  if (!pte_present(pte)) return pte_none(pte) ? no_page_table(vma, flags) : null;
  if (flags & FOLL_NUMA && pte_protnone(pte)) return null;
  if (flags & FOLL_WRITE && !can_follow_write_pte(vma, pte, flags)) return null;
  let page = vm_normal_page(vma, address, pte);
  if (page === null) {
    if (flags & FOLL_DUMP) return -EFAULT;
    if (!is_zero_pfn(m, pte_pfn(pte))) return follow_pfn_pte(vma, ptep, pte, flags);
    page = pte_pfn(pte);
  }
  if (flags & FOLL_GET) get_page(m, page);
  if (flags & FOLL_TOUCH) {
    if (flags & FOLL_WRITE && !pte_dirty(pte) && !m.mem.test(page, PG_dirty)) set_page_dirty(m, page);
    mark_page_accessed(m, page);
  }
  if (flags & FOLL_MLOCK && vma.vm_flags & VM_LOCKED) m.mem.set(page, PG_mlocked);
  return page;
}

/** no_page_table: null (fault it in), or -EFAULT for a dump of a vma that cannot fault. */
function no_page_table(vma: vm_area_struct, flags: number): number | null {
  if (flags & FOLL_DUMP && !vma.vm_ops?.fault) return -EFAULT;
  return null;
}

/** follow_pfn_pte: a special pte with no struct page: -EFAULT under FOLL_GET, else touch it and -EEXIST. */
function follow_pfn_pte(vma: vm_area_struct, ptep: number, pte: pte_t, flags: number): number {
  if (flags & FOLL_GET) return -EFAULT;
  if (flags & FOLL_TOUCH) {
    const e = pte_mkyoung(flags & FOLL_WRITE ? pte_mkdirty(pte) : pte);
    if (e.lo !== pte.lo) vma.m.phys.write_entry(ptep, e);
  }
  return EEXIST_PAGE;
}

/**
 * faultin_page: fault the page in for gup; 0 to retry the lookup, or -ENOMEM/-EFAULT/-EBUSY/-ENOENT.
 * 4.7.4: after a COW break in a vma without VM_WRITE it drops FOLL_WRITE (the Dirty COW window);
 * with dirty_cow_fix it sets FOLL_COW instead. flags is updated in .flags.
 */
function faultin_page(vma: vm_area_struct, address: number, st: { flags: number }): number {
  if ((st.flags & (FOLL_POPULATE | FOLL_MLOCK)) === FOLL_MLOCK) return -ENOENT;
  let fault_flags = 0;
  if (st.flags & FOLL_WRITE) fault_flags |= FAULT_FLAG_WRITE;
  if (st.flags & FOLL_REMOTE) fault_flags |= FAULT_FLAG_REMOTE;
  const m = vma.m;
  const ret = m.accountFault(vma.vm_mm, address, !!(fault_flags & FAULT_FLAG_WRITE), () => handle_mm_fault(vma.vm_mm, vma, address, fault_flags));
  if (ret & VM_FAULT_ERROR) {
    if (ret & VM_FAULT_OOM) return -ENOMEM;
    if (ret & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return -EFAULT;
    return -EFAULT;
  }
  if (ret & VM_FAULT_RETRY) return -EBUSY;
  if (ret & VM_FAULT_WRITE && !(vma.vm_flags & VM_WRITE)) {
    if (m.config.dirty_cow_fix) st.flags |= FOLL_COW;
    else st.flags &= ~FOLL_WRITE;
  }
  m.gupRetryHook?.(vma, address, st.flags);
  return 0;
}

/** Result of __get_user_pages: count pinned (or -errno when none), the pages and their vmas. */
export interface GupResult { ret: number; pages: number[]; vmas: vm_area_struct[] }

/** __get_user_pages: pin nr_pages pages from start (caller holds mmap_sem for read). */
export function __get_user_pages(mm: mm_struct, start: number, nr_pages: number, gup_flags: number): GupResult {
  const out: GupResult = { ret: 0, pages: [], vmas: [] };
  if (!nr_pages) return out;
  if (!(gup_flags & FOLL_FORCE)) gup_flags |= FOLL_NUMA;
  let vma: vm_area_struct | null = null;
  const st = { flags: gup_flags };
  let i = 0;
  const stop = (err: number): GupResult => { out.ret = i ? i : err; return out; };
  while (nr_pages) {
    if (!vma || start >= vma.vm_end) {
      vma = find_extend_vma(mm, start);
      if (!vma || check_vma_flags(vma, gup_flags)) return stop(-EFAULT);
      st.flags = gup_flags;
    }
    let page: number | null;
    for (;;) {
      page = follow_page(vma, start, st.flags);
      if (page !== null) break;
      const r = faultin_page(vma, start, st);
      if (r === 0) continue;
      if (r === -EBUSY) { out.ret = i; return out; }
      if (r === -ENOENT) break;
      return stop(r);
    }
    if (page !== null && page < 0 && page !== EEXIST_PAGE) return stop(page);
    if (page !== null && page >= 0 && gup_flags & FOLL_GET) out.pages.push(page);
    out.vmas.push(vma);
    i++;
    start += PAGE_SIZE;
    nr_pages--;
  }
  out.ret = i;
  return out;
}

/** get_user_pages_remote(mm, start, nr, write, force): FOLL_TOUCH|FOLL_REMOTE|FOLL_GET (+WRITE, +FORCE). */
export function get_user_pages_remote(mm: mm_struct, start: number, nr: number, write: boolean, force: boolean): GupResult {
  return __get_user_pages(mm, start, nr, FOLL_TOUCH | FOLL_REMOTE | FOLL_GET | (write ? FOLL_WRITE : 0) | (force ? FOLL_FORCE : 0));
}

/**
 * access_remote_vm: copy len bytes between buf and mm at addr with FOLL_FORCE, page by page,
 * falling back to vm_ops->access where gup fails. Returns the bytes moved (0..len, never < 0).
 */
export function access_remote_vm(mm: mm_struct, addr: number, buf: Uint8Array, len: number, write: number | boolean): number {
  const m = mm.m;
  mm.mmap_sem.down_read();
  let done = 0;
  try {
    while (len) {
      const g = get_user_pages_remote(mm, addr, 1, !!write, true);
      let bytes: number;
      if (g.ret <= 0) {
        const vma = find_vma(mm, addr);
        if (!vma || vma.vm_start > addr) break;
        let ret = g.ret;
        if (vma.vm_ops?.access) ret = vma.vm_ops.access(vma, addr, buf.subarray(done), len, write ? 1 : 0);
        if (typeof ret !== 'number' || ret <= 0) break;
        bytes = ret;
      } else {
        const page = g.pages[0]!;
        const off = addr % PAGE_SIZE;
        bytes = Math.min(len, PAGE_SIZE - off);
        const pa = page * PAGE_SIZE + off;
        if (write) {
          m.phys.ram.set(buf.subarray(done, done + bytes), pa);
          set_page_dirty(m, page);
        } else {
          buf.set(m.phys.ram.subarray(pa, pa + bytes), done);
        }
        put_page(m, page);
      }
      len -= bytes;
      done += bytes;
      addr += bytes;
    }
  } finally {
    mm.mmap_sem.up_read();
  }
  return done;
}

/** proc_mem_rw: /proc/pid/mem read or write in chunks of at most a page; 0 bytes first is -EIO. */
export function proc_mem_rw(mm: mm_struct, addr: number, buf: Uint8Array, len: number, write: boolean): number {
  let copied = 0;
  while (len > 0) {
    const this_len = Math.min(len, PAGE_SIZE);
    const n = access_remote_vm(mm, addr, buf.subarray(copied, copied + this_len), this_len, write ? 1 : 0);
    if (!n) return copied ? copied : -EIO;
    addr += n;
    copied += n;
    len -= n;
  }
  return copied;
}

/** process_vm_readv (one iovec): pin without force and copy; -EFAULT if not even one page pins. */
export function process_vm_readv(mm: mm_struct, addr: number, len: number): Uint8Array | number {
  const m = mm.m;
  if (len === 0) return new Uint8Array(0);
  const first = Math.floor(addr / PAGE_SIZE), last = Math.floor((addr + len - 1) / PAGE_SIZE);
  mm.mmap_sem.down_read();
  let g: GupResult;
  try {
    g = __get_user_pages(mm, first * PAGE_SIZE, last - first + 1, FOLL_TOUCH | FOLL_REMOTE | FOLL_GET);
  } finally {
    mm.mmap_sem.up_read();
  }
  if (g.ret <= 0) return -EFAULT;
  const avail = Math.min(len, g.ret * PAGE_SIZE - (addr % PAGE_SIZE));
  const out = new Uint8Array(avail);
  for (let done = 0, i = 0; done < avail; i++) {
    const off = i === 0 ? addr % PAGE_SIZE : 0;
    const n = Math.min(PAGE_SIZE - off, avail - done);
    const pa = g.pages[i]! * PAGE_SIZE + off;
    out.set(m.phys.ram.subarray(pa, pa + n), done);
    done += n;
  }
  for (const p of g.pages) put_page(m, p);
  return out;
}

/** populate_vma_page_range: fault in [start, end) of vma as mlock/MAP_POPULATE do. */
export function populate_vma_page_range(vma: vm_area_struct, start: number, end: number): number {
  let flags = FOLL_TOUCH | FOLL_POPULATE | FOLL_MLOCK;
  if (vma.vm_flags & VM_LOCKONFAULT) flags &= ~FOLL_POPULATE;
  if ((vma.vm_flags & (VM_WRITE | VM_SHARED)) === VM_WRITE) flags |= FOLL_WRITE;
  if (vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) flags |= FOLL_FORCE;
  return __get_user_pages(vma.vm_mm, start, (end - start) / PAGE_SIZE, flags).ret;
}

/** __mm_populate: populate every non-IO vma overlapping [start, start+len). 0 or -errno. */
export function __mm_populate(mm: mm_struct, start: number, len: number): number {
  const end = start + len;
  for (let nstart = start; nstart < end; ) {
    const vma = find_vma(mm, nstart);
    if (!vma || vma.vm_start >= end) break;
    const nend = Math.min(end, vma.vm_end);
    if (vma.vm_flags & (VM_IO | VM_PFNMAP)) { nstart = nend; continue; }
    const s = Math.max(nstart, vma.vm_start);
    const r = populate_vma_page_range(vma, s, nend);
    if (r < 0) return r;
    nstart = s + Math.max(r, 1) * PAGE_SIZE;
  }
  return 0;
}
