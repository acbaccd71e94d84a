// Physical memory: RAM from pfn 0 up, plus MMIO regions that have no struct page.
// All of it lives in SharedArrayBuffers so CPU workers can share it.
import { PAGE_SHIFT, PAGE_SIZE, pte_t, __pte } from '../arch/x86/pgtable_types';

/** A page of zeros: copying it in is about twice as fast as TypedArray.fill on shared memory. */
const ZERO_PAGE_BYTES = new Uint8Array(PAGE_SIZE);
/** The same as a Node Buffer, for Buffer.compare (a memcmp); null where Buffer does not exist. */
const ZERO_PAGE_BUF = typeof Buffer === 'function' ? Buffer.alloc(PAGE_SIZE) : null;

export interface MmioRegion {
  readonly name: string;
  readonly base: number; // physical byte address, page aligned
  readonly size: number; // bytes
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}

/** The shared buffers behind physical memory (what a worker needs to attach). */
export interface PhysMemBuffers {
  ram: SharedArrayBuffer;
  mmio: { name: string; base: number; buf: SharedArrayBuffer }[];
}

export class PhysMem {
  readonly ram: Uint8Array;
  readonly ramWords: Int32Array;
  /** RAM as 8-byte words: page-sized fills and copies run several times faster on them. */
  readonly ramF64: Float64Array;
  readonly nr_pages: number;
  readonly mmio: MmioRegion[];
  /** RAM as a Node Buffer (a view, no copy) for clear_page's memcmp; null without Buffer. */
  private readonly ramBuf: Buffer | null;
  /**
   * Other threads (CPU workers) may read and write page-table entries at the same time: entries
   * are then read and written with Atomics, as the comments below explain. False while every
   * CPU runs on one thread (deterministic mode), where plain loads and stores are the same
   * operations without the fences, and Atomics (builtin calls on Node 20, ~7-10 ns each, about
   * a dozen per fault) would only cost time. The machine sets it once, from its mode.
   */
  concurrent = true;

  /** Attach to (or create) physical memory of `ramBytes` bytes plus the given MMIO regions. */
  constructor(readonly buffers: PhysMemBuffers) {
    this.ram = new Uint8Array(buffers.ram);
    this.ramWords = new Int32Array(buffers.ram);
    this.ramF64 = new Float64Array(buffers.ram);
    this.nr_pages = buffers.ram.byteLength / PAGE_SIZE;
    this.ramBuf = ZERO_PAGE_BUF === null ? null : Buffer.from(buffers.ram);
    this.mmio = buffers.mmio.map((r) => ({
      name: r.name, base: r.base, size: r.buf.byteLength,
      bytes: new Uint8Array(r.buf), words: new Int32Array(r.buf),
    }));
  }

  /** Allocate fresh buffers: `ramBytes` of RAM and the MMIO regions named. */
  static create(ramBytes: number, mmio: { name: string; base: number; size: number }[]): PhysMem {
    return new PhysMem({
      ram: new SharedArrayBuffer(ramBytes),
      mmio: mmio.map((r) => ({ name: r.name, base: r.base, buf: new SharedArrayBuffer(r.size) })),
    });
  }

  /** True if the pfn is RAM (has a struct page). */
  pfn_valid(pfn: number): boolean {
    return Number.isInteger(pfn) && pfn >= 0 && pfn < this.nr_pages;
  }

  /** The MMIO region containing physical address `pa`, or null. */
  mmioAt(pa: number): MmioRegion | null {
    for (const r of this.mmio) if (pa >= r.base && pa < r.base + r.size) return r;
    return null;
  }

  /** Whether a physical byte address is backed by RAM or MMIO. */
  backed(pa: number): boolean {
    return (pa >= 0 && pa < this.ram.length) || this.mmioAt(pa) !== null;
  }

  /** Copy `len` bytes at physical address `pa` into a new array; null if any byte is unbacked. */
  read(pa: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const seg = this.segment(pa + done, len - done);
      if (!seg) return null;
      out.set(seg.mem.subarray(seg.off, seg.off + seg.n), done);
      done += seg.n;
    }
    return out;
  }

  /** Copy `data` to physical address `pa`; false (nothing written past the gap) if unbacked. */
  write(pa: number, data: Uint8Array): boolean {
    for (let done = 0; done < data.length; ) {
      const seg = this.segment(pa + done, data.length - done);
      if (!seg) return false;
      seg.mem.set(data.subarray(done, done + seg.n), seg.off);
      done += seg.n;
    }
    return true;
  }

  /** The contiguous backing for up to `len` bytes at `pa`, or null if unbacked. */
  private segment(pa: number, len: number): { mem: Uint8Array; off: number; n: number } | null {
    if (pa >= 0 && pa < this.ram.length) return { mem: this.ram, off: pa, n: Math.min(len, this.ram.length - pa) };
    const r = this.mmioAt(pa);
    if (!r) return null;
    const off = pa - r.base;
    return { mem: r.bytes, off, n: Math.min(len, r.size - off) };
  }

  /**
   * Zero one RAM page. A page that is all zeros already is left as it is: the memcmp that finds
   * out reads it (stopping at the first non-zero byte) for much less than writing 4 KiB costs,
   * and a frame nothing ever wrote stays unbacked on the host. A page seen to be written at a
   * glance (seenWritten) skips the memcmp, whose call alone cost ~150 ns of a ~1.4 µs fault.
   */
  clear_page(pfn: number): void {
    const off = pfn * PAGE_SIZE;
    if (this.ramBuf !== null && !this.seenWritten(pfn) && this.ramBuf.compare(ZERO_PAGE_BUF!, 0, PAGE_SIZE, off, off + PAGE_SIZE) === 0) return;
    this.ram.set(ZERO_PAGE_BYTES, off);
  }

  /** Whether one of 8 words spread over RAM page pfn (every 512 bytes from its start) is non-zero; false says nothing. */
  private seenWritten(pfn: number): boolean {
    const f = this.ramF64, w = pfn * 512; // -0.0 reads as zero here: the memcmp then decides
    return f[w] !== 0 || f[w + 64] !== 0 || f[w + 128] !== 0 || f[w + 192] !== 0 || f[w + 256] !== 0 || f[w + 320] !== 0 || f[w + 384] !== 0 || f[w + 448] !== 0;
  }

  /** Copy RAM page `src` to RAM page `dst`. */
  copy_page(dst: number, src: number): void {
    this.ramF64.copyWithin(dst * 512, src * 512, (src + 1) * 512);
  }

  /** Atomically read the 64-bit entry at physical address `pa` of a page-table frame (RAM). */
  read_entry(pa: number): pte_t {
    const i = pa >>> 2;
    // A pte is written hi-then-lo under the ptl; readers outside the lock read lo first. That
    // Atomics load is the acquire edge: the high word stored before it needs only a plain load.
    const lo = this.concurrent ? Atomics.load(this.ramWords, i) : this.ramWords[i]!;
    const hi = this.ramWords[i + 1]!;
    return __pte(lo, hi);
  }

  /**
   * read_entry by plain loads, for a caller holding the table's lock: only the holder writes the
   * entry then (the walker's A/D update can land before or after the read, as with Atomics).
   */
  read_entry_locked(pa: number): pte_t {
    const i = pa >>> 2;
    return __pte(this.ramWords[i]!, this.ramWords[i + 1]!);
  }

  /** pte_none of the entry at `pa` by plain loads, under the table's lock (see read_entry_locked). */
  entry_none_locked(pa: number): boolean {
    const i = pa >>> 2;
    return this.ramWords[i] === 0 && this.ramWords[i + 1] === 0;
  }

  /** The low word (flags, pfn bits 0..19) of the entry at `pa`, unsigned, by the Atomics load read_entry starts with. */
  entry_lo(pa: number): number {
    return (this.concurrent ? Atomics.load(this.ramWords, pa >>> 2) : this.ramWords[pa >>> 2]!) >>> 0;
  }

  /** The high word (pfn bits 20.., NX) of the entry at `pa`, unsigned: read after entry_lo(pa), as read_entry does. */
  entry_hi(pa: number): number {
    return this.ramWords[(pa >>> 2) + 1]! >>> 0;
  }

  /** Atomically store the 64-bit entry at `pa` (the caller holds the table's lock). */
  write_entry(pa: number, v: pte_t): void {
    this.write_entry_raw(pa, v.lo, v.hi);
  }

  /**
   * write_entry from the entry's two halves (no pte_t needed). Clears the low word (PRESENT)
   * first, then stores high, then low, so no reader sees a torn entry; a store that would not
   * change its word is skipped. The plain loads that decide it are safe under the table's lock:
   * only the holder changes a word, except the walker's A/D update, which never touches a zero
   * low word and never the high one. When a non-zero low word follows, its Atomics store
   * publishes the high word (readers load low first), so that one can be a plain store.
   */
  write_entry_raw(pa: number, lo: number, hi: number): void {
    const w = this.ramWords, i = pa >>> 2;
    if (!this.concurrent) { // nothing reads the entry meanwhile (see concurrent)
      w[i + 1] = hi | 0;
      w[i] = lo | 0;
      return;
    }
    if (w[i] !== 0) Atomics.store(w, i, 0);
    if ((lo | 0) === 0) {
      if (w[i + 1] !== (hi | 0)) Atomics.store(w, i + 1, hi | 0);
      return;
    }
    if (w[i + 1] !== (hi | 0)) w[i + 1] = hi | 0;
    Atomics.store(w, i, lo | 0);
  }

  /**
   * The hardware's locked A/D update: set `bits` in the entry at pa only while it still holds
   * `lo` (the value the walk read). False when the entry changed meanwhile (the walk restarts),
   * so a pte another CPU has just cleared never gets A/D bits of a stale translation.
   */
  set_entry_bits_if(pa: number, lo: number, bits: number): boolean {
    if (!this.concurrent) { // nothing writes the entry meanwhile (see concurrent)
      const w = this.ramWords, i = pa >>> 2;
      if (w[i] !== (lo | 0)) return false;
      w[i] = (lo | bits) | 0;
      return true;
    }
    if ((lo & bits) === bits) return Atomics.load(this.ramWords, pa >>> 2) === (lo | 0);
    return Atomics.compareExchange(this.ramWords, pa >>> 2, lo | 0, (lo | bits) | 0) === (lo | 0);
  }

  /** Physical byte address of a frame. */
  static pfn_phys(pfn: number): number {
    return pfn * PAGE_SIZE;
  }
}

export const phys_to_pfn = (pa: number): number => Math.floor(pa / PAGE_SIZE);
export const PFN_SHIFT = PAGE_SHIFT;
