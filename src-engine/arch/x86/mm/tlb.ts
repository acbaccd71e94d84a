// Per-CPU TLBs and x86's TLB flush policy (arch/x86/mm/tlb.c, 4.7): a local flush of the
// current mm, single-page invalidations up to tlb_single_page_flush_ceiling pages and a full
// flush beyond, and shootdown IPIs to the other CPUs in the mm's cpumask.
import type { Machine } from '../../../machine';
import type { mm_struct } from '../../../mm/mm_types';
import { PAGE_SIZE } from '../pgtable_types';

export const TLB_FLUSH_ALL = -1;
export const tlb_single_page_flush_ceiling = 33;

export type TlbFlushReason = 'TLB_FLUSH_ON_TASK_SWITCH' | 'TLB_REMOTE_SHOOTDOWN' | 'TLB_LOCAL_SHOOTDOWN'
  | 'TLB_LOCAL_MM_SHOOTDOWN' | 'TLB_REMOTE_SEND_IPI';

/** A cached translation: what the walk found when it filled the entry. */
export interface TlbEntry { pfn: number; rw: boolean; user: boolean; nx: boolean; dirty: boolean }

/** One CPU: the mm it has loaded and its TLB (keyed by virtual page number). */
export class Cpu {
  active_mm: mm_struct | null = null;
  readonly tlb = new Map<number, TlbEntry>();
  constructor(readonly id: number) {}
}

/** Emit a tlb_flush tracepoint. */
function trace_tlb_flush(m: Machine, cpu: number, mm: mm_struct, start: number, end: number, pages: number, reason: TlbFlushReason): void {
  if (m.trace.on('tlb_flush')) m.trace.emit({ name: 'tlb_flush', cpu, mm, start, end, pages, reason });
}

/** Invalidate [start, end) of one CPU's TLB, or all of it when pages is TLB_FLUSH_ALL. */
function flush_cpu(cpu: Cpu, start: number, end: number, all: boolean): void {
  if (all) { cpu.tlb.clear(); return; }
  for (let a = start; a < end; a += PAGE_SIZE) cpu.tlb.delete(Math.floor(a / PAGE_SIZE)); // invlpg: any address in the page
}

/** switch_mm: load `mm` on `cpu`, leaving the previous mm's cpumask and flushing the TLB. */
export function switch_mm(m: Machine, cpu: Cpu, mm: mm_struct): void {
  if (cpu.active_mm === mm) return;
  if (cpu.active_mm) cpu.active_mm.cpumask.delete(cpu.id);
  cpu.active_mm = mm;
  mm.cpumask.add(cpu.id);
  cpu.tlb.clear();
  trace_tlb_flush(m, cpu.id, mm, 0, 0, TLB_FLUSH_ALL, 'TLB_FLUSH_ON_TASK_SWITCH');
}

/** An mm going away: every CPU that still has it loaded drops it (leave_mm). */
export function leave_mm_everywhere(m: Machine, mm: mm_struct): void {
  for (const cpu of m.cpus) {
    if (cpu.active_mm === mm) { cpu.active_mm = null; cpu.tlb.clear(); }
  }
  mm.cpumask.clear();
}

/**
 * flush_tlb_mm_range(mm, start, end): flush [start, end) of mm on every CPU that may cache it.
 * end === TLB_FLUSH_ALL asks for a full flush.
 */
export function flush_tlb_mm_range(m: Machine, mm: mm_struct, start: number, end: number): void {
  const me = m.cpus[m.current_cpu]!;
  let all = end === TLB_FLUSH_ALL;
  if (me.active_mm === mm) {
    if (!all && (end - start) / PAGE_SIZE > tlb_single_page_flush_ceiling) all = true;
    flush_cpu(me, start, end, all);
    trace_tlb_flush(m, me.id, mm, start, end, all ? TLB_FLUSH_ALL : (end - start) / PAGE_SIZE, 'TLB_LOCAL_MM_SHOOTDOWN');
  }
  if (all) { start = 0; end = TLB_FLUSH_ALL; }
  flush_tlb_others(m, mm, start, end);
}

/** flush_tlb_others: IPI every other CPU in mm's cpumask; each invalidates what it holds. */
function flush_tlb_others(m: Machine, mm: mm_struct, start: number, end: number): void {
  const targets = [...mm.cpumask].filter((c) => c !== m.current_cpu).sort((a, b) => a - b);
  if (targets.length === 0) return;
  const all = end === TLB_FLUSH_ALL;
  trace_tlb_flush(m, m.current_cpu, mm, start, end, all ? TLB_FLUSH_ALL : (end - start) / PAGE_SIZE, 'TLB_REMOTE_SEND_IPI');
  for (const id of targets) {
    const cpu = m.cpus[id]!;
    if (cpu.active_mm !== mm) continue; // lazy: it already left this mm
    flush_cpu(cpu, start, end, all);
    trace_tlb_flush(m, id, mm, start, end, all ? TLB_FLUSH_ALL : (end - start) / PAGE_SIZE, 'TLB_REMOTE_SHOOTDOWN');
  }
}

/** flush_tlb_page: one page of mm. */
export function flush_tlb_page(m: Machine, mm: mm_struct, addr: number): void {
  flush_tlb_mm_range(m, mm, addr, addr + PAGE_SIZE);
}

/** flush_tlb_mm: all of mm. */
export function flush_tlb_mm(m: Machine, mm: mm_struct): void {
  flush_tlb_mm_range(m, mm, 0, TLB_FLUSH_ALL);
}
