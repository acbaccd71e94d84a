// struct page: one record per RAM frame, stored in shared memory (the kernel's mem_map).
// Fields are Int32 words so CPU workers can update refcounts and flags with Atomics.
// page.index needs more than 32 bits (anonymous index = address >> 12) so it has its own array.

export const PG_locked = 0;
export const PG_referenced = 2;
export const PG_uptodate = 3;
export const PG_dirty = 4;
export const PG_lru = 5;
export const PG_active = 6;
export const PG_reserved = 10;
export const PG_private = 11;
export const PG_writeback = 13;
export const PG_head = 14;
export const PG_swapcache = 15;
export const PG_reclaim = 17;
export const PG_swapbacked = 18;
export const PG_unevictable = 19;
export const PG_mlocked = 20;
export const PG_hwpoison = 21;
// Lab-internal type bits (4.7 marks these with _mapcount sentinels; bits are clearer here).
export const PG_buddy = 28;
export const PG_table = 29;
export const PG_tail = 30;

const F_FLAGS = 0, F_REF = 1, F_MAPCOUNT = 2, F_MAPPING = 3, F_PRIVATE = 4, F_NEXT = 5, F_PREV = 6, F_EXTRA = 7;
const STRIDE = 8;

/** Encoded `page->mapping`: 0 is NULL; bit 0 set is an anon_vma id; otherwise an address_space id. */
export const PAGE_MAPPING_ANON = 1;

export interface MemMapBuffers {
  words: SharedArrayBuffer;
  index: SharedArrayBuffer;
}

/** The mem_map of one machine: struct page fields by pfn. */
export class MemMap {
  readonly w: Int32Array;
  readonly idx: Float64Array;
  /**
   * Other threads (CPU workers) may update struct pages at the same time: fields are then read
   * and written with Atomics. The machine clears it in deterministic mode (every CPU on one
   * thread); see the comment above flags().
   */
  concurrent = true;

  /** Attach to (or create, with `nr_pages`) the struct page arrays. */
  constructor(readonly buffers: MemMapBuffers) {
    this.w = new Int32Array(buffers.words);
    this.idx = new Float64Array(buffers.index);
  }

  /** Fresh struct pages for `nr_pages` frames, all zero (refcount 0, mapcount -1 set by init). */
  static create(nr_pages: number): MemMap {
    const m = new MemMap({
      words: new SharedArrayBuffer(nr_pages * STRIDE * 4),
      index: new SharedArrayBuffer(nr_pages * 8),
    });
    for (let pfn = 0; pfn < nr_pages; pfn++) m.w[pfn * STRIDE + F_MAPCOUNT] = -1;
    return m;
  }

  // Every field operation below is atomic when other threads may touch struct pages at the same
  // time (`concurrent`), and a plain load or store otherwise: with every CPU on one thread they
  // are the same operations without the fences, and Atomics calls (builtins on Node 20, ~7-10
  // ns each) are a dozen or more per fault and per zapped page.
  flags(pfn: number): number { return this.concurrent ? Atomics.load(this.w, pfn * STRIDE + F_FLAGS) : this.w[pfn * STRIDE + F_FLAGS]!; }
  test(pfn: number, bit: number): boolean { return (this.flags(pfn) & (1 << bit)) !== 0; }
  set(pfn: number, bit: number): void { this.or(pfn * STRIDE + F_FLAGS, 1 << bit); }
  clear(pfn: number, bit: number): void { this.and(pfn * STRIDE + F_FLAGS, ~(1 << bit)); }
  /** Set a bit and return whether it was already set. */
  test_and_set(pfn: number, bit: number): boolean {
    return (this.or(pfn * STRIDE + F_FLAGS, 1 << bit) & (1 << bit)) !== 0;
  }
  /** Clear a bit and return whether it was set. */
  test_and_clear(pfn: number, bit: number): boolean {
    return (this.and(pfn * STRIDE + F_FLAGS, ~(1 << bit)) & (1 << bit)) !== 0;
  }
  set_flags(pfn: number, v: number): void { this.store(pfn * STRIDE + F_FLAGS, v); }
  /** Non-atomic set (the kernel's __SetPageFoo): on a page no other thread can reach yet, or a free page under the zone lock. */
  __set(pfn: number, bit: number): void { this.w[pfn * STRIDE + F_FLAGS]! |= 1 << bit; }
  /**
   * test() by a plain load: for a bit no other thread can change now, because the caller holds
   * the lock its writers take (PG_buddy: the zone lock), owns the page alone (count 0), or holds
   * a reference that pins it (PG_tail, PG_table).
   */
  test_plain(pfn: number, bit: number): boolean { return (this.w[pfn * STRIDE + F_FLAGS]! & (1 << bit)) !== 0; }
  /** Non-atomic clear (__ClearPageFoo), under the same rule as __set. */
  __clear(pfn: number, bit: number): void { this.w[pfn * STRIDE + F_FLAGS]! &= ~(1 << bit); }

  refcount(pfn: number): number { return this.load(pfn * STRIDE + F_REF); }
  set_refcount(pfn: number, v: number): void { this.store(pfn * STRIDE + F_REF, v); }
  /** Add to the refcount and return the new value. */
  ref_add(pfn: number, d: number): number { return this.add(pfn * STRIDE + F_REF, d) + d; }

  /** The raw, -1-based _mapcount. */
  mapcount_raw(pfn: number): number { return this.load(pfn * STRIDE + F_MAPCOUNT); }
  /** mapcount_raw by a plain load, for a page the caller owns alone. */
  mapcount_raw_plain(pfn: number): number { return this.w[pfn * STRIDE + F_MAPCOUNT]!; }
  set_mapcount_raw(pfn: number, v: number): void { this.store(pfn * STRIDE + F_MAPCOUNT, v); }
  /** Add to _mapcount and return the new raw value. */
  mapcount_add(pfn: number, d: number): number { return this.add(pfn * STRIDE + F_MAPCOUNT, d) + d; }

  mapping(pfn: number): number { return this.load(pfn * STRIDE + F_MAPPING); }
  set_mapping(pfn: number, v: number): void { this.store(pfn * STRIDE + F_MAPPING, v); }
  index(pfn: number): number { return this.idx[pfn]!; }
  set_index(pfn: number, v: number): void { this.idx[pfn] = v; }
  private_(pfn: number): number { return this.load(pfn * STRIDE + F_PRIVATE); }
  set_private(pfn: number, v: number): void { this.store(pfn * STRIDE + F_PRIVATE, v); }
  /** private_ / set_private by plain loads and stores, for a free page under the zone lock. */
  private_locked(pfn: number): number { return this.w[pfn * STRIDE + F_PRIVATE]!; }
  set_private_locked(pfn: number, v: number): void { this.w[pfn * STRIDE + F_PRIVATE] = v; }
  /**
   * free_pages_prepare's reset of a page's fields (flags, mapcount -1, mapping, index, private,
   * extra; the refcount too unless `keepRef`), by plain stores: the caller owns the page alone
   * (its count reached 0), and the zone lock taken to free it publishes the stores.
   */
  reset_for_free(pfn: number, keepRef: boolean): void {
    const w = this.w, b = pfn * STRIDE;
    w[b + F_FLAGS] = 0;
    w[b + F_MAPCOUNT] = -1;
    w[b + F_MAPPING] = 0;
    this.idx[pfn] = 0;
    w[b + F_PRIVATE] = 0;
    w[b + F_EXTRA] = 0;
    if (!keepRef) w[b + F_REF] = 0;
  }
  /** Word i, read as Atomics.load when concurrent. */
  private load(i: number): number { return this.concurrent ? Atomics.load(this.w, i) : this.w[i]!; }
  /** Word i = v, as Atomics.store when concurrent. */
  private store(i: number, v: number): void { if (this.concurrent) Atomics.store(this.w, i, v); else this.w[i] = v; }
  /** Word i += d, returning the old value (Atomics.add when concurrent). */
  private add(i: number, d: number): number {
    if (this.concurrent) return Atomics.add(this.w, i, d);
    const old = this.w[i]!;
    this.w[i] = old + d;
    return old;
  }
  /** Word i |= bits, returning the old value (Atomics.or when concurrent). */
  private or(i: number, bits: number): number {
    if (this.concurrent) return Atomics.or(this.w, i, bits);
    const old = this.w[i]!;
    this.w[i] = old | bits;
    return old;
  }
  /** Word i &= bits, returning the old value (Atomics.and when concurrent). */
  private and(i: number, bits: number): number {
    if (this.concurrent) return Atomics.and(this.w, i, bits);
    const old = this.w[i]!;
    this.w[i] = old & bits;
    return old;
  }
  /** Word offset of the page's private field (used as the split ptl of page-table pages). */
  private_word(pfn: number): number { return pfn * STRIDE + F_PRIVATE; }
  next(pfn: number): number { return this.w[pfn * STRIDE + F_NEXT]! - 1; }
  set_next(pfn: number, v: number): void { this.w[pfn * STRIDE + F_NEXT] = v + 1; }
  prev(pfn: number): number { return this.w[pfn * STRIDE + F_PREV]! - 1; }
  set_prev(pfn: number, v: number): void { this.w[pfn * STRIDE + F_PREV] = v + 1; }
  /** Compound order for a head page, or head pfn + 1 for a tail page. */
  extra(pfn: number): number { return this.w[pfn * STRIDE + F_EXTRA]!; }
  set_extra(pfn: number, v: number): void { this.w[pfn * STRIDE + F_EXTRA] = v; }
}
