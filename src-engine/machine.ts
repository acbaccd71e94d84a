// One simulated machine: physical memory, struct pages, the allocator, the page cache, the
// shared mm and vma slabs, per-CPU state, and the kernel's diagnostics. Every kernel object
// carries its machine, so kernel functions find it from their arguments.
import { MachineConfig, resolveConfig } from './params';
import { KernelLog } from './kernel/bug';
import { PhysMem, type PhysMemBuffers } from './mm/physmem';
import { MemMap, type MemMapBuffers } from './mm/page';
import { PageAllocator, type AllocatorBuffers } from './mm/page_alloc';
import { PageCache, type PageCacheBuffers } from './mm/pagecache';
import { MM_STRIDE, VMA_STRIDE, INODE_STRIDE, VMF, FS_KINDS, type vm_operations_struct, mm_struct, vm_area_struct, anon_vma, file, inode, FsType } from './mm/mm_types';
import { Tracer } from './kernel/trace';
import { Cpu } from './arch/x86/mm/tlb';
import { SwapDevice } from './mm/swapfile';
import { MemtypeTable } from './arch/x86/mm/pat';
import { PAGE_SIZE } from './arch/x86/pgtable_types';
import { cycles_to_ns, CPU_GHZ } from './costs';
import type { vm_area_struct as VmaT } from './mm/mm_types';
import { swap_free_entry } from './mm/swap_state';
import { AnonVmaSlab, type AnonVmaBuffers } from './mm/anon_vma_slab';
import { IpiMailboxes, type IpiBuffers } from './smp/ipi';
import { delegating_vm_ops, type DelegateMailbox } from './smp/delegate';

import { Stats, type SharedStats } from './metrics/stats';
import type { Histogram } from './metrics/histogram';
import { createLabStats, attachLabStats, recordFault, recordLockWait, recordLockHandoff, LOCKS, type HandoffLock } from './metrics/catalog';
import { LOCK_TAG_SCRIPT, type LockAccounting } from './kernel/locking';
import type { FaultType } from './mm/memory_fault';

/** The host clock (the global `performance` is reached through a getter on every use). */
const perf = performance;

export type FailSite = 'page_alloc' | 'pte_alloc' | 'pmd_alloc' | 'pud_alloc' | 'track_pfn';
export const FAIL_SITES: readonly FailSite[] = ['page_alloc', 'pte_alloc', 'pmd_alloc', 'pud_alloc', 'track_pfn'];

/** A free-list allocator of slab slots. */
class SlotAllocator {
  private readonly free: number[] = [];
  private next = 0;
  constructor(readonly capacity: number, readonly what: string) {}
  /** A free slot; throws a clear lab error when the slab is full. */
  alloc(): number {
    const s = this.free.pop();
    if (s !== undefined) return s;
    if (this.next >= this.capacity) throw new RangeError(`${this.what} slab is full (${this.capacity}); raise the machine parameter`);
    return this.next++;
  }
  release(s: number): void { this.free.push(s); }
  get used(): number { return this.next - this.free.length; }
}

/** Where statistics are accounted: one slot's counter block and histograms (see Machine.statsSlot). */
export interface StatsSlot { readonly counters: Float64Array; readonly histograms: readonly Histogram[] }

/** Every shared buffer of a machine: what a CPU worker needs to attach to it. */
export interface MachineShared {
  config: MachineConfig;
  phys: PhysMemBuffers;
  mem: MemMapBuffers;
  alloc: AllocatorBuffers;
  pagecache: PageCacheBuffers;
  mmSlab: SharedArrayBuffer;
  vmaSlab: SharedArrayBuffer;
  inodeSlab: SharedArrayBuffer;
  av: AnonVmaBuffers;
  stats: SharedStats;
  tlbs: SharedArrayBuffer[];
  ipi: IpiBuffers;
}

export class Machine implements LockAccounting {
  readonly config: MachineConfig;
  readonly log = new KernelLog();
  readonly phys: PhysMem;
  readonly mem: MemMap;
  readonly alloc: PageAllocator;
  readonly pagecache: PageCache;
  readonly mmSlab: Int32Array;
  readonly vmaSlab: Float64Array;
  /** Shared inode fields (i_size, fs kind, mtime) by inode id. */
  readonly inodeSlab: Float64Array;
  readonly trace = new Tracer();
  readonly cpus: Cpu[];
  readonly swap: SwapDevice | null;
  readonly memtypes = new MemtypeTable();
  readonly zero_pfn: number;
  readonly highest_memmap_pfn: number;
  readonly mms = new Map<number, mm_struct>();
  readonly files: file[] = [];
  readonly inodes: inode[] = [];
  /** anon_vmas and their chains, in shared memory. */
  readonly avSlab: AnonVmaSlab;
  private readonly anonViews = new Map<number, anon_vma>();
  /** The vma object of each live slab slot (this thread's views). */
  readonly vmaBySlot = new Map<number, vm_area_struct>();
  readonly failNext = new Map<FailSite, number>();
  /** Wrappers of struct pages handed to scripts, so the same page is the same object. */
  readonly pageObjects = new Map<number, object>();
  private readonly mmSlots: SlotAllocator;
  private readonly vmaSlots: SlotAllocator;
  /** run_workloads calls so far (each run's tie-breaking RNG is forked from the seed by it). */
  runs = 0;
  /** The CPU whose process context runs kernel calls from the script. */
  current_cpu = 0;
  /** Per-CPU statistics in shared memory (metrics/catalog.ts declares them). */
  readonly stats: Stats;
  /** Each CPU's stats slot, then the script thread's (statsSlot picks one). */
  private readonly cpuSlots: StatsSlot[];
  private readonly scriptSlot: StatsSlot;
  /** PGFAULT events (handle_mm_fault calls), all CPUs. */
  pgfault = 0;
  /** Present ptes cleared by zaps so far (zap throughput is measured from it). */
  zapped = 0;
  /** The path that handled the fault in progress (set by the fault handlers). */
  faultType: FaultType = 'error';
  /** Stale translations the TLB checker saw (config tlb_check), reported by check_invariants. */
  readonly staleTlb: string[] = [];
  /** WARN_ON_ONCE sites that already fired. */
  readonly warnedOnce = new Set<string>();
  /** Consecutive OOM fault retries of the current access. */
  oomRetries = 0;
  /** Test hook: called between gup's fault and its retry, with gup's flags (where the Dirty COW race lives). */
  gupRetryHook: ((vma: VmaT, address: number, foll_flags: number) => void) | null = null;
  /** How struct pages cross to script code and back (set by the lab API; pfns by default). */
  wrapPage: (pfn: number) => unknown = (pfn) => pfn;
  unwrapPage: (x: unknown) => number | null = (x) => (typeof x === 'number' ? x : null);

  /** IPI mailboxes: used while CPUs run on worker threads (parallel mode). */
  readonly ipi: IpiMailboxes;
  /** True on a CPU worker's view of the machine (kernel objects are views of shared records). */
  readonly isWorker: boolean;
  /** True while CPU workers run: TLBs belong to them and shootdowns go by IPI. */
  workersRunning = false;
  private readonly mmViews = new Map<number, mm_struct>();
  private readonly inodeViews = new Map<number, inode>();
  private readonly fileViews = new Map<number, file>();

  /** Build and boot a machine from a (partial) config, or attach to one another thread made. */
  constructor(partial?: unknown, shared?: MachineShared) {
    this.config = shared ? shared.config : resolveConfig(partial);
    const c = this.config;
    this.isWorker = !!shared;
    this.phys = shared ? new PhysMem(shared.phys) : PhysMem.create(c.ram_mb * 1024 * 1024, [{ name: 'mmio0', base: c.mmio_base, size: c.mmio_mb * 1024 * 1024 }]);
    this.phys.concurrent = c.mode === 'parallel';
    if (c.mmio_base < this.phys.ram.length) throw new TypeError('mmio_base overlaps RAM: raise mmio_base or lower ram_mb');
    this.mem = shared ? new MemMap(shared.mem) : MemMap.create(this.phys.nr_pages);
    this.mem.concurrent = c.mode === 'parallel';
    this.alloc = new PageAllocator(this.mem, this.phys.nr_pages, this.log, shared?.alloc);
    this.highest_memmap_pfn = this.phys.nr_pages - 1;
    this.pagecache = new PageCache(this.phys.nr_pages, 4096, shared?.pagecache);
    this.mmSlab = new Int32Array(shared?.mmSlab ?? new SharedArrayBuffer(c.max_mms * MM_STRIDE * 4));
    this.vmaSlab = new Float64Array(shared?.vmaSlab ?? new SharedArrayBuffer(c.max_vmas * VMA_STRIDE * 8));
    this.avSlab = new AnonVmaSlab(c.max_vmas * 2, shared?.av);
    this.inodeSlab = new Float64Array(shared?.inodeSlab ?? new SharedArrayBuffer(this.pagecache.maxMappings * INODE_STRIDE * 8));
    this.mmSlots = new SlotAllocator(c.max_mms, 'mm_struct');
    this.vmaSlots = new SlotAllocator(c.max_vmas, 'vm_area_struct');
    this.stats = shared ? attachLabStats(shared.stats) : createLabStats(c.cpus);
    this.cpus = Array.from({ length: c.cpus }, (_, i) => new Cpu(this, i, shared?.tlbs[i]));
    this.cpuSlots = this.cpus.map((cpu) => ({ counters: cpu.stats, histograms: this.stats.histograms(cpu.id) }));
    this.scriptSlot = { counters: this.stats.scriptCounters(), histograms: this.stats.scriptHistograms() };
    this.ipi = new IpiMailboxes(c.cpus + 1, shared?.ipi);
    this.swap = c.swap ? new SwapDevice(c.swap_mb * 256) : null;
    // pfn 0 is reserved firmware memory, as on a PC; pfn 1 is the zero page.
    this.zero_pfn = 1;
    if (shared) return;
    this.alloc.init(new Set([0, 1]));
    this.log.printk(`Linux version 4.7.4 (mmu-lab) x86_64, ${c.cpus} CPUs, ${c.ram_mb} MiB RAM`);
    this.log.printk(`Memory: ${this.alloc.nr_free * 4}K/${this.phys.nr_pages * 4}K available`);
  }

  /** The shared buffers a CPU worker attaches to. */
  shared(): MachineShared {
    return {
      config: this.config, phys: this.phys.buffers, mem: this.mem.buffers, alloc: this.alloc.buffers,
      pagecache: this.pagecache.buffers, mmSlab: this.mmSlab.buffer as SharedArrayBuffer,
      vmaSlab: this.vmaSlab.buffer as SharedArrayBuffer, inodeSlab: this.inodeSlab.buffer as SharedArrayBuffer,
      av: this.avSlab.buffers, stats: this.stats.shared, tlbs: this.cpus.map((c) => c.tlb.buffer), ipi: this.ipi.buffers,
    };
  }

  /** On a worker: how it reaches script-defined vm_ops (set by the worker; null elsewhere). */
  delegate: { box: DelegateMailbox; poll: () => void; wake: () => void } | null = null;
  private readonly foreignOpsCache = new Map<number, vm_operations_struct>();

  /** On a worker: vm_ops forwarding the script callbacks named by `bits` to the script's thread. */
  foreignOps(bits: number): vm_operations_struct {
    let ops = this.foreignOpsCache.get(bits);
    if (!ops) {
      if (!this.delegate) throw new Error('script vm_ops reached from a thread that cannot call the script');
      ops = delegating_vm_ops(bits, this.delegate.box, this.delegate.poll, this.delegate.wake);
      this.foreignOpsCache.set(bits, ops);
    }
    return ops;
  }

  /** A worker's view of mm `id` (one object per id on this thread). */
  mmView(id: number): mm_struct {
    let mm = this.mmViews.get(id);
    if (!mm) { mm = new mm_struct(this, id, id * MM_STRIDE); this.mmViews.set(id, mm); }
    return mm;
  }

  /** A worker's view of inode `id`: name unknown, fields from shared memory. */
  inodeView(id: number): inode {
    const own = this.inodes[id];
    if (own) return own;
    let v = this.inodeViews.get(id);
    if (!v) { v = new inode(this, `inode#${id}`, FS_KINDS[this.inodeSlab[id * INODE_STRIDE + 1]!]!, id); this.inodeViews.set(id, v); }
    return v;
  }

  /** A file object for inode `id` as a vma on another thread maps it (enough for faults). */
  fileView(id: number): file {
    let f = this.fileViews.get(id);
    if (!f) { f = new file(this, -1, this.inodeView(id), 3, {}); this.fileViews.set(id, f); }
    return f;
  }

  /**
   * On a worker: rebuild mm's vma list from shared memory when its sequence number moved (the
   * caller holds mmap_sem, so the list is stable). No-op on the machine's own thread.
   */
  syncVmas(mm: mm_struct): void {
    if (!this.isWorker || mm.seenSeq === mm.vma_seq) return;
    const list: vm_area_struct[] = [];
    for (let slot = mm.vma_head_slot; slot >= 0; slot = this.vmaSlab[slot * VMA_STRIDE + VMF.NEXT]!) {
      list.push(new vm_area_struct(this, slot, mm, true));
    }
    mm.mmap.length = 0;
    mm.mmap.push(...list);
    mm.seenSeq = mm.vma_seq;
  }

  /** A new mm_struct backed by a slab slot. */
  newMm(): mm_struct {
    const slot = this.mmSlots.alloc();
    this.mmSlab.fill(0, slot * MM_STRIDE, (slot + 1) * MM_STRIDE);
    const mm = new mm_struct(this, slot, slot * MM_STRIDE);
    this.mms.set(slot, mm);
    return mm;
  }
  /** Release an mm's slot (after exit_mmap). */
  freeMm(mm: mm_struct): void {
    this.mms.delete(mm.id);
    this.mmSlots.release(mm.id);
  }
  /** A new vma of `mm`, fields zeroed. */
  newVma(mm: mm_struct): vm_area_struct {
    const slot = this.vmaSlots.alloc();
    this.vmaSlab.fill(0, slot * VMA_STRIDE, (slot + 1) * VMA_STRIDE);
    const v = new vm_area_struct(this, slot, mm);
    this.vmaBySlot.set(slot, v);
    return v;
  }
  /** Release a vma's slot. */
  freeVma(vma: vm_area_struct): void {
    vma.freed = true;
    if (this.vmaBySlot.get(vma.slot) === vma) this.vmaBySlot.delete(vma.slot);
    this.vmaSlots.release(vma.slot);
  }
  /** A new anon_vma (anon_vma_alloc) in the shared slab. */
  newAnonVma(parent: anon_vma | null): anon_vma {
    return this.anonVma(this.avSlab.alloc(parent ? parent.id : 0));
  }
  /** The view of anon_vma id (one object per id on this thread). */
  anonVma(id: number): anon_vma {
    let v = this.anonViews.get(id);
    if (!v) { v = new anon_vma(this, id); this.anonViews.set(id, v); }
    return v;
  }
  /** A new inode + open file of the given kind. */
  newInode(name: string, fs: FsType | 'chardev'): inode {
    const id = this.inodes.length;
    if (id >= this.pagecache.maxMappings) throw new RangeError(`too many files (${id}); the page cache indexes at most ${this.pagecache.maxMappings}`);
    const ino = new inode(this, name, fs, id);
    this.inodes.push(ino);
    return ino;
  }
  /** Register an open file description. */
  newFile(ino: inode, mode: number, f_op: file['f_op']): file {
    const f = new file(this, this.files.length, ino, mode, f_op);
    this.files.push(f);
    return f;
  }

  /** Consume one injected failure at `site`; true if this attempt must fail. */
  shouldFail(site: FailSite): boolean {
    const n = this.failNext.get(site) ?? 0;
    if (n <= 0) return false;
    if (n === 1) this.failNext.delete(site);
    else this.failNext.set(site, n - 1);
    return true;
  }

  /** Drop one pte's reference to a swap slot (do_swap_page's swap_free). */
  swapFreeEntry(offset: number): void { swap_free_entry(this, offset); }

  /**
   * Run one fault handler, account it (type, simulated cycles, host ns) and emit the page_fault
   * tracepoint. Returns the handler's VM_FAULT_* result.
   */
  accountFault(mm: mm_struct, address: number, write: boolean, handler: () => number, cpu = this.current_cpu, forceType?: FaultType): number {
    const t0 = perf.now();
    const saved = this.current_cpu;
    const c = this.cpus[cpu]!;
    const clock0 = c.clock;
    this.current_cpu = cpu;
    this.faultType = 'error';
    c.clock += this.config.cost_fault_entry;
    let ret: number;
    try { ret = handler(); } finally { this.current_cpu = saved; }
    const type = (forceType ?? this.faultType) as FaultType;
    const ns = Math.round((perf.now() - t0) * 1e6);
    const cycles = c.clock - clock0; // entry plus what the path charged (allocation, copies, ptes)
    const slot = this.statsSlot(cpu);
    recordFault(slot.counters, slot.histograms, type, cycles, ns);
    if (this.trace.on('page_fault')) this.trace.emit({ name: 'page_fault', cpu, mm, address, write, type, cycles, ns, sim_ns: cycles_to_ns(cycles) });
    return ret;
  }

  /** Simulated cycles of every CPU added up. */
  get cycles(): number { return this.cpus.reduce((n, c) => n + c.clock, 0); }
  /**
   * Where statistics accounted on this thread now go: the script thread's slot while CPU workers
   * run and this is the script's thread (it is no CPU then, and CPU `cpu`'s block belongs to
   * that CPU's worker); otherwise CPU `cpu`'s (default: the current CPU).
   */
  statsSlot(cpu = this.current_cpu): StatsSlot {
    return this.noCpuHere ? this.scriptSlot : this.cpuSlots[cpu]!;
  }

  /** True on the script's thread while CPU workers run: kernel code here runs on no CPU (each CPU is its worker's). */
  get noCpuHere(): boolean {
    return this.workersRunning && !this.isWorker;
  }

  /**
   * Account a contended lock acquisition on this thread: counted, and the host time waited
   * (converted at the modelled clock) added to the wait cycles of its stats slot (statsSlot);
   * on a CPU (not the script's thread while workers run) also to that CPU's simulated clock.
   */
  recordLockWait(kind: number, ns: number): void {
    const cycles = Math.round(ns * CPU_GHZ);
    const slot = this.statsSlot();
    recordLockWait(slot.counters, LOCKS[kind]!, cycles);
    if (slot !== this.scriptSlot) this.cpus[this.current_cpu]!.clock += cycles;
  }

  /** LockAccounting: the current CPU's id + 1, or LOCK_TAG_SCRIPT on the script's thread while CPU workers run. */
  lockTag(): number {
    return this.noCpuHere ? LOCK_TAG_SCRIPT : this.current_cpu + 1;
  }

  /** LockAccounting: a lock of `kind` (mmap_sem, a ptl or a page_table_lock) came from another CPU: counted, and cost_lock_handoff added to the current CPU's clock. */
  lockHandoff(kind: number): void {
    const cpu = this.cpus[this.current_cpu]!;
    recordLockHandoff(cpu.stats, LOCKS[kind] as HandoffLock);
    cpu.clock += this.config.cost_lock_handoff;
  }

  /** Charge simulated cycles to the CPU running kernel code now. */
  charge(cycles: number): void { this.cpus[this.current_cpu]!.clock += cycles; }

  get nr_ram_pages(): number { return this.phys.nr_pages; }
  get ram_bytes(): number { return this.phys.nr_pages * PAGE_SIZE; }
  get vmasInUse(): number { return this.vmaSlots.used; }
}
