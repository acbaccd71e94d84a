// x86 PAT memory-type reservations (arch/x86/mm/pat.c), reduced to the rules the mm API sees:
// reserve_memtype conflicts, lookup_memtype's defaults, and is_new_memtype_allowed.
import { MemType } from '../pgtable_types';
import { EBUSY } from '../../../include/mm_flags';

interface Reservation { start: number; end: number; type: MemType }

export class MemtypeTable {
  private readonly list: Reservation[] = [];
  /** Per-RAM-page memtype set by set_memory_* style calls; WB when absent. */
  readonly ramTypes = new Map<number, MemType>();

  /**
   * reserve_memtype(start, end, req, newtype): 0 on success. With `wantNew`, an overlap of one
   * type makes the reservation take that type (returned in .type); without it, any different
   * overlapping type is a conflict. Two differing overlaps are always -EBUSY.
   */
  reserve(start: number, end: number, req: MemType, wantNew: boolean): { err: number; type: MemType } {
    const overlaps = this.list.filter((r) => r.start < end && r.end > start);
    let found = req;
    if (overlaps.length) {
      const first = overlaps[0]!.type;
      if (first !== req && !wantNew) return { err: -EBUSY, type: req };
      if (overlaps.some((r) => r.type !== first)) return { err: -EBUSY, type: req };
      found = first;
    }
    this.list.push({ start, end, type: found });
    return { err: 0, type: found };
  }

  /** free_memtype: drop the reservation of exactly [start, end); false if none matched. */
  free(start: number, end: number): boolean {
    const i = this.list.findIndex((r) => r.start === start && r.end === end);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }

  /** lookup_memtype for a non-RAM physical address: the reserved type, else UC-. */
  lookup(pa: number): MemType {
    const r = this.list.find((x) => x.start < pa + 4096 && x.end > pa);
    return r ? r.type : 'UC-';
  }

  /** Reservations currently held, for observers and invariant checks. */
  get reservations(): readonly Reservation[] { return this.list; }
}

/** is_new_memtype_allowed: a request may not be downgraded to a more cached type. */
export function is_new_memtype_allowed(req: MemType, got: MemType): boolean {
  return !((req === 'UC-' && got === 'WB') || (req === 'WC' && got === 'WB'));
}
