// anon_vma and anon_vma_chain records in shared memory, so a CPU worker's first write fault in
// a vma (anon_vma_prepare) and the host's rmap walks see the same chains.
//
// anon_vma record (by id, from 1): [root id, parent id (0 none), degree, first chain link + 1].
// chain link (anon_vma_chain): [anon_vma id, vma slot, next link of the same vma + 1,
//   next link of the same anon_vma + 1]. A vma's first link is in its slab record (VMF.AVC).
// Links are allocated from a free list under a spinlock; ids from an atomic counter.
import { SpinLock } from '../kernel/locking';

const AV_ROOT = 0, AV_PARENT = 1, AV_DEGREE = 2, AV_HEAD = 3, AV_STRIDE = 4;
const L_AV = 0, L_VMA = 1, L_NEXT_VMA = 2, L_NEXT_AV = 3, L_STRIDE = 4;
const M_LOCK = 0, M_NEXT_ID = 1, M_FREE = 2, M_USED = 3, M_WORDS = 4;

export interface AnonVmaBuffers { meta: SharedArrayBuffer; avs: SharedArrayBuffer; links: SharedArrayBuffer }

export class AnonVmaSlab {
  readonly meta: Int32Array;
  readonly avs: Int32Array;
  readonly links: Int32Array;
  readonly lock: SpinLock;

  /** Room for `capacity` anon_vmas and as many chain links; attaches when buffers are given. */
  constructor(readonly capacity: number, buffers?: AnonVmaBuffers) {
    this.meta = new Int32Array(buffers?.meta ?? new SharedArrayBuffer(M_WORDS * 4));
    this.avs = new Int32Array(buffers?.avs ?? new SharedArrayBuffer((capacity + 1) * AV_STRIDE * 4));
    this.links = new Int32Array(buffers?.links ?? new SharedArrayBuffer(capacity * L_STRIDE * 4));
    this.lock = new SpinLock(this.meta, M_LOCK);
    if (!buffers) {
      this.meta[M_NEXT_ID] = 1;
      for (let i = 0; i < capacity; i++) this.links[i * L_STRIDE + L_NEXT_VMA] = i + 2 <= capacity ? i + 2 : 0; // free list threads through NEXT_VMA
      this.meta[M_FREE] = capacity ? 1 : 0;
    }
  }

  get buffers(): AnonVmaBuffers {
    return { meta: this.meta.buffer as SharedArrayBuffer, avs: this.avs.buffer as SharedArrayBuffer, links: this.links.buffer as SharedArrayBuffer };
  }

  /** A new anon_vma id whose root is itself or parent's root; throws RangeError when full. */
  alloc(parent: number): number {
    const id = Atomics.add(this.meta, M_NEXT_ID, 1);
    if (id > this.capacity) throw new RangeError(`anon_vma slab is full (${this.capacity}); raise max_vmas`);
    const b = id * AV_STRIDE;
    this.avs[b + AV_ROOT] = parent ? this.root(parent) : id;
    this.avs[b + AV_PARENT] = parent;
    this.avs[b + AV_DEGREE] = 0;
    this.avs[b + AV_HEAD] = 0;
    return id;
  }
  root(id: number): number { return this.avs[id * AV_STRIDE + AV_ROOT]!; }
  parent(id: number): number { return this.avs[id * AV_STRIDE + AV_PARENT]!; }
  degree(id: number): number { return this.avs[id * AV_STRIDE + AV_DEGREE]!; }
  addDegree(id: number, d: number): void { this.avs[id * AV_STRIDE + AV_DEGREE] = this.degree(id) + d; }
  /** Highest id handed out so far. */
  get lastId(): number { return Math.min(this.capacity, this.meta[M_NEXT_ID]! - 1); }

  /**
   * Link vma slot to anon_vma av; vmaHead/setVmaHead read and write the vma's first-link word.
   * Throws RangeError when out of links.
   */
  link(av: number, vmaSlot: number, vmaHead: number, setVmaHead: (h: number) => void): void {
    this.lock.lock();
    try {
      const l = this.meta[M_FREE]!;
      if (!l) throw new RangeError(`anon_vma_chain slab is full (${this.capacity}); raise max_vmas`);
      const b = (l - 1) * L_STRIDE;
      this.meta[M_FREE] = this.links[b + L_NEXT_VMA]!;
      this.links[b + L_AV] = av;
      this.links[b + L_VMA] = vmaSlot;
      this.links[b + L_NEXT_VMA] = vmaHead;
      this.links[b + L_NEXT_AV] = this.avs[av * AV_STRIDE + AV_HEAD]!;
      this.avs[av * AV_STRIDE + AV_HEAD] = l;
      this.meta[M_USED] = this.meta[M_USED]! + 1;
      setVmaHead(l);
    } finally {
      this.lock.unlock();
    }
  }

  /** Drop every link of a vma (whose first link is vmaHead); returns 0, the vma's new head. */
  unlinkVma(vmaHead: number): number {
    this.lock.lock();
    try {
      for (let l = vmaHead; l; ) {
        const b = (l - 1) * L_STRIDE;
        const next = this.links[b + L_NEXT_VMA]!;
        this.removeFromAv(this.links[b + L_AV]!, l);
        this.links[b + L_NEXT_VMA] = this.meta[M_FREE]!;
        this.meta[M_FREE] = l;
        this.meta[M_USED] = this.meta[M_USED]! - 1;
        l = next;
      }
      return 0;
    } finally {
      this.lock.unlock();
    }
  }

  /** Take link l out of anon_vma av's list (the lock is held). */
  private removeFromAv(av: number, l: number): void {
    const head = av * AV_STRIDE + AV_HEAD;
    if (this.avs[head] === l) { this.avs[head] = this.links[(l - 1) * L_STRIDE + L_NEXT_AV]!; return; }
    for (let p = this.avs[head]!; p; ) {
      const pb = (p - 1) * L_STRIDE;
      const n = this.links[pb + L_NEXT_AV]!;
      if (n === l) { this.links[pb + L_NEXT_AV] = this.links[(l - 1) * L_STRIDE + L_NEXT_AV]!; return; }
      p = n;
    }
  }

  /** The anon_vma ids a vma (first link vmaHead) is chained to, newest first. */
  vmaChain(vmaHead: number): number[] {
    const out: number[] = [];
    for (let l = vmaHead; l; l = this.links[(l - 1) * L_STRIDE + L_NEXT_VMA]!) out.push(this.links[(l - 1) * L_STRIDE + L_AV]!);
    return out;
  }

  /** The vma slots chained to anon_vma av. */
  avVmas(av: number): number[] {
    const out: number[] = [];
    for (let l = this.avs[av * AV_STRIDE + AV_HEAD]!; l; l = this.links[(l - 1) * L_STRIDE + L_NEXT_AV]!) out.push(this.links[(l - 1) * L_STRIDE + L_VMA]!);
    return out;
  }
}
