// The buddy page allocator over RAM (mm/page_alloc.c), with its free lists in shared memory.
import { KernelLog, BUG_ON } from '../kernel/bug';
import { MemMap, PG_buddy, PG_reserved, PG_head, PG_tail, PG_table } from './page';
import { SpinLock, LOCK_ZONE } from '../kernel/locking';

export const MAX_ORDER = 11;
export const __GFP_ZERO = 0x8000;
export const __GFP_COMP = 0x4000;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_MOVABLE = 0x08;
export const GFP_KERNEL = 0x24000c0;
export const GFP_HIGHUSER_MOVABLE = 0x24280ca;

export interface AllocatorBuffers {
  state: SharedArrayBuffer; // [lock, nr_free_pages, heads[MAX_ORDER], counts[MAX_ORDER]]
}
const S_LOCK = 0, S_FREE = 1, S_HEADS = 2, S_COUNTS = 2 + MAX_ORDER;

/** The zone: free_area lists by order. */
export class PageAllocator {
  readonly s: Int32Array;
  readonly lock: SpinLock;

  constructor(readonly mm: MemMap, readonly nr_pages: number, readonly log: KernelLog, buffers?: AllocatorBuffers) {
    this.s = new Int32Array(buffers?.state ?? new SharedArrayBuffer((2 + 2 * MAX_ORDER) * 4));
    this.lock = new SpinLock(this.s, S_LOCK, LOCK_ZONE, mm.concurrent);
  }

  get buffers(): AllocatorBuffers { return { state: this.s.buffer as SharedArrayBuffer }; }
  get nr_free(): number { return Atomics.load(this.s, S_FREE); }
  nr_free_order(order: number): number { return this.s[S_COUNTS + order]!; }

  /** Put every RAM page except those in `reserved` on the free lists (boot). */
  init(reserved: Set<number>): void {
    for (const pfn of reserved) { this.mm.set(pfn, PG_reserved); this.mm.set_refcount(pfn, 1); }
    for (let pfn = 0; pfn < this.nr_pages; pfn++) {
      if (!reserved.has(pfn)) this.free_one(pfn, 0);
    }
  }

  /** Allocate 2^order contiguous pages; the head's refcount is 1. Null when none is free. */
  alloc(order: number): number | null {
    this.lock.lock();
    try {
      for (let o = order; o < MAX_ORDER; o++) {
        const head = this.s[S_HEADS + o]! - 1;
        if (head < 0) continue;
        this.list_del(head, o);
        for (let split = o; split > order; split--) this.list_add(head + (1 << (split - 1)), split - 1);
        this.s[S_FREE] = this.s[S_FREE]! - (1 << order);
        return head;
      }
      return null;
    } finally {
      this.lock.unlock();
    }
  }

  /** Return 2^order pages starting at `pfn` to the free lists, merging buddies. */
  free(pfn: number, order: number): void {
    this.lock.lock();
    try {
      this.free_one(pfn, order);
    } finally {
      this.lock.unlock();
    }
  }

  /**
   * Free n blocks under one hold of the lock: blocks[2i] is a block's first pfn and blocks[2i+1]
   * its order, freed in that order (as n calls of free would, without n lock round trips).
   */
  free_batch(blocks: readonly number[], n: number): void {
    this.lock.lock();
    try {
      for (let i = 0; i < n; i++) this.free_one(blocks[2 * i]!, blocks[2 * i + 1]!);
    } finally {
      this.lock.unlock();
    }
  }

  /** Free without the lock (boot, or the lock is held). */
  private free_one(pfn: number, order: number): void {
    if (this.mm.test_plain(pfn, PG_buddy)) BUG_ON(this.log, true, '__free_one_page', `pfn ${pfn} is already free`); // message built only when it fires
    this.s[S_FREE] = this.s[S_FREE]! + (1 << order);
    while (order < MAX_ORDER - 1) {
      const buddy = pfn ^ (1 << order);
      if (buddy >= this.nr_pages || !this.mm.test_plain(buddy, PG_buddy) || this.mm.private_locked(buddy) !== order) break;
      this.list_del(buddy, order);
      pfn = Math.min(pfn, buddy);
      order++;
    }
    this.list_add(pfn, order);
  }

  /** Push a free block on its order's list. */
  private list_add(pfn: number, order: number): void {
    const head = this.s[S_HEADS + order]! - 1;
    this.mm.__set(pfn, PG_buddy); // a free page's flags and private change only under the zone lock
    this.mm.set_private_locked(pfn, order);
    this.mm.set_next(pfn, head);
    this.mm.set_prev(pfn, -1);
    if (head >= 0) this.mm.set_prev(head, pfn);
    this.s[S_HEADS + order] = pfn + 1;
    this.s[S_COUNTS + order] = this.s[S_COUNTS + order]! + 1;
  }

  /** Unlink a free block from its order's list. */
  private list_del(pfn: number, order: number): void {
    const next = this.mm.next(pfn), prev = this.mm.prev(pfn);
    if (prev >= 0) this.mm.set_next(prev, next);
    else this.s[S_HEADS + order] = next + 1;
    if (next >= 0) this.mm.set_prev(next, prev);
    this.mm.__clear(pfn, PG_buddy);
    this.mm.set_private_locked(pfn, 0);
    this.mm.set_next(pfn, -1);
    this.mm.set_prev(pfn, -1);
    this.s[S_COUNTS + order] = this.s[S_COUNTS + order]! - 1;
  }

  /** Allocator consistency problems (free counts, list membership), for check_invariants. */
  check(): string[] {
    const errs: string[] = [];
    let total = 0;
    const seen = new Set<number>();
    for (let o = 0; o < MAX_ORDER; o++) {
      let n = 0;
      for (let pfn = this.s[S_HEADS + o]! - 1; pfn >= 0; pfn = this.mm.next(pfn)) {
        if (seen.has(pfn)) { errs.push(`allocator: free list ${o} loops at pfn ${pfn}`); break; }
        seen.add(pfn);
        if (!this.mm.test(pfn, PG_buddy) || this.mm.private_(pfn) !== o) errs.push(`allocator: pfn ${pfn} on list ${o} is not a free block of that order`);
        if (pfn % (1 << o) !== 0) errs.push(`allocator: block ${pfn} misaligned for order ${o}`);
        for (let i = 0; i < 1 << o; i++) {
          const p = pfn + i;
          if (this.mm.refcount(p) !== 0) errs.push(`allocator: free pfn ${p} has refcount ${this.mm.refcount(p)}`);
          if (this.mm.mapcount_raw(p) !== -1) errs.push(`allocator: free pfn ${p} has mapcount ${this.mm.mapcount_raw(p) + 1}`);
          if (this.mm.test(p, PG_table) || this.mm.test(p, PG_head) || this.mm.test(p, PG_tail)) errs.push(`allocator: free pfn ${p} still typed`);
        }
        n++;
        total += 1 << o;
      }
      if (n !== this.s[S_COUNTS + o]) errs.push(`allocator: order ${o} count ${this.s[S_COUNTS + o]} but ${n} blocks listed`);
    }
    if (total !== this.nr_free) errs.push(`allocator: nr_free ${this.nr_free} but ${total} pages listed`);
    return errs;
  }
}
