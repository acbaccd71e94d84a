// TLB reach: the cost of an access as the working set grows. A pointer chase visits each page
// of the set once per cycle, so once the set outgrows the 64-entry L1 dTLB every access misses
// L1 (and hits the 2048-entry STLB), and once it outgrows the STLB every access walks the page
// tables. Compare the shape with RESULTS.md §5 from the real machine. Change tlb_l1_entries or
// tlb_l2_entries in reset_machine() below and watch the knees move.
// Run it with: npx mmu-lab run experiments/tlb-reach.ts
reset_machine({ cpus: 1, ram_mb: 128 });
print('pages  L1 hit rate  STLB hit rate  cycles/access');
const sizes = [16, 32, 64, 96, 256, 1024, 2048, 3072, 8192];
const costs: number[] = [];
for (const pages of sizes) {
  const mm = mm_alloc();
  const base = mmap(mm, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
  const r = run_workloads([{ cpu: 0, mm, workload: { kind: 'pointer_chase', base, pages, write_fraction: 0, accesses: 20 * pages, seed: 1 } }]);
  const f = r.stats.formulas;
  const rate = (x: number | null) => (x === null ? '   -' : x.toFixed(3));
  costs.push(r.cycles / (20 * pages));
  print(`${String(pages).padStart(5)}  ${rate(f.l1_tlb_hit_rate!.value).padStart(11)}  ${rate(f.l2_tlb_hit_rate!.value).padStart(13)}  ${costs[costs.length - 1]!.toFixed(1).padStart(13)}`);
  mmput(mm);
}
chart({ title: 'TLB reach: cycles per access vs working set', kind: 'line', x_label: 'pages', y_label: 'cycles/access', log_x: true,
  series: [{ name: 'pointer chase', x: sizes, y: costs }] });
