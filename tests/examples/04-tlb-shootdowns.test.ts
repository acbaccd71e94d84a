// experiments/04-tlb-shootdowns.ipynb runs headless as the CLI runs it, and shows what it
// claims: munmap's cost grows by one IPI per CPU running the process, and flushes switch from
// ranged (pages: k) to full (pages: -1) past the 33-page ceiling, costing refill walks after.
import { describe, it, expect } from 'vitest';
import { runExample, chartTitled, series, tableRows, errors, simulatedOutputs, examplePath, cell, type ExampleRun } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';
import { joinSource, splitSource } from '../../src-main/notebook/notebook';
import { PARAMS } from '../../src-engine/params';

const NAME = '04-tlb-shootdowns.ipynb';

interface Scaling { pages: number; cpus: number; ipis: number; handoffs: number; sender: number; total: number }
interface Ceiling { pages: number; local: number; remote: number; walks: number }

/** Part 1's table (cell 'scaling'). */
function scaling(run: ExampleRun): Scaling[] {
  return tableRows(run.nb, 'scaling', 'One munmap').map((r) => ({ pages: Number(r['pages unmapped']), cpus: Number(r['CPUs']), ipis: Number(r['IPIs']),
    handoffs: Number(r['lock hand-offs (CPU 0)']), sender: Number(r['munmap cycles (CPU 0)']), total: Number(r['cycles, all CPUs']) }));
}

/** Part 2's table (cell 'ceiling'). */
function ceiling(run: ExampleRun): Ceiling[] {
  return tableRows(run.nb, 'ceiling').map((r) => ({ pages: Number(r['pages unmapped']), local: Number(r['tlb_flush pages, CPU 0']),
    remote: Number(r['tlb_flush pages, CPU 1']), walks: Number(r['page walks to refill (both CPUs)']) }));
}

/** Fail with the CLI's stderr when the run failed. */
function expectRan(run: ExampleRun): void {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(errors(run.nb)).toEqual([]);
}

/**
 * Each size's munmap costs the sender one IPI more per CPU and each receiver one interrupt;
 * from two CPUs on, the sender also takes locks another CPU held last (cost_lock_handoff each).
 */
function expectIpiSlope(rows: Scaling[], send: number, receive: number): void {
  const handoff = PARAMS.cost_lock_handoff.default;
  for (const pages of new Set(rows.map((r) => r.pages))) {
    const pts = rows.filter((r) => r.pages === pages).sort((a, b) => a.cpus - b.cpus);
    const one = pts[0]!;
    expect(one.cpus).toBe(1);
    expect(one.handoffs).toBe(0); // CPU 0 alone faulted the process in
    for (const r of pts) {
      expect(r.ipis).toBe(r.cpus - 1);
      expect(r.sender - one.sender).toBe((r.cpus - 1) * send + r.handoffs * handoff);
      expect(r.total - one.total).toBe((r.cpus - 1) * (send + receive) + r.handoffs * handoff);
    }
  }
}

describe(`experiments/${NAME}`, () => {
  it('shows munmap growing by one IPI per CPU and the flush going full past 33 pages, as stored', async () => {
    const run = await runExample(NAME);
    expectRan(run);
    const rows = scaling(run);
    expect(rows.map((r) => `${r.pages}/${r.cpus}`)).toEqual(['1/1', '1/2', '1/4', '1/8', '64/1', '64/2', '64/4', '64/8']);
    expectIpiSlope(rows, PARAMS.cost_ipi_send.default, PARAMS.cost_ipi_receive.default);
    expect(rows.filter((r) => r.handoffs > 0).map((r) => `${r.pages}/${r.cpus}`)).toEqual(['1/2', '1/4', '1/8', '64/4', '64/8']); // as the seeded scheduler ordered the faults
    const one = rows.filter((r) => r.pages === 1);
    expect(one[3]!.sender).toBeGreaterThan(10 * one[0]!.sender); // for a small unmap the shootdowns dominate
    const events = tableRows(run.nb, 'scaling', 'The tlb_flush events of one 1-page munmap on 8 CPUs');
    expect(events).toEqual([{ CPU: 0, reason: 'TLB_LOCAL_MM_SHOOTDOWN', 'pages (-1: full flush)': 1 }, { CPU: 0, reason: 'TLB_REMOTE_SEND_IPI', 'pages (-1: full flush)': 1 },
      ...[1, 2, 3, 4, 5, 6, 7].map((c) => ({ CPU: c, reason: 'TLB_REMOTE_SHOOTDOWN', 'pages (-1: full flush)': 1 }))]);
    const cost = chartTitled(run.nb, 'munmap cost vs CPUs');
    expect(series(cost, '1 page: the unmapping CPU')).toEqual({ name: '1 page: the unmapping CPU', x: [1, 2, 4, 8], y: one.map((r) => r.sender) });

    const ceil = ceiling(run);
    expect(ceil.map((c) => c.pages)).toEqual([1, 8, 16, 24, 32, 33, 34, 40, 48, 64]);
    for (const c of ceil) {
      const full = c.pages > 33;
      expect(c.local, `${c.pages} pages`).toBe(full ? -1 : c.pages);
      expect(c.remote, `${c.pages} pages`).toBe(full ? -1 : c.pages);
      expect(c.walks, `${c.pages} pages`).toBe(full ? 2 * 48 : 0); // a full flush took the 48 hot pages too
    }
    expect(series(chartTitled(run.nb, 'tlb_flush tracepoint'), 'CPU 1').y).toEqual(ceil.map((c) => c.remote));

    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NAME} -o experiments/${NAME}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NAME))));
  }, 60_000);

  it('follows the knobs: cost_ipi_send sets the slope, hot_pages the refill walks', async () => {
    const run = await runExample(NAME, {
      args: ['--config', 'cost_ipi_send=3000', '-p', 'hot_pages=16'],
      edit: (nb) => {
        const p = cell(nb, 'parameters');
        p.source = splitSource(joinSource(p.source).replace(/let cpu_counts = \[[^\]]*\]/, 'let cpu_counts = [1, 4]')
          .replace(/let munmap_sizes = \[[^\]]*\]/, 'let munmap_sizes = [1]').replace(/let ceiling_sizes = \[[^\]]*\]/, 'let ceiling_sizes = [33, 34]'));
      },
    });
    expectRan(run);
    expectIpiSlope(scaling(run), 3000, PARAMS.cost_ipi_receive.default);
    expect(ceiling(run)).toEqual([{ pages: 33, local: 33, remote: 33, walks: 0 }, { pages: 34, local: -1, remote: -1, walks: 32 }]);
  }, 60_000);
});
