// MMU Lab: every global an experiment script sees. This one self-contained file (no imports, no
// exports) is what `mmu-lab run` type-checks scripts against and what the editor loads
// (Monaco's addExtraLib), so its doc comments are the hover help. It must agree with the runtime
// API built in src-engine/lab.ts: tests/unit/lab/lab-api-dts.test.ts fails on any name or type
// that differs. Conventions (shared/SCRIPTING-API.md):
//   - kernel names, kernel argument order; addresses, sizes and pfns are plain numbers;
//   - an int-returning kernel function returns 0 or a negative errno (-EINVAL) and does not throw;
//   - a kernel BUG()/BUG_ON() throws an Error named 'KernelBug' whose message starts with the
//     function's name; changes made before it stay, and the machine is tainted but usable;
//   - a user access the kernel would kill throws an Error named 'SIGSEGV' or 'SIGBUS' with .address;
//   - an argument C could not even express (a string for a vma, a negative length, an object of
//     another machine) throws a TypeError and changes nothing.

// ---------------------------------------------------------------------------------------------
// Kernel objects (opaque handles and views of the simulated kernel's structures)
// ---------------------------------------------------------------------------------------------

/**
 * A page-table entry: a 64-bit x86-64 pte value (PFN in bits 12–45, flag bits 0–11, NX in bit
 * 63), as a snapshot; changing the page table later does not change it. Opaque: read it with
 * `pte_present`, `pte_write`, `pte_dirty`, `pte_young`, `pte_special`, `pte_none`, `pte_pfn`,
 * `pte_flags`, `pte_nx` and `pte_val`. Comes from `lookup_pte` and `ptep_get`.
 */
interface pte_t { /** Compile-time tag that keeps a pte_t apart from other values. */ readonly [Symbol.toStringTag]: 'pte_t' }

/**
 * A page protection (pgprot_t): the 64-bit pte flag bits a mapping gives its ptes (NX at bit 63).
 * Opaque: make one from `PAGE_*`, `__pgprot(bits)`, `pgprot_noncached`, `pgprot_writecombine`;
 * read it with `pgprot_val`. A vma's `vm_page_prot` is one.
 */
interface pgprot_t { /** Compile-time tag that keeps a pgprot_t apart from other values. */ readonly [Symbol.toStringTag]: 'pgprot_t' }

/** A read-write semaphore (struct rw_semaphore): an mm's `mmap_sem`. Take it with `down_read`/`down_write`, release with `up_read`/`up_write`. */
interface rw_semaphore { /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'rw_semaphore' }

/** A spinlock (spinlock_t): the split page-table lock (`ptl`) that `pte_alloc_map_lock` returns and `pte_unmap_unlock` releases. */
interface spinlock_t { /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'spinlock_t' }

/** A pointer to one pte (pte_t *) inside a page-table page, as `pte_alloc_map_lock` returns it; `ptep_get` reads it, `do_set_pte` writes it. */
interface pte_ptr { /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'pte_ptr' }

/**
 * struct mm_struct: one process's address space. Make one with `mm_alloc()` (or `fork(mm)`),
 * release it with `mmput(mm)`. The counters are live views of the kernel's fields.
 */
interface mm_struct {
  /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'mm_struct';
  /** The mm's read-write semaphore. Page faults and the zaps hold it for read; mmap, munmap, mprotect and the mm's other system calls take it for write themselves. */
  readonly mmap_sem: rw_semaphore;
  /** The vmas, sorted by address (the kernel's mm->mmap list). Read it; do not modify it. */
  readonly mmap: vm_area_struct[];
  /** Number of vmas. */
  readonly map_count: number;
  /** Page-table (pte) pages allocated for this mm. Zaps never free them; munmap and exit do. */
  readonly nr_ptes: number;
  /** Page-middle-directory pages allocated for this mm. */
  readonly nr_pmds: number;
  /** High-water mark of the resident set in pages, updated before each zap (update_hiwater_rss). */
  readonly hiwater_rss: number;
  /** High-water mark of total_vm, in pages. */
  readonly hiwater_vm: number;
  /** Pages of address space mapped (all vmas). */
  readonly total_vm: number;
  /** Pages mlocked (VM_LOCKED vmas). */
  readonly locked_vm: number;
  /** Users of this mm (mm_users). */
  readonly mm_users: number;
  /** The pfn of the page holding the top-level page table (pgd). */
  readonly pgd: number;
}

/**
 * struct vm_area_struct: one mapping [vm_start, vm_end) of an mm. Get it with `find_vma`. A
 * driver's mmap handler (see `device_create`) may set vm_flags, vm_page_prot, vm_pgoff and
 * vm_ops. A vma that is unmapped, split away or merged becomes unusable (TypeError if passed on).
 */
interface vm_area_struct {
  /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'vm_area_struct';
  /** First address of the mapping (page aligned). */
  readonly vm_start: number;
  /** First address after the mapping (exclusive, page aligned). */
  readonly vm_end: number;
  /** The mm this vma belongs to. */
  readonly vm_mm: mm_struct;
  /** VM_* flags (VM_READ | VM_WRITE | VM_SHARED | VM_MAYWRITE | ...). A 32-bit unsigned number. */
  vm_flags: number;
  /** The protection new ptes of this vma get. A private mapping never has _PAGE_RW here: COW makes ptes writable one by one. */
  vm_page_prot: pgprot_t;
  /** Offset in the file, in pages, of vm_start (anonymous private: vm_start >> 12; remap_pfn_range on a COW mapping stores the pfn here). */
  vm_pgoff: number;
  /** The mapped file, or null for anonymous memory. */
  readonly vm_file: file | null;
  /** The anon_vma of this vma's anonymous pages: null until the first anonymous page (anon_vma_prepare). */
  readonly anon_vma: anon_vma | null;
  /** The vma's operations (fault handlers), or null: a vma without vm_ops is anonymous (vma_is_anonymous). */
  vm_ops: vm_operations_struct | null;
  /** A driver's own data for this vma. */
  vm_private_data: unknown;
  /** The next vma in the mm's list, or null. */
  readonly vm_next: vm_area_struct | null;
  /** The previous vma in the mm's list, or null. */
  readonly vm_prev: vm_area_struct | null;
}

/**
 * struct vm_operations_struct: what a driver's vma does on faults and remote access. Assign
 * one to `vma.vm_ops` in a device's mmap handler. Every callback runs under the mm's mmap_sem
 * (read); in parallel mode a CPU worker's fault on such a vma runs the callback on the script's
 * thread while the worker waits.
 */
interface vm_operations_struct {
  /** ->fault: find the page for `vmf.pgoff` and store it in `vmf.page` (with a reference the new pte will own); return 0, VM_FAULT_NOPAGE when the handler installed the pte itself (vm_insert_pfn), or VM_FAULT_SIGBUS / VM_FAULT_OOM. */
  fault?: (vma: vm_area_struct, vmf: vm_fault) => number;
  /** ->map_pages: map the pages around a read fault that are already cached (fault-around). */
  map_pages?: (vma: vm_area_struct, vmf: vm_fault) => void;
  /** ->page_mkwrite: a write is about to make the read-only pte of `vmf.page` writable (shared mappings); return 0 or a VM_FAULT_* error. */
  page_mkwrite?: (vma: vm_area_struct, vmf: vm_fault) => number;
  /** ->pfn_mkwrite: as page_mkwrite, for a pfn mapping without struct page. */
  pfn_mkwrite?: (vma: vm_area_struct, vmf: vm_fault) => number;
  /** ->access: copy `len` bytes at `addr` to or from `buf` when get_user_pages cannot (VM_IO / VM_PFNMAP); return bytes done or a negative errno. `generic_access_phys` is the usual one. */
  access?: (vma: vm_area_struct, addr: number, buf: Uint8Array, len: number, write: number) => number;
  /** ->open: a new vma now refers to the same object (fork, split). */
  open?: (vma: vm_area_struct) => void;
  /** ->close: the vma is going away (munmap, exit). */
  close?: (vma: vm_area_struct) => void;
  /** ->find_special_page: the page behind a special pte, for vm_normal_page; return a page or null. */
  find_special_page?: (vma: vm_area_struct, addr: number) => unknown;
  /** A name for dmesg lines and traces. */
  name?: string;
}

/** struct vm_fault: what a ->fault or ->page_mkwrite handler is asked. */
interface vm_fault {
  /** FAULT_FLAG_* bits: FAULT_FLAG_WRITE for a write, FAULT_FLAG_MKWRITE, FAULT_FLAG_REMOTE for get_user_pages. */
  flags: number;
  /** The file page index that faulted (linear_page_index of the address). */
  pgoff: number;
  /** The faulting user address (page aligned). */
  address: number;
  /** Set by ->fault: the page to map (a `page` from alloc_page or find_get_page), carrying a reference for the new pte. */
  page: unknown;
  /** The private copy being made by a COW fault, if any. */
  cow_page?: unknown;
}

/**
 * struct file: an open file description of a regular file (`file_create`, `file_open`) or a
 * character device (`device_create`). Pass it to `mmap`.
 */
interface file {
  /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'file';
  /** The file's page cache and the vmas mapping it (file->f_mapping). */
  readonly f_mapping: address_space;
  /** FMODE_READ (1) | FMODE_WRITE (2): how it was opened. A MAP_SHARED mapping of a file opened 'r' gets neither VM_SHARED nor VM_MAYWRITE. */
  readonly f_mode: number;
  /** The file's name. */
  readonly name: string;
  /** The file's size in bytes (i_size). */
  readonly size: number;
}

/** struct address_space: a file's page cache and the vmas that map it (i_mmap). */
interface address_space {
  /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'address_space';
  /** Pages in the page cache. */
  readonly nrpages: number;
  /** The vmas mapping this file, shared and private alike, ordered by vm_pgoff. Read it; do not modify it. */
  readonly i_mmap: vm_area_struct[];
}

/** struct anon_vma: what anonymous pages point at (page->mapping), linking them to the vmas that may map them. */
interface anon_vma {
  /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'anon_vma';
  /** The root of this anon_vma's tree (fork chains them), or null when it is its own root. */
  readonly root: anon_vma | null;
  /** The anon_vma it was forked from, or null. */
  readonly parent: anon_vma | null;
  /** How many vmas and child anon_vmas refer to it. */
  readonly degree: number;
  /** The vmas chained to it, which may map its pages. */
  readonly vmas: Set<vm_area_struct>;
}

/**
 * struct page: one frame of simulated RAM. The same frame is always the same object (===).
 * From `alloc_page`, `alloc_pages`, `pfn_to_page`, `find_get_page`.
 */
interface page {
  /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'page';
  /** page->mapping: the address_space of a page-cache page, the anon_vma of an anonymous page, or null. Unmapping never clears it. */
  readonly mapping: address_space | anon_vma | null;
  /** page->index: the file page offset, or the linear page index of an anonymous page. */
  readonly index: number;
  /** Names of the PG_* flags set (PG_locked, PG_dirty, PG_swapbacked, ...). */
  readonly flags: string[];
}

/**
 * struct mmu_gather: the batch a zap fills. Pages unmapped through it are freed only after the
 * TLB flush that covers their ptes (tlb_flush_mmu), as in asm-generic/tlb.h.
 * `const tlb = new mmu_gather(); tlb_gather_mmu(tlb, mm, start, end); unmap_vmas(tlb, vma, s, e); tlb_finish_mmu(tlb, start, end);`
 */
declare class mmu_gather {
  /** An inactive gather: start it with tlb_gather_mmu. */
  constructor();
  /** Compile-time tag. */ readonly [Symbol.toStringTag]: 'mmu_gather';
  /** The mm being unmapped, or null before tlb_gather_mmu. */
  readonly mm: mm_struct | null;
  /** Start of the range to flush so far (TASK_SIZE when empty). */
  readonly start: number;
  /** End of the range to flush so far (0 when empty). */
  readonly end: number;
  /** True for a whole-address-space gather (start 0, end -1, as exit_mmap makes). */
  readonly fullmm: boolean;
  /** A full TLB flush is needed whatever the range. */
  readonly need_flush_all: boolean;
  /** Batches of queued pages in use. */
  readonly batch_count: number;
  /** TLB flushes this gather made (for experiments). */
  readonly flushes: number;
  /** True once tlb_finish_mmu ran. */
  readonly finished: boolean;
}

/**
 * struct zap_details: which ptes a zap may leave alone. All fields optional.
 * Pass null (or nothing) to zap every pte in range.
 */
interface zap_details {
  /** If set, present ptes whose page->mapping is another mapping are kept (how unmap_mapping_range with even_cows = 0 keeps private COW pages). Special (pfn) ptes are never kept this way. */
  check_mapping?: address_space | null;
  /** First file page index, used only to walk i_mmap. */
  first_index?: number;
  /** Last file page index, used only to walk i_mmap. */
  last_index?: number;
  /** OOM-reaper mode: a dirty file pte is cleared but its page's rss, rmap and reference are left as they were (a 4.7 quirk; dmesg says so). */
  ignore_dirty?: boolean;
  /** Zap swap entries too; with details non-null and this false, non-present ptes are kept. */
  check_swap_entries?: boolean;
}

/** Callbacks of an MMU notifier (mmu_notifier_register): told before and after ptes of a range change. */
interface mmu_notifier_ops {
  /** Before ptes in [start, end) are zapped or changed. */
  invalidate_range_start?: (mm: mm_struct, start: number, end: number) => void;
  /** After they were. */
  invalidate_range_end?: (mm: mm_struct, start: number, end: number) => void;
  /** With the TLB flush of [start, end) (tlb_flush_mmu_tlbonly, ptep_clear_flush_notify). */
  invalidate_range?: (mm: mm_struct, start: number, end: number) => void;
}

/** The x86 PAT memory types set_memtype reserves: write-back, write-combining, uncached-minus, uncached. */
type MemType = 'WB' | 'WC' | 'UC-' | 'UC';

/** Where fail_next injects a failure: a page allocation, a page-table allocation at each level, or the PAT hook (track_pfn_*). */
type FailSite = 'page_alloc' | 'pte_alloc' | 'pmd_alloc' | 'pud_alloc' | 'track_pfn';

/** The file systems file_create offers: 'ramfs' (MM_FILEPAGES), 'tmpfs' (swap-backed, MM_SHMEMPAGES), 'diskfs' (accounts dirty pages, so shared writable mappings are write-notified). */
type FsType = 'ramfs' | 'tmpfs' | 'diskfs';

// ---------------------------------------------------------------------------------------------
// The machine: configuration, statistics, traces
// ---------------------------------------------------------------------------------------------

/**
 * A machine's configuration: every parameter with its unit and default. `reset_machine(config)`
 * takes any subset; the rest keep their defaults. Cost parameters are in simulated cycles,
 * calibrated against the host-kernel baselines (shared/baselines/RESULTS.md).
 */
interface MachineConfig {
  /** RAM, from physical address 0 up. Unit: MiB. Default 256. */
  ram_mb: number;
  /** simulated CPUs (each with its own TLB). Unit: CPUs. Default 2. */
  cpus: number;
  /** seed of the deterministic scheduler and of the scripts' random numbers. Default 1. */
  seed: number;
  /** x86 PAT memtype tracking (track_pfn_* / reserve_pfn_range). Default false. */
  pat: boolean;
  /** CONFIG_DEBUG_VM: VM_BUG_ON checks fire. Default false. */
  debug_vm: boolean;
  /** a swap device exists; anonymous pages can be swapped out. Default false. */
  swap: boolean;
  /** 4.7.9's FOLL_COW fix for CVE-2016-5195. Default false. */
  dirty_cow_fix: boolean;
  /** size of the swap device when swap is on. Unit: MiB. Default 64. */
  swap_mb: number;
  /** physical address of the MMIO region (no struct page). Unit: bytes. Default 0xc0000000. */
  mmio_base: number;
  /** size of the MMIO region. Unit: MiB. Default 16. */
  mmio_mb: number;
  /** vm.max_map_count: the most vmas one mm may have. Unit: vmas. Default 65530. */
  max_map_count: number;
  /** fault-around window of file read faults (a power of two). Unit: bytes. Default 65536. */
  fault_around_bytes: number;
  /** capacity of the shared mm slab. Unit: mm_structs. Default 1024. */
  max_mms: number;
  /** capacity of the shared vma slab (all processes). Unit: vmas. Default 65536. */
  max_vmas: number;
  /** 'deterministic': every CPU on one thread under a seeded scheduler (bit-identical runs); 'parallel': a worker thread per CPU (see src-engine/SMP.md). Default 'deterministic'. */
  mode: 'deterministic' | 'parallel';
  /** accesses a CPU makes before the scheduler (and its IPI mailbox) gets a look in. Unit: accesses. Default 64. */
  quantum: number;
  /** L1 dTLB capacity (the test machine: 64, CPUID 0x80000005). Unit: entries. Default 64. */
  tlb_l1_entries: number;
  /** L1 dTLB associativity (64 = fully associative, as on the test machine). Unit: ways. Default 64. */
  tlb_l1_ways: number;
  /** second-level STLB capacity (the test machine: 2048, CPUID 0x80000006). Unit: entries. Default 2048. */
  tlb_l2_entries: number;
  /** STLB associativity (the baselines give only its size; 16 is an assumption). Unit: ways. Default 16. */
  tlb_l2_ways: number;
  /** TLB replacement policy: 'lru', 'plru' or 'random' (seeded). Default 'lru'. */
  tlb_policy: 'lru' | 'plru' | 'random';
  /** tag TLB entries with PCIDs so a context switch does not flush (Linux 4.7 does not use them). Default false. */
  pcid: boolean;
  /** page-walk cache of upper-level entries (0 = every walk makes 4 memory references). Unit: entries. Default 32. */
  pwc_entries: number;
  /** check every TLB hit against the page tables and report stale translations of freed or reused frames (slow; for tests). Default false. */
  tlb_check: boolean;
  /** a load or store whose translation hits the L1 dTLB (RESULTS.md §5: 1.36 ns at 16 pages). Unit: cycles. Default 3. */
  cost_access: number;
  /** extra cost of an L1 miss that hits the STLB (RESULTS.md §5: 512 pages, 6.0 vs 2.45 ns dense). Unit: cycles. Default 9. */
  cost_stlb_hit: number;
  /** fixed cost of a page walk after an STLB miss (RESULTS.md §5: 4096 pages, 34 vs 6.2 ns dense, less one reference). Unit: cycles. Default 50. */
  cost_walk: number;
  /** each page-table memory reference a walk makes (references the page-walk cache does not save). Unit: cycles. Default 17. */
  cost_walk_ref: number;
  /** sending one TLB-shootdown IPI and waiting for its ack (~0.6 µs, about two null syscalls). Unit: cycles. Default 1500. */
  cost_ipi_send: number;
  /** taking a shootdown interrupt and flushing on the receiving CPU. Unit: cycles. Default 1000. */
  cost_ipi_receive: number;
  /** taking mmap_sem, a page-table lock or an mm's page_table_lock last taken by another CPU: the lock's cache line moves (measured on this machine by tests/bench/native/handoff.c, two threads on the two vCPUs taking turns with one spinlock: ~33 ns). Unit: cycles. Default 80. */
  cost_lock_handoff: number;
  /** taking a page fault and returning from it: exception entry, mmap_sem, the walk to the pte (RESULTS.md §1: a zero-page read fault, 1024 ns, less mapping the pte). Unit: cycles. Default 2300. */
  cost_fault_entry: number;
  /** allocating a page (allocator and memcg charge); page tables too. Unit: cycles. Default 1000. */
  cost_page_alloc: number;
  /** zeroing 4 KiB (RESULTS.md ref: memset over a 256 MiB range, 199 ns per 4 KiB). Unit: cycles. Default 490. */
  cost_clear_page: number;
  /** copying 4 KiB for a COW break (RESULTS.md ref: memcpy 256 MiB, 304 ns per 4 KiB). Unit: cycles. Default 740. */
  cost_copy_page: number;
  /** writing one pte under its lock in a fault (RESULTS.md §3: fault-around, ~160 ns per page mapped, with the file rmap). Unit: cycles. Default 200. */
  cost_map_pte: number;
  /** page_add_new_anon_rmap, LRU add and counters of a new anonymous page (RESULTS.md §1: an anon write fault, 2286 ns, less the other parts). Unit: cycles. Default 1600. */
  cost_anon_rmap: number;
  /** page_add_file_rmap and the counter of a page-cache page mapped by a fault. Unit: cycles. Default 190. */
  cost_file_rmap: number;
  /** set_page_dirty and dirty balancing of a shared write fault (RESULTS.md §3: MAP_SHARED write, 1516 ns). Unit: cycles. Default 1000. */
  cost_set_page_dirty: number;
  /** clearing one pte in a zap (RESULTS.md §4: zero-page ptes, 54 ns/page). Unit: cycles. Default 130. */
  cost_zap_pte: number;
  /** dropping a mapped page in a zap: rmap, counters, gather (RESULTS.md §4: shared tmpfs DONTNEED 176 ns/page, less the pte clear). Unit: cycles. Default 300. */
  cost_zap_page: number;
  /** returning a page to the allocator (RESULTS.md §4: anon DONTNEED 368 ns/page, less the above). Unit: cycles. Default 470. */
  cost_free_page: number;
}

/**
 * One traced event (trace_start/trace_stop). `name` says which; the other fields depend on it:
 * - `tlb_flush`: cpu, mm, start, end, pages (-1 for a full flush), reason (the kernel's
 *   tlb_flush reason: TLB_FLUSH_ON_TASK_SWITCH, TLB_REMOTE_SHOOTDOWN, TLB_LOCAL_SHOOTDOWN, TLB_LOCAL_MM_SHOOTDOWN);
 * - `mmu_notifier_invalidate_range_start`, `..._end`, `mmu_notifier_invalidate_range`: mm, start, end;
 * - `page_fault`: cpu, mm, address, write, type (the fault path: 'zero-page', 'anon', 'file',
 *   'fault-around', 'cow', 'shared', 'wp-reuse', 'wp-copy', 'wp-shared', 'swap', 'spurious',
 *   'error'), cycles (simulated), ns (host).
 * Every event also has `ts`, the host time in ms it happened (events of CPU workers are merged by it).
 */
interface TraceEvent {
  name: string;
  [field: string]: unknown;
}

/**
 * A counter in a statistics snapshot: its total, its value per CPU, its unit and what it counts.
 * `script` is the part the script's own thread accounted in kernel calls while CPU workers ran
 * (parallel mode), present only when nonzero; value is the sum of perCpu and script.
 */
interface CounterSnapshot {
  unit: string;
  description: string;
  value: number;
  perCpu: number[];
  script?: number;
}

/** A formula (a ratio or mean computed from counters when read): null where undefined (0 / 0). */
interface FormulaSnapshot {
  unit: string;
  description: string;
  value: number | null;
  perCpu: (number | null)[];
}

/** A histogram as JSON: exact count, sum, min and max, and the non-empty log-linear buckets as [index, count]. */
interface HistogramJSON {
  subBuckets: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  buckets: Array<[number, number]>;
}

/**
 * A latency histogram in a snapshot (over all CPUs and the script's thread): count, mean, min, max
 * and percentiles (null when empty); with per-CPU histograms, `script` is the script thread's
 * part when it recorded any.
 */
interface HistogramSnapshot {
  unit: string;
  description: string;
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  data: HistogramJSON;
  perCpu?: HistogramJSON[];
  script?: HistogramJSON;
}

/**
 * Every statistic of the machine at one moment, each with its unit and description. Names
 * (`<family>.<key>` where a family has keys):
 *
 * Counters: `accesses` [accesses], `l1_tlb_hits` `l1_tlb_misses` `l2_tlb_hits` `l2_tlb_misses`
 * [lookups], `walks` [walks], `walk_refs` [references]; per fault type T in zero-page, anon,
 * file, fault-around, cow, shared, wp-reuse, wp-copy, wp-shared, swap, spurious, error:
 * `faults.T` [faults], `fault_cycles.T` [cycles], `fault_host_ns.T` [ns];
 * `shootdowns_sent` `shootdowns_received` [IPIs], `tlb_flushes_full` `tlb_flushes_ranged`
 * [flushes], `tlb_flush_pages` [pages]; per zapping API A in zap_page_range,
 * unmap_mapping_range, munmap, MADV_DONTNEED: `pages_zapped.A` [pages], `zap_cycles.A` [cycles],
 * `zap_host_ns.A` [ns]; per lock L in mmap_sem, ptl, page_table_lock, zone, page_lock:
 * `lock_wait_cycles.L` [cycles], `lock_contended.L` [acquisitions]; per lock H in mmap_sem, ptl,
 * page_table_lock: `lock_handoffs.H` [acquisitions] (taken from another CPU's hold, each
 * charged cost_lock_handoff).
 *
 * Formulas: `l1_tlb_hit_rate` `l2_tlb_hit_rate` `tlb_hit_rate` [ratio], `walk_refs_per_walk`
 * [references/walk], `faults_total` [faults], `fault_mean_cycles.T` [cycles/fault],
 * `fault_mean_ns.T` [ns/fault], `zap_pages_per_sec.A` [pages/s], `zap_cycles_per_page.A`
 * [cycles/page], `lock_wait_mean_cycles.L` [cycles/acquisition].
 *
 * Histograms: `fault_latency_cycles.T` [cycles], `fault_latency_ns.T` [ns].
 */
interface StatsSnapshot {
  nrCpus: number;
  counters: Record<string, CounterSnapshot>;
  formulas: Record<string, FormulaSnapshot>;
  histograms: Record<string, HistogramSnapshot>;
}

/** machine_stats(): the statistics plus the machine's clocks and page counts. */
interface MachineStats extends StatsSnapshot {
  /** Simulated cycles of the machine so far. */
  cycles: number;
  /** Each CPU's simulated clock, in cycles. */
  cpu_cycles: number[];
  /** Page faults handled so far (the PGFAULT event count). */
  pgfault: number;
  /** Free pages in the page allocator. */
  free_pages: number;
  /** Pages of RAM. */
  ram_pages: number;
}

/** One row of zap_throughput(): pages an API zapped, host time and simulated cycles per page (null when undefined). */
interface ThroughputRow {
  /** The API: 'zap_page_range', 'unmap_mapping_range', 'munmap' or 'MADV_DONTNEED'. */
  key: string;
  /** Pages zapped. */
  units: number;
  /** Host seconds spent in those calls. */
  hostSeconds: number;
  /** Pages per host second. */
  perSecond: number | null;
  /** Simulated cycles spent. */
  cycles: number;
  /** Simulated cycles per page. */
  cyclesPerUnit: number | null;
}

// ---------------------------------------------------------------------------------------------
// Workloads and runs (run_workloads)
// ---------------------------------------------------------------------------------------------

/** The built-in access patterns. */
type WorkloadKind = 'sequential' | 'strided' | 'random' | 'zipf' | 'pointer_chase' | 'hot_cold' | 'trace';

/**
 * A built-in workload: `accesses` loads and stores over the region [base, base + pages * 4096).
 * Sequential walks 8-byte words (512 accesses per page) and strided steps `stride` bytes, both
 * restarting at base; random, zipf and hot_cold pick a page and then a random 8-byte offset in
 * it; pointer_chase follows one random cycle over the pages, one node per page at a random
 * 64-byte line fixed for the run (as the host's tlb.c); trace replays addresses. Each CPU draws from its own stream of the seed.
 */
interface Workload {
  kind: WorkloadKind;
  /** First address of the region: page aligned, below TASK_SIZE. */
  base: number;
  /** Size of the region in pages (zipf and pointer_chase: at most 2^22). */
  pages: number;
  /** strided only (required): bytes between accesses, 1 to pages * 4096. */
  stride?: number;
  /** zipf only: skew; the page of rank k is drawn with probability ∝ 1/k^theta (0 is uniform). Default 0.99. */
  theta?: number;
  /** hot_cold only: share of the pages, from the start of the region, that are hot. Default 0.2. */
  hot_fraction?: number;
  /** hot_cold only: probability that an access goes to the hot set. Default 0.8. */
  hot_probability?: number;
  /** Probability that an access is a write, in [0, 1]. */
  write_fraction: number;
  /** Length of the stream. */
  accesses: number;
  /** Seed of the stream's random numbers. */
  seed: number;
  /** trace only (required): the addresses to replay, each inside the region. */
  trace?: number[];
  /** trace only: replay again from the start until `accesses` are made. Default false. */
  loop?: boolean;
}

/** The random numbers a custom pattern may draw: its stream's own generator (seeded, reproducible). */
interface PatternRng {
  /** A uniform 32-bit unsigned integer. */
  nextU32(): number;
  /** A uniform number in [0, 1). */
  nextFloat(): number;
  /** A uniform integer in [0, n), for an integer n in [1, 2^32]. */
  nextBelow(n: number): number;
}

/**
 * One CPU's job in run_workloads: a thread of `mm` running either a built-in `workload`, or a
 * custom `pattern` for `accesses` accesses.
 *
 * A pattern `(i, rng, params) => address` gives the virtual address of access i (0, 1, 2, ...);
 * it must return a non-negative integer. In deterministic mode it runs on the script's thread
 * like any script function. In parallel mode its source is sent to the CPU's worker and
 * compiled there in the same SES sandbox as scripts, so it sees only its arguments and
 * JavaScript's standard globals (Math.random is seeded; Date.now throws; any script variable or
 * lab function reads as undefined): pass what it needs in `params` (JSON). A pattern that
 * throws or returns a bad address ends the run with an Error naming the CPU.
 */
interface CpuJob {
  /** The CPU that runs the job (each CPU at most once per run). */
  cpu: number;
  /** The process whose address space the accesses go to. */
  mm: mm_struct;
  /** A built-in workload (or give `pattern`). */
  workload?: Workload;
  /** A custom access pattern (with `accesses`). */
  pattern?: (i: number, rng: PatternRng, params: unknown) => number;
  /** JSON data handed to `pattern` as its third argument. */
  params?: unknown;
  /** With `pattern`: how many accesses to make. */
  accesses?: number;
  /** With `pattern`: probability that an access is a write. Default 0. */
  write_fraction?: number;
  /** With `pattern`: seed of `rng` and of the read/write mix. Default 1. */
  seed?: number;
}

/** Options of run_workloads. */
interface RunOptions {
  /** Accesses per scheduling quantum (default: the machine's `quantum`). */
  quantum?: number;
  /**
   * Run `run(t)` while the CPUs run, as CPU 0's process context (kernel calls such as munmap or
   * madvise are allowed and shoot down the other CPUs' TLBs): every `cycles` simulated cycles
   * in deterministic mode, every `ms` host milliseconds in parallel mode. `t` is the time since
   * the start of the run in that unit.
   */
  every?: { cycles?: number; ms?: number; run: (t: number) => void };
  /** Sample the per-CPU TLB hit rate every this many simulated cycles (default 100 000). */
  sample_cycles?: number;
  /** Called with each sample while the run goes (for live charts). */
  on_sample?: (s: RunSample) => void;
  /** Checked between quanta (deterministic) or at each sample (parallel): returning true ends every job there. */
  stop?: () => boolean;
}

/** One point of the live metrics stream of a run. */
interface RunSample {
  /** Time since the start of the run: simulated cycles (deterministic) or host ms (parallel). */
  t: number;
  /** Each CPU's TLB hit rate over the last interval (null where it made no accesses). */
  tlb_hit_rate: (number | null)[];
  /** Faults so far. */
  faults: number;
  /** Accesses so far. */
  accesses: number;
}

/** How one CPU's job ended. */
interface CpuOutcome {
  cpu: number;
  /** Accesses made. */
  accesses: number;
  /** Page faults taken. */
  faults: number;
  /** Simulated cycles the job took on its CPU. */
  cycles: number;
  /** The signal that killed the process (SIGSEGV, SIGBUS) with its address, or null. */
  signal: { name: string; address: number; message: string } | null;
}

/** What run_workloads returns. */
interface RunResult {
  /** Simulated cycles from the start of the run to the last CPU's finish. */
  cycles: number;
  /** Host milliseconds the run took. */
  host_ms: number;
  /** Each job's outcome, in the order of the jobs. */
  cpus: CpuOutcome[];
  /** The statistics of this run only (see StatsSnapshot for the names and units). */
  stats: StatsSnapshot;
  /** Each CPU's TLB hit rate over time (t as in RunSample), decimated to at most 512 points. */
  tlb_hit_rate: { cpu: number; t: number[]; v: number[] }[];
}

/**
 * One thread of run_threads: a process on `cpu` that calls `run(i)` for i = 0, 1, 2, ... (its loop
 * body: usually kernel calls such as madvise or proc_mem_rw), spending `think_cycles` of user
 * time before each iteration.
 */
interface ThreadJob {
  /** The CPU the thread runs on (each CPU at most one thread). */
  cpu: number;
  /** The loop body; its i-th call is iteration i. What it returns is ignored. */
  run: (i: number) => unknown;
  /** How many iterations (default: until `until` says stop, or max_iterations). */
  iterations?: number;
  /** Simulated cycles spent in user space before each iteration (default 1000), jittered 0.5–1.5× by the seeded RNG. */
  think_cycles?: number;
}

/** Options of run_threads. */
interface ThreadOptions {
  /** Checked after every iteration: returning true stops every thread there. */
  until?: () => boolean;
  /** Upper bound on any thread's iterations (default 100 000), so a race that is never won still ends. */
  max_iterations?: number;
}

/** How one thread of run_threads ended. */
interface ThreadOutcome {
  cpu: number;
  /** Iterations it ran. */
  iterations: number;
  /** Simulated cycles its CPU spent. */
  cycles: number;
}

/** What run_threads returns. */
interface ThreadsResult {
  /** Simulated cycles from the start to the last thread's last iteration. */
  cycles: number;
  /** Each thread's outcome, in the order of the threads. */
  threads: ThreadOutcome[];
  /** Iterations that ran inside another thread's call, at one of its preemption points. */
  preemptions: number;
  /** True when `until` ended the run. */
  stopped: boolean;
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** One series of a chart: y[i] is plotted at x[i]. */
interface ChartSeries {
  name: string;
  x: number[];
  y: number[];
}

/** A chart: its title, kind, axis labels and scales, and one or more series (at most 10^6 points). */
interface ChartSpec {
  title: string;
  /** 'line' (default), 'scatter' or 'bar'. */
  kind?: 'line' | 'scatter' | 'bar';
  x_label?: string;
  y_label?: string;
  /** Logarithmic x axis. */
  log_x?: boolean;
  /** Logarithmic y axis. */
  log_y?: boolean;
  series: ChartSeries[];
}

// ---------------------------------------------------------------------------------------------
// Constants (each doc comment starts with the constant's value; a test checks it against the runtime)
// ---------------------------------------------------------------------------------------------

// Pages
/** PAGE_SIZE = 0x1000: bytes in a page (4 KiB). */
declare const PAGE_SIZE: number;
/** PAGE_SHIFT = 0xc: log2 of PAGE_SIZE: an address >> PAGE_SHIFT is its page number. */
declare const PAGE_SHIFT: number;
/** PAGE_MASK = -4096: ~(PAGE_SIZE - 1): `addr & PAGE_MASK` rounds an address down to its page. */
declare const PAGE_MASK: number;
/** TASK_SIZE = 0x7ffffffff000: the end of user space (2^47 - 4096): user addresses are below it. */
declare const TASK_SIZE: number;

// errno values (the lab returns them negated, as the kernel does: -EINVAL)
/** EPERM = 0x1: operation not permitted. */
declare const EPERM: number;
/** EINTR = 0x4: interrupted. */
declare const EINTR: number;
/** EIO = 0x5: I/O error (e.g. proc_mem_rw that moved no byte). */
declare const EIO: number;
/** EAGAIN = 0xb: try again (e.g. mlock over the limit). */
declare const EAGAIN: number;
/** ENOMEM = 0xc: out of memory, or (munmap/mprotect/madvise) part of the range is not mapped. */
declare const ENOMEM: number;
/** EACCES = 0xd: permission denied (e.g. a writable shared mapping of a file opened read-only). */
declare const EACCES: number;
/** EFAULT = 0xe: bad address (e.g. vm_insert_page outside the vma). */
declare const EFAULT: number;
/** EBUSY = 0x10: busy (e.g. inserting over a pte that is not none; a conflicting memtype). */
declare const EBUSY: number;
/** EEXIST = 0x11: already exists. */
declare const EEXIST: number;
/** ENODEV = 0x13: no such device (mmap of a file with no mmap operation). */
declare const ENODEV: number;
/** EINVAL = 0x16: invalid argument. */
declare const EINVAL: number;
/** ENOSPC = 0x1c: no space left (e.g. the swap device is full). */
declare const ENOSPC: number;
/** ENOSYS = 0x26: no such system call or operation (the kernel does not provide it). */
declare const ENOSYS: number;

// vm_flags bits (vma.vm_flags)
/** VM_NONE = 0x0: no access. */
declare const VM_NONE: number;
/** VM_READ = 0x1: pages may be read. */
declare const VM_READ: number;
/** VM_WRITE = 0x2: pages may be written. */
declare const VM_WRITE: number;
/** VM_EXEC = 0x4: pages may be executed. */
declare const VM_EXEC: number;
/** VM_SHARED = 0x8: writes go to the shared object (MAP_SHARED of a file opened for writing). */
declare const VM_SHARED: number;
/** VM_MAYREAD = 0x10: mprotect may add VM_READ. */
declare const VM_MAYREAD: number;
/** VM_MAYWRITE = 0x20: mprotect may add VM_WRITE. `(vm_flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE` is is_cow_mapping. */
declare const VM_MAYWRITE: number;
/** VM_MAYEXEC = 0x40: mprotect may add VM_EXEC. */
declare const VM_MAYEXEC: number;
/** VM_MAYSHARE = 0x80: mapped MAP_SHARED (even when VM_SHARED was dropped for a read-only file). */
declare const VM_MAYSHARE: number;
/** VM_GROWSDOWN = 0x100: a stack: grows down on faults just below vm_start. */
declare const VM_GROWSDOWN: number;
/** VM_PFNMAP = 0x400: raw pfns without struct page (remap_pfn_range): no refcounts, no rmap; get_user_pages refuses it. */
declare const VM_PFNMAP: number;
/** VM_DENYWRITE = 0x800: the file may not be written while mapped. */
declare const VM_DENYWRITE: number;
/** VM_LOCKED = 0x2000: mlocked: pages stay resident; MADV_DONTNEED refuses it. */
declare const VM_LOCKED: number;
/** VM_IO = 0x4000: memory-mapped I/O (set by remap_pfn_range): get_user_pages refuses it; follow_pfn accepts it. */
declare const VM_IO: number;
/** VM_SEQ_READ = 0x8000: MADV_SEQUENTIAL: zaps do not mark young pages accessed. */
declare const VM_SEQ_READ: number;
/** VM_RAND_READ = 0x10000: MADV_RANDOM. */
declare const VM_RAND_READ: number;
/** VM_DONTCOPY = 0x20000: not copied to a child by fork (MADV_DONTFORK). */
declare const VM_DONTCOPY: number;
/** VM_DONTEXPAND = 0x40000: cannot grow with mremap. */
declare const VM_DONTEXPAND: number;
/** VM_LOCKONFAULT = 0x80000: mlock2(MLOCK_ONFAULT): lock pages as they are faulted. */
declare const VM_LOCKONFAULT: number;
/** VM_ACCOUNT = 0x100000: counted against the overcommit limit. */
declare const VM_ACCOUNT: number;
/** VM_NORESERVE = 0x200000: not counted against the overcommit limit (MAP_NORESERVE). */
declare const VM_NORESERVE: number;
/** VM_HUGETLB = 0x400000: hugetlbfs mapping (not modelled; madvise refuses it). */
declare const VM_HUGETLB: number;
/** VM_PAT = 0x1000000: x86: the vma holds a PAT memtype reservation for its whole range (remap_pfn_range of the whole vma with pat on); any zap of the vma drops it. */
declare const VM_PAT: number;
/** VM_DONTDUMP = 0x4000000: left out of core dumps. */
declare const VM_DONTDUMP: number;
/** VM_SOFTDIRTY = 0x8000000: soft-dirty tracking: new vma. */
declare const VM_SOFTDIRTY: number;
/** VM_MIXEDMAP = 0x10000000: may hold both pages with struct page (vm_insert_page) and raw pfns (vm_insert_pfn). */
declare const VM_MIXEDMAP: number;
/** VM_SPECIAL = 0x10044400: VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP: vmas that are never merged. */
declare const VM_SPECIAL: number;

// mmap and mprotect protections
/** PROT_NONE = 0x0: no access. */
declare const PROT_NONE: number;
/** PROT_READ = 0x1: readable. */
declare const PROT_READ: number;
/** PROT_WRITE = 0x2: writable. */
declare const PROT_WRITE: number;
/** PROT_EXEC = 0x4: executable. */
declare const PROT_EXEC: number;

// mmap flags
/** MAP_SHARED = 0x1: writes are shared with the file and other mappings. */
declare const MAP_SHARED: number;
/** MAP_PRIVATE = 0x2: copy on write: writes make private anonymous copies. */
declare const MAP_PRIVATE: number;
/** MAP_FIXED = 0x10: map exactly at addr, replacing what was there. */
declare const MAP_FIXED: number;
/** MAP_ANONYMOUS = 0x20: no file: zero-filled memory (needed when file is null). */
declare const MAP_ANONYMOUS: number;
/** MAP_POPULATE = 0x8000: fault every page in now (__mm_populate). */
declare const MAP_POPULATE: number;
/** MAP_GROWSDOWN = 0x100: a stack that grows down (VM_GROWSDOWN). */
declare const MAP_GROWSDOWN: number;
/** MAP_LOCKED = 0x2000: mlock the mapping (VM_LOCKED) and populate it. */
declare const MAP_LOCKED: number;
/** MAP_NORESERVE = 0x4000: do not reserve swap (VM_NORESERVE). */
declare const MAP_NORESERVE: number;

// madvise advice
/** MADV_NORMAL = 0x0: no special treatment. */
declare const MADV_NORMAL: number;
/** MADV_RANDOM = 0x1: expect random access (VM_RAND_READ). */
declare const MADV_RANDOM: number;
/** MADV_SEQUENTIAL = 0x2: expect sequential access (VM_SEQ_READ). */
declare const MADV_SEQUENTIAL: number;
/** MADV_WILLNEED = 0x3: will need these pages soon. */
declare const MADV_WILLNEED: number;
/** MADV_DONTNEED = 0x4: zap the range now (zap_page_range): private anonymous memory reads back as zeros, private file pages refault from the file; -EINVAL on VM_LOCKED or VM_PFNMAP vmas, -ENOMEM if part of the range is unmapped. */
declare const MADV_DONTNEED: number;
/** MADV_FREE = 0x8: free when memory is needed; without swap it behaves as MADV_DONTNEED. */
declare const MADV_FREE: number;
/** MADV_DONTFORK = 0xa: do not copy to a child on fork (VM_DONTCOPY). */
declare const MADV_DONTFORK: number;
/** MADV_DOFORK = 0xb: undo MADV_DONTFORK. */
declare const MADV_DOFORK: number;

// Page-table entry flag bits (pte_flags, pgprot_val)
/** _PAGE_PRESENT = 0x1: bit 0: the entry maps a frame. */
declare const _PAGE_PRESENT: number;
/** _PAGE_RW = 0x2: bit 1: writable. */
declare const _PAGE_RW: number;
/** _PAGE_USER = 0x4: bit 2: user mode may access it. */
declare const _PAGE_USER: number;
/** _PAGE_PWT = 0x8: bit 3: write-through (cache type, with PCD and PAT). */
declare const _PAGE_PWT: number;
/** _PAGE_PCD = 0x10: bit 4: cache disabled. */
declare const _PAGE_PCD: number;
/** _PAGE_ACCESSED = 0x20: bit 5: set by the hardware walker on any access (pte_young). */
declare const _PAGE_ACCESSED: number;
/** _PAGE_DIRTY = 0x40: bit 6: set by the hardware walker on a write (pte_dirty). */
declare const _PAGE_DIRTY: number;
/** _PAGE_PSE = 0x80: bit 7: on a 4 KiB pte, the PAT bit. */
declare const _PAGE_PSE: number;
/** _PAGE_GLOBAL = 0x100: bit 8: global translation (kernel mappings). */
declare const _PAGE_GLOBAL: number;
/** _PAGE_PROTNONE = 0x100: bit 8 when PRESENT is clear: a PROT_NONE pte, which pte_present still counts as present. */
declare const _PAGE_PROTNONE: number;
/** _PAGE_SPECIAL = 0x200: bit 9: a special pte (a raw pfn or the zero page) that has no refcounted struct page behind it. */
declare const _PAGE_SPECIAL: number;

// mm counters (get_mm_counter)
/** MM_FILEPAGES = 0x0: resident pages of ordinary files. */
declare const MM_FILEPAGES: number;
/** MM_ANONPAGES = 0x1: resident anonymous pages (including COW copies). */
declare const MM_ANONPAGES: number;
/** MM_SWAPENTS = 0x2: swap entries in the page tables (not resident; not part of get_mm_rss). */
declare const MM_SWAPENTS: number;
/** MM_SHMEMPAGES = 0x3: resident shmem/tmpfs pages. */
declare const MM_SHMEMPAGES: number;

// Allocation flags (alloc_page, alloc_pages)
/** GFP_KERNEL = 0x24000c0: an ordinary kernel allocation. */
declare const GFP_KERNEL: number;
/** GFP_HIGHUSER_MOVABLE = 0x24280ca: a user page. */
declare const GFP_HIGHUSER_MOVABLE: number;
/** __GFP_ZERO = 0x8000: return the page zeroed. */
declare const __GFP_ZERO: number;
/** __GFP_COMP = 0x4000: make a compound page of a higher-order allocation. */
declare const __GFP_COMP: number;

// Fault results (a ->fault handler's return value; handle_mm_fault's)
/** VM_FAULT_OOM = 0x1: out of memory. */
declare const VM_FAULT_OOM: number;
/** VM_FAULT_SIGBUS = 0x2: no page there: the access gets SIGBUS. */
declare const VM_FAULT_SIGBUS: number;
/** VM_FAULT_MAJOR = 0x4: the page needed I/O. */
declare const VM_FAULT_MAJOR: number;
/** VM_FAULT_WRITE = 0x8: the pte was made writable (COW broken or the page reused). */
declare const VM_FAULT_WRITE: number;
/** VM_FAULT_SIGSEGV = 0x40: the access gets SIGSEGV. */
declare const VM_FAULT_SIGSEGV: number;
/** VM_FAULT_NOPAGE = 0x100: the handler installed the pte itself (e.g. with vm_insert_pfn): there is no vmf.page to map. */
declare const VM_FAULT_NOPAGE: number;
/** VM_FAULT_LOCKED = 0x200: vmf.page is returned locked. */
declare const VM_FAULT_LOCKED: number;
/** VM_FAULT_RETRY = 0x400: retry the fault. */
declare const VM_FAULT_RETRY: number;
/** VM_FAULT_ERROR = 0x853: VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON(_LARGE): any of the error bits. */
declare const VM_FAULT_ERROR: number;

// Fault flags (vmf.flags)
/** FAULT_FLAG_WRITE = 0x1: the fault is a write. */
declare const FAULT_FLAG_WRITE: number;
/** FAULT_FLAG_MKWRITE = 0x2: a write to a present read-only pte (page_mkwrite/pfn_mkwrite). */
declare const FAULT_FLAG_MKWRITE: number;
/** FAULT_FLAG_REMOTE = 0x80: the fault comes from get_user_pages on another process's mm (access_remote_vm). */
declare const FAULT_FLAG_REMOTE: number;

// Page protections (pgprot_t); each doc comment starts with pgprot_val of it
/** PAGE_NONE = 0x120: no access: PROTNONE | ACCESSED (a PROT_NONE mapping's ptes are 'present' to the kernel but fault on every access). */
declare const PAGE_NONE: pgprot_t;
/** PAGE_SHARED = 0x8000000000000027: PRESENT | RW | USER | ACCESSED | NX: a shared writable mapping. */
declare const PAGE_SHARED: pgprot_t;
/** PAGE_SHARED_EXEC = 0x27: PAGE_SHARED without NX. */
declare const PAGE_SHARED_EXEC: pgprot_t;
/** PAGE_COPY = 0x8000000000000025: PRESENT | USER | ACCESSED | NX: a private (copy-on-write) mapping; never RW, COW makes ptes writable one by one. */
declare const PAGE_COPY: pgprot_t;
/** PAGE_COPY_EXEC = 0x25: PAGE_COPY without NX. */
declare const PAGE_COPY_EXEC: pgprot_t;
/** PAGE_READONLY = 0x8000000000000025: PRESENT | USER | ACCESSED | NX: read-only. */
declare const PAGE_READONLY: pgprot_t;
/** PAGE_READONLY_EXEC = 0x25: PAGE_READONLY without NX. */
declare const PAGE_READONLY_EXEC: pgprot_t;
/** PAGE_KERNEL = 0x8000000000000163: PRESENT | RW | ACCESSED | DIRTY | GLOBAL | NX: kernel memory. */
declare const PAGE_KERNEL: pgprot_t;
/** PAGE_KERNEL_IO = 0x8000000000000163: as PAGE_KERNEL, for memory-mapped I/O. */
declare const PAGE_KERNEL_IO: pgprot_t;

// ---------------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------------

/** The current machine's configuration (a copy: changing it changes nothing; use reset_machine). */
declare function machine_config(): MachineConfig;

/**
 * Replace the machine with a fresh one built from `config` merged over the defaults (not over the
 * current machine's settings), and return its configuration. Every object of the old machine
 * (mm_struct, vma, page, file, ...) becomes unusable: passing one on is a TypeError. Stops the
 * old machine's CPU workers. An unknown key or a bad value is a TypeError and keeps the old machine.
 */
declare function reset_machine(config?: Partial<MachineConfig>): MachineConfig;

/** The kernel log: every line printk wrote so far (BUG and WARNING reports, "Bad page map", segfaults, ...). */
declare function dmesg(): string[];

/** True once the kernel is tainted: a BUG fired, a WARN_ON triggered or a bad page was reported. The machine stays usable. */
declare function tainted(): boolean;

/**
 * Check the machine's consistency; returns the problems found, [] when there are none: rss
 * counters match the ptes, mapcounts match the mappings, refcounts are at least the mapcounts,
 * no page-table page leaked, the page allocator is consistent, and (with `tlb_check`) no CPU used
 * a stale TLB entry to a freed or reused frame.
 */
declare function check_invariants(): string[];

/**
 * Fault injection: the next `count` (default 1) attempts at `site` fail, as a failed allocation
 * would: 'page_alloc' (alloc_pages returns null), 'pte_alloc' / 'pmd_alloc' / 'pud_alloc'
 * (a page-table allocation fails, usually -ENOMEM or VM_FAULT_OOM), 'track_pfn' (the PAT hook
 * refuses, -EINVAL).
 */
declare function fail_next(site: FailSite, count?: number): void;

/** Start recording trace events: all of them, or only those named (e.g. ['tlb_flush', 'page_fault']). Restarting drops what was recorded. */
declare function trace_start(names?: string[]): void;

/** Stop recording and return the events recorded since trace_start, in order ([] if not tracing). See TraceEvent for the fields. */
declare function trace_stop(): TraceEvent[];

/** pfn_valid: true if the page frame number is RAM with a struct page; false for MMIO and holes. */
declare function pfn_valid(pfn: number): boolean;

/** The machine's statistics so far (counters per CPU, formulas, latency histograms, each with its unit) plus its clocks and page counts. */
declare function machine_stats(): MachineStats;

/** The machine's statistics so far (see StatsSnapshot for every name and unit). */
declare function stats_snapshot(): StatsSnapshot;

/** Zap throughput so far, one row per API (zap_page_range, unmap_mapping_range, munmap, MADV_DONTNEED): pages, pages per host second, simulated cycles per page. */
declare function zap_throughput(): ThroughputRow[];

// ---------------------------------------------------------------------------------------------
// Address spaces (system calls take mmap_sem themselves, as the real ones do)
// ---------------------------------------------------------------------------------------------

/** mm_alloc: a new process with an empty address space (a pgd page and nothing mapped). Throws RangeError if the machine has no memory left for it. */
declare function mm_alloc(): mm_struct;

/**
 * fork: the child's mm_struct, made by dup_mmap. Each vma is copied except VM_DONTCOPY ones;
 * copy_page_range copies ptes only for vmas with an anon_vma or PFNMAP/MIXEDMAP ones (the others
 * refault in the child). Private writable ptes become read-only in both parent and child (COW),
 * the child's ptes are old, shared pages get a reference and a mapcount each; the parent's TLB is
 * flushed. A fork that fails (fail_next) throws an Error named 'Errno' with `.errno` (-ENOMEM, -EINVAL).
 */
declare function fork(mm: mm_struct): mm_struct;

/** mmput: the process exits (exit_mmap): every vma is unmapped with a full-mm gather, every page and page table is released. The mm is unusable afterwards. */
declare function mmput(mm: mm_struct): void;

/** get_mm_counter: one of the mm's rss counters, in pages: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS or MM_SHMEMPAGES. */
declare function get_mm_counter(mm: mm_struct, member: number): number;

/** get_mm_rss: resident pages, MM_FILEPAGES + MM_ANONPAGES + MM_SHMEMPAGES (swap entries are not resident). */
declare function get_mm_rss(mm: mm_struct): number;

/** down_read: take the semaphore for read (`mm.mmap_sem`), as page faults and the zaps expect their caller to. */
declare function down_read(sem: rw_semaphore): void;
/** up_read: release a read hold of the semaphore. */
declare function up_read(sem: rw_semaphore): void;
/** down_write: take the semaphore for write (exclusive), as mmap and munmap do; vm_insert_page BUGs unless it is held so. */
declare function down_write(sem: rw_semaphore): void;
/** up_write: release the write hold. */
declare function up_write(sem: rw_semaphore): void;

/**
 * mmap: map `len` bytes (rounded up to pages) of anonymous memory (`MAP_ANONYMOUS`, file null)
 * or of `file` from page `pgoff` with protection `prot` (PROT_*) and `flags` (MAP_SHARED or
 * MAP_PRIVATE, | MAP_FIXED, MAP_POPULATE, ...). Returns the address, or a negative errno as the
 * raw system call does (-EINVAL, -ENOMEM, -EACCES, -ENODEV). Takes mmap_sem for write; a
 * device's mmap handler runs under it. Nothing is faulted in unless MAP_POPULATE or MAP_LOCKED.
 * A MAP_SHARED mapping of a file opened 'r' gets neither VM_SHARED nor VM_MAYWRITE.
 */
declare function mmap(mm: mm_struct, addr: number, len: number, prot: number, flags: number, file?: file | null, pgoff?: number): number;

/**
 * munmap: unmap [addr, addr + len): split the vmas at the edges, zap their ptes through an
 * mmu_gather (TLB shootdown, then the pages are freed), free the page tables no longer needed.
 * Returns 0 (also when nothing was mapped) or -EINVAL (unaligned addr, len 0, beyond TASK_SIZE),
 * -ENOMEM (a split would exceed max_map_count). Takes mmap_sem for write.
 */
declare function munmap(mm: mm_struct, addr: number, len: number): number;

/** mprotect: change the protection of [addr, addr + len) to `prot` (splitting vmas); present ptes are changed and the TLBs flushed. 0 or -EINVAL, -ENOMEM (a hole), -EACCES (adding a permission the vma may not have). */
declare function mprotect(mm: mm_struct, addr: number, len: number, prot: number): number;

/**
 * madvise: give advice on [addr, addr + len). MADV_DONTNEED zaps the range right away
 * (zap_page_range per vma): anonymous private memory reads back as zeros, private file pages
 * refault from the file (COW copies are lost). Returns 0 or -EINVAL (bad advice, unaligned
 * start, a VM_LOCKED/VM_HUGETLB/VM_PFNMAP vma) or -ENOMEM (part of the range unmapped; the mapped
 * parts are still zapped).
 */
declare function madvise(mm: mm_struct, addr: number, len: number, advice: number): number;

/** mlock: lock [addr, addr + len) in memory (VM_LOCKED) and fault it in. 0 or -ENOMEM, -EINVAL, -EAGAIN. */
declare function mlock(mm: mm_struct, addr: number, len: number): number;
/** munlock: undo mlock on [addr, addr + len). 0 or -ENOMEM, -EINVAL. */
declare function munlock(mm: mm_struct, addr: number, len: number): number;

/**
 * The /proc/pid/mem path: read (`write` false) or write `len` bytes at `addr` of another process
 * into or from `buf`, page by page through access_remote_vm (get_user_pages with FOLL_FORCE, so a
 * read-only private mapping can be written: the write lands in a COW copy). Returns the bytes
 * moved, or -EIO when not even the first byte could be.
 */
declare function proc_mem_rw(mm: mm_struct, addr: number, buf: Uint8Array, len: number, write: boolean | number): number;

/** process_vm_readv: copy `len` bytes at `addr` out of another process, pinning pages without FOLL_FORCE (permissions checked as for the process itself). The bytes, or -EFAULT when no page could be pinned. */
declare function process_vm_readv(mm: mm_struct, addr: number, len: number): Uint8Array | number;

/** Push the anonymous page mapped at `addr` out to swap (only when the machine's `swap` is on): its pte becomes a swap entry, MM_ANONPAGES -1, MM_SWAPENTS +1; the next access faults it back in (do_swap_page). 0 or -EINVAL (swap off, nothing anonymous mapped there), -EBUSY (the page has references besides its mappings), -ENOSPC (swap full). */
declare function swap_out(mm: mm_struct, addr: number): number;

/** True if `pte` is a swap entry: not none and not present. */
declare function is_swap_pte(pte: pte_t): boolean;

/** find_vma: the first vma with vm_end > addr, or null. It may start above addr (addr is then in a hole): check `vma.vm_start <= addr`. */
declare function find_vma(mm: mm_struct, addr: number): vm_area_struct | null;

/** vma_pages: the vma's size in pages. */
declare function vma_pages(vma: vm_area_struct): number;

// ---------------------------------------------------------------------------------------------
// Files, devices, notifiers
// ---------------------------------------------------------------------------------------------

/** A new regular file of `size` bytes (zero-filled, nothing cached yet), open read-write, on 'ramfs' (default), 'tmpfs' or 'diskfs' (see FsType). */
declare function file_create(name: string, size: number, fs?: FsType): file;

/** Another open file description of the same file or device: 'r' is O_RDONLY, 'rw' is O_RDWR. */
declare function file_open(file: file, mode: 'r' | 'rw'): file;

/** Write `data` at byte `offset` through the page cache (the file grows if needed). Returns the bytes written, or -EBADF for a file opened 'r'. */
declare function file_write(file: file, offset: number, data: Uint8Array): number;

/** Read up to `len` bytes at `offset` through the page cache (fewer at the end of the file). */
declare function file_read(file: file, offset: number, len: number): Uint8Array;

/**
 * ftruncate: set the file's size. Shrinking runs truncate_pagecache: unmap_mapping_range(even_cows = 1)
 * over the cut part (private COW copies go too), drop the page cache pages, unmap again. 0 or -EINVAL.
 */
declare function ftruncate(file: file, length: number): number;

/** find_get_page: the page-cache page at `index` of `mapping`, with a reference taken (drop it with put_page), or null when it is not cached. */
declare function find_get_page(mapping: address_space, index: number): page | null;

/**
 * A character device whose file operation mmap is `ops.mmap(file, vma)`: `mmap()` of the returned
 * file calls it with mmap_sem held for write, after the vma is set up; it may set vm_flags,
 * vm_page_prot, vm_pgoff and vm_ops and insert pages or pfns (remap_pfn_range, vm_insert_page,
 * vm_iomap_memory). It returns 0 or a negative errno (mmap then fails with it). `size` is the
 * device's size in bytes (default 0).
 */
declare function device_create(name: string, ops: { mmap: (file: file, vma: vm_area_struct) => number; size?: number }): file;

/**
 * generic_access_phys: the usual ->access of a VM_IO/VM_PFNMAP vma. Finds the physical address
 * of `addr` (its pte must be present; for a write it must be writable, else -EINVAL) and copies
 * `len` bytes to or from it, ignoring page boundaries. Returns `len` or a negative errno.
 */
declare function generic_access_phys(vma: vm_area_struct, addr: number, buf: Uint8Array, len: number, write: number | boolean): number;

/** mmu_notifier_register: call `ops` around every change to the mm's ptes (zaps, COW breaks, mprotect). Returns 0. */
declare function mmu_notifier_register(mm: mm_struct, ops: mmu_notifier_ops): number;

// ---------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------

/** alloc_page: one page of RAM with refcount 1 (zeroed with __GFP_ZERO), or null when memory is exhausted or fail_next('page_alloc') is armed. */
declare function alloc_page(gfp?: number): page | null;

/** alloc_pages: 2^order contiguous pages (the first page is returned), or null. An order of 11 or more WARNs once and returns null, as the kernel's MAX_ORDER check does. */
declare function alloc_pages(gfp: number, order: number): page | null;

/** __free_page: drop a reference to the page; it returns to the allocator when the count reaches 0 (freeing a page with count 0 is a KernelBug). */
declare function __free_page(page: page): void;
/** __free_pages: as __free_page for a block of 2^order pages. */
declare function __free_pages(page: page, order: number): void;
/** get_page: take a reference (refcount + 1). */
declare function get_page(page: page): void;
/** put_page: drop a reference; at 0 the page is freed. */
declare function put_page(page: page): void;
/** split_page: turn a non-compound block of 2^order pages into independent pages, each with refcount 1. */
declare function split_page(page: page, order: number): void;

/** page_to_pfn: the page's frame number (its physical address >> 12). */
declare function page_to_pfn(page: page): number;
/** pfn_to_page: the struct page of a RAM frame; TypeError for a pfn without one (pfn_valid false: MMIO). */
declare function pfn_to_page(pfn: number): page;
/** page_count: the page's reference count (_refcount). A mapped page-cache page holds one for the cache and one per pte. */
declare function page_count(page: page): number;
/** page_mapcount: how many ptes map the page (_mapcount + 1). Zero-page and pfn ptes are not counted. */
declare function page_mapcount(page: page): number;
/** PageAnon: the page is anonymous (page->mapping points at an anon_vma). */
declare function PageAnon(page: page): boolean;
/** PageDirty: PG_dirty is set (the page has data not yet written back). */
declare function PageDirty(page: page): boolean;
/** PageReferenced: PG_referenced is set (mark_page_accessed saw it once). */
declare function PageReferenced(page: page): boolean;
/** PageSwapBacked: PG_swapbacked (anonymous or shmem/tmpfs page: counted as MM_ANONPAGES or MM_SHMEMPAGES). */
declare function PageSwapBacked(page: page): boolean;
/** PageLocked: PG_locked is set. */
declare function PageLocked(page: page): boolean;
/** PageMlocked: PG_mlocked is set (mapped by a VM_LOCKED vma). */
declare function PageMlocked(page: page): boolean;
/** PageUptodate: PG_uptodate is set (the page's contents are valid). */
declare function PageUptodate(page: page): boolean;

/** Read `len` bytes at `offset` of the page (kmap-style; offset + len ≤ 4096). */
declare function page_read(page: page, offset: number, len: number): Uint8Array;
/** Write `data` at `offset` of the page (kmap-style; offset + data.length ≤ 4096). */
declare function page_write(page: page, offset: number, data: Uint8Array): void;

// ---------------------------------------------------------------------------------------------
// Page tables
// ---------------------------------------------------------------------------------------------

/** A snapshot of the pte that maps `addr` in `mm`, or null when no page table covers it. An observer: it allocates nothing, takes no fault and touches no TLB. */
declare function lookup_pte(mm: mm_struct, addr: number): pte_t | null;

/** pte_none: the entry is 0 (never used, or zapped). */
declare function pte_none(pte: pte_t): boolean;
/** pte_present: _PAGE_PRESENT or _PAGE_PROTNONE is set (a PROT_NONE pte counts as present; a swap entry does not). */
declare function pte_present(pte: pte_t): boolean;
/** pte_write: _PAGE_RW is set. */
declare function pte_write(pte: pte_t): boolean;
/** pte_dirty: _PAGE_DIRTY is set (written through this pte). */
declare function pte_dirty(pte: pte_t): boolean;
/** pte_young: _PAGE_ACCESSED is set (used since the bit was last cleared; fresh user ptes are born young). */
declare function pte_young(pte: pte_t): boolean;
/** pte_special: _PAGE_SPECIAL is set (the zero page or a raw pfn: vm_normal_page finds no page to count). */
declare function pte_special(pte: pte_t): boolean;
/** pte_pfn: the page frame number the pte maps (bits 12–45). */
declare function pte_pfn(pte: pte_t): number;
/** pte_flags: the low flag bits (0–11) as a number; test them with the _PAGE_* constants. */
declare function pte_flags(pte: pte_t): number;
/** pte_nx: the no-execute bit (63) is set. */
declare function pte_nx(pte: pte_t): boolean;
/** pte_val: the whole 64-bit entry. */
declare function pte_val(pte: pte_t): bigint;

/** pgprot_val: the protection's 64-bit value. */
declare function pgprot_val(prot: pgprot_t): bigint;
/** __pgprot: a protection from its 64-bit value (a bigint, e.g. 0x8000000000000025n). */
declare function __pgprot(bits: bigint): pgprot_t;
/** pgprot_noncached: `prot` with its cache bits set to uncached-minus (UC-: PCD). */
declare function pgprot_noncached(prot: pgprot_t): pgprot_t;
/** pgprot_writecombine: `prot` with its cache bits set to write-combining. */
declare function pgprot_writecombine(prot: pgprot_t): pgprot_t;

/**
 * Reserve the memory type of physical pages [pfn, pfn + npages) for the PAT hook, as a
 * driver's earlier reservation would (only when the machine's `pat` is on; otherwise 0 and
 * nothing happens). 0, or -EBUSY when it conflicts with an existing reservation.
 */
declare function set_memtype(pfn: number, npages: number, type: MemType): number;

/**
 * get_locked_pte: allocate the page tables down to `addr` as needed and return its pte pointer
 * with the pte page's lock (ptl) held, or null when an allocation fails (-ENOMEM to a kernel
 * caller). Release with pte_unmap_unlock(ptep, ptl); meanwhile do_set_pte may write it.
 */
declare function pte_alloc_map_lock(mm: mm_struct, addr: number): { ptep: pte_ptr; ptl: spinlock_t } | null;
/** ptep_get: read the pte a pointer points at (a snapshot). */
declare function ptep_get(ptep: pte_ptr): pte_t;
/** pte_unmap_unlock: release the ptl taken by pte_alloc_map_lock (TypeError if it is not that pte's lock or not held). */
declare function pte_unmap_unlock(ptep: pte_ptr, ptl: spinlock_t): void;

// ---------------------------------------------------------------------------------------------
// The mm/memory.c API (Linux 4.7). The caller holds mmap_sem as the kernel's callers do: for read
// around the zaps, for write around the mmap-time inserts (vm_insert_page checks it).
// ---------------------------------------------------------------------------------------------

/**
 * tlb_gather_mmu: start a gather on `mm`. `start`/`end` matter only to detect a whole-mm
 * gather (0 and -1, as exit_mmap passes); the range to flush is collected as ptes are cleared.
 */
declare function tlb_gather_mmu(tlb: mmu_gather, mm: mm_struct, start: number, end: number): void;

/** tlb_finish_mmu: flush the TLBs for the range collected (ranges over 33 pages become a full flush; IPIs to the mm's other CPUs, notifiers called), then free the pages queued, then end the gather. */
declare function tlb_finish_mmu(tlb: mmu_gather, start: number, end: number): void;

/**
 * unmap_vmas: zap [start_addr, end_addr) in `vma` and each following vma that starts below
 * end_addr (each clamped to its vma), into the gather `tlb`; `end_addr` -1 means to the end.
 * Brackets the work with mmu_notifier_invalidate_range_start/end over the unclamped range. It
 * neither updates hiwater_rss nor frees page tables, and it flushes only when the gather's
 * batches fill: the TLB flush and the freeing of the pages happen at tlb_finish_mmu. A VM_PFNMAP
 * vma touched at all loses its whole-vma PAT reservation (VM_PAT).
 */
declare function unmap_vmas(tlb: mmu_gather, vma: vm_area_struct, start_addr: number, end_addr: number): void;

/**
 * zap_page_range: remove the user ptes of [start, start + size) in `vma` and every following vma
 * that starts below the end (holes are skipped; start and size must be page aligned). Expects
 * mmap_sem held for read (or write) by the caller. Updates hiwater_rss first, calls the mmu
 * notifiers around the work, clears each pte under its page-table lock and queues the page in
 * its own mmu_gather; the rss counters and mapcounts drop at once, dirty file pages are marked
 * dirty, young ones accessed. The TLBs are flushed (a ranged flush up to 33 pages, a full one
 * beyond; IPIs to the other CPUs running the mm) before any page is freed; a page is freed only
 * when its last reference goes (the page cache keeps its own). Page tables stay allocated; the
 * page cache is untouched; vm_flags are unchanged (except VM_PAT of a PFNMAP vma). `details`
 * (default null) limits what is zapped (see zap_details). Models mm/memory.c:zap_page_range.
 */
declare function zap_page_range(vma: vm_area_struct, start: number, size: number, details?: zap_details | null): void;

/**
 * zap_page_range_single: as zap_page_range, but only within `vma` ([address, address + size)
 * clamped to it); static in 4.7, reached through zap_vma_ptes and unmap_mapping_range.
 */
declare function zap_page_range_single(vma: vm_area_struct, address: number, size: number, details?: zap_details | null): void;

/**
 * zap_vma_ptes: remove the ptes of [address, address + size) in a VM_PFNMAP vma (a driver
 * unmapping what it remapped). Returns 0, or -1 (a literal -1, not an errno) if the range is not
 * inside the vma or the vma is not VM_PFNMAP. Swap entries go too (details is null); the whole
 * vma's PAT reservation is dropped even for a partial zap.
 */
declare function zap_vma_ptes(vma: vm_area_struct, address: number, size: number): number;

/**
 * vm_insert_page: map one page (with a struct page, not anonymous) at `addr` of a driver's vma,
 * with vma.vm_page_prot: the page gets a reference and a mapcount, and counts as MM_FILEPAGES
 * (MM_SHMEMPAGES if swap-backed); zaps, fork and gup treat it as a normal page. Checks in the
 * kernel's order: -EFAULT if addr is outside the vma; -EINVAL if page_count is 0; then, unless
 * the vma is VM_MIXEDMAP, a KernelBug if mmap_sem is not held for write or the vma is VM_PFNMAP,
 * and VM_MIXEDMAP is set (and stays set even if a later step fails); -EINVAL for an anonymous
 * page; -ENOMEM if a page table cannot be allocated; -EBUSY if the pte is not none. 0 on success.
 * No TLB flush and no notifier.
 */
declare function vm_insert_page(vma: vm_area_struct, addr: number, page: page): number;

/** vm_insert_pfn: vm_insert_pfn_prot(vma, addr, pfn, vma.vm_page_prot). */
declare function vm_insert_pfn(vma: vm_area_struct, addr: number, pfn: number): number;

/**
 * vm_insert_pfn_prot: map the raw frame `pfn` at `addr` with protection `pgprot`, as a special
 * pte (no refcount, no mapcount, no rss). KernelBug if the vma is neither VM_PFNMAP nor
 * VM_MIXEDMAP, or both, or a COW VM_PFNMAP mapping, or VM_MIXEDMAP with a pfn that has a struct
 * page; then -EFAULT outside the vma, -EINVAL if the PAT hook refuses, -ENOMEM without a page
 * table, -EBUSY if the pte is not none; 0 on success. With PAT on, the cache bits come from the
 * pfn's memtype. Usually called from a ->fault handler, which then returns VM_FAULT_NOPAGE.
 */
declare function vm_insert_pfn_prot(vma: vm_area_struct, addr: number, pfn: number, pgprot: pgprot_t): number;

/**
 * remap_pfn_range: map the physical frames from `pfn` at [addr, addr + size) (size rounded up to
 * pages) with `prot`, as special ptes. On a COW mapping the range must be the whole vma (else
 * -EINVAL, nothing changed) and vm_pgoff becomes pfn. With PAT on, a whole-vma remap reserves the
 * memtype (VM_PAT), a partial one must agree with it (-EINVAL). Sets VM_IO | VM_PFNMAP |
 * VM_DONTEXPAND | VM_DONTDUMP; a size of 0 is then a KernelBug, as is a pte that is not none.
 * -ENOMEM if a page table cannot be allocated (ptes written so far stay). 0 on success. Neither
 * addr nor the range is checked against the vma (ptes outside it are written; dmesg says so).
 */
declare function remap_pfn_range(vma: vm_area_struct, addr: number, pfn: number, size: number, prot: pgprot_t): number;

/**
 * vm_iomap_memory: map the physical range [start, start + len) over the whole vma, honouring
 * vm_pgoff as an offset into it, through remap_pfn_range with vma.vm_page_prot. -EINVAL if the
 * range overflows, vm_pgoff is past it, or the vma is larger than what remains; otherwise what
 * remap_pfn_range returns. The offset of `start` inside its page is not carried over.
 */
declare function vm_iomap_memory(vma: vm_area_struct, start: number, len: number): number;

/**
 * unmap_mapping_range: zap the ptes of file pages [holebegin, holebegin + holelen) in every vma
 * that maps `mapping` (shared and private; holebegin rounds down, holelen up, separately;
 * holelen 0 means to the end of the file). With even_cows 0 (truncate's hole punch) only ptes of
 * this file's own pages go: private COW copies and foreign pages stay; with even_cows 1
 * (truncate) every present pte in range goes. Raw pfn ptes always go, swap entries always stay.
 * Takes i_mmap_rwsem; each vma is zapped with zap_page_range_single. The page cache is untouched.
 */
declare function unmap_mapping_range(mapping: address_space, holebegin: number, holelen: number, even_cows: number | boolean): void;

/**
 * do_set_pte: write the pte `ptep` (from pte_alloc_map_lock, whose ptl the caller holds) to map
 * `page` at `address` with vma.vm_page_prot; `write` makes it dirty (and writable if VM_WRITE).
 * `anon`: MM_ANONPAGES + 1 and page_add_new_anon_rmap, which sets the mapcount to 1 and is a
 * KernelBug when the vma has no anon_vma; otherwise the file counter + 1 and the mapcount + 1.
 * The caller's page reference now belongs to the pte. A present pte is overwritten without a
 * check; no TLB flush, no notifier. The fault paths' last step.
 */
declare function do_set_pte(vma: vm_area_struct, address: number, page: page, ptep: pte_ptr, write: boolean, anon: boolean): void;

/**
 * follow_pfn: look up the pfn mapped at `address` of a VM_IO or VM_PFNMAP vma and store it in
 * `pfn.value`; returns 0, or -EINVAL (another kind of vma, no page table, pte not present).
 * Reads only; `address` is not checked against the vma.
 */
declare function follow_pfn(vma: vm_area_struct, address: number, pfn: { value: number }): number;

/**
 * access_remote_vm: copy `len` bytes between `buf` and another process's memory at `addr`
 * (write 1: into the process), as ptrace and /proc/pid/mem do. Takes mmap_sem for read and pins
 * each page with get_user_pages(FOLL_FORCE), faulting it in (a forced write to a read-only private
 * mapping breaks COW and writes the copy: with the machine's dirty_cow_fix off, the 4.7.4 race
 * with MADV_DONTNEED is there). Where gup fails it falls back to vma.vm_ops.access (PFNMAP
 * memory). Stops at the first hole. Returns the bytes moved, 0..len, never an errno.
 */
declare function access_remote_vm(mm: mm_struct, addr: number, buf: Uint8Array, len: number, write: 0 | 1 | boolean): number;

// ---------------------------------------------------------------------------------------------
// User-level accesses from a CPU (through its TLB and the hardware page walk; they fault as
// user code does). Not while CPUs run on workers (parallel run_workloads): TypeError then.
// ---------------------------------------------------------------------------------------------

/** Read `len` bytes at `addr` of `mm` as user code on `cpu` (default 0). Faults as needed; throws an Error named 'SIGSEGV' or 'SIGBUS' (with .address) where the kernel would kill the process. */
declare function user_read(mm: mm_struct, addr: number, len: number, cpu?: number): Uint8Array;

/** Write `data` at `addr` of `mm` as user code on `cpu` (default 0); faults (COW, write-protect) as needed; SIGSEGV/SIGBUS as user_read. */
declare function user_write(mm: mm_struct, addr: number, data: Uint8Array, cpu?: number): void;

/** One access per page of [start, start + len) (mode 'r' reads, 'w' writes each page's first byte with its own value) on `cpu` (default 0); returns the number of page faults taken. SIGSEGV/SIGBUS as user_read. */
declare function touch(mm: mm_struct, start: number, len: number, mode: 'r' | 'w', cpu?: number): number;

// ---------------------------------------------------------------------------------------------
// Many CPUs
// ---------------------------------------------------------------------------------------------

/**
 * Run each job (one per CPU) until all have finished or been killed; returns per-CPU outcomes,
 * the run's statistics and per-CPU TLB hit-rate series. In the machine's default 'deterministic'
 * mode all CPUs run on this thread under a seeded scheduler (same script, config and seed: same
 * numbers); in 'parallel' mode each CPU runs on its own worker thread and faults concurrently.
 * `options.every` runs kernel calls from the script while the CPUs run. A process killed by a
 * signal is reported in its outcome (`signal`), not thrown. See CpuJob for custom patterns.
 */
declare function run_workloads(jobs: CpuJob[], options?: RunOptions): RunResult;

/**
 * Run kernel-call loops on several CPUs, interleaved deterministically by simulated time: the
 * thread whose CPU is behind runs its next iteration; inside a call, at the preemption points the
 * kernel has (get_user_pages' cond_resched between a fault and its retry), the other threads
 * whose CPUs are behind run until they catch up, which is what those CPUs did meanwhile. So races
 * such as Dirty COW (proc_mem_rw against madvise(MADV_DONTNEED)) happen, and the same script,
 * config and seed reproduce them. Not while CPUs run on workers (TypeError). An exception thrown
 * by a thread ends the run and propagates.
 */
declare function run_threads(threads: ThreadJob[], options?: ThreadOptions): ThreadsResult;

// ---------------------------------------------------------------------------------------------
// Output and time
// ---------------------------------------------------------------------------------------------

/** Print the values on one line of the cell's output (stdout in the headless runner), separated by spaces; bigints print with an n, objects as JSON. */
declare function print(...values: unknown[]): void;

/** Show a chart in the cell's output (stored as data plus a rendering in notebooks; a one-line summary in a terminal). TypeError naming the first problem of a bad spec. */
declare function chart(spec: ChartSpec): void;

/**
 * Show a table in the cell's output. `rows` are objects (their keys, in first-seen order, are the
 * columns unless `options.columns` lists them) or arrays (with `options.columns` as the header).
 * Cells hold strings, numbers, booleans, bigints or null/undefined (an empty cell). A notebook
 * stores the table as data with a text rendering (aligned columns) and an HTML one (escaped);
 * a terminal prints the text. At most 200,000 cells; TypeError naming the first problem.
 */
declare function table(rows: readonly (Record<string, unknown> | readonly unknown[])[], options?: { columns?: string[]; title?: string }): void;

/**
 * Report a named result of the experiment: one line `[metric] name = value unit` in the output,
 * stored in a notebook as data, and tabulated per run by `mmu-lab sweep` beside the machine's own
 * statistics. `name` is 1-64 letters, digits, `_ . -` and may not be a machine statistic's name;
 * `value` must be finite; `unit` is free text of at most 32 characters ('' for none; units in host
 * time such as 'ns' or '.../s' are kept apart from simulated results in sweeps). TypeError otherwise.
 */
declare function metric(name: string, value: number, unit?: string): void;

/** CPU_GHZ = 2.445: the modelled CPU clock in GHz (the test machine's TSC, RESULTS.md), i.e. simulated cycles per simulated nanosecond. */
declare const CPU_GHZ: number;

/** Simulated cycles as simulated nanoseconds at CPU_GHZ (for comparing with the host's figures in RESULTS.md); not host time. */
declare function cycles_to_ns(cycles: number): number;

/** The host's monotonic clock in nanoseconds, for timing the lab itself (simulated time is in cycles: machine_stats().cycles, RunResult.cycles). */
declare function now_ns(): number;
