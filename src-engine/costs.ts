// The simulated clock and, for reference, the native fault latencies the cost model is
// calibrated against (shared/baselines/RESULTS.md, AMD EPYC Zen 3 at 2.445 GHz). The model's
// parameters themselves are machine parameters (params.ts, cost_*): a fault is charged
// cost_fault_entry plus the work its path does (allocating, zeroing or copying a page, mapping
// ptes, rmap), so its cycles follow what it did. These per-type figures are the targets.

export const CPU_GHZ = 2.445;

export interface CostParam { cycles: number; description: string; source: string }

export const FAULT_CYCLES: Record<string, CostParam> = { // native medians, for calibration and docs
  'zero-page': { cycles: 2504, description: 'read fault mapping the zero page', source: 'RESULTS.md §1 read: 1024 ns' },
  anon: { cycles: 5589, description: 'write fault allocating a zeroed anonymous page', source: 'RESULTS.md §1 write: 2286 ns' },
  file: { cycles: 3700, description: 'read fault of one page-cache page without neighbours', source: 'RESULTS.md §3 MAP_SHARED write minus mkwrite: ~1.5 µs' },
  'fault-around': { cycles: 8738, description: 'read fault mapping up to 16 cached pages', source: 'RESULTS.md §3 MAP_SHARED read: 3574 ns' },
  cow: { cycles: 6426, description: 'write fault copying a page-cache page (do_cow_fault)', source: 'RESULTS.md §3 MAP_PRIVATE write: 2628 ns' },
  shared: { cycles: 3707, description: 'write fault mapping a page-cache page writable (do_shared_fault)', source: 'RESULTS.md §3 MAP_SHARED write: 1516 ns' },
  'wp-reuse': { cycles: 2983, description: 'write-protect fault reusing an exclusive anonymous page', source: 'RESULTS.md §2 wp-reuse: 1220 ns' },
  'wp-copy': { cycles: 7631, description: 'write-protect fault copying a shared page (COW break)', source: 'RESULTS.md §2 COW fault: 3121 ns' },
  'wp-shared': { cycles: 2983, description: 'write-protect fault on a shared mapping (page_mkwrite/pfn_mkwrite)', source: 'as wp-reuse' },
  swap: { cycles: 9000, description: 'swap-in of a page from the (RAM-speed) swap device', source: 'estimate: anon fault + 4 KiB copy' },
  spurious: { cycles: 1200, description: 'fault that found the pte already fixed (entry and exit only)', source: 'RESULTS.md §ref null syscall x5' },
  error: { cycles: 1200, description: 'fault ending in SIGSEGV/SIGBUS/OOM (entry and exit only)', source: 'as spurious' },
};


/** Cycles to nanoseconds at the modelled clock. */
export const cycles_to_ns = (cycles: number): number => cycles / CPU_GHZ;
