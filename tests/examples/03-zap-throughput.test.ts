// experiments/03-zap-throughput.ipynb runs headless as the CLI runs it, and shows what it
// claims: the mmu_gather flushes anonymous zaps once per batch (9698 pages) and dirty file zaps
// once per page table, ranges past 33 pages are flushed whole, the IPI of each flush is
// amortised over the range, and the large-range costs match the host's (RESULTS.md §4).
import { describe, it, expect } from 'vitest';
import { runExample, chartTitled, series, printed, tableRows, errors, simulatedOutputs, examplePath, cell, type ExampleRun } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';
import { joinSource, splitSource } from '../../src-main/notebook/notebook';

const NAME = '03-zap-throughput.ipynb';

interface Row { memory: string; api: string; pages: number; zapped: number; cpp: number; flushes: number; full: number; rangedPages: number; ipis: number }

/** The rows of the notebook's table (cell 'measure'). */
function table(run: ExampleRun): Row[] {
  return tableRows(run.nb, 'measure').map((r) => ({ memory: String(r['memory']), api: String(r['api']), pages: Number(r['pages']), zapped: Number(r['pages zapped']),
    cpp: Number(r['cycles/page']), flushes: Number(r['TLB flushes']), full: Number(r['full flushes']), rangedPages: Number(r['pages flushed by range']), ipis: Number(r['IPIs']) }));
}

/** The row of one case and size (throws when it is missing). */
function row(rows: Row[], memory: string, api: string, pages: number): Row {
  const r = rows.find((x) => x.memory === memory && x.api === api && x.pages === pages);
  if (!r) throw new Error(`no row ${memory} ${api} ${pages}`);
  return r;
}

/** Fail with the CLI's stderr when the run failed. */
function expectRan(run: ExampleRun): void {
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(errors(run.nb)).toEqual([]);
}

const ANON = ['zap_page_range', 'munmap', 'MADV_DONTNEED'];
const FILE_ZAPS = ['zap_page_range', 'MADV_DONTNEED', 'unmap_mapping_range']; // one vma, no page tables freed

describe(`experiments/${NAME}`, () => {
  it('counts the mmu_gather flushes of each zap API, full past 33 pages, with the host\'s per-page costs, as stored', async () => {
    const run = await runExample(NAME);
    expectRan(run);
    const rows = table(run);
    expect(rows).toHaveLength(7 * 9);
    for (const r of tableRows(run.nb, 'measure')) expect(typeof r['cycles/page'], 'numbers stored as numbers').toBe('number');
    expect(printed(run.nb, 'measure')).toMatch(/invariants: ok\n$/);
    expect(printed(run.nb, 'measure')).not.toMatch(/traced flushes but/); // trace and counters agree
    for (const r of rows) {
      expect(r.zapped).toBe(r.pages);
      expect(r.ipis).toBe(r.flushes); // one other CPU runs the process: one IPI per flush
    }
    for (const api of ANON) {
      for (const pages of [1, 8, 32, 33, 64, 512, 2048, 8192]) expect(row(rows, 'anon', api, pages).flushes).toBe(1);
      expect(row(rows, 'anon', api, 16384).flushes).toBe(2); // the gather's batch holds 8 + 19 * 510 = 9698 pages
    }
    for (const api of FILE_ZAPS) {
      for (const pages of [512, 2048, 8192, 16384]) { // dirty file ptes: a flush at the end of every page table
        expect(row(rows, 'file', api, pages).flushes).toBeGreaterThanOrEqual(pages / 512);
        expect(row(rows, 'file', api, pages).flushes).toBeLessThanOrEqual(pages / 512 + 1);
      }
      expect(row(rows, 'file', api, 1).flushes).toBe(1);
    }
    for (const pages of [1, 512, 16384]) { // munmap frees the page tables too: one more flush
      expect(row(rows, 'file', 'munmap', pages).flushes).toBe(row(rows, 'file', 'zap_page_range', pages).flushes + 1);
    }
    for (const memory of ['anon', 'file']) { // tlb_single_page_flush_ceiling: 33 pages
      expect(row(rows, memory, 'MADV_DONTNEED', 33)).toMatchObject({ full: 0, rangedPages: 33 });
      expect(row(rows, memory, 'MADV_DONTNEED', 64)).toMatchObject({ full: 1, rangedPages: 0 });
    }
    for (const api of ANON) { // anonymous pages are freed: dearer than file pages, which the page cache keeps
      // (not at 1 page: there a file munmap's second flush, and its IPI, outweigh that)
      for (const pages of [64, 16384]) expect(row(rows, 'anon', api, pages).cpp).toBeGreaterThan(row(rows, 'file', api, pages).cpp);
      expect(row(rows, 'anon', api, 1).cpp).toBeGreaterThan(2 * row(rows, 'anon', api, 16384).cpp); // the IPI, amortised
    }
    const flushChart = chartTitled(run.nb, 'mmu_gather TLB flushes per zap');
    expect(series(flushChart, 'anon MADV_DONTNEED').y).toEqual(rows.filter((r) => r.memory === 'anon' && r.api === 'MADV_DONTNEED').map((r) => r.flushes));
    expect(chartTitled(run.nb, 'Zap throughput').series).toHaveLength(7);
    const compare = tableRows(run.nb, 'compare');
    for (const [key, host] of [['anon MADV_DONTNEED', 368], ['anon munmap', 386], ['file MADV_DONTNEED', 188], ['file munmap', 180]] as const) {
      const r = compare.find((x) => x['case'] === key);
      expect(r, key).toBeDefined();
      expect(r!['host ns/page'], key).toBe(host);
      expect(Number(r!['model ns/page']) / host, key).toBeGreaterThan(0.8);
      expect(Number(r!['model ns/page']) / host, key).toBeLessThan(1.25);
    }

    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NAME} -o experiments/${NAME}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NAME))));
  }, 60_000);

  it('with clean file ptes (write_file_pages = false) file zaps flush per batch, as anonymous ones do', async () => {
    const run = await runExample(NAME, {
      args: ['-p', 'write_file_pages=false'],
      edit: (nb) => {
        const p = cell(nb, 'parameters');
        p.source = splitSource(joinSource(p.source).replace(/let sizes = \[[^\]]*\]/, 'let sizes = [512, 16384]'));
      },
    });
    expectRan(run);
    const rows = table(run);
    expect(rows).toHaveLength(7 * 2);
    for (const api of FILE_ZAPS) {
      expect(row(rows, 'file', api, 512).flushes).toBe(1);
      expect(row(rows, 'file', api, 16384).flushes).toBe(2);
    }
  }, 60_000);
});
