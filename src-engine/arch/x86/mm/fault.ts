// arch/x86/mm/fault.c and the MMU: a user access on a CPU goes through its TLB, then a hardware
// page walk over the tables in RAM (setting Accessed/Dirty atomically, as x86 does), and on a
// miss-with-fault through __do_page_fault into handle_mm_fault.
import type { Machine } from '../../../machine';
import type { MachineConfig } from '../../../params';
import type { mm_struct, vm_area_struct } from '../../../mm/mm_types';
import { Cpu, switch_mm, mm_pcid } from './tlb';
import { read_entry, walk_pte } from '../../../mm/pgtable';
import { _PAGE_PRESENT, _PAGE_USER, _PAGE_RW, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PSE, pte_pfn, pte_hw_present, pfn_of_halves, PAGE_SIZE } from '../pgtable_types';
import { tlbFlagsFromPte, TLB_RW, TLB_DIRTY, TLB_HIT_L1, type TlbHierarchy } from './tlb_hw';
import { S } from '../../../metrics/catalog';
import { PG_buddy } from '../../../mm/page';
import { find_vma, expand_stack } from '../../../mm/mmap';
import { handle_mm_fault } from '../../../mm/memory_fault';
import { UserSignal } from '../../../kernel/bug';
import { VM_WRITE, VM_READ, VM_EXEC, VM_GROWSDOWN, VM_FAULT_ERROR, VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV,
  FAULT_FLAG_WRITE, FAULT_FLAG_USER } from '../../../include/mm_flags';

export const PF_PROT = 1;
export const PF_WRITE = 2;
export const PF_USER = 4;

/** hw_walk's answer when the pte changed under it: walk again (no fault). */
const WALK_RETRY = -1;

// The walk's result, left here instead of in a new object per walk (the walk is a hot path).
let walkPfn = 0;
let walkFlags = 0;
let walkRefs = 0;
const PERM = _PAGE_RW | _PAGE_USER;

// The costs the hot path charges, copied out of m.config (load_costs). resolveConfig builds the
// config key by key, which leaves it in V8's dictionary mode: every field read is a hash lookup
// through the LoadIC builtin (~5 ns), several per TLB miss against a 60 ns walk budget. Copies
// stay right because a machine's config is never changed in place: every entry point reloads
// them when m.config is another object than the one they were copied from.
let costsOf: MachineConfig | null = null;
let costAccess = 0;
let costStlbHit = 0;
let costWalk = 0;
let costWalkRef = 0;
let tlbCheck = false;
/** CPUs run on worker threads (parallel mode): page-table entries may change under a walk. */
let concurrent = false;

// The counters the hot path updates, their indexes copied out of S once: a read of S.x is a
// load of the imported S, a map check and a field load, five times per TLB miss; a module
// constant is one load. (Measured on the every-access-misses chase: the miss's five counter
// updates cost 7-10 ns; with these, a few ns less, about the machine's noise.)
const C_ACCESSES = S.accesses;
const C_L1_HITS = S.l1_tlb_hits;
const C_L1_MISSES = S.l1_tlb_misses;
const C_L2_HITS = S.l2_tlb_hits;
const C_L2_MISSES = S.l2_tlb_misses;
const C_WALKS = S.walks;
const C_WALK_REFS = S.walk_refs;

/** Copy the hot path's costs (and the machine's mode) out of config c. */
function load_costs(c: MachineConfig): void {
  costsOf = c;
  concurrent = c.mode === 'parallel';
  costAccess = c.cost_access;
  costStlbHit = c.cost_stlb_hit;
  costWalk = c.cost_walk;
  costWalkRef = c.cost_walk_ref;
  tlbCheck = c.tlb_check;
}

/**
 * vpn's prefix that selects its level-`level` entry (1 = pte ... 4 = pgd): vpn >> 9*(level-1),
 * computed as a scale by a power of two (exact) and a floor. Its low 9 bits are the entry's
 * index in its table (table_index(addr, 12 + 9*(level-1)) for vpn = addr >> 12), and for
 * levels 2..4 it is the PWC key (pwcPrefix(level, vpn)).
 */
const level_prefix = (vpn: number, level: number): number =>
  level === 1 ? vpn
    : vpn < 2147483648 ? vpn >>> (9 * level - 9) // an int32 vpn: the shift itself
      : Math.floor(vpn * (level === 2 ? 0.001953125 : level === 3 ? 0.000003814697265625 : 7.450580596923828e-9));

/**
 * The hardware walker: from the deepest page-walk-cache hit (or CR3) down to the pte, checking
 * present/user/write at each level and caching upper entries in the PWC. On success sets
 * ACCESSED (and DIRTY for a write) in the pte atomically, leaves the frame and TLB flags in
 * walkPfn/walkFlags, and returns 0; WALK_RETRY if the pte changed under it (walk again with
 * `fresh` true); otherwise the page-fault error code.
 *
 * Memory ordering (shared/ARCHITECTURE.md: plain loads where the protocol makes them safe). Every
 * entry is written by PhysMem.write_entry under its lock, with Atomics stores: low word 0, high
 * word, low word. An upper-level entry's low word is read with Atomics.load: that is the acquire
 * edge that makes the high word and the contents of the table it points at (zeroed before it
 * was published) visible to the plain loads after it. The pte's low word is read plainly on a
 * first walk and validated by set_entry_bits_if, whose compare-and-swap (or Atomics.load when
 * the bits are set already) fails if the pte no longer holds that value; its high word is read
 * after that, so it belongs to the same write. A retry (`fresh`) reads the pte with Atomics.load.
 * Atomics.load is a builtin call on Node 20 (~7 ns here), not an inlined load, and the
 * compare-and-swap another ~9 ns: a third of the 60 ns a walk may take. So they are used only
 * when CPUs run on worker threads (`concurrent`). In deterministic mode every CPU and the
 * kernel run on this one thread, and nothing can write an entry while a walk reads it: plain
 * loads and a plain OR of the A/D bits do exactly what the atomics would.
 * Its commonest case in deterministic mode (the PWC holds the PDE, the pte is good) is made by
 * TlbHierarchy.walkPte inside the hot loop instead (see l1_hits): the two must agree, which
 * tests/unit/tlb/walk-fused.test.ts checks.
 */
function hw_walk(m: Machine, cpu: Cpu, mm: mm_struct, vpn: number, write: boolean, pcid: number, fresh: boolean): number {
  const tlb = cpu.tlb;
  const words = m.phys.ramWords;
  const pwc = tlb.hasPwc; // without a PWC the walk starts at CR3 and caches nothing
  const levels = pwc ? tlb.pwcWalkStart(vpn, pcid) : 4;
  let table = levels === 4 ? mm.pgd : tlb.lastTablePfn;
  let perm = levels === 4 ? PERM : tlb.lastFlags & PERM;
  const notPresent = (write ? PF_WRITE : 0) | PF_USER, protection = notPresent | PF_PROT;
  walkRefs = 0;
  for (let level = levels; level > 1; level--) {
    const prefix = level_prefix(vpn, level);
    const w = (table * 4096 + (prefix & 511) * 8) >>> 2; // the entry's low word (pa / 4)
    const lo = concurrent ? Atomics.load(words, w) : words[w]!;
    walkRefs++;
    if (!(lo & _PAGE_PRESENT)) return notPresent;
    perm &= lo;
    if (lo & _PAGE_PSE) return protection; // no huge pages are ever created
    table = pfn_of_halves(lo, words[w + 1]!);
    if (pwc) tlb.pwcInsertWalked(level, prefix, pcid, table, perm); // pwcWalkStart missed this level
  }
  const pa = table * 4096 + (vpn & 511) * 8;
  const w = pa >>> 2;
  const lo = fresh && concurrent ? Atomics.load(words, w) : words[w]!;
  walkRefs++;
  if (!(lo & _PAGE_PRESENT)) return notPresent;
  perm &= lo;
  if (!(perm & _PAGE_USER) || (write && !(perm & _PAGE_RW))) return protection;
  const ad = _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
  if (concurrent) {
    if (!m.phys.set_entry_bits_if(pa, lo, ad)) return WALK_RETRY;
  } else if ((lo & ad) !== ad) {
    words[w] = lo | ad; // set_entry_bits_if with nothing running beside it
  }
  const hi = words[w + 1]!;
  walkPfn = pfn_of_halves(lo, hi);
  walkFlags = tlbFlagsFromPte((lo & ~PERM) | perm | (write ? _PAGE_DIRTY : 0), hi);
  return 0;
}

/**
 * translate: the frame for a user access at addr on cpu, or -(page-fault error code) - 1.
 * Counts the access and charges its cycles to the CPU. A write through a TLB entry that is
 * read-only faults (and drops the entry); one whose dirty bit is clear re-walks, as x86 does.
 */
function translate(m: Machine, cpu: Cpu, mm: mm_struct, addr: number, write: boolean): number {
  if (m.config !== costsOf) load_costs(m.config);
  const vpn = Math.floor(addr * 0.000244140625); // addr / PAGE_SIZE, exactly (a power-of-two scale)
  const pcid = mm_pcid(m, mm);
  cpu.stats[C_ACCESSES]! += 1;
  return translate_looked_up(m, cpu, mm, addr, write, vpn, pcid, cpu.tlb.lookup(vpn, pcid));
}

/**
 * translate, given the TLB lookup already made for (vpn, pcid) and its result pfn. The caller
 * has loaded m.config's costs (load_costs).
 */
function translate_looked_up(m: Machine, cpu: Cpu, mm: mm_struct, addr: number, write: boolean, vpn: number, pcid: number, pfn: number): number {
  const tlb = cpu.tlb, blk = cpu.stats;
  if (pfn >= 0) {
    const f = tlb.lastFlags;
    if (tlb.lastLevel === TLB_HIT_L1) { blk[C_L1_HITS]! += 1; cpu.clock += costAccess; }
    else { blk[C_L1_MISSES]! += 1; blk[C_L2_HITS]! += 1; cpu.clock += costAccess + costStlbHit; }
    if (write && !(f & TLB_RW)) { tlb.invalidatePage(vpn, pcid); return -(PF_PROT | PF_WRITE | PF_USER) - 1; }
    if (!write || f & TLB_DIRTY) {
      if (tlbCheck) check_tlb_hit(m, cpu, mm, addr, pfn);
      return pfn;
    }
  } else {
    blk[C_L1_MISSES]! += 1;
    blk[C_L2_MISSES]! += 1;
  }
  blk[C_WALKS]! += 1;
  let err = hw_walk(m, cpu, mm, vpn, write, pcid, false);
  while (err === WALK_RETRY) err = hw_walk(m, cpu, mm, vpn, write, pcid, true);
  blk[C_WALK_REFS]! += walkRefs;
  cpu.clock += costAccess + costStlbHit + costWalk + walkRefs * costWalkRef;
  if (err) { tlb.invalidatePage(vpn, pcid, pfn < 0); return -err - 1; }
  if (pfn < 0) tlb.insertWalked(vpn, pcid, walkPfn, walkFlags); // the lookup above missed, and a walk inserts nothing
  else tlb.insert(vpn, pcid, walkPfn, walkFlags);
  return walkPfn;
}

/**
 * The stale-TLB checker (tlb_check): a TLB hit must agree with the page tables. With CPUs on one
 * thread every flush completes before the next access, so any cached frame the pte no longer
 * maps means a flush was missed. With CPUs on workers a translation may be used until this CPU
 * acknowledges the shootdown, so there only a hit on a frame already freed is a violation (the
 * kernel frees a page only after every CPU flushed it). Violations go to check_invariants.
 */
function check_tlb_hit(m: Machine, cpu: Cpu, mm: mm_struct, addr: number, pfn: number): void {
  if (m.isWorker) {
    if (m.phys.pfn_valid(pfn) && m.mem.test(pfn, PG_buddy)) m.staleTlb.push(`cpu ${cpu.id}: TLB hit for ${mm} 0x${addr.toString(16)} on freed pfn ${pfn}`);
    return;
  }
  const ptep = walk_pte(mm, addr);
  const pte = ptep < 0 ? null : read_entry(m, ptep);
  if (pte && pte_hw_present(pte) && pte_pfn(pte) === pfn) return;
  const state = !m.phys.pfn_valid(pfn) ? 'device memory' : m.mem.test(pfn, PG_buddy) ? 'a free frame' : 'a frame mapped elsewhere now';
  m.staleTlb.push(`cpu ${cpu.id}: stale TLB entry for ${mm} 0x${addr.toString(16)} -> pfn ${pfn} (${state})`);
}

/** access_error: a fault the vma's permissions forbid (SIGSEGV). */
function access_error(error_code: number, vma_flags: number): boolean {
  if (error_code & PF_WRITE) return !(vma_flags & VM_WRITE);
  if (error_code & PF_PROT) return true;
  return !(vma_flags & (VM_READ | VM_EXEC | VM_WRITE));
}

// The handle_mm_fault call __do_page_fault has accountFault make, as one function and four
// variables instead of a closure per fault. handlePending reads them as soon as it is called,
// so a fault taken inside the handler (a driver's fault touching user memory) may reuse them.
let pendingMm: mm_struct | null = null;
let pendingVma: vm_area_struct | null = null;
let pendingAddress = 0;
let pendingFlags = 0;
/** handle_mm_fault(pendingMm, pendingVma, pendingAddress, pendingFlags), dropping the references it was given. */
function handlePending(): number {
  const mm = pendingMm!, vma = pendingVma!;
  pendingMm = null;
  pendingVma = null;
  return handle_mm_fault(mm, vma, pendingAddress, pendingFlags);
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
    pendingMm = mm;
    pendingVma = vma;
    pendingAddress = address;
    pendingFlags = flags;
    fault = m.accountFault(mm, address, write, handlePending, cpu.id);
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
const FAST_WRITE = TLB_RW | TLB_DIRTY;

/**
 * The hit loop: from index k, the accesses that hit the L1 dTLB with nothing else to do (a read,
 * or a write through a writable dirty entry) and, on a machine whose CPUs run on this thread,
 * the L2 hits with nothing else to do and the TLB misses whose walk is one pte read that
 * succeeds (TlbHierarchy.walkPte). Returns the index of the first access that needs more (or
 * n), whose lookup is made and its result left in stoppedPfn; the L2 hits and walked misses
 * among them are left in runL2Hits and runWalks, their costs and counters charged here (the
 * L1 hits are the caller's). The loop itself is TlbHierarchy.lookupRun, so that
 * the TLB's fields stay in registers across it.
 */
function l1_hits(m: Machine, cpu: Cpu, tlb: TlbHierarchy, addrs: Float64Array, writes: Uint8Array, k: number, n: number, pcid: number, noWrites: boolean): number {
  const j = tlb.lookupRun(addrs, writes, k, n, pcid, FAST_WRITE, noWrites, concurrent ? null : m.phys.ramWords);
  const walks = (runWalks = tlb.runWalks), l2Hits = (runL2Hits = tlb.runL2Hits);
  if (walks !== 0) charge_walks(m, cpu, walks);
  if (l2Hits !== 0) charge_l2_hits(m, cpu, l2Hits);
  if (j < n) stoppedPfn = tlb.lastPfn;
  return j;
}

/**
 * Count and charge `walks` accesses that missed both TLB levels and were walked with one
 * reference (the pte; the PWC held the PDE), as translate_looked_up and hw_walk count and
 * charge each of them. The costs are integers, so one multiplication is exact.
 */
function charge_walks(m: Machine, cpu: Cpu, walks: number): void {
  const blk = cpu.stats;
  blk[C_ACCESSES]! += walks;
  blk[C_L1_MISSES]! += walks;
  blk[C_L2_MISSES]! += walks;
  blk[C_WALKS]! += walks;
  blk[C_WALK_REFS]! += walks;
  cpu.clock += walks * (costAccess + costStlbHit + costWalk + costWalkRef);
  m.oomRetries = 0;
}

/**
 * Count and charge `n` accesses that missed L1, hit L2 and needed nothing more, as
 * translate_looked_up counts and charges each of them (integer costs: the product is exact).
 */
function charge_l2_hits(m: Machine, cpu: Cpu, n: number): void {
  const blk = cpu.stats;
  blk[C_ACCESSES]! += n;
  blk[C_L1_MISSES]! += n;
  blk[C_L2_HITS]! += n;
  cpu.clock += n * (costAccess + costStlbHit);
  m.oomRetries = 0;
}

/** The walked misses and plain L2 hits of the last l1_hits (its caller counts the rest of its accesses as L1 hits). */
let runWalks = 0;
let runL2Hits = 0;
/**
 * Whether writes[from..to) holds a write. A caller that reads its accesses in blocks asks once
 * per block (indexOf is a memchr) and passes run_accesses noWrites when there is none.
 */
export function hasWrites(writes: Uint8Array, from: number, to: number): boolean {
  const i = writes.indexOf(1, from);
  return i >= 0 && i < to;
}

/** The lookup result of the access l1_hits stopped at. */
let stoppedPfn = -1;

/**
 * A CPU's hot loop: the accesses k = from .. n-1 (addrs[k], writes[k] = 1 for a store) by mm on
 * cpu. L1 TLB hits are counted in bulk; anything else goes through translate and the fault
 * path. The accesses completed are added to done.n; a signal that kills the process is thrown
 * (UserSignal). `noWrites` promises writes[from..n) are all 0 (see hasWrites).
 */
export function run_accesses(m: Machine, cpu: Cpu, mm: mm_struct, addrs: Float64Array, writes: Uint8Array, from: number, n: number, faults: { n: number }, done: { n: number }, noWrites = false): void {
  switch_mm(m, cpu, mm);
  if (m.config !== costsOf) load_costs(m.config);
  const tlb = cpu.tlb, blk = cpu.stats, pcid = mm_pcid(m, mm), fast = !tlbCheck, hitCost = costAccess;
  let hits = 0, k = from;
  try {
    while (k < n) {
      if (fast) {
        const j = l1_hits(m, cpu, tlb, addrs, writes, k, n, pcid, noWrites);
        hits += j - k - runWalks - runL2Hits;
        k = j;
        if (k === n) break;
      }
      slow_access(m, cpu, mm, addrs[k]!, writes[k] === 1, pcid, faults, fast);
      k++;
    }
  } finally {
    blk[C_ACCESSES]! += hits;
    blk[C_L1_HITS]! += hits;
    cpu.clock += hits * hitCost;
    done.n += k - from;
  }
}

/**
 * One access that is not a plain L1 hit: translate (its TLB lookup was already made when
 * `looked` is true, so its result is in the TLB's last* fields), faulting until it succeeds.
 */
function slow_access(m: Machine, cpu: Cpu, mm: mm_struct, addr: number, write: boolean, pcid: number, faults: { n: number }, looked: boolean): void {
  if (m.config !== costsOf) load_costs(m.config); // a fault handler may have run another machine's accesses
  const vpn = Math.floor(addr * 0.000244140625); // addr / PAGE_SIZE, exactly (a power-of-two scale)
  cpu.stats[C_ACCESSES]! += 1;
  const pfn = looked ? stoppedPfn : cpu.tlb.lookup(vpn, pcid);
  let r = translate_looked_up(m, cpu, mm, addr, write, vpn, pcid, pfn);
  for (let tries = 0; r < 0; tries++) {
    if (tries === 16) throw new Error(`user access at 0x${addr.toString(16)} kept faulting (16 faults without progress): a lab bug`);
    faults.n++;
    __do_page_fault(m, cpu, mm, addr, -(r + 1));
    r = translate(m, cpu, mm, addr, write);
  }
  m.oomRetries = 0;
}

export function user_access(m: Machine, cpuId: number, mm: mm_struct, addr: number, write: boolean, faults: { n: number }): number {
  const cpu = m.cpus[cpuId]!;
  switch_mm(m, cpu, mm);
  for (let tries = 0; tries < 16; tries++) {
    const r = translate(m, cpu, mm, addr, write);
    // addr's offset in its page as addr - page start: `addr % PAGE_SIZE` of an address above
    // 2^31 (a double to V8) is a call to fmod, a sizeable part of a fault's host time.
    if (r >= 0) { m.oomRetries = 0; return r * PAGE_SIZE + (addr - Math.floor(addr * 0.000244140625) * PAGE_SIZE); }
    faults.n++;
    __do_page_fault(m, cpu, mm, addr, -(r + 1));
  }
  throw new Error(`user access at 0x${addr.toString(16)} kept faulting (16 faults without progress): a lab bug`);
}
