// struct mmu_gather (include/asm-generic/tlb.h, mm/memory.c): batches pages unmapped from an
// mm so they are freed only after the TLB flush that covers their cleared ptes.
import type { mm_struct } from '../mm/mm_types';
import { BUG_ON } from '../kernel/bug';
import { put_page, release_pages } from '../mm/mm';
import type { Machine } from '../machine';
import { flush_tlb_mm_range, TLB_FLUSH_ALL } from '../arch/x86/mm/tlb';
import { mmu_notifier_invalidate_range } from '../mm/mmu_notifier';
import { TASK_SIZE, PAGE_SIZE } from '../arch/x86/pgtable_types';
import { free_table_page } from '../mm/pgtable';
import { PG_table } from '../mm/page';

export const MMU_GATHER_BUNDLE = 8;
export const MAX_GATHER_BATCH = 510;
export const MAX_GATHER_BATCH_COUNT = 19;
export const ULONG_MAX_ADDR = 2 ** 64 - 1;

export class mmu_gather {
  mm: mm_struct | null = null;
  start = 0;
  end = 0;
  fullmm = false;
  need_flush_all = false;
  /** Queued pages, batch by batch: the local bundle then up to 19 batches of 510. */
  batches: number[][] = [];
  batch_count = 0;
  /** Flushes done by this gather (for experiments): tlb-only flushes that had a range. */
  flushes = 0;
  finished = false;
}

/** Which of the gather's batches have room left. */
function batch_max(i: number): number {
  return i === 0 ? MMU_GATHER_BUNDLE : MAX_GATHER_BATCH;
}

/** __tlb_reset_range: an empty range, or the whole space for a full-mm gather. */
function __tlb_reset_range(tlb: mmu_gather): void {
  if (tlb.fullmm) { tlb.start = tlb.end = ULONG_MAX_ADDR; }
  else { tlb.start = TASK_SIZE; tlb.end = 0; }
}

/** tlb_gather_mmu: start a gather; start/end matter only to decide fullmm (0, ~0). */
export function tlb_gather_mmu(tlb: mmu_gather, mm: mm_struct, start: number, end: number): void {
  tlb.mm = mm;
  tlb.fullmm = start === 0 && end === ULONG_MAX_ADDR;
  tlb.need_flush_all = false;
  tlb.batches = [[]];
  tlb.batch_count = 0;
  tlb.finished = false;
  __tlb_reset_range(tlb);
}

/** tlb_remove_tlb_entry: grow the range to cover the page at addr. */
export function tlb_remove_tlb_entry(tlb: mmu_gather, addr: number): void {
  tlb.start = Math.min(tlb.start, addr);
  tlb.end = Math.max(tlb.end, addr + PAGE_SIZE);
}

/** __tlb_remove_page: queue a page; returns the slots left, 0 meaning "flush now". */
export function __tlb_remove_page(tlb: mmu_gather, pfn: number): number {
  const m = tlb.mm!.m;
  BUG_ON(m.log, m.config.debug_vm && tlb.end === 0, '__tlb_remove_page', 'VM_BUG_ON(!tlb->end)');
  let cur = tlb.batches[tlb.batches.length - 1]!;
  cur.push(pfn);
  const i = tlb.batches.length - 1;
  if (cur.length === batch_max(i)) {
    if (tlb.batch_count === MAX_GATHER_BATCH_COUNT) return 0;
    tlb.batches.push([]);
    tlb.batch_count++;
    cur = tlb.batches[tlb.batches.length - 1]!;
  }
  return batch_max(tlb.batches.length - 1) - cur.length;
}

/** tlb_flush_mmu_tlbonly: flush the gathered range (if any), tell notifiers, reset the range. */
export function tlb_flush_mmu_tlbonly(tlb: mmu_gather): void {
  if (!tlb.end) return;
  const mm = tlb.mm!;
  if (tlb.fullmm || tlb.need_flush_all) flush_tlb_mm_range(mm.m, mm, 0, TLB_FLUSH_ALL);
  else flush_tlb_mm_range(mm.m, mm, tlb.start, tlb.end);
  tlb.flushes++;
  mmu_notifier_invalidate_range(mm, tlb.start, tlb.end);
  __tlb_reset_range(tlb);
}

/** One queued page going back: a page-table page whole, any other by put_page. */
function free_gathered(m: Machine, pfn: number): void {
  if (m.mem.test_plain(pfn, PG_table)) free_table_page(m, pfn); // fixed while the gather holds the page
  else put_page(m, pfn);
}

/** tlb_flush_mmu_free: release every queued page (page-table pages go back too). */
export function tlb_flush_mmu_free(tlb: mmu_gather): void {
  release_pages(tlb.mm!.m, tlb.batches, free_gathered);
  tlb.batches = [[]];
  tlb.batch_count = 0;
}

/** tlb_flush_mmu: flush, then free. */
export function tlb_flush_mmu(tlb: mmu_gather): void {
  tlb_flush_mmu_tlbonly(tlb);
  tlb_flush_mmu_free(tlb);
}

/** tlb_finish_mmu: the final flush and free; the gather may not be used again. */
export function tlb_finish_mmu(tlb: mmu_gather, _start: number, _end: number): void {
  tlb_flush_mmu(tlb);
  tlb.finished = true;
}

/** pte_free_tlb and friends: a page-table page joins the batch (freed after the flush). */
export function tlb_remove_table(tlb: mmu_gather, pfn: number, addr: number): void {
  tlb_remove_tlb_entry(tlb, addr); // __tlb_adjust_range
  if (__tlb_remove_page(tlb, pfn) === 0) tlb_flush_mmu(tlb);
}
