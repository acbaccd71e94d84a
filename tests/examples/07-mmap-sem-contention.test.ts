// experiments/07-mmap-sem-contention.ipynb, run headless as the CLI runs it: while a mapper maps
// and unmaps, faults wait for mmap_sem, more so as the CPUs grow; without it nothing waits.
import { describe, it, expect } from 'vitest';
import { runNotebook, type NotebookRun } from './run-notebook-b';
import { tableRows, simulatedOutputs, examplePath } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';

const NB = '07-mmap-sem-contention.ipynb';

interface Row { cpus: number; mapper: boolean; faults: number; faultsPerS: number; contended: number; waitCycles: number; meanWait: number; handoffs: number }

/** The result table's rows (cell mmapsem-02; its counter columns name the counters' units). */
function rows(run: NotebookRun): Row[] {
  return tableRows(run.nb, 'mmapsem-02').map((r) => ({ cpus: Number(r['faulting CPUs']), mapper: r['mapper'] === true, faults: Number(r['faults']), faultsPerS: Number(r['faults/s (sim)']),
    contended: Number(r['lock_contended.mmap_sem (acquisitions)']), waitCycles: Number(r['lock_wait_cycles.mmap_sem (cycles)']), meanWait: Number(r['mean wait (cycles per contended fault)']),
    handoffs: Number(r['lock_handoffs.mmap_sem (acquisitions)']) }));
}

describe('experiments/07-mmap-sem-contention.ipynb', () => {
  it('lock wait grows with the CPUs while the mapper runs, is zero without it, and costs throughput, as stored', async () => {
    const run = await runNotebook(NB);
    expect(run.errors).toEqual([]);
    expect(run.status).toBe(0);
    const r = rows(run);
    expect(r.map((x) => x.cpus)).toEqual([1, 1, 2, 2, 4, 4, 8, 8]);
    const without = r.filter((x) => !x.mapper), withMapper = r.filter((x) => x.mapper);
    for (const x of without) expect([x.contended, x.waitCycles]).toEqual([0, 0]);
    for (let i = 1; i < withMapper.length; i++) {
      expect(withMapper[i]!.contended).toBeGreaterThan(withMapper[i - 1]!.contended);
      expect(withMapper[i]!.waitCycles).toBeGreaterThan(withMapper[i - 1]!.waitCycles);
    }
    expect(withMapper[3]!.meanWait).toBeGreaterThan(withMapper[0]!.meanWait); // each munmap shoots down more CPUs
    for (let i = 0; i < without.length; i++) expect(withMapper[i]!.faultsPerS).toBeLessThan(without[i]!.faultsPerS);
    // Nobody waits without the mapper, but every fault on 2+ CPUs takes mmap_sem from another CPU's
    // hold (quantum 1: the CPUs' faults alternate), so 8 CPUs give a little less than 8x.
    for (const x of without.filter((y) => y.cpus > 1)) expect(x.handoffs).toBeGreaterThanOrEqual(x.faults - 1);
    const speedup = without[3]!.faultsPerS / without[0]!.faultsPerS;
    expect(speedup).toBeGreaterThan(7.5);
    expect(speedup).toBeLessThan(8);
    expect(Object.keys(tableRows(run.nb, 'mmapsem-02')[0]!)).toEqual(expect.arrayContaining(['lock_contended.mmap_sem (acquisitions)', 'lock_wait_cycles.mmap_sem (cycles)']));
    expect(r.map((x) => x.mapper)).toEqual([false, true, false, true, false, true, false, true]);
    expect(run.charts.map((c) => c.title)).toEqual(['Fault throughput (simulated time)', 'Time faults waited for mmap_sem']);
    expect(run.charts[1]!.series[0]!.y).toEqual(withMapper.map((x) => x.waitCycles));

    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NB}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NB))));
  });

  it('reproduces: the same seed gives the same table', async () => {
    const a = await runNotebook(NB, ['-p', 'faults_per_cpu=256', '--no-typecheck']);
    const b = await runNotebook(NB, ['-p', 'faults_per_cpu=256', '--no-typecheck']);
    expect(rows(a).length).toBe(8);
    expect(tableRows(a.nb, 'mmapsem-02')).toEqual(tableRows(b.nb, 'mmapsem-02')); // every column, not only the parsed ones
  });
});
