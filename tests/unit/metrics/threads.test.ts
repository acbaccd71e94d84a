// Several worker threads record into their own CPU's counters and histograms in the shared
// buffers of one lab Stats; the main thread reads totals and merged histograms.
import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createLabStats, zapThroughput } from '../../../src-engine/metrics/catalog';
import type { SharedStats } from '../../../src-engine/metrics/stats';

/** Runs stats-worker.ts on a worker thread (TypeScript through tsx) until it reports done. */
function runWorker(data: { shared: SharedStats; cpu: number; faults: number; accesses: number }): Promise<void> {
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./stats-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)}))`;
  const w = new Worker(boot, { eval: true, workerData: data });
  return new Promise((resolve, reject) => {
    w.once('message', () => void w.terminate().then(() => resolve()));
    w.once('error', reject);
  });
}

describe('recording from worker threads', () => {
  it('two workers fill their own blocks; the main thread sees totals, per-CPU values and merged histograms', async () => {
    const stats = createLabStats(2);
    await Promise.all([
      runWorker({ shared: stats.shared, cpu: 0, faults: 300, accesses: 40_000 }),
      runWorker({ shared: stats.shared, cpu: 1, faults: 700, accesses: 80_000 }),
    ]);
    const snap = stats.snapshot();
    expect(snap.counters['accesses']!.perCpu).toEqual([40_000, 80_000]);
    expect(snap.formulas['l1_tlb_hit_rate']!.value).toBe(0.75);
    expect(snap.counters['faults.anon']!.perCpu).toEqual([300, 700]);
    const lat = snap.histograms['fault_latency_cycles.anon']!;
    expect([lat.count, lat.min, lat.max]).toEqual([1000, 5000, 6099]);
    expect(snap.formulas['fault_mean_cycles.anon']!.value).toBeCloseTo(lat.mean!, 9);
    const dontneed = zapThroughput(snap).find((r) => r.key === 'MADV_DONTNEED')!;
    expect(dontneed.units).toBe(1024);
    expect(dontneed.cyclesPerUnit).toBe(900);
  });
});
