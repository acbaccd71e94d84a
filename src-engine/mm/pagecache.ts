// The page cache index (the kernel's per-mapping radix trees), as one shared open-addressing
// hash table keyed by (mapping id, page index) -> pfn. Linear probing with backward-shift
// deletion, so there are no tombstones. Guarded by a spinlock word (the tree_lock).
import { SpinLock } from '../kernel/locking';

export interface PageCacheBuffers { keys: SharedArrayBuffer; vals: SharedArrayBuffer; meta: SharedArrayBuffer }

export class PageCache {
  private readonly keys: Float64Array; // [mapping+1, index] pairs; mapping slot 0 = empty
  private readonly vals: Int32Array; // pfn
  private readonly meta: Int32Array; // [lock, count, nrpages per mapping id..., high-water index per mapping id...]
  readonly lock: SpinLock;
  private readonly mask: number;

  /** A table with room for `capacity` pages and `maxMappings` mappings. */
  constructor(capacity: number, readonly maxMappings: number, buffers?: PageCacheBuffers) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.mask = size - 1;
    this.keys = new Float64Array(buffers?.keys ?? new SharedArrayBuffer(size * 16));
    this.vals = new Int32Array(buffers?.vals ?? new SharedArrayBuffer(size * 4));
    this.meta = new Int32Array(buffers?.meta ?? new SharedArrayBuffer((2 + 2 * maxMappings) * 4));
    this.lock = new SpinLock(this.meta, 0);
  }

  get buffers(): PageCacheBuffers {
    return { keys: this.keys.buffer as SharedArrayBuffer, vals: this.vals.buffer as SharedArrayBuffer, meta: this.meta.buffer as SharedArrayBuffer };
  }

  /** Pages cached for a mapping. */
  nrpages(mapping: number): number { return Atomics.load(this.meta, 2 + mapping); }
  /** Total pages cached. */
  get count(): number { return this.meta[1]!; }

  /** Home slot of a key. */
  private home(mapping: number, index: number): number {
    let h = Math.imul(mapping + 1, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca6b) ^ Math.imul(Math.floor(index / 2 ** 32), 0xc2b2ae35);
    h ^= h >>> 15;
    return h & this.mask;
  }

  /** The slot holding the key, or -1. */
  private find(mapping: number, index: number): number {
    for (let s = this.home(mapping, index); ; s = (s + 1) & this.mask) {
      const k = this.keys[s * 2]!;
      if (k === 0) return -1;
      if (k === mapping + 1 && this.keys[s * 2 + 1] === index) return s;
    }
  }

  /**
   * The pfn cached at (mapping, index), or -1. `pin`, if given, runs on a found pfn while the
   * tree_lock is still held (find_get_page takes its reference there, so a concurrent delete
   * cannot free the page in between).
   */
  lookup(mapping: number, index: number, pin?: (pfn: number) => void): number {
    this.lock.lock();
    try {
      const s = this.find(mapping, index);
      if (s < 0) return -1;
      const pfn = this.vals[s]!;
      pin?.(pfn);
      return pfn;
    } finally { this.lock.unlock(); }
  }

  /** One past the highest page index ever cached for a mapping (where a truncate must look up to). */
  highWater(mapping: number): number { return Atomics.load(this.meta, 2 + this.maxMappings + mapping); }

  /** Insert; false if the key is already present (the caller lost a race). */
  insert(mapping: number, index: number, pfn: number): boolean {
    if (mapping < 0 || mapping >= this.maxMappings) throw new Error(`page cache: mapping id ${mapping} out of range`);
    this.lock.lock();
    try {
      let s = this.home(mapping, index);
      for (; this.keys[s * 2] !== 0; s = (s + 1) & this.mask) {
        if (this.keys[s * 2] === mapping + 1 && this.keys[s * 2 + 1] === index) return false;
      }
      this.keys[s * 2] = mapping + 1;
      this.keys[s * 2 + 1] = index;
      this.vals[s] = pfn;
      const hw = 2 + this.maxMappings + mapping;
      if (index + 1 > this.meta[hw]!) Atomics.store(this.meta, hw, index + 1);
      this.meta[1] = this.meta[1]! + 1;
      Atomics.add(this.meta, 2 + mapping, 1);
      return true;
    } finally { this.lock.unlock(); }
  }

  /** Remove a key; returns its pfn or -1. */
  delete(mapping: number, index: number): number {
    this.lock.lock();
    try {
      let s = this.find(mapping, index);
      if (s < 0) return -1;
      const pfn = this.vals[s]!;
      // Backward-shift: pull later entries of the probe run into the hole.
      for (let j = (s + 1) & this.mask; this.keys[j * 2] !== 0; j = (j + 1) & this.mask) {
        const h = this.home(this.keys[j * 2]! - 1, this.keys[j * 2 + 1]!);
        const between = s <= j ? h > s && h <= j : h > s || h <= j;
        if (between) continue;
        this.keys[s * 2] = this.keys[j * 2]!;
        this.keys[s * 2 + 1] = this.keys[j * 2 + 1]!;
        this.vals[s] = this.vals[j]!;
        s = j;
      }
      this.keys[s * 2] = 0;
      this.keys[s * 2 + 1] = 0;
      this.meta[1] = this.meta[1]! - 1;
      Atomics.sub(this.meta, 2 + mapping, 1);
      return pfn;
    } finally { this.lock.unlock(); }
  }

  /** Every (mapping, index, pfn) entry, for invariant checks. */
  entries(): { mapping: number; index: number; pfn: number }[] {
    const out = [];
    for (let s = 0; s <= this.mask; s++) {
      if (this.keys[s * 2] !== 0) out.push({ mapping: this.keys[s * 2]! - 1, index: this.keys[s * 2 + 1]!, pfn: this.vals[s]! });
    }
    return out;
  }
}
