// The swap device (mm/swapfile.c): slots with use counts (swap_map) and their contents,
// in shared memory. Swap entries in ptes use 4.7's x86-64 layout: type at bit 9, offset at bit 14.
import { pte_t, __pte, PAGE_SIZE } from '../arch/x86/pgtable_types';

const SWP_TYPE_SHIFT = 9;
const SWP_OFFSET_SHIFT = 14;

export interface SwapEntry { type: number; offset: number }

export class SwapDevice {
  readonly map: Int32Array; // swap_map: use count per slot; slot 0 is the header, never used
  readonly data: Uint8Array;
  /** Swap cache: slot -> pfn of the page caching it (or absent). */
  readonly cache = new Map<number, number>();
  private hint = 1;

  constructor(readonly nr_slots: number) {
    this.map = new Int32Array(new SharedArrayBuffer(nr_slots * 4));
    this.data = new Uint8Array(new SharedArrayBuffer(nr_slots * PAGE_SIZE));
    this.map[0] = 1;
  }

  /** get_swap_page: a free slot with count 1, or 0 when the device is full. */
  get_swap_page(): number {
    for (let n = 0; n < this.nr_slots; n++) {
      const s = (this.hint + n) % this.nr_slots;
      if (s !== 0 && this.map[s] === 0) {
        this.map[s] = 1;
        this.hint = s + 1;
        return s;
      }
    }
    return 0;
  }
  /** swap_duplicate: one more reference to a slot. */
  dup(offset: number): void { this.map[offset] = this.map[offset]! + 1; }
  /** swap_free: drop a reference; returns the count left. */
  put(offset: number): number {
    const n = this.map[offset]! - 1;
    if (n < 0) throw new Error(`swap_free: slot ${offset} is not in use`);
    this.map[offset] = n;
    return n;
  }
  count(offset: number): number { return this.map[offset] ?? 0; }
  slotsInUse(): number {
    let n = 0;
    for (let s = 1; s < this.nr_slots; s++) if (this.map[s]! > 0) n++;
    return n;
  }
  /** The bytes of a slot (a view). */
  slot(offset: number): Uint8Array { return this.data.subarray(offset * PAGE_SIZE, (offset + 1) * PAGE_SIZE); }
}

/** swp_entry_to_pte. */
export function swp_entry_to_pte(e: SwapEntry): pte_t {
  const v = e.type * 2 ** SWP_TYPE_SHIFT + e.offset * 2 ** SWP_OFFSET_SHIFT;
  return __pte(v % 2 ** 32, Math.floor(v / 2 ** 32));
}
/** pte_to_swp_entry (the pte must be a swap pte). */
export function pte_to_swp_entry(p: pte_t): SwapEntry {
  const v = p.lo + p.hi * 2 ** 32;
  return { type: Math.floor(v / 2 ** SWP_TYPE_SHIFT) % 32, offset: Math.floor(v / 2 ** SWP_OFFSET_SHIFT) };
}
