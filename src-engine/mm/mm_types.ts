// The kernel's mm objects (include/linux/mm_types.h, fs.h): mm_struct, vm_area_struct,
// anon_vma, address_space, file. Fields a CPU reads on a fault live in shared slabs owned by
// the machine; these classes are views over them plus the JS-only parts (callbacks, names).
import type { Machine } from '../machine';
import { pgprot_t, __pgprot_raw } from '../arch/x86/pgtable_types';
import { RwSemaphore, SpinLock, LOCK_PAGE_TABLE } from '../kernel/locking';

export const MMF = { MMAP_SEM: 0, PTL: 1, RSS: 2, NR_PTES: 6, NR_PMDS: 7, MAP_COUNT: 8, HIWATER_RSS: 9,
  HIWATER_VM: 10, TOTAL_VM: 11, LOCKED_VM: 12, PGD: 13, VMA_SEQ: 14, USERS: 15, ID: 16, VMA_HEAD: 17, CPUMASK: 18,
  MMAP_SEM_OWNER: 20 } as const;
export const MM_STRIDE = 21;
export const VMF = { START: 0, END: 1, PGOFF: 2, FLAGS: 3, PROT_LO: 4, PROT_HI: 5, MM: 6, FILE: 7, ANON: 8, NEXT: 9, PREV: 10,
  INODE: 11, OPS: 12, AVC: 13 } as const;
export const VMA_STRIDE = 16;

/** The vm_operations a vma can have, as a number another thread can read from the vma slab. */
export const VM_OPS_NONE = 0;
export const VM_OPS_SCRIPT = 1;
/** Kernel-provided vm_operations by kind number (filled in by the modules that define them). */
export const KNOWN_VM_OPS = new Map<vm_operations_struct, number>();
export const VM_OPS_BY_KIND = new Map<number, vm_operations_struct>();

/** Register a kernel vm_operations table under a kind number (>= 2) so workers can find it. */
export function register_vm_ops(kind: number, ops: vm_operations_struct): void {
  KNOWN_VM_OPS.set(ops, kind);
  VM_OPS_BY_KIND.set(kind, ops);
}

/** Which delegable callbacks (fault, page_mkwrite, pfn_mkwrite) a script's vm_ops has, as bits. */
function script_ops_bits(ops: vm_operations_struct): number {
  return (ops.fault ? 1 : 0) | (ops.page_mkwrite ? 2 : 0) | (ops.pfn_mkwrite ? 4 : 0);
}

/** Shared per-inode fields (a worker's filemap_fault needs them): [i_size, fs kind, mtime]. */
export const INODE_STRIDE = 4;
export const FS_KINDS = ['ramfs', 'tmpfs', 'diskfs', 'chardev'] as const;

/** Callbacks of a vma (struct vm_operations_struct). vmf carries pgoff, address, flags, page. */
export interface vm_operations_struct {
  fault?: (vma: vm_area_struct, vmf: vm_fault) => number;
  map_pages?: (vma: vm_area_struct, vmf: vm_fault) => void;
  page_mkwrite?: (vma: vm_area_struct, vmf: vm_fault) => number;
  pfn_mkwrite?: (vma: vm_area_struct, vmf: vm_fault) => number;
  access?: (vma: vm_area_struct, addr: number, buf: Uint8Array, len: number, write: number) => number;
  open?: (vma: vm_area_struct) => void;
  close?: (vma: vm_area_struct) => void;
  find_special_page?: (vma: vm_area_struct, addr: number) => unknown;
  name?: string;
}

/** struct vm_fault as passed to ->fault and ->page_mkwrite. */
export interface vm_fault {
  flags: number;
  pgoff: number;
  address: number;
  page: unknown;
  cow_page?: unknown;
}

/**
 * struct anon_vma: the identity anonymous pages point at, with the vmas that may map them.
 * A view over the machine's shared anon_vma slab (mm/anon_vma_slab.ts).
 */
export class anon_vma {
  constructor(readonly m: Machine, readonly id: number) {}
  /** The root of this anon_vma's tree, or null when it is its own root. */
  get root(): anon_vma | null { const r = this.m.avSlab.root(this.id); return r === this.id ? null : this.m.anonVma(r); }
  get parent(): anon_vma | null { const p = this.m.avSlab.parent(this.id); return p ? this.m.anonVma(p) : null; }
  get degree(): number { return this.m.avSlab.degree(this.id); }
  /** The vmas chained to this anon_vma (that may map its pages). */
  get vmas(): Set<vm_area_struct> {
    const out = new Set<vm_area_struct>();
    for (const slot of this.m.avSlab.avVmas(this.id)) { const v = this.m.vmaBySlot.get(slot); if (v) out.add(v); }
    return out;
  }
  toString(): string { return `anon_vma#${this.id}`; }
}

/** The file system kinds a regular file can live on. */
export type FsType = 'ramfs' | 'tmpfs' | 'diskfs';

/** struct inode, reduced to what mm needs. */
export class inode {
  readonly i_mapping: address_space;
  constructor(readonly m: Machine, readonly name: string, readonly fs: FsType | 'chardev', readonly id: number) {
    this.i_mapping = new address_space(m, id, this);
    m.inodeSlab[id * INODE_STRIDE + 1] = FS_KINDS.indexOf(fs);
  }
  /** i_size, in shared memory. */
  get i_size(): number { return this.m.inodeSlab[this.id * INODE_STRIDE]!; }
  set i_size(v: number) { this.m.inodeSlab[this.id * INODE_STRIDE] = v; }
  /** The last modification time (simulated cycles), in shared memory. */
  get mtime(): number { return this.m.inodeSlab[this.id * INODE_STRIDE + 2]!; }
  set mtime(v: number) { this.m.inodeSlab[this.id * INODE_STRIDE + 2] = v; }
}

/** struct address_space: a file's page cache and the vmas mapping it (i_mmap). */
export class address_space {
  /** i_mmap, kept sorted by vm_pgoff: an interval index scanned up to the query's last index. */
  readonly i_mmap: vm_area_struct[] = [];
  readonly i_mmap_rwsem_words = new Int32Array(new SharedArrayBuffer(4));
  constructor(readonly m: Machine, readonly id: number, readonly host: inode) {}

  /** The value page->mapping holds for this mapping's pages (never 0, never anon-tagged). */
  get mapping_word(): number { return (this.id + 1) * 2; }
  /** Pages in this mapping's page cache. */
  get nrpages(): number { return this.m.pagecache.nrpages(this.id); }
  /** Mapping accounts dirty pages (write-notify for shared writable mappings): diskfs. */
  get accounts_dirty(): boolean { return this.host.fs === 'diskfs'; }
  /** Pages are swap-backed (counted as MM_SHMEMPAGES): tmpfs. */
  get swap_backed(): boolean { return this.host.fs === 'tmpfs'; }
}

/** File operations: for a character device, the driver's mmap handler. */
export interface file_operations {
  mmap?: (file: file, vma: vm_area_struct) => number;
}

export const FMODE_READ = 1;
export const FMODE_WRITE = 2;

/** struct file: an open file description. */
export class file {
  constructor(readonly m: Machine, readonly id: number, readonly f_inode: inode, readonly f_mode: number,
    readonly f_op: file_operations) {}
  get f_mapping(): address_space { return this.f_inode.i_mapping; }
  get name(): string { return this.f_inode.name; }
  get size(): number { return this.f_inode.i_size; }
}

/** struct mm_struct: one address space. Counters live in the machine's shared mm slab. */
export class mm_struct {
  readonly mmap_sem: RwSemaphore;
  readonly page_table_lock: SpinLock;
  /** The vma list sorted by address (the kernel's mm->mmap list; also the lookup index). */
  readonly mmap: vm_area_struct[] = [];
  readonly notifiers: MmuNotifierOps[] = [];
  readonly cpumask: CpuMask;
  /** Bumped by every TLB flush of this mm (PCID CPUs compare it on switch_mm). */
  tlb_gen = 0;
  dead = false;
  constructor(readonly m: Machine, readonly id: number, private readonly base: number) {
    this.mmap_sem = new RwSemaphore(m.mmSlab, base + MMF.MMAP_SEM, `mm${id}.mmap_sem`, m.mem.concurrent, m, base + MMF.MMAP_SEM_OWNER);
    this.page_table_lock = new SpinLock(m.mmSlab, base + MMF.PTL, LOCK_PAGE_TABLE, m.mem.concurrent, m);
    this.cpumask = new CpuMask(m.mmSlab, base + MMF.CPUMASK);
  }
  private get(f: number): number { return Atomics.load(this.m.mmSlab, this.base + f); }
  private put(f: number, v: number): void { Atomics.store(this.m.mmSlab, this.base + f, v); }
  /** Add to a field atomically. */
  add(f: number, d: number): void { Atomics.add(this.m.mmSlab, this.base + f, d); }

  get pgd(): number { return this.get(MMF.PGD); }
  set pgd(pfn: number) { this.put(MMF.PGD, pfn); }
  get nr_ptes(): number { return this.get(MMF.NR_PTES); }
  get nr_pmds(): number { return this.get(MMF.NR_PMDS); }
  get map_count(): number { return this.get(MMF.MAP_COUNT); }
  set map_count(v: number) { this.put(MMF.MAP_COUNT, v); }
  get hiwater_rss(): number { return this.get(MMF.HIWATER_RSS); }
  set hiwater_rss(v: number) { this.put(MMF.HIWATER_RSS, v); }
  get hiwater_vm(): number { return this.get(MMF.HIWATER_VM); }
  set hiwater_vm(v: number) { this.put(MMF.HIWATER_VM, v); }
  get total_vm(): number { return this.get(MMF.TOTAL_VM); }
  set total_vm(v: number) { this.put(MMF.TOTAL_VM, v); }
  get locked_vm(): number { return this.get(MMF.LOCKED_VM); }
  set locked_vm(v: number) { this.put(MMF.LOCKED_VM, v); }
  get mm_users(): number { return this.get(MMF.USERS); }
  set mm_users(v: number) { this.put(MMF.USERS, v); }
  /**
   * Publish the vma list to shared memory: each vma's slab record links to its neighbours'
   * slots, the mm records the first, and the sequence number tells other threads to re-read.
   */
  bump_vma_seq(): void {
    const list = this.mmap;
    for (let i = 0; i < list.length; i++) list[i]!._setLinks(i > 0 ? list[i - 1]!.slot : -1, i + 1 < list.length ? list[i + 1]!.slot : -1);
    this.put(MMF.VMA_HEAD, list.length ? list[0]!.slot + 1 : 0);
    this.add(MMF.VMA_SEQ, 1);
  }
  /** Slab slot of the first vma in shared memory, or -1. */
  get vma_head_slot(): number { return this.get(MMF.VMA_HEAD) - 1; }
  /** The vma list's sequence number in shared memory. */
  get vma_seq(): number { return this.get(MMF.VMA_SEQ); }
  /** On a worker: the sequence number its vma list was last rebuilt at. */
  seenSeq = -1;
  /** rss_stat.count[member]. */
  get_counter(member: number): number { return this.get(MMF.RSS + member); }
  add_counter(member: number, d: number): void { this.add(MMF.RSS + member, d); }
  /** Index of a field in the machine's mm slab (for workers). */
  get slabBase(): number { return this.base; }
  toString(): string { return `mm_struct#${this.id}`; }
}

/** mm_cpumask: the CPUs that may hold the mm's translations, as two shared 32-bit words (64 CPUs). */
export class CpuMask {
  constructor(private readonly words: Int32Array, private readonly at: number) {}
  add(cpu: number): void { Atomics.or(this.words, this.at + (cpu >> 5), 1 << (cpu & 31)); }
  delete(cpu: number): void { Atomics.and(this.words, this.at + (cpu >> 5), ~(1 << (cpu & 31))); }
  has(cpu: number): boolean { return (Atomics.load(this.words, this.at + (cpu >> 5)) & (1 << (cpu & 31))) !== 0; }
  clear(): void { Atomics.store(this.words, this.at, 0); Atomics.store(this.words, this.at + 1, 0); }
  /** The CPUs in the mask other than `except` (-1: none), ascending, as a new array (no generator). */
  others(except: number): number[] {
    const out: number[] = [];
    for (let w = 0; w < 2; w++) {
      let bits = Atomics.load(this.words, this.at + w);
      if (w === except >> 5) bits &= ~(1 << (except & 31));
      for (let b = 0; bits !== 0; b++, bits >>>= 1) if (bits & 1) out.push(w * 32 + b);
    }
    return out;
  }
  /** The CPUs in the mask, ascending. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let w = 0; w < 2; w++) {
      const bits = Atomics.load(this.words, this.at + w);
      for (let b = 0; b < 32; b++) if (bits & (1 << b)) yield w * 32 + b;
    }
  }
}

/** Callbacks registered with mmu_notifier_register. */
export interface MmuNotifierOps {
  invalidate_range_start?: (mm: mm_struct, start: number, end: number) => void;
  invalidate_range_end?: (mm: mm_struct, start: number, end: number) => void;
  invalidate_range?: (mm: mm_struct, start: number, end: number) => void;
}

/** struct vm_area_struct: numeric fields live in the machine's shared vma slab. */
export class vm_area_struct {
  private _file: file | null = null;
  private _ops: vm_operations_struct | null = null;
  vm_private_data: unknown = null;
  freed = false;
  /** A vma in slab slot `slot`; `attach` makes a view of an existing record (another thread's vma). */
  constructor(readonly m: Machine, readonly slot: number, readonly vm_mm: mm_struct, attach = false) {
    if (!attach) { this.set(VMF.MM, vm_mm.id); return; }
    const ino = this.get(VMF.INODE);
    this._file = this.get(VMF.FILE) >= 0 && ino >= 0 ? m.fileView(ino) : null;
    const kind = this.get(VMF.OPS);
    this._ops = kind === VM_OPS_NONE ? null : VM_OPS_BY_KIND.get(kind) ?? m.foreignOps(kind >> 8);
  }
  private get(f: number): number { return this.m.vmaSlab[this.slot * VMA_STRIDE + f]!; }
  private set(f: number, v: number): void { this.m.vmaSlab[this.slot * VMA_STRIDE + f] = v; }

  get vm_start(): number { return this.get(VMF.START); }
  get vm_end(): number { return this.get(VMF.END); }
  get vm_pgoff(): number { return this.get(VMF.PGOFF); }
  set vm_pgoff(v: number) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`vm_pgoff must be a non-negative integer, got ${String(v)}`);
    this.set(VMF.PGOFF, v);
  }
  get vm_flags(): number { return this.get(VMF.FLAGS); }
  set vm_flags(v: number) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new TypeError(`vm_flags must be a 32-bit unsigned integer, got ${String(v)}`);
    this.set(VMF.FLAGS, v);
  }
  get vm_page_prot(): pgprot_t { return __pgprot_raw(this.get(VMF.PROT_LO), this.get(VMF.PROT_HI)); }
  set vm_page_prot(p: pgprot_t) {
    if (!(p instanceof pgprot_t)) throw new TypeError('vm_page_prot must be a pgprot_t (use PAGE_* or __pgprot)');
    this.set(VMF.PROT_LO, p.lo);
    this.set(VMF.PROT_HI, p.hi);
  }
  get vm_file(): file | null { return this._file; }
  get anon_vma(): anon_vma | null { const id = this.get(VMF.ANON); return id > 0 ? this.m.anonVma(id) : null; }
  /** The anon_vmas this vma is chained to (its anon_vma_chain), from shared memory. */
  get anon_vma_chain(): anon_vma[] { return this.m.avSlab.vmaChain(this.avcHead).map((id) => this.m.anonVma(id)); }
  /** The first anon_vma_chain link of this vma in the shared slab (+1; 0 = none). */
  get avcHead(): number { return this.get(VMF.AVC); }
  set avcHead(h: number) { this.set(VMF.AVC, h); }
  get vm_ops(): vm_operations_struct | null { return this._ops; }
  set vm_ops(ops: vm_operations_struct | null) {
    if (ops !== null && (typeof ops !== 'object')) throw new TypeError('vm_ops must be an object of callbacks or null');
    if (ops) {
      for (const k of ['fault', 'map_pages', 'page_mkwrite', 'pfn_mkwrite', 'access', 'open', 'close', 'find_special_page'] as const) {
        if (ops[k] !== undefined && typeof ops[k] !== 'function') throw new TypeError(`vm_ops.${k} must be a function`);
      }
    }
    this._ops = ops;
    this.set(VMF.OPS, ops === null ? VM_OPS_NONE : KNOWN_VM_OPS.get(ops) ?? VM_OPS_SCRIPT | script_ops_bits(ops) << 8);
  }

  /** Internal setters used by mmap/munmap code (not part of the script's writable surface). */
  _setRange(start: number, end: number): void { this.set(VMF.START, start); this.set(VMF.END, end); }
  _setFile(f: file | null): void {
    this._file = f;
    this.set(VMF.FILE, f ? f.id : -1);
    this.set(VMF.INODE, f ? f.f_inode.id : -1);
  }
  _setAnon(a: anon_vma | null): void { this.set(VMF.ANON, a ? a.id : 0); }
  _setLinks(prev: number, next: number): void { this.set(VMF.PREV, prev); this.set(VMF.NEXT, next); }
  /** The slab slots of the neighbours as published in shared memory (-1 for none). */
  get slab_links(): { prev: number; next: number } { return { prev: this.get(VMF.PREV), next: this.get(VMF.NEXT) }; }
  get vm_next(): vm_area_struct | null {
    const i = this.vm_mm.mmap.indexOf(this);
    return i >= 0 ? this.vm_mm.mmap[i + 1] ?? null : null;
  }
  get vm_prev(): vm_area_struct | null {
    const i = this.vm_mm.mmap.indexOf(this);
    return i > 0 ? this.vm_mm.mmap[i - 1] ?? null : null;
  }
  toString(): string {
    return `vma[0x${this.vm_start.toString(16)}-0x${this.vm_end.toString(16)} flags 0x${this.vm_flags.toString(16)}]`;
  }
}

/** Pages in a vma. */
export const vma_pages = (vma: vm_area_struct): number => (vma.vm_end - vma.vm_start) / 4096;
/** The file page index that `addr` maps in `vma`. */
export const linear_page_index = (vma: vm_area_struct, addr: number): number =>
  Math.floor((addr - vma.vm_start) / 4096) + vma.vm_pgoff;
/** vma_is_anonymous: no vm_ops. */
export const vma_is_anonymous = (vma: vm_area_struct): boolean => vma.vm_ops === null;
