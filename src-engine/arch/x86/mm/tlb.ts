// Per-CPU state and x86's TLB flush policy (arch/x86/mm/tlb.c, 4.7): a local flush of the
// current mm, single-page invalidations up to tlb_single_page_flush_ceiling pages and a full
// flush beyond, and shootdown IPIs to the other CPUs in the mm's cpumask (lazy CPUs skip them).
import type { Machine } from '../../../machine';
import type { mm_struct } from '../../../mm/mm_types';
import { PAGE_SIZE } from '../pgtable_types';
import { TlbHierarchy } from './tlb_hw';
import { tlbGeometry } from '../../../params';
import { S } from '../../../metrics/catalog';

export const TLB_FLUSH_ALL = -1;
export const tlb_single_page_flush_ceiling = 33;

export type TlbFlushReason = 'TLB_FLUSH_ON_TASK_SWITCH' | 'TLB_REMOTE_SHOOTDOWN' | 'TLB_LOCAL_SHOOTDOWN'
  | 'TLB_LOCAL_MM_SHOOTDOWN' | 'TLB_REMOTE_SEND_IPI';

/** One CPU: the mm it has loaded, its translation caches and its simulated clock. */
export class Cpu {
  active_mm: mm_struct | null = null;
  readonly tlb: TlbHierarchy;
  /** Simulated cycles this CPU has spent (the deterministic scheduler runs the lowest first). */
  clock = 0;
  /** With PCIDs: the flush generation of each mm when this CPU last ran it. */
  readonly seenGen = new Map<number, number>();
  /** This CPU's counter block in the machine's shared statistics. */
  readonly stats: Float64Array;
  /** CPU `id` of machine m; with a buffer, attach to a TLB another thread made. */
  constructor(readonly m: Machine, readonly id: number, tlbBuffer?: SharedArrayBuffer) {
    this.tlb = tlbBuffer ? TlbHierarchy.attach(tlbBuffer) : new TlbHierarchy(tlbGeometry(m.config, id));
    this.stats = m.stats.counters(id);
  }
}

/** The PCID an mm's entries are tagged with (0 when PCIDs are off). */
export const mm_pcid = (m: Machine, mm: mm_struct): number => (m.config.pcid ? (mm.id % 4095) + 1 : 0);

/** Emit a tlb_flush tracepoint. */
function trace_tlb_flush(m: Machine, cpu: number, mm: mm_struct, start: number, end: number, pages: number, reason: TlbFlushReason): void {
  if (m.trace.on('tlb_flush')) m.trace.emit({ name: 'tlb_flush', cpu, mm, start, end, pages, reason });
}

/** Invalidate [start, end) of mm in one CPU's TLB (invlpg per page), or all of mm's entries. */
function flush_cpu(m: Machine, cpu: Cpu, mm: mm_struct, start: number, end: number, all: boolean): void {
  flush_cpu_pcid(m, cpu, mm_pcid(m, mm), start, end, all);
}

/** flush_cpu by PCID (the IPI handler knows the mm only by id). */
function flush_cpu_pcid(m: Machine, cpu: Cpu, pcid: number, start: number, end: number, all: boolean): void {
  const blk = cpu.stats;
  if (all) { cpu.tlb.flushPcid(pcid); blk[S.tlb_flushes_full]! += 1; return; }
  blk[S.tlb_flushes_ranged]! += 1;
  for (let a = start; a < end; a += PAGE_SIZE) cpu.tlb.invalidatePage(Math.floor(a / PAGE_SIZE), pcid); // any address in the page
  blk[S.tlb_flush_pages]! += Math.ceil((end - start) / PAGE_SIZE);
}

/** switch_mm: load mm on cpu, leaving the previous mm's cpumask; flushes unless PCIDs keep it. */
export function switch_mm(m: Machine, cpu: Cpu, mm: mm_struct): void {
  if (cpu.active_mm === mm) return;
  if (cpu.active_mm) {
    cpu.active_mm.cpumask.delete(cpu.id);
    if (m.config.pcid) cpu.seenGen.set(cpu.active_mm.id, cpu.active_mm.tlb_gen);
  }
  cpu.active_mm = mm;
  mm.cpumask.add(cpu.id);
  if (!m.config.pcid) {
    cpu.tlb.flushAll(false);
    trace_tlb_flush(m, cpu.id, mm, 0, 0, TLB_FLUSH_ALL, 'TLB_FLUSH_ON_TASK_SWITCH');
  } else if (cpu.seenGen.get(mm.id) !== mm.tlb_gen) {
    cpu.tlb.flushPcid(mm_pcid(m, mm)); // mm was flushed while this CPU held stale tagged entries
    trace_tlb_flush(m, cpu.id, mm, 0, 0, TLB_FLUSH_ALL, 'TLB_FLUSH_ON_TASK_SWITCH');
  }
}

/** An mm going away: every CPU that still has it loaded drops it (leave_mm). */
export function leave_mm_everywhere(m: Machine, mm: mm_struct): void {
  for (const cpu of m.cpus) {
    if (cpu.active_mm === mm) { cpu.active_mm = null; cpu.tlb.flushPcid(mm_pcid(m, mm)); }
    cpu.seenGen.delete(mm.id);
  }
  mm.cpumask.clear();
}

/**
 * flush_tlb_mm_range(mm, start, end): flush [start, end) of mm on every CPU that may cache it.
 * end === TLB_FLUSH_ALL asks for a full flush. The sender is the machine's current CPU.
 */
export function flush_tlb_mm_range(m: Machine, mm: mm_struct, start: number, end: number): void {
  // While CPU workers run, the script's thread is no CPU: every TLB is reached by IPI.
  const me = m.noCpuHere ? null : m.cpus[m.current_cpu]!;
  mm.tlb_gen++;
  let all = end === TLB_FLUSH_ALL;
  if (me && me.active_mm === mm) {
    if (!all && (end - start) / PAGE_SIZE > tlb_single_page_flush_ceiling) all = true;
    flush_cpu(m, me, mm, start, end, all);
    trace_tlb_flush(m, me.id, mm, start, end, all ? TLB_FLUSH_ALL : (end - start) / PAGE_SIZE, 'TLB_LOCAL_MM_SHOOTDOWN');
  }
  if (all) { start = 0; end = TLB_FLUSH_ALL; }
  flush_tlb_others(m, me, mm, start, end);
}

/**
 * flush_tlb_others: IPI every other CPU in mm's cpumask and wait for the acks. Every other CPU
 * is at a quantum boundary while this one runs (deterministic mode), so each handles the IPI at
 * once; the sender pays ipi_send per target, each receiver ipi_receive.
 */
function flush_tlb_others(m: Machine, me: Cpu | null, mm: mm_struct, start: number, end: number): void {
  const targets = mm.cpumask.others(me ? me.id : -1);
  if (targets.length === 0) return;
  const all = end === TLB_FLUSH_ALL;
  const pages = all ? TLB_FLUSH_ALL : (end - start) / PAGE_SIZE;
  const sender = me ? me.id : m.cpus.length;
  trace_tlb_flush(m, me ? me.id : m.current_cpu, mm, start, end, pages, 'TLB_REMOTE_SEND_IPI');
  const blk = me ? me.stats : m.statsSlot().counters; // no CPU sends: the script thread's slot
  blk[S.shootdowns_sent]! += targets.length;
  if (me) me.clock += m.config.cost_ipi_send * targets.length;
  if (m.workersRunning) { send_ipis(m, sender, mm, targets, start, end); return; }
  for (const id of targets) {
    const cpu = m.cpus[id]!;
    if (cpu.active_mm !== mm) continue; // lazy: it already left this mm
    flush_cpu(m, cpu, mm, start, end, all);
    cpu.stats[S.shootdowns_received]! += 1;
    cpu.clock += m.config.cost_ipi_receive;
    trace_tlb_flush(m, id, mm, start, end, pages, 'TLB_REMOTE_SHOOTDOWN');
  }
}

/**
 * Parallel mode: queue a shootdown for each target CPU whose worker is running and spin until
 * all acknowledge. A target whose worker is idle cannot take an interrupt, and does not touch
 * its TLB either, so the sender flushes that TLB itself (it is in mm's cpumask: no lazy check).
 */
function send_ipis(m: Machine, sender: number, mm: mm_struct, targets: number[], start: number, end: number): void {
  for (const t of targets) {
    if (Atomics.load(m.ipi.running, t) === 0) {
      const cpu = m.cpus[t]!;
      flush_cpu(m, cpu, mm, start, end, end === TLB_FLUSH_ALL);
      cpu.stats[S.shootdowns_received]! += 1;
      continue;
    }
    while (!m.ipi.trySend(t, mm.id, start, end, sender)) ipi_poll(m);
  }
  m.ipi.waitAcks(sender, () => ipi_poll(m));
}

/**
 * The shootdown interrupt handler of this thread's CPU (a worker): flush what each queued
 * request names if this CPU still runs that mm (a lazy CPU just acks), then ack it.
 */
export function ipi_poll(m: Machine): void {
  if (!m.isWorker) return;
  const cpu = m.cpus[m.current_cpu]!;
  if (!m.ipi.pending(cpu.id)) return;
  m.ipi.drain(cpu.id, (mmId, start, end) => {
    cpu.stats[S.shootdowns_received]! += 1;
    cpu.clock += m.config.cost_ipi_receive;
    if (!cpu.active_mm || cpu.active_mm.id !== mmId) return;
    cpu.active_mm.tlb_gen++;
    flush_cpu_pcid(m, cpu, mm_pcid(m, cpu.active_mm), start, end, end === TLB_FLUSH_ALL);
  });
}

/** flush_tlb_page: one page of mm. */
export function flush_tlb_page(m: Machine, mm: mm_struct, addr: number): void {
  flush_tlb_mm_range(m, mm, addr, addr + PAGE_SIZE);
}

/** flush_tlb_mm: all of mm. */
export function flush_tlb_mm(m: Machine, mm: mm_struct): void {
  flush_tlb_mm_range(m, mm, 0, TLB_FLUSH_ALL);
}
