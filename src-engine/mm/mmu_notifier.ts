// MMU notifiers (mm/mmu_notifier.c): secondary MMUs hear about invalidations of an mm's ranges.
import type { mm_struct, MmuNotifierOps } from './mm_types';

type Hook = 'invalidate_range_start' | 'invalidate_range_end' | 'invalidate_range';

/** The tracepoint name of each hook. */
const EVENT: Record<Hook, string> = {
  invalidate_range_start: 'mmu_notifier_invalidate_range_start',
  invalidate_range_end: 'mmu_notifier_invalidate_range_end',
  invalidate_range: 'mmu_notifier_invalidate_range',
};

/** Call one hook on every registered notifier and record the tracepoint (built only when traced). */
function notify(mm: mm_struct, hook: Hook, start: number, end: number): void {
  const name = EVENT[hook];
  if (mm.m.trace.on(name)) mm.m.trace.emit({ name, mm, start, end });
  for (const n of mm.notifiers) n[hook]?.(mm, start, end);
}

export const mmu_notifier_invalidate_range_start = (mm: mm_struct, s: number, e: number): void => notify(mm, 'invalidate_range_start', s, e);
export const mmu_notifier_invalidate_range_end = (mm: mm_struct, s: number, e: number): void => {
  // 4.7's __mmu_notifier_invalidate_range_end calls ->invalidate_range first, then ->invalidate_range_end.
  for (const n of mm.notifiers) n.invalidate_range?.(mm, s, e);
  notify(mm, 'invalidate_range_end', s, e);
};
export const mmu_notifier_invalidate_range = (mm: mm_struct, s: number, e: number): void => notify(mm, 'invalidate_range', s, e);

/** mmu_notifier_register: add a notifier to mm. */
export function mmu_notifier_register(mm: mm_struct, ops: MmuNotifierOps): number {
  mm.notifiers.push(ops);
  return 0;
}
