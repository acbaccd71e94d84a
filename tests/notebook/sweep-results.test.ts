// What a sweep writes, from given results: the CSV (quoted where needed, host time apart), the
// charts of the main metrics against each swept parameter, the table, and a summary notebook
// that validates; and metric(), the scripting call that reports a named result.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../src-engine/lab';
import { tableHtml, tableText, TABLE_MIME } from '../../src-engine/lab/table';
import { resultsCsv, mainMetrics, sweepChart, runsTable, summaryNotebook, type SweepResults, type RunResult } from '../../src-main/notebook/sweep-results';
import { serializeNotebook, parseNotebook, joinSource, CHART_MIME, type CodeCell } from '../../src-main/notebook/notebook';

/** A run of the made-up sweep: cycles grow with cpus and pages, the hit rate only with pages. */
function run(n: number, cpus: number, mode: string, ok = true): RunResult {
  return {
    run: n, notebook: `run-00${n}.ipynb`, params: { cpus, mode }, status: ok ? 'ok' : 'failed', error: ok ? null : 'cell 2, line 1: Error: "boom", again',
    metrics: ok ? { knee: 64, cycles: 1000 * cpus + (mode === 'parallel' ? 5 : 0), tlb_hit_rate: 0.5, faults_total: 7 } : {},
    host: { seconds: 0.5, metrics: ok ? { 'fault_host_ns.anon': 1234 } : {} },
  };
}

const results: SweepResults = {
  notebook: 'exp.ipynb', lab_version: '0.1.0', machine: { ram_mb: 16, seed: 3 },
  parameters: [{ name: 'cpus', kind: 'machine', values: [1, 2, 8], unit: 'CPUs' }, { name: 'mode', kind: 'machine', values: ['deterministic', 'parallel'] }],
  metrics: {
    knee: { source: 'notebook', unit: 'pages', description: 'reported by the notebook with metric()', host_time: false },
    cycles: { source: 'machine', unit: 'cycles', description: 'clock', host_time: false },
    tlb_hit_rate: { source: 'machine', unit: 'ratio', description: 'hits', host_time: false },
    faults_total: { source: 'machine', unit: 'faults', description: 'faults', host_time: false },
    'fault_host_ns.anon': { source: 'machine', unit: 'ns', description: 'host ns', host_time: true },
  },
  runs: [run(1, 1, 'deterministic'), run(2, 1, 'parallel'), run(3, 2, 'deterministic'), run(4, 2, 'parallel'), run(5, 8, 'deterministic'), run(6, 8, 'parallel', false)],
  host: { started: '2026-01-01T00:00:00.000Z', seconds: 3, jobs: 2 },
};

describe('sweep results', () => {
  it('writes one CSV row per run, notebook metrics first, host time last, quoting what needs it', () => {
    const lines = resultsCsv(results).trimEnd().split('\n');
    expect(lines[0]).toBe('run,notebook,cpus,mode,status,error,knee,cycles,tlb_hit_rate,faults_total,host_seconds,fault_host_ns.anon');
    expect(lines[1]).toBe('1,run-001.ipynb,1,deterministic,ok,,64,1000,0.5,7,0.5,1234');
    expect(lines[6]).toBe('6,run-006.ipynb,8,parallel,failed,"cell 2, line 1: Error: ""boom"", again",,,,,0.5,');
  });

  it('charts the notebook metrics and the headline statistics that vary, never the constant ones', () => {
    expect(mainMetrics(results)).toEqual(['knee', 'cycles']);
  });

  it('draws a metric against a parameter with one series per value of the others, log x over a wide range', () => {
    const c = sweepChart(results, 'cycles', results.parameters[0]!)!;
    expect(c).toMatchObject({ title: 'cycles vs cpus', kind: 'line', x_label: 'cpus (CPUs)', y_label: 'cycles', log_x: true });
    expect(c.series).toEqual([{ name: 'mode=deterministic', x: [1, 2, 8], y: [1000, 2000, 8000] }, { name: 'mode=parallel', x: [1, 2], y: [1005, 2005] }]);
    const byMode = sweepChart(results, 'cycles', results.parameters[1]!)!;
    expect(byMode).toMatchObject({ kind: 'bar', x_label: 'mode: 0=deterministic, 1=parallel', log_x: false });
    expect(byMode.series.map((s) => s.name)).toEqual(['cpus=1', 'cpus=2', 'cpus=8']);
  });

  it('tabulates runs as aligned text and escaped HTML', () => {
    const t = runsTable({ ...results, runs: [{ ...run(1, 1, '<b>'), params: { cpus: 1, mode: '<b>' } }] }, ['cycles']);
    expect(tableText(t).split('\n')).toEqual(['run  cpus  mode  status  cycles', '  1     1  <b>   ok        1000']);
    expect(tableHtml(t)).toContain('<td>&#60;b&#62;</td>');
    expect(tableHtml(t)).not.toContain('<b>');
  });

  it('writes a summary notebook that validates, with stable ids, charts with images, and the table', () => {
    const nb = parseNotebook(serializeNotebook(summaryNotebook(results)));
    expect(nb.cells[0]!.cell_type).toBe('markdown');
    expect(joinSource(nb.cells[0]!.source)).toContain('6 runs of `exp.ipynb`, one per combination of these values, each on a fresh machine (seed 3, MMU Lab 0.1.0)');
    expect(joinSource(nb.cells[0]!.source)).toContain('5 ran to the end; 1 failed: run-006.ipynb.');
    expect(nb.cells.map((c) => c.id)).toEqual(nb.cells.map((_, i) => `sweep-summary-${i + 1}`));
    const charts = nb.cells.slice(1, -1) as CodeCell[];
    expect(charts).toHaveLength(4); // (knee, cycles) x (cpus, mode)
    for (const c of charts) expect(Object.keys((c.outputs[0] as { data: object }).data).sort()).toEqual([CHART_MIME, 'image/png', 'text/plain']);
    const table = (nb.cells.at(-1) as CodeCell).outputs[0] as { data: Record<string, string> };
    expect(table.data['text/html']).toMatch(/^<table>/);
    expect(table.data[TABLE_MIME]).toMatchObject({ columns: ['run', 'cpus', 'mode', 'status', 'knee', 'cycles'] });
    expect(serializeNotebook(summaryNotebook(results))).toBe(serializeNotebook(summaryNotebook(results)));
  });
});

describe('metric()', () => {
  it('shows a named value with its unit as an output, and checks its arguments', () => {
    const shown: Record<string, unknown>[] = [];
    const lab = createLab({ ram_mb: 4, cpus: 1 }, { print: () => {}, display: (b) => shown.push(b) });
    lab.metric('knee', 64, 'pages');
    lab.metric('ratio', 0.25);
    expect(shown).toEqual([
      { 'text/plain': '[metric] knee = 64 pages', 'application/vnd.mmu-lab.metric+json': { name: 'knee', value: 64, unit: 'pages' } },
      { 'text/plain': '[metric] ratio = 0.25', 'application/vnd.mmu-lab.metric+json': { name: 'ratio', value: 0.25, unit: '' } },
    ]);
    expect(() => lab.metric('tlb_hit_rate', 1)).toThrow(/name of a machine statistic/);
    expect(() => lab.metric('bad name', 1)).toThrow(/metric: name must be/);
    expect(() => lab.metric('x', NaN)).toThrow(/finite number/);
    expect(() => lab.metric('x', 1, 5 as unknown as string)).toThrow(/unit of 'x'/);
    const printed: string[] = [];
    createLab({ ram_mb: 4, cpus: 1 }, { print: (l) => printed.push(l) }).metric('n', 3, 'faults');
    expect(printed).toEqual(['[metric] n = 3 faults']);
  });
});
