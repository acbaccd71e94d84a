// experiments/01-tlb-reach.ipynb runs headless as the CLI runs it, and shows what it claims: the
// first knee at the machine's L1 dTLB size (moving with the config), the second at the STLB's,
// and a cost curve shaped like the host's (RESULTS.md §5).
import { describe, it, expect } from 'vitest';
import { runExample, chartTitled, series, printed, cell, tableRows, errors, simulatedOutputs, examplePath, type Cell, type ExampleRun } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';

const NAME = '01-tlb-reach.ipynb';

/** The largest working set whose share is at least 0.99, checking the next size drops to 0. */
function knee(s: { x: number[]; y: number[] }): number {
  const i = s.y.findIndex((v) => v < 0.99);
  expect(i).toBeGreaterThan(0);
  expect(s.y[i]).toBeLessThan(0.01); // LRU and a cyclic chase: a cliff, not a slope
  return s.x[i - 1]!;
}

/** The y value of a series at x (throws when x was not measured). */
const at = (s: { x: number[]; y: number[] }, x: number): number => {
  const i = s.x.indexOf(x);
  if (i < 0) throw new Error(`no point at ${x}`);
  return s.y[i]!;
};

/** The row of the per-working-set table (cell 'sweep') for a working set of `pages` (throws when it has none). */
function sweepRow(run: ExampleRun, pages: number): Record<string, Cell> {
  const r = tableRows(run.nb, 'sweep', 'Pointer chase per working set').find((x) => x['working set (pages)'] === pages);
  if (!r) throw new Error(`the sweep table has no row for ${pages} pages`);
  return r;
}

/** Fail with the CLI's stderr when the run failed. */
function expectRan(run: ExampleRun): void {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(errors(run.nb)).toEqual([]);
}

describe(`experiments/${NAME}`, () => {
  it('puts the first knee at 64 pages (the L1 dTLB) and the second at 2048 (the STLB), as stored', async () => {
    const run = await runExample(NAME);
    expectRan(run);
    const served = chartTitled(run.nb, 'Where translations come from');
    const l1 = series(served, 'L1 dTLB hit'), stlb = series(served, 'STLB hit'), walk = series(served, 'page walk');
    expect(knee(l1)).toBe(64);
    expect(knee({ x: l1.x, y: l1.y.map((v, i) => v + stlb.y[i]!) })).toBe(2048);
    expect(at(walk, 4096)).toBe(1);
    expect(printed(run.nb, 'sweep')).toMatch(/first knee \(L1 dTLB, 64 entries\): .* past 64 pages/);
    expect(printed(run.nb, 'sweep')).toMatch(/second knee \(STLB, 2048 entries\): .* past 2048 pages/);
    const metrics = cell(run.nb, 'sweep').outputs.flatMap((o) => (o.output_type === 'display_data' && o.data['application/vnd.mmu-lab.metric+json'] ? [o.data['application/vnd.mmu-lab.metric+json']] : []));
    expect(metrics).toEqual([{ name: 'knee_l1_pages', value: 64, unit: 'pages' }, { name: 'knee_stlb_pages', value: 2048, unit: 'pages' }]); // what a sweep tabulates

    const cost = series(chartTitled(run.nb, 'Access cost vs working set'), 'pointer chase, lru');
    expect(at(cost, 80)).toBeGreaterThan(at(cost, 64) * 2); // the STLB step
    expect(at(cost, 2560)).toBeGreaterThan(at(cost, 2048) * 3); // the walk step
    const random = series(chartTitled(run.nb, 'Access cost vs working set'), 'pointer chase, random');
    expect(at(random, 80)).toBeGreaterThan(at(cost, 64)); // random replacement: a soft knee,
    expect(at(random, 80)).toBeLessThan(at(cost, 80)); // between the two LRU plateaus

    // The per-working-set table says what the charts show, row for row.
    const rows = tableRows(run.nb, 'sweep', 'Pointer chase per working set');
    expect(rows.map((r) => r['working set (pages)'])).toEqual(cost.x);
    expect(rows.map((r) => r['cycles/access'])).toEqual(cost.y.map((v) => Number(v.toFixed(1))));
    expect(rows.map((r) => r['working set (KiB)'])).toEqual(cost.x.map((p) => p * 4));
    expect(sweepRow(run, 8)).toMatchObject({ 'L1 dTLB hit rate': 1, 'STLB hit rate': null, 'walks/access': 0 }); // no STLB lookups at all
    expect(sweepRow(run, 64)['L1 dTLB hit rate']).toBe(1);
    expect(sweepRow(run, 80)).toMatchObject({ 'L1 dTLB hit rate': 0, 'STLB hit rate': 1, 'walks/access': 0 });
    expect(sweepRow(run, 2560)).toMatchObject({ 'STLB hit rate': 0, 'walks/access': 1 });

    // The model's curve has the host's shape and size where both have points (RESULTS.md §5).
    const cmp = chartTitled(run.nb, 'Model vs the real machine');
    const model = series(cmp, 'model'), host = series(cmp, 'host, 4 KiB');
    for (const w of [16, 512, 4096]) {
      expect(at(model, w) / at(host, w)).toBeGreaterThan(0.67);
      expect(at(model, w) / at(host, w)).toBeLessThan(1.5);
    }
    const vs = tableRows(run.nb, 'compare', 'The model beside the host');
    expect(vs.map((r) => r['working set (pages)'])).toEqual([16, 64, 512, 1536, 4096, 16384]); // the host's sizes the sweep measured
    for (const r of vs) {
      const w = Number(r['working set (pages)']);
      expect(r['host ns/access (4 KiB pages)']).toBe(at(host, w));
      expect(r['model/host']).toBe(Number((at(model, w) / at(host, w)).toFixed(2)));
    }

    // Same seed, same numbers: the stored outputs are exactly what this run computed.
    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NAME} -o experiments/${NAME}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NAME))));
  }, 60_000);

  it('moves the first knee to 32 pages when the machine config says tlb_l1_entries: 32', async () => {
    const run = await runExample(NAME, {
      edit: (nb) => { nb.metadata.mmu_lab!.machine['tlb_l1_entries'] = 32; },
      args: ['-p', 'max_pages=4096', '-p', 'other_policy=lru'],
    });
    expectRan(run);
    const served = chartTitled(run.nb, 'Where translations come from');
    const l1 = series(served, 'L1 dTLB hit'), stlb = series(served, 'STLB hit');
    expect(knee(l1)).toBe(32);
    expect(knee({ x: l1.x, y: l1.y.map((v, i) => v + stlb.y[i]!) })).toBe(2048);
    expect(printed(run.nb, 'sweep')).toMatch(/first knee \(L1 dTLB, 32 entries\): .* past 32 pages/);
    expect(sweepRow(run, 32)['L1 dTLB hit rate']).toBe(1);
    expect(sweepRow(run, 40)).toMatchObject({ 'L1 dTLB hit rate': 0, 'STLB hit rate': 1 }); // 25% past the L1 dTLB
  }, 60_000);
});
