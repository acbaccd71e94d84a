// arch/x86/mm/fault.c and the MMU: a user access on a CPU goes through its TLB, then a hardware
// page walk over the tables in RAM (setting Accessed/Dirty atomically, as x86 does), and on a
// miss-with-fault through __do_page_fault into handle_mm_fault.
import type { Machine } from '../../../machine';
import type { mm_struct } from '../../../mm/mm_types';
import { Cpu, switch_mm } from './tlb';
import { pgd_offset, pud_offset, pmd_offset, pte_offset, read_entry } from '../../../mm/pgtable';
import { _PAGE_PRESENT, _PAGE_USER, _PAGE_RW, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PSE, pte_pfn, pte_nx, PAGE_SIZE } from '../pgtable_types';
import { find_vma, expand_stack } from '../../../mm/mmap';
import { handle_mm_fault } from '../../../mm/memory_fault';
import { UserSignal } from '../../../kernel/bug';
import { VM_WRITE, VM_READ, VM_EXEC, VM_GROWSDOWN, VM_FAULT_ERROR, VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV,
  FAULT_FLAG_WRITE, FAULT_FLAG_USER } from '../../../include/mm_flags';
import { ACCESS_CYCLES } from '../../../costs';

export const PF_PROT = 1;
export const PF_WRITE = 2;
export const PF_USER = 4;

/** What a walk found: the frame and the permissions the TLB caches, or the fault's error code. */
interface WalkResult { pfn: number; rw: boolean; user: boolean; nx: boolean; dirty: boolean; fault: number }

/**
 * The hardware walker: reads pgd..pte for addr; on success sets ACCESSED (and DIRTY for a write)
 * in the leaf atomically and returns the translation; otherwise the page-fault error code.
 */
function hw_walk(m: Machine, mm: mm_struct, addr: number, write: boolean): WalkResult {
  const errcode = (prot: boolean): WalkResult => ({ pfn: -1, rw: false, user: false, nx: false, dirty: false, fault: (prot ? PF_PROT : 0) | (write ? PF_WRITE : 0) | PF_USER });
  let pa = pgd_offset(mm, addr);
  for (const step of [pud_offset, pmd_offset, pte_offset]) {
    const e = read_entry(m, pa);
    m.cycles += ACCESS_CYCLES.walk_ref.cycles;
    if (!(e.lo & _PAGE_PRESENT)) return errcode(false);
    if (!(e.lo & _PAGE_USER) || (write && !(e.lo & _PAGE_RW)) || e.lo & _PAGE_PSE) return errcode(true);
    pa = step(e, addr);
  }
  const pte = read_entry(m, pa);
  m.cycles += ACCESS_CYCLES.walk_ref.cycles;
  if (!(pte.lo & _PAGE_PRESENT)) return errcode(false);
  if (!(pte.lo & _PAGE_USER) || (write && !(pte.lo & _PAGE_RW))) return errcode(true);
  m.phys.or_entry_lo(pa, _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0));
  return { pfn: pte_pfn(pte), rw: (pte.lo & _PAGE_RW) !== 0, user: true, nx: pte_nx(pte), dirty: write || (pte.lo & _PAGE_DIRTY) !== 0, fault: 0 };
}

/**
 * translate: the physical frame for a user access at addr on cpu, or the page-fault error code
 * (as a negative number - 1). A write through a TLB entry whose D bit is clear re-walks, as x86 does.
 */
function translate(m: Machine, cpu: Cpu, mm: mm_struct, addr: number, write: boolean): number {
  const vpn = Math.floor(addr / PAGE_SIZE);
  const t = cpu.tlb.get(vpn);
  if (t && (!write || (t.rw && t.dirty))) {
    m.cycles += ACCESS_CYCLES.tlb_hit.cycles;
    m.stats.tlb_hits++;
    return t.pfn;
  }
  if (t && write && !t.rw) { cpu.tlb.delete(vpn); return -(PF_PROT | PF_WRITE | PF_USER) - 1; }
  m.stats.tlb_misses++;
  const w = hw_walk(m, mm, addr, write);
  if (w.fault) { cpu.tlb.delete(vpn); return -w.fault - 1; }
  cpu.tlb.set(vpn, { pfn: w.pfn, rw: w.rw, user: w.user, nx: w.nx, dirty: w.dirty });
  return w.pfn;
}

/** access_error: a fault the vma's permissions forbid (SIGSEGV). */
function access_error(error_code: number, vma_flags: number): boolean {
  if (error_code & PF_WRITE) return !(vma_flags & VM_WRITE);
  if (error_code & PF_PROT) return true;
  return !(vma_flags & (VM_READ | VM_EXEC | VM_WRITE));
}

/**
 * __do_page_fault: the x86 user page-fault handler. Returns normally when the access may retry;
 * throws SIGSEGV/SIGBUS (UserSignal) when the kernel would kill the task.
 */
export function __do_page_fault(m: Machine, cpu: Cpu, mm: mm_struct, address: number, error_code: number): void {
  const write = (error_code & PF_WRITE) !== 0;
  const flags = FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0);
  mm.mmap_sem.down_read();
  let fault: number;
  try {
    let vma = find_vma(mm, address);
    if (!vma) throw bad_area(m, mm, cpu, address, write, 'no vma');
    if (vma.vm_start > address) {
      if (!(vma.vm_flags & VM_GROWSDOWN)) throw bad_area(m, mm, cpu, address, write, 'address in a hole');
      if (expand_stack(vma, address)) throw bad_area(m, mm, cpu, address, write, 'stack cannot grow');
      vma = find_vma(mm, address)!;
    }
    if (access_error(error_code, vma.vm_flags)) throw bad_area(m, mm, cpu, address, write, 'access not permitted by the vma');
    const v = vma;
    fault = m.accountFault(mm, address, write, () => handle_mm_fault(mm, v, address, flags), cpu.id);
  } finally {
    mm.mmap_sem.up_read();
  }
  if (fault & VM_FAULT_ERROR) mm_fault_error(m, mm, cpu, address, write, fault);
}

/** A SIGSEGV for a bad area, counted and traced as an 'error' fault. */
function bad_area(m: Machine, mm: mm_struct, cpu: Cpu, address: number, write: boolean, why: string): UserSignal {
  m.accountFault(mm, address, write, () => VM_FAULT_SIGSEGV, cpu.id, 'error');
  m.log.printk(`mmu-lab[${mm.id}]: segfault at ${address.toString(16)} cpu ${cpu.id} (${why})`);
  return new UserSignal('SIGSEGV', address, why);
}

/** mm_fault_error: SIGBUS, SIGSEGV, or the OOM killer for VM_FAULT_OOM (the access then retries). */
function mm_fault_error(m: Machine, mm: mm_struct, cpu: Cpu, address: number, write: boolean, fault: number): void {
  if (fault & VM_FAULT_OOM) {
    m.log.printk(`mmu-lab invoked oom-killer: gfp_mask=0x24280ca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO), order=0`);
    m.oomRetries++;
    if (m.oomRetries > 3) {
      m.oomRetries = 0;
      m.log.printk(`Out of memory: Kill process mmu-lab[${mm.id}]`);
      throw new UserSignal('SIGKILL', address, 'killed by the OOM killer: the fault could not allocate memory');
    }
    return;
  }
  if (fault & VM_FAULT_SIGBUS) {
    m.log.printk(`mmu-lab[${mm.id}]: bus error at ${address.toString(16)} cpu ${cpu.id}`);
    throw new UserSignal('SIGBUS', address, 'no page can back this address (beyond EOF or no fault handler)');
  }
  if (fault & VM_FAULT_SIGSEGV) throw new UserSignal('SIGSEGV', address, 'the fault handler refused the access');
  void write;
}

/**
 * One user access of a byte range inside one page: translate (faulting as needed) and return
 * the physical address of addr. Counts the faults taken in faults.n.
 */
export function user_access(m: Machine, cpuId: number, mm: mm_struct, addr: number, write: boolean, faults: { n: number }): number {
  const cpu = m.cpus[cpuId]!;
  switch_mm(m, cpu, mm);
  for (let tries = 0; tries < 16; tries++) {
    const r = translate(m, cpu, mm, addr, write);
    if (r >= 0) { m.oomRetries = 0; return r * PAGE_SIZE + (addr % PAGE_SIZE); }
    faults.n++;
    __do_page_fault(m, cpu, mm, addr, -(r + 1));
  }
  throw new Error(`user access at 0x${addr.toString(16)} kept faulting (16 faults without progress): a lab bug`);
}
