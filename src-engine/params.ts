// Machine parameters, each declared once with its type, default, unit and description (gem5 style).
// A partial config merges over these defaults; every value is validated before a machine is built.

export interface MachineConfig {
  ram_mb: number;
  cpus: number;
  seed: number;
  pat: boolean;
  debug_vm: boolean;
  swap: boolean;
  dirty_cow_fix: boolean;
  swap_mb: number;
  mmio_base: number;
  mmio_mb: number;
  max_map_count: number;
  fault_around_bytes: number;
  max_mms: number;
  max_vmas: number;
  mode: 'deterministic' | 'parallel';
  quantum: number;
  tlb_l1_entries: number;
  tlb_l1_ways: number;
  tlb_l2_entries: number;
  tlb_l2_ways: number;
  tlb_policy: 'lru' | 'plru' | 'random';
  pcid: boolean;
  pwc_entries: number;
  tlb_check: boolean;
  cost_access: number;
  cost_stlb_hit: number;
  cost_walk: number;
  cost_walk_ref: number;
  cost_ipi_send: number;
  cost_ipi_receive: number;
  cost_lock_handoff: number;
  cost_fault_entry: number;
  cost_page_alloc: number;
  cost_clear_page: number;
  cost_copy_page: number;
  cost_map_pte: number;
  cost_anon_rmap: number;
  cost_file_rmap: number;
  cost_set_page_dirty: number;
  cost_zap_pte: number;
  cost_zap_page: number;
  cost_free_page: number;
}

export interface ParamSpec<T> {
  default: T;
  unit: string;
  description: string;
  check: (v: T) => string | null;
}

const int = (min: number, max: number) => (v: number): string | null =>
  Number.isInteger(v) && v >= min && v <= max ? null : `an integer from ${min} to ${max}`;
const bool = (v: boolean): string | null => (typeof v === 'boolean' ? null : 'true or false');

export const PARAMS: { [K in keyof MachineConfig]: ParamSpec<MachineConfig[K]> } = {
  ram_mb: { default: 256, unit: 'MiB', description: 'RAM, from physical address 0 up', check: int(4, 4096) },
  cpus: { default: 2, unit: 'CPUs', description: 'simulated CPUs (each with its own TLB)', check: int(1, 64) },
  seed: { default: 1, unit: '', description: 'seed of the deterministic scheduler and of the scripts\' random numbers', check: int(0, 2 ** 31 - 1) },
  pat: { default: false, unit: '', description: 'x86 PAT memtype tracking (track_pfn_* / reserve_pfn_range)', check: bool },
  debug_vm: { default: false, unit: '', description: 'CONFIG_DEBUG_VM: VM_BUG_ON checks fire', check: bool },
  swap: { default: false, unit: '', description: 'a swap device exists; anonymous pages can be swapped out', check: bool },
  dirty_cow_fix: { default: false, unit: '', description: "4.7.9's FOLL_COW fix for CVE-2016-5195", check: bool },
  swap_mb: { default: 64, unit: 'MiB', description: 'size of the swap device when swap is on', check: int(1, 1024) },
  mmio_base: { default: 0xc0000000, unit: 'bytes', description: 'physical address of the MMIO region (no struct page)', check: (v) => (Number.isInteger(v) && v % 4096 === 0 && v > 0 && v < 2 ** 46 ? null : 'a page-aligned physical address below 2^46') },
  mmio_mb: { default: 16, unit: 'MiB', description: 'size of the MMIO region', check: int(1, 1024) },
  max_map_count: { default: 65530, unit: 'vmas', description: 'vm.max_map_count: the most vmas one mm may have', check: int(1, 1 << 20) },
  fault_around_bytes: { default: 65536, unit: 'bytes', description: 'fault-around window of file read faults (a power of two)', check: (v) => (Number.isInteger(v) && v >= 4096 && v <= 2 ** 21 && (v & (v - 1)) === 0 ? null : 'a power of two from 4096 to 2 MiB') },
  max_mms: { default: 1024, unit: 'mm_structs', description: 'capacity of the shared mm slab', check: int(1, 65536) },
  max_vmas: { default: 65536, unit: 'vmas', description: 'capacity of the shared vma slab (all processes)', check: int(16, 1 << 22) },
  mode: { default: 'deterministic', unit: '', description: "'deterministic': every CPU on one thread under a seeded scheduler (bit-identical runs); 'parallel': a worker thread per CPU (see src-engine/SMP.md)", check: (v) => (v === 'deterministic' || v === 'parallel' ? null : "'deterministic' or 'parallel'") },
  quantum: { default: 64, unit: 'accesses', description: 'accesses a CPU makes before the scheduler (and its IPI mailbox) gets a look in', check: int(1, 1 << 20) },
  tlb_l1_entries: { default: 64, unit: 'entries', description: 'L1 dTLB capacity (the test machine: 64, CPUID 0x80000005)', check: int(1, 4096) },
  tlb_l1_ways: { default: 64, unit: 'ways', description: 'L1 dTLB associativity (64 = fully associative, as on the test machine; ways at or above the entries mean fully associative)', check: int(1, 4096) },
  tlb_l2_entries: { default: 2048, unit: 'entries', description: 'second-level STLB capacity (the test machine: 2048, CPUID 0x80000006)', check: int(1, 65536) },
  tlb_l2_ways: { default: 16, unit: 'ways', description: 'STLB associativity (the baselines give only its size; 16 is an assumption)', check: int(1, 65536) },
  tlb_policy: { default: 'lru', unit: '', description: "TLB replacement policy: 'lru', 'plru' or 'random' (seeded)", check: (v) => (v === 'lru' || v === 'plru' || v === 'random' ? null : "'lru', 'plru' or 'random'") },
  pcid: { default: false, unit: '', description: 'tag TLB entries with PCIDs so a context switch does not flush (Linux 4.7 does not use them)', check: bool },
  pwc_entries: { default: 32, unit: 'entries', description: 'page-walk cache of upper-level entries (0 = every walk makes 4 memory references)', check: int(0, 4096) },
  tlb_check: { default: false, unit: '', description: 'check every TLB hit against the page tables and report stale translations of freed or reused frames (slow; for tests)', check: bool },
  cost_access: { default: 3, unit: 'cycles', description: 'a load or store whose translation hits the L1 dTLB (RESULTS.md §5: 1.36 ns at 16 pages)', check: int(0, 1 << 20) },
  cost_stlb_hit: { default: 9, unit: 'cycles', description: 'extra cost of an L1 miss that hits the STLB (RESULTS.md §5: 512 pages, 6.0 vs 2.45 ns dense)', check: int(0, 1 << 20) },
  cost_walk: { default: 50, unit: 'cycles', description: 'fixed cost of a page walk after an STLB miss (RESULTS.md §5: 4096 pages, 34 vs 6.2 ns dense, less one reference)', check: int(0, 1 << 20) },
  cost_walk_ref: { default: 17, unit: 'cycles', description: 'each page-table memory reference a walk makes (references the page-walk cache does not save)', check: int(0, 1 << 20) },
  cost_ipi_send: { default: 1500, unit: 'cycles', description: 'sending one TLB-shootdown IPI and waiting for its ack (~0.6 µs, about two null syscalls)', check: int(0, 1 << 24) },
  cost_ipi_receive: { default: 1000, unit: 'cycles', description: 'taking a shootdown interrupt and flushing on the receiving CPU', check: int(0, 1 << 24) },
  cost_lock_handoff: { default: 80, unit: 'cycles', description: "taking mmap_sem, a page-table lock or an mm's page_table_lock last taken by another CPU: the lock's cache line moves (measured on this machine by tests/bench/native/handoff.c, two threads on the two vCPUs taking turns with one spinlock: ~33 ns)", check: int(0, 1 << 20) },
  cost_fault_entry: { default: 2300, unit: 'cycles', description: 'taking a page fault and returning from it: exception entry, mmap_sem, the walk to the pte (RESULTS.md §1: a zero-page read fault, 1024 ns, less mapping the pte)', check: int(0, 1 << 24) },
  cost_page_alloc: { default: 1000, unit: 'cycles', description: 'allocating a page (allocator and memcg charge); page tables too', check: int(0, 1 << 24) },
  cost_clear_page: { default: 490, unit: 'cycles', description: 'zeroing 4 KiB (RESULTS.md ref: memset over a 256 MiB range, 199 ns per 4 KiB)', check: int(0, 1 << 24) },
  cost_copy_page: { default: 740, unit: 'cycles', description: 'copying 4 KiB for a COW break (RESULTS.md ref: memcpy 256 MiB, 304 ns per 4 KiB)', check: int(0, 1 << 24) },
  cost_map_pte: { default: 200, unit: 'cycles', description: 'writing one pte under its lock in a fault (RESULTS.md §3: fault-around, ~160 ns per page mapped, with the file rmap)', check: int(0, 1 << 24) },
  cost_anon_rmap: { default: 1600, unit: 'cycles', description: 'page_add_new_anon_rmap, LRU add and counters of a new anonymous page (RESULTS.md §1: an anon write fault, 2286 ns, less the other parts)', check: int(0, 1 << 24) },
  cost_file_rmap: { default: 190, unit: 'cycles', description: 'page_add_file_rmap and the counter of a page-cache page mapped by a fault', check: int(0, 1 << 24) },
  cost_set_page_dirty: { default: 1000, unit: 'cycles', description: 'set_page_dirty and dirty balancing of a shared write fault (RESULTS.md §3: MAP_SHARED write, 1516 ns)', check: int(0, 1 << 24) },
  cost_zap_pte: { default: 130, unit: 'cycles', description: 'clearing one pte in a zap (RESULTS.md §4: zero-page ptes, 54 ns/page)', check: int(0, 1 << 20) },
  cost_zap_page: { default: 300, unit: 'cycles', description: 'dropping a mapped page in a zap: rmap, counters, gather (RESULTS.md §4: shared tmpfs DONTNEED 176 ns/page, less the pte clear)', check: int(0, 1 << 20) },
  cost_free_page: { default: 470, unit: 'cycles', description: 'returning a page to the allocator (RESULTS.md §4: anon DONTNEED 368 ns/page, less the above)', check: int(0, 1 << 20) },
};

/**
 * The TLB geometry of a machine config (see arch/x86/mm/tlb_hw_geometry.ts). A level cannot have
 * more ways than entries: ways at or above the entries mean fully associative, so changing only
 * tlb_l1_entries (say to 32) keeps the test machine's fully associative L1.
 */
export function tlbGeometry(c: MachineConfig, cpu: number) {
  return { l1_entries: c.tlb_l1_entries, l1_ways: Math.min(c.tlb_l1_ways, c.tlb_l1_entries),
    l2_entries: c.tlb_l2_entries, l2_ways: Math.min(c.tlb_l2_ways, c.tlb_l2_entries),
    policy: c.tlb_policy, pcid: c.pcid, pwc_entries: c.pwc_entries, seed: (c.seed * 64 + cpu) % (2 ** 31 - 1) };
}

/** The defaults of every parameter. */
export function defaultConfig(): MachineConfig {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(PARAMS)) out[k] = spec.default;
  return out as unknown as MachineConfig;
}

/** Other names a parameter answers to (alias → parameter): `tlb_entries` is how issue 4's sweep example names the L1 dTLB size. */
export const PARAM_ALIASES: Readonly<Record<string, keyof MachineConfig>> = { tlb_entries: 'tlb_l1_entries' };

/** `partial` with every alias renamed to its parameter; TypeError when both name different values. */
function unalias(partial: Record<string, unknown>): Record<string, unknown> {
  const out = { ...partial };
  for (const [alias, key] of Object.entries(PARAM_ALIASES)) {
    if (!(alias in out)) continue;
    if (out[key] !== undefined && out[alias] !== undefined && out[key] !== out[alias]) throw new TypeError(`machine parameters ${alias} and ${key} name the same setting with different values (${JSON.stringify(out[alias])}, ${JSON.stringify(out[key])})`);
    if (out[alias] !== undefined) out[key] = out[alias];
    delete out[alias];
  }
  return out;
}

/** Merge a partial config over the defaults (aliases accepted); throws TypeError naming every bad key or value. */
export function resolveConfig(partial: unknown = {}): MachineConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new TypeError('machine config must be an object, e.g. { ram_mb: 64, cpus: 2 }');
  }
  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(unalias(partial as Record<string, unknown>))) {
    const spec = (PARAMS as Record<string, ParamSpec<unknown>>)[k];
    if (!spec) throw new TypeError(`unknown machine parameter '${k}' (known: ${Object.keys(PARAMS).join(', ')})`);
    if (v === undefined) continue;
    const bad = spec.check(v);
    if (bad) throw new TypeError(`machine parameter ${k} must be ${bad}, got ${JSON.stringify(v)}`);
    cfg[k] = v;
  }
  // Built key by key, cfg is a dictionary-mode object to V8 (every read a hash lookup); the
  // spread copy has fast properties, and the hot paths read m.config several times per fault.
  return { ...cfg } as unknown as MachineConfig;
}
