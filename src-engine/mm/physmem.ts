// Physical memory: RAM from pfn 0 up, plus MMIO regions that have no struct page.
// All of it lives in SharedArrayBuffers so CPU workers can share it.
import { PAGE_SHIFT, PAGE_SIZE, pte_t, __pte } from '../arch/x86/pgtable_types';

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

  /** Attach to (or create) physical memory of `ramBytes` bytes plus the given MMIO regions. */
  constructor(readonly buffers: PhysMemBuffers) {
    this.ram = new Uint8Array(buffers.ram);
    this.ramWords = new Int32Array(buffers.ram);
    this.ramF64 = new Float64Array(buffers.ram);
    this.nr_pages = buffers.ram.byteLength / PAGE_SIZE;
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

  /** Zero one RAM page. */
  clear_page(pfn: number): void {
    this.ramF64.fill(0, pfn * 512, (pfn + 1) * 512);
  }

  /** Copy RAM page `src` to RAM page `dst`. */
  copy_page(dst: number, src: number): void {
    this.ramF64.copyWithin(dst * 512, src * 512, (src + 1) * 512);
  }

  /** Atomically read the 64-bit entry at physical address `pa` of a page-table frame (RAM). */
  read_entry(pa: number): pte_t {
    const i = pa >>> 2;
    // A pte is written hi-then-lo under the ptl; readers outside the lock read lo first.
    const lo = Atomics.load(this.ramWords, i);
    const hi = Atomics.load(this.ramWords, i + 1);
    return __pte(lo, hi);
  }

  /** Atomically store the 64-bit entry at `pa` (the caller holds the table's lock). */
  write_entry(pa: number, v: pte_t): void {
    const i = pa >>> 2;
    Atomics.store(this.ramWords, i, 0); // clear PRESENT first so no reader sees a torn entry
    Atomics.store(this.ramWords, i + 1, v.hi | 0);
    Atomics.store(this.ramWords, i, v.lo | 0);
  }

  /**
   * The hardware's locked A/D update: set `bits` in the entry at pa only while it still holds
   * `lo` (the value the walk read). False when the entry changed meanwhile (the walk restarts),
   * so a pte another CPU has just cleared never gets A/D bits of a stale translation.
   */
  set_entry_bits_if(pa: number, lo: number, bits: number): boolean {
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
