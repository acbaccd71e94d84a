// experiments/02-fault-costs.ipynb runs headless as the CLI runs it, and shows what it claims:
// every case takes the fault type it is meant to, the types order as on the host kernel
// (RESULTS.md §1-3), and turning fault-around off makes cached file reads one fault per page.
import { describe, it, expect } from 'vitest';
import { runExample, chartTitled, series, printed, tableRows, errors, simulatedOutputs, examplePath, type ExampleRun } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';

const NAME = '02-fault-costs.ipynb';

interface Row { label: string; type: string; faults: number; mean: number; modelNs: number; hostNs: number | null }

/** The rows of the notebook's table (cell 'table'), by case label. */
function table(run: ExampleRun): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const r of tableRows(run.nb, 'table')) {
    const label = String(r['case']);
    rows.set(label, { label, type: String(r['type']), faults: Number(r['faults']), mean: Number(r['mean cyc']), modelNs: Number(r['model ns']), hostNs: r['host ns'] === null ? null : Number(r['host ns']) });
  }
  return rows;
}

/** Fail with the CLI's stderr when the run failed. */
function expectRan(run: ExampleRun): void {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(errors(run.nb)).toEqual([]);
}

describe(`experiments/${NAME}`, () => {
  it('measures every fault type, ordered as on the host kernel and within its noise of the host\'s figures, as stored', async () => {
    const run = await runExample(NAME);
    expectRan(run);
    expect(printed(run.nb, 'measure')).toMatch(/^5153 faults in 11 cases; invariants: ok\n$/); // no case took a fault of another type
    const rows = table(run);
    expect(rows.size).toBe(11);
    const mean = (label: string): number => {
      const r = rows.get(label);
      if (!r) throw new Error(`no row '${label}'`);
      return r.mean;
    };
    const zero = mean('read untouched anon memory'), anon = mean('write untouched anon memory');
    const cowBreak = mean('child writes a page shared by fork (COW break)'), reuse = mean('parent writes after the child exited (wp-reuse)');
    const fileCow = mean('write a private file mapping (do_cow_fault)'), shared = mean('write a shared tmpfs mapping (do_shared_fault)');
    const around = mean('read a cached file (fault-around)');
    expect(cowBreak).toBeGreaterThan(anon); // COW > anon > zero page
    expect(anon).toBeGreaterThan(zero);
    expect(anon / zero).toBeGreaterThan(2.0); // RESULTS.md: 2.2-2.5
    expect(anon / zero).toBeLessThan(2.6);
    expect(fileCow).toBeGreaterThan(anon); // do_cow_fault copies: 2628 vs 2286 ns on the host
    expect(around).toBeGreaterThan(fileCow); // 16 ptes per fault: 3574 ns on the host
    expect(shared).toBeLessThan(anon); // no page to allocate: 1516 ns on the host
    expect(shared).toBeGreaterThan(zero);
    expect(reuse).toBeLessThan(anon * 0.6); // the page is reused in place: 1220 ns on the host
    expect(rows.get('read a cached file (fault-around)')!.faults).toBe(33); // 512 pages, 16 per fault (+1: the mapping is not 64 KiB aligned)
    expect(rows.get('write a read-mapped diskfs page (wp-shared, page_mkwrite)')!.type).toBe('wp-shared');
    for (const r of rows.values()) {
      if (r.hostNs === null) continue;
      expect(r.modelNs / r.hostNs, r.label).toBeGreaterThan(0.7); // the host's run-to-run noise is ±25%
      expect(r.modelNs / r.hostNs, r.label).toBeLessThan(1.3);
    }
    const bars = chartTitled(run.nb, 'Mean fault latency');
    expect(series(bars, 'model').y).toHaveLength(11);
    expect(series(bars, 'host kernel').y).toEqual([1024, 2286, 2893, 3574, 2628, 1516, 3121, 1220]);
    // The list under the bar chart numbers the cases as its x axis does, in the table's order.
    const numbered = tableRows(run.nb, 'means', 'The cases, numbered');
    expect(numbered.map((r) => r['#'])).toEqual(series(bars, 'model').x);
    expect(numbered.map((r) => [r['case'], r['type']])).toEqual([...rows.values()].map((r) => [r.label, r.type]));
    expect(chartTitled(run.nb, 'Fault latency histograms (simulated cycles)').series.map((s) => s.name))
      .toEqual(['zero-page', 'anon', 'wp-copy', 'fault-around', 'file', 'cow', 'shared', 'wp-shared', 'wp-reuse']);
    expect(chartTitled(run.nb, 'Fault latency histograms (host ns').series).toHaveLength(9);
    const hostTime = tableRows(run.nb, 'host-time', 'Host time to simulate one fault');
    expect(hostTime.map((r) => r['type'])).toEqual(chartTitled(run.nb, 'Fault latency histograms (simulated cycles)').series.map((s) => s.name));
    for (const r of hostTime) expect(typeof r['p50 host µs'], String(r['type'])).toBe('number'); // host time varies run to run: stored as a number, not checked

    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NAME} -o experiments/${NAME}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NAME))));
  }, 60_000);

  it('with fault_around_bytes = 4096 a cached file read takes one file fault per page', async () => {
    const run = await runExample(NAME, { args: ['-p', 'fault_around_bytes=4096', '-p', 'pages=64'] });
    expectRan(run);
    const r = table(run).get('read a cached file (fault-around)')!;
    expect(r.type).toBe('file');
    expect(r.faults).toBe(64);
    expect(chartTitled(run.nb, 'Fault latency histograms (simulated cycles)').series.map((s) => s.name)).not.toContain('fault-around');
  }, 60_000);
});
