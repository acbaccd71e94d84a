// `mmu-lab sweep`: run a notebook once per combination of swept values (the cross product of the
// -p lists), in parallel on a bounded pool, each run in its own sandbox on a fresh machine; then
// write every run's notebook, results.json, results.csv and summary.ipynb. A swept name is a
// notebook parameter when the `parameters` cell declares it, else a machine setting; anything
// else, or a value the machine rejects, is reported before any run starts.
import { availableParallelism } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import ts from 'typescript';
import { PARAMS, PARAM_ALIASES } from '../../src-engine/params';
import { checkMachineConfig } from './machine-config';
import { METRIC_MIME, type Metric, type MachineMetric } from '../../src-engine/lab/metric';
import { LAB_VERSION, injectParameters, joinSource, notebookMachine, type Notebook } from '../notebook/notebook';
import { loadNotebook, saveNotebook, writeFileAtomic } from '../notebook/store';
import { executeNotebook, type NotebookRunner } from '../notebook/execute';
import { resultsCsv, resultsJson, summaryNotebook, type MetricInfo, type RunResult, type SweepAxis, type SweepResults, type Value } from '../notebook/sweep-results';
import type { SweepAxisArg, ConfigValue } from './args';
import type { CliIo } from './main';

/** A sweep that cannot start (an unknown name, a value the machine rejects); the message is for the user. */
export class SweepError extends Error {
  override name = 'SweepError';
}

/** One run to make: its file, the swept values, the notebook parameters and the machine config. */
export interface PlannedRun { run: number; file: string; values: Record<string, Value>; params: Record<string, Value>; machine: Record<string, Value> }

/** Everything decided before the first run starts. */
export interface SweepPlan { notebook: string; nb: Notebook; axes: SweepAxis[]; machine: Record<string, Value>; runs: PlannedRun[] }

/**
 * The names the notebook's `parameters` cell declares at top level, with how (let/var or
 * const); none without such a cell. Parses the cell as TypeScript; never runs it.
 */
export function parameterNames(nb: Notebook): Map<string, 'let' | 'const'> {
  const names = new Map<string, 'let' | 'const'>();
  const cell = nb.cells.find((c) => (c.metadata as { tags?: string[] }).tags?.includes('parameters'));
  if (!cell) return names;
  const sf = ts.createSourceFile('parameters.ts', joinSource(cell.source), ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const kind = st.declarationList.flags & ts.NodeFlags.Const ? 'const' : 'let';
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.set(d.name.text, kind);
  }
  return names;
}

/** Every combination of the axes' values, the first axis varying slowest. */
export function crossProduct(axes: readonly { name: string; values: readonly Value[] }[]): Record<string, Value>[] {
  return axes.reduce<Record<string, Value>[]>((combos, a) => combos.flatMap((c) => a.values.map((v) => ({ ...c, [a.name]: v }))), [{}]);
}

/** Each axis as a notebook parameter (declared by the parameters cell) or a machine setting; SweepError for neither. */
function classify(nb: Notebook, path: string, axes: readonly SweepAxisArg[]): SweepAxis[] {
  const declared = parameterNames(nb);
  return axes.map((a) => {
    const how = declared.get(a.name);
    if (how === 'const') throw new SweepError(`-p ${a.name}: the parameters cell of ${path} declares it with const; declare it with let so a run can set it`);
    if (how) return { name: a.name, kind: 'parameter', values: a.values };
    const key = PARAM_ALIASES[a.name] ?? a.name;
    const spec = (PARAMS as Record<string, { unit: string }>)[key];
    if (spec) return { name: a.name, kind: 'machine', key, values: a.values, ...(spec.unit ? { unit: spec.unit } : {}) };
    const own = [...declared.keys()];
    throw new SweepError(`-p ${a.name}: neither a parameter of ${path} (${own.length ? `its parameters cell declares ${own.join(', ')}` : 'it has no cell tagged parameters'}) nor a machine setting (${Object.keys(PARAMS).join(', ')})`);
  });
}

/**
 * The plan of a sweep of notebook `nb` (read from `path`): the axes classified, every run's
 * machine config (the notebook's, then `config`, then the run's machine values) checked.
 * Throws SweepError naming the first problem; nothing has run.
 */
export function planSweep(nb: Notebook, path: string, axes: readonly SweepAxisArg[], config: Record<string, ConfigValue>): SweepPlan {
  const classified = classify(nb, path, axes);
  const machine = { ...notebookMachine(nb), ...config } as Record<string, Value>;
  const combos = crossProduct(classified);
  const width = Math.max(3, String(combos.length).length);
  const runs = combos.map((values, i): PlannedRun => {
    const pick = (kind: SweepAxis['kind']): Record<string, Value> => Object.fromEntries(classified.filter((a) => a.kind === kind).map((a) => [a.key ?? a.name, values[a.name]!]));
    const run: PlannedRun = { run: i + 1, file: `run-${String(i + 1).padStart(width, '0')}.ipynb`, values, params: pick('parameter'), machine: { ...machine, ...pick('machine') } };
    try {
      checkMachineConfig(run.machine);
    } catch (err) {
      throw new SweepError(`${run.file} (${describeValues(values)}): ${(err as Error).message}`);
    }
    return run;
  });
  return { notebook: path, nb, axes: classified, machine, runs };
}

/** "cpus=2 pages=8". */
const describeValues = (values: Record<string, Value>): string => Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join(' ');

/** Runs `fn` on every item with at most `jobs` in flight; resolves when all are done. */
async function pool<T>(items: readonly T[], jobs: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => { while (next < items.length) await fn(items[next++]!); };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}

/** What one run measured: the notebook's metric() values and the machine's statistics at the end. */
interface Gathered { own: Map<string, Metric>; machine: Record<string, MachineMetric> | null }

/** A sandbox runner for `run` that also gathers its metrics into `into`. */
async function gatheringRunner(run: PlannedRun, timeoutMs: number, into: Gathered): Promise<NotebookRunner> {
  const { runSandboxed } = await import('../runner/sandbox');
  const { LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
  return (body, marker, hooks) => runSandboxed({ body, names: [...LAB_GLOBAL_NAMES, marker], marker, config: run.machine, timeoutMs, collectStats: true }, {
    ...hooks,
    display: (bundle) => {
      const m = bundle[METRIC_MIME] as Metric | undefined;
      if (m) into.own.set(m.name, m);
      hooks.display?.(bundle);
    },
    stats: (metrics) => { into.machine = metrics; },
  });
}

/** Options of a sweep's runs. */
export interface SweepOptions {
  jobs: number;
  timeoutMs: number;
  /** Type errors of a run's source; `shape` names the types of its parameter values (equal shapes may share a verdict). */
  typecheck?: (source: string, shape: string) => string[];
  progress?: (line: string) => void;
}

/**
 * Runs one planned run on a fresh machine in the sandbox and writes its notebook to `outdir`.
 * Never throws for the notebook's own faults: they make a failed result naming the cell.
 */
async function runOne(plan: SweepPlan, run: PlannedRun, outdir: string, options: SweepOptions): Promise<{ result: RunResult; gathered: Gathered }> {
  const started = performance.now();
  const nb = injectParameters(structuredClone(plan.nb), run.params);
  const { seed: _seed, ...meta } = nb.metadata.mmu_lab ?? { version: LAB_VERSION }; // the run's machine holds the seed it ran with
  nb.metadata.mmu_lab = { ...meta, machine: run.machine };
  const gathered: Gathered = { own: new Map(), machine: null };
  let error: string | null = null;
  try {
    const runner = await gatheringRunner(run, options.timeoutMs, gathered);
    const { createLab, LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
    const openLab = (print: (l: string) => void, display: (b: Record<string, unknown>) => void) =>
      ({ lab: createLab(run.machine as Parameters<typeof createLab>[0], { print, display }), names: LAB_GLOBAL_NAMES });
    const shape = JSON.stringify(Object.entries(run.params).map(([k, v]) => [k, typeof v]));
    const typecheck = options.typecheck && ((source: string) => options.typecheck!(source, shape));
    const outcome = await executeNotebook(nb, openLab, plan.notebook, undefined, typecheck, runner);
    if (!outcome.ok) error = outcome.report.split('\n')[0]!;
  } catch (err) {
    error = `the run could not start: ${(err as Error).message}`;
  }
  saveNotebook(join(outdir, run.file), nb);
  const metrics: Record<string, number | null> = {}, host: Record<string, number | null> = {};
  for (const [name, m] of gathered.own) metrics[name] = m.value;
  for (const [name, m] of Object.entries(gathered.machine ?? {})) (m.host_time ? host : metrics)[name] = m.value;
  const seconds = Math.round(performance.now() - started) / 1000;
  return { result: { run: run.run, notebook: run.file, params: run.values, status: error ? 'failed' : 'ok', error, metrics, host: { seconds, metrics: host } }, gathered };
}

/** The catalog of every metric the runs reported, in run order (the first unit and description seen win). */
function metricCatalog(gathered: Gathered[]): Record<string, MetricInfo> {
  const out: Record<string, MetricInfo> = {};
  for (const g of gathered) for (const m of g.own.values()) out[m.name] ??= { source: 'notebook', unit: m.unit, description: 'reported by the notebook with metric()', host_time: false };
  for (const g of gathered) for (const [name, m] of Object.entries(g.machine ?? {})) out[name] ??= { source: 'machine', unit: m.unit, description: m.description, host_time: m.host_time };
  return out;
}

/** Runs every planned run on `jobs` workers, writing run notebooks into outdir; the results in run order. */
export async function runSweep(plan: SweepPlan, outdir: string, options: SweepOptions): Promise<SweepResults> {
  const startedAt = new Date(), t0 = performance.now();
  mkdirSync(outdir, { recursive: true }); // for callers other than sweepCommand
  const done: { result: RunResult; gathered: Gathered }[] = [];
  await pool(plan.runs, options.jobs, async (run) => {
    const r = await runOne(plan, run, outdir, options);
    done.push(r);
    const how = r.result.status === 'ok' ? 'ok' : `failed: ${r.result.error}`;
    options.progress?.(`[${done.length}/${plan.runs.length}] ${run.file} ${describeValues(run.values)}: ${how} (${r.result.host.seconds.toFixed(1)} s)`);
  });
  done.sort((a, b) => a.result.run - b.result.run);
  return {
    notebook: plan.notebook, lab_version: LAB_VERSION, machine: plan.machine, parameters: plan.axes,
    metrics: metricCatalog(done.map((d) => d.gathered)), runs: done.map((d) => d.result),
    host: { started: startedAt.toISOString(), seconds: Math.round(performance.now() - t0) / 1000, jobs: options.jobs },
  };
}

/** Writes results.json, results.csv and summary.ipynb into outdir; returns their paths. */
export function writeSweep(results: SweepResults, outdir: string): string[] {
  const files = [join(outdir, 'results.csv'), join(outdir, 'results.json'), join(outdir, 'summary.ipynb')];
  writeFileAtomic(files[0]!, resultsCsv(results));
  writeFileAtomic(files[1]!, resultsJson(results));
  saveNotebook(files[2]!, summaryNotebook(results));
  return files;
}

/**
 * A type checker that checks the notebook once per distinct set of parameter types (the runs'
 * sources differ only in the injected values), reusing that verdict for the other runs.
 */
async function sharedTypechecker(path: string): Promise<SweepOptions['typecheck']> {
  const { typecheckScript } = await import('./typecheck');
  const { LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
  const verdicts = new Map<string, string[]>();
  return (source, shape) => {
    if (!verdicts.has(shape)) verdicts.set(shape, typecheckScript(source.replaceAll(/__mmu_lab_cell__\(\d+\);/g, ''), path, LAB_GLOBAL_NAMES));
    return verdicts.get(shape)!;
  };
}

/** What `mmu-lab sweep` was asked. */
export interface SweepCommand { notebook: string; axes: SweepAxisArg[]; config: Record<string, ConfigValue>; output: string | null; jobs: number | null; typecheck?: false }

/**
 * `mmu-lab sweep`: plan (exit 2 with the reason when the sweep cannot start), run every
 * combination, write the files. Exit 0, or 1 when a run failed (each named on stderr).
 */
export async function sweepCommand(cmd: SweepCommand, io: CliIo): Promise<number> {
  let plan: SweepPlan;
  try {
    plan = planSweep(loadNotebook(cmd.notebook), cmd.notebook, cmd.axes, cmd.config);
  } catch (err) {
    if (err instanceof SweepError) { io.stderr.write(`mmu-lab sweep: ${err.message}\n`); return 2; }
    io.stderr.write(`mmu-lab: cannot open notebook '${cmd.notebook}': ${(err as Error).message}\n`);
    return 1;
  }
  const outdir = cmd.output ?? join(dirname(cmd.notebook), `${basename(cmd.notebook, '.ipynb')}-sweep`);
  try {
    mkdirSync(outdir, { recursive: true });
  } catch (err) {
    io.stderr.write(`mmu-lab sweep: cannot create the output folder '${outdir}': ${(err as Error).message}\n`);
    return 1;
  }
  const jobs = cmd.jobs ?? Math.max(1, availableParallelism());
  const kinds = plan.axes.map((a) => `${a.name} (${a.kind === 'machine' ? 'machine setting' : 'notebook parameter'})`).join(', ');
  io.stderr.write(`mmu-lab sweep: ${plan.runs.length} runs of ${cmd.notebook} over ${kinds}, ${Math.min(jobs, plan.runs.length)} at a time, into ${outdir}\n`);
  const results = await runSweep(plan, outdir, {
    jobs, timeoutMs: Number(io.env['MMU_LAB_TIMEOUT_MS'] ?? 600_000),
    typecheck: cmd.typecheck === false ? undefined : await sharedTypechecker(cmd.notebook),
    progress: (line) => void io.stderr.write(`${line}\n`),
  });
  for (const f of writeSweep(results, outdir)) io.stdout.write(`wrote ${f}\n`);
  const failed = results.runs.filter((r) => r.status === 'failed');
  if (!failed.length) return 0;
  io.stderr.write(`mmu-lab sweep: ${failed.length} of ${results.runs.length} runs failed:\n${failed.map((r) => `  ${r.notebook} (${describeValues(r.params)}): ${r.error}`).join('\n')}\n`);
  return 1;
}
