// A CPU worker for threads.test.ts: attaches to the lab stats it is handed and records, into
// its own CPU's block and histograms, what the test asks for; then reports 'done'.
import { parentPort, workerData } from 'node:worker_threads';
import { S, attachLabStats, recordFault, recordZap } from '../../../src-engine/metrics/catalog';
import type { SharedStats } from '../../../src-engine/metrics/stats';

const { shared, cpu, faults, accesses } = workerData as { shared: SharedStats; cpu: number; faults: number; accesses: number };
const stats = attachLabStats(shared);
const blk = stats.counters(cpu);
const hists = stats.histograms(cpu);
for (let i = 0; i < accesses; i++) {
  blk[S.accesses]! += 1;
  if (i % 4 === 0) blk[S.l1_tlb_misses]! += 1;
  else blk[S.l1_tlb_hits]! += 1;
}
for (let i = 0; i < faults; i++) recordFault(blk, hists, 'anon', 5000 + cpu * 1000 + (i % 100), 2000 + i);
recordZap(blk, 'MADV_DONTNEED', 512, 512 * 900, 190_000);
parentPort!.postMessage('done');
