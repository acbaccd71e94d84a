// The PAT hooks that mm/memory.c calls (arch/x86/mm/pat.c): track_pfn_remap, track_pfn_insert,
// track_pfn_copy and untrack_pfn, with reserve_pfn_range/free_pfn_range underneath.
import type { vm_area_struct } from '../../../mm/mm_types';
import type { Machine } from '../../../machine';
import { pgprot_t, pgprot_memtype, pgprot_set_cache, CACHEMODE_BITS, MemType, PAGE_SIZE } from '../pgtable_types';
import { is_new_memtype_allowed } from './pat';
import { VM_PAT, EINVAL } from '../../../include/mm_flags';
import { follow_phys } from '../../../mm/memory';
import { WARN_ON } from '../../../kernel/bug';

/** lookup_memtype: a RAM page's type (WB unless set), or the reserved type of MMIO (UC- if none). */
function lookup_memtype(m: Machine, pa: number): MemType {
  const pfn = Math.floor(pa / PAGE_SIZE);
  if (m.phys.pfn_valid(pfn)) return m.memtypes.ramTypes.get(pfn) ?? 'WB';
  return m.memtypes.lookup(pa);
}

/** Whether [pa, pa+size) is all RAM. */
function is_ram(m: Machine, pa: number, size: number): boolean {
  return m.phys.pfn_valid(Math.floor(pa / PAGE_SIZE)) && m.phys.pfn_valid(Math.floor((pa + size - 1) / PAGE_SIZE));
}

/**
 * reserve_pfn_range: reserve [pa, pa+size) with prot's memtype; prot may be changed to the
 * type already reserved there. err 0, -EINVAL (type not allowed) or -EBUSY (conflict).
 */
export function reserve_pfn_range(m: Machine, pa: number, size: number, prot: pgprot_t): { err: number; prot: pgprot_t } {
  const want = pgprot_memtype(prot);
  if (is_ram(m, pa, size)) {
    if (!m.config.pat) return { err: 0, prot };
    const pcm = lookup_memtype(m, pa);
    if (pcm !== want) {
      m.log.printk(`x86/PAT: mmu-lab map pfn RAM range req ${want} for [mem 0x${pa.toString(16)}-0x${(pa + size - 1).toString(16)}], got ${pcm}`);
      return { err: 0, prot: pgprot_set_cache(prot, CACHEMODE_BITS[pcm]) };
    }
    return { err: 0, prot };
  }
  if (!m.config.pat) return { err: 0, prot };
  const r = m.memtypes.reserve(pa, pa + size, want, true);
  if (r.err) {
    m.log.printk(`x86/PAT: mmu-lab conflicting memory types ${pa.toString(16)}-${(pa + size).toString(16)} ${want}`);
    return { err: r.err, prot };
  }
  if (r.type !== want) {
    if (!is_new_memtype_allowed(want, r.type)) {
      m.log.printk(`x86/PAT: mmu-lab map pfn expected mapping type ${want} for [mem 0x${pa.toString(16)}-0x${(pa + size - 1).toString(16)}], got ${r.type}`);
      m.memtypes.free(pa, pa + size);
      return { err: -EINVAL, prot };
    }
    return { err: 0, prot: pgprot_set_cache(prot, CACHEMODE_BITS[r.type]) };
  }
  return { err: 0, prot };
}

/** free_pfn_range: drop a non-RAM reservation (nothing when PAT is off). */
function free_pfn_range(m: Machine, pa: number, size: number): void {
  if (!m.config.pat || is_ram(m, pa, size)) return;
  m.memtypes.free(pa, pa + size);
}

/** track_pfn_remap: reserve the whole vma (setting VM_PAT), or check a part's memtype. */
export function track_pfn_remap(vma: vm_area_struct, prot: pgprot_t, pfn: number, addr: number, size: number): { err: number; prot: pgprot_t } {
  const m = vma.m;
  if (m.shouldFail('track_pfn')) return { err: -EINVAL, prot };
  let pa = pfn * PAGE_SIZE;
  if (addr === vma.vm_start && size === vma.vm_end - vma.vm_start) {
    const r = reserve_pfn_range(m, pa, size, prot);
    if (!r.err) vma.vm_flags = vma.vm_flags | VM_PAT;
    return r;
  }
  if (!m.config.pat) return { err: 0, prot };
  const pcm = lookup_memtype(m, pa);
  while (size > PAGE_SIZE) {
    size -= PAGE_SIZE;
    pa += PAGE_SIZE;
    if (lookup_memtype(m, pa) !== pcm) return { err: -EINVAL, prot };
  }
  return { err: 0, prot: pgprot_set_cache(prot, CACHEMODE_BITS[pcm]) };
}

/** track_pfn_insert: with PAT on, prot takes the pfn's memtype. Never fails on x86 (but can be injected). */
export function track_pfn_insert(vma: vm_area_struct, prot: pgprot_t, pfn: number): { err: number; prot: pgprot_t } {
  const m = vma.m;
  if (m.shouldFail('track_pfn')) return { err: -EINVAL, prot };
  if (!m.config.pat) return { err: 0, prot };
  return { err: 0, prot: pgprot_set_cache(prot, CACHEMODE_BITS[lookup_memtype(m, pfn * PAGE_SIZE)]) };
}

/** track_pfn_copy: fork re-reserves a VM_PAT vma's whole range; 0 or an error. */
export function track_pfn_copy(vma: vm_area_struct): number {
  const m = vma.m;
  if (!(vma.vm_flags & VM_PAT)) return 0;
  if (m.shouldFail('track_pfn')) return -EINVAL;
  const fp = follow_phys(vma, vma.vm_start, false);
  if (!fp) { WARN_ON(m.log, true, 'track_pfn_copy', 'follow_phys failed at vm_start'); return -EINVAL; }
  const { pte } = fp;
  return reserve_pfn_range(m, fp.phys, vma.vm_end - vma.vm_start, new pgprot_t(pte.lo & 0xfff, pte.hi & 0xfff00000)).err;
}

/**
 * untrack_pfn: release a VM_PAT vma's reservation. pfn 0 with size 0 means the whole vma, whose
 * physical address is found at vm_start (WARN once and keep VM_PAT if that fails).
 */
export function untrack_pfn(vma: vm_area_struct, pfn: number, size: number): void {
  const m = vma.m;
  if (!(vma.vm_flags & VM_PAT)) return;
  let pa = pfn * PAGE_SIZE;
  if (!pa && !size) {
    const fp = follow_phys(vma, vma.vm_start, false);
    if (!fp) {
      if (!m.warnedOnce.has('untrack_pfn')) { m.warnedOnce.add('untrack_pfn'); WARN_ON(m.log, true, 'untrack_pfn', 'follow_phys failed at vm_start'); }
      return;
    }
    pa = fp.phys;
    size = vma.vm_end - vma.vm_start;
  }
  free_pfn_range(m, pa, size);
  vma.vm_flags = vma.vm_flags & ~VM_PAT;
}
