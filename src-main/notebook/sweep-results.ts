// What a sweep writes besides its runs' notebooks: results.json and results.csv (one row per run:
// the swept values, the status, and every metric) and summary.ipynb (a description, charts of the
// main metrics against each swept parameter, and the table). Pure functions of the results, so
// the same runs always give the same files; host-time values live under `host` keys only.
import { chartSummary, type ChartSpec } from '../../src-engine/lab/chart';
import { tableBundle, type TableData } from '../../src-engine/lab/table';
import { CHART_MIME, LAB_VERSION, newNotebook, codeCell, markdownCell, type Notebook } from './notebook';
import { withChartImage } from './execute';

export type Value = number | boolean | string;

/** A swept name, whether it is a parameter of the notebook or a machine setting, and its values. */
export interface SweepAxis { name: string; kind: 'parameter' | 'machine'; values: Value[]; unit?: string; /** A machine axis's parameter when `name` is an alias of it (tlb_entries → tlb_l1_entries). */ key?: string }

/** Where a metric comes from, its unit and meaning; host_time marks values that differ run to run. */
export interface MetricInfo { source: 'notebook' | 'machine'; unit: string; description: string; host_time: boolean }

/** One run: its swept values, how it ended, its metrics, and (under host) what the host measured. */
export interface RunResult {
  run: number;
  notebook: string;
  params: Record<string, Value>;
  status: 'ok' | 'failed';
  error: string | null;
  metrics: Record<string, number | null>;
  host: { seconds: number; metrics: Record<string, number | null> };
}

/** The whole sweep, as results.json holds it. */
export interface SweepResults {
  notebook: string;
  lab_version: string;
  machine: Record<string, unknown>;
  parameters: SweepAxis[];
  metrics: Record<string, MetricInfo>;
  runs: RunResult[];
  host: { started: string; seconds: number; jobs: number };
}

/** Metrics worth a chart when they vary: the headline statistics of the machine. */
const HEADLINE = ['cycles', 'faults_total', 'tlb_hit_rate', 'l1_tlb_hit_rate', 'l2_tlb_hit_rate', 'walks', 'shootdowns_sent',
  'tlb_flushes_full', 'tlb_flushes_ranged', 'lock_wait_cycles.mmap_sem'];
const MAX_MAIN = 8;

/** results.json's text. */
export const resultsJson = (r: SweepResults): string => `${JSON.stringify(r, null, 1)}\n`;

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The metric names in table order: the notebook's first, then the machine's; host-time ones apart. */
function metricColumns(r: SweepResults): { plain: string[]; host: string[] } {
  const names = Object.keys(r.metrics);
  const order = [...names.filter((n) => r.metrics[n]!.source === 'notebook'), ...names.filter((n) => r.metrics[n]!.source === 'machine')];
  return { plain: order.filter((n) => !r.metrics[n]!.host_time), host: order.filter((n) => r.metrics[n]!.host_time) };
}

/** results.csv's text: run, notebook, swept values, status, error, every metric, then host seconds and host-time metrics. */
export function resultsCsv(r: SweepResults): string {
  const { plain, host } = metricColumns(r);
  const head = ['run', 'notebook', ...r.parameters.map((p) => p.name), 'status', 'error', ...plain, 'host_seconds', ...host];
  const rows = r.runs.map((run) => [run.run, run.notebook, ...r.parameters.map((p) => run.params[p.name]), run.status, run.error,
    ...plain.map((m) => run.metrics[m]), run.host.seconds, ...host.map((m) => run.host.metrics[m])]);
  return [head, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

/** The metrics to chart and tabulate: every notebook metric, then headline machine metrics that vary across the ok runs. */
export function mainMetrics(r: SweepResults): string[] {
  const ok = r.runs.filter((x) => x.status === 'ok');
  const varies = (m: string): boolean => new Set(ok.map((x) => x.metrics[m] ?? null)).size > 1;
  const own = Object.keys(r.metrics).filter((n) => r.metrics[n]!.source === 'notebook' && !r.metrics[n]!.host_time);
  return [...own, ...HEADLINE.filter((m) => r.metrics[m] && varies(m))].slice(0, MAX_MAIN);
}

/** A swept value as a chart coordinate: numbers as they are, others by their position in the axis. */
const coordinate = (axis: SweepAxis, v: Value): number => (typeof v === 'number' ? v : axis.values.indexOf(v));

/** A short label of values, e.g. "cpus=2, seed=1". */
const label = (values: [string, Value][]): string => values.map(([k, v]) => `${k}=${String(v)}`).join(', ');

/**
 * The chart of metric m against axis a over the ok runs: one series per combination of the
 * other swept values (in run order), log x when the values are positive and span 8x or more.
 */
export function sweepChart(r: SweepResults, m: string, a: SweepAxis): ChartSpec | null {
  const others = r.parameters.filter((p) => p !== a && p.values.length > 1);
  const groups = new Map<string, { x: number[]; y: number[] }>();
  for (const run of r.runs) {
    const y = run.metrics[m];
    if (run.status !== 'ok' || typeof y !== 'number') continue;
    const key = label(others.map((p) => [p.name, run.params[p.name]!]));
    const g = groups.get(key) ?? { x: [], y: [] };
    g.x.push(coordinate(a, run.params[a.name]!)); g.y.push(y);
    groups.set(key, g);
  }
  if (!groups.size) return null;
  const numeric = a.values.every((v) => typeof v === 'number');
  const xs = a.values.map((v) => coordinate(a, v));
  const logX = numeric && xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 8;
  const info = r.metrics[m]!;
  const xLabel = numeric ? `${a.name}${a.unit ? ` (${a.unit})` : ''}` : `${a.name}: ${a.values.map((v, i) => `${i}=${String(v)}`).join(', ')}`;
  return {
    title: `${m} vs ${a.name}`, kind: numeric ? 'line' : 'bar', x_label: xLabel, y_label: `${m}${info.unit && info.unit !== m ? ` (${info.unit})` : ''}`,
    log_x: logX, log_y: false,
    series: [...groups].map(([key, g]) => {
      const order = g.x.map((_, i) => i).sort((i, j) => g.x[i]! - g.x[j]!);
      return { name: key || m, x: order.map((i) => g.x[i]!), y: order.map((i) => g.y[i]!) };
    }),
  };
}

/** The table of runs (swept values, status, main metrics) as the lab's table data. */
export function runsTable(r: SweepResults, metrics: string[]): TableData {
  const columns = ['run', ...r.parameters.map((p) => p.name), 'status', ...metrics];
  const value = (v: unknown): string | number | null => (typeof v === 'number' ? v : v === null || v === undefined ? null : String(v));
  const rows = r.runs.map((x) => [x.run, ...r.parameters.map((p) => value(x.params[p.name])), x.status, ...metrics.map((m) => value(x.metrics[m]))]);
  return { title: '', columns, rows };
}

/** The markdown that opens the summary: what was swept, how the runs ended, where the data is. */
function description(r: SweepResults): string {
  const failed = r.runs.filter((x) => x.status === 'failed');
  const axes = r.parameters.map((p) => `- \`${p.name}\` (${p.kind === 'machine' ? 'machine setting' : 'notebook parameter'}): ${p.values.map(String).join(', ')}`);
  const seed = r.parameters.some((p) => p.name === 'seed') ? 'seed as swept' : `seed ${(r.machine['seed'] as number | undefined) ?? 1}`;
  return [`# Sweep of ${r.notebook}`, '',
    `${r.runs.length} run${r.runs.length === 1 ? '' : 's'} of \`${r.notebook}\`, one per combination of these values, each on a fresh machine (${seed}, MMU Lab ${r.lab_version}):`, '',
    ...axes, '',
    failed.length ? `${r.runs.length - failed.length} ran to the end; ${failed.length} failed: ${failed.map((x) => x.notebook).join(', ')}.` : 'Every run ran to the end.', '',
    'Each run\'s executed notebook is beside this file (`run-NNN.ipynb`). `results.csv` and `results.json` hold every metric of every run: ' +
    'the values the notebook reported with `metric()` and the machine\'s statistics at the end of the run (host-time values apart, under `host`). ' +
    'The charts show the main metrics against each swept parameter; the table lists every run.'].join('\n');
}

/** summary.ipynb: the description, a chart cell per (main metric, swept parameter with several values), and the table. */
export function summaryNotebook(r: SweepResults): Notebook {
  const nb = newNotebook({ ...r.machine });
  if (nb.metadata.mmu_lab) nb.metadata.mmu_lab.version = LAB_VERSION;
  nb.cells.push(markdownCell(description(r)));
  const main = mainMetrics(r);
  for (const a of r.parameters.filter((p) => p.values.length > 1)) {
    for (const m of main) {
      const spec = sweepChart(r, m, a);
      if (!spec) continue;
      const c = codeCell(`// ${m} against ${a.name}, from results.json (re-running this cell draws it again)\nchart(${JSON.stringify(spec)});`);
      c.outputs.push({ output_type: 'display_data', metadata: {}, data: withChartImage({ 'text/plain': chartSummary(spec), [CHART_MIME]: spec }) });
      nb.cells.push(c);
    }
  }
  const table = runsTable(r, main);
  const t = codeCell('// Every run of the sweep (results.csv and results.json have every metric)');
  t.outputs.push({ output_type: 'display_data', metadata: {}, data: tableBundle(table) });
  nb.cells.push(t);
  nb.cells.forEach((c, i) => { c.id = `sweep-summary-${i + 1}`; }); // stable ids: two sweeps give the same file
  return nb;
}
