// Running a notebook headless: every code cell in order on one fresh machine, sharing one scope
// (a later cell sees an earlier cell's declarations), each cell's print() lines becoming its
// stream output, and the first failure becoming that cell's error output (later cells do not run).
import { compileScript, runCompiled, scriptPosition, describeFailure, quoteLine, ScriptCompileError, type LoadedLab } from '../cli/run-script';
import { describeSandboxFailure, type SandboxHooks, type SandboxOutcome } from '../runner/sandbox';
import { joinSource, CHART_MIME, type Notebook, type CodeCell, type Output } from './notebook';
import { chartPngBase64 } from './chart-png';
import type { ChartSpec } from '../../src-engine/lab/chart';

/** How a notebook run ended: the failing cell's index (in nb.cells) and report, if any. */
export type NotebookOutcome = { ok: true } | { ok: false; cell: number; report: string };

/** A lab whose print() lines go to `print` and rich outputs (chart) to `display`. */
export type OpenLab = (print: (line: string) => void, display: (bundle: Record<string, unknown>) => void) => LoadedLab | Promise<LoadedLab>;

const CELL_MARK = '__mmu_lab_cell__';

/**
 * Execute nb's code cells (in place: outputs and execution counts are replaced). `echo` also
 * receives every printed line (stdout in the CLI). Never throws for the notebook's own faults.
 */
/** Runs a compiled body elsewhere (the sandbox) with the cell marker among its names. */
export type NotebookRunner = (body: string, marker: string, hooks: SandboxHooks) => Promise<SandboxOutcome>;

export async function executeNotebook(nb: Notebook, openLab: OpenLab, filename: string, echo?: (line: string) => void,
  typecheck?: (source: string) => string[], runner?: NotebookRunner, progress?: (done: number, total: number) => void): Promise<NotebookOutcome> {
  const code = nb.cells.map((c, i) => ({ c, i })).filter((x): x is { c: CodeCell; i: number } => x.c.cell_type === 'code');
  for (const { c } of code) { c.outputs = []; c.execution_count = null; }
  let current = -1;
  const lines = new Map<number, string[]>();
  /** Move the current cell's pending print lines into a stream output. */
  const flushText = (): void => {
    if (current < 0) return;
    const text = lines.get(current);
    if (text?.length) (nb.cells[current] as CodeCell).outputs.push({ output_type: 'stream', name: 'stdout', text: text.join('') });
    lines.delete(current);
  };
  const starts: { line: number; cell: number }[] = [];
  let source = '';
  let line = 1;
  for (const { c, i } of code) {
    starts.push({ line: line + 1, cell: i });
    const body = joinSource(c.source);
    source += `${CELL_MARK}(${i});\n${body}\n`;
    line += 2 + (body.match(/\n/g)?.length ?? 0);
  }
  const cellOf = (l: number): { cell: number; line: number } => {
    let hit = starts[0]!;
    for (const s of starts) if (s.line <= l) hit = s;
    return { cell: hit.cell, line: l - hit.line + 1 };
  };
  let script;
  try {
    script = await compileScript(source, filename);
    const typeErrors = typecheck?.(source) ?? [];
    if (typeErrors.length) return typeFailure(nb, typeErrors, cellOf);
  } catch (err) {
    if (!(err instanceof ScriptCompileError)) throw err;
    const m = /:(\d+):(\d+)/.exec(err.report);
    const at = m ? cellOf(Number(m[1])) : { cell: code[0]?.i ?? 0, line: 0 };
    return fail(nb, at.cell, 'SyntaxError', err.report, [`cell ${at.cell + 1}, line ${at.line}: ${err.report}`]);
  }
  let count = 0;
  const mark = (i: number): void => {
    flushText();
    current = i;
    (nb.cells[i] as CodeCell).execution_count = ++count;
    progress?.(count - 1, code.length);
  };
  const onPrint = (l: string): void => { lines.set(current, [...(lines.get(current) ?? []), `${l}\n`]); echo?.(l); };
  const onDisplay = (bundle: Record<string, unknown>): void => {
    flushText();
    if (current >= 0) (nb.cells[current] as CodeCell).outputs.push({ output_type: 'display_data', data: withChartImage(bundle), metadata: {} });
    echo?.(String(bundle['text/plain'] ?? ''));
  };
  if (runner) {
    const o = await runner(script.body, CELL_MARK, { print: onPrint, display: onDisplay, cell: mark });
    flushText();
    if (o.ok) return { ok: true };
    const origin = o.at ? (script.map.findOrigin(o.at.line, o.at.column) as { lineNumber?: number }) : {};
    const report = describeSandboxFailure(script, o, quoteLine);
    if (origin.lineNumber === undefined && current < 0) { // the sandbox failed before any cell ran (e.g. a machine it cannot build)
      return fail(nb, code[0]?.i ?? 0, o.name, report, [`before the first cell ran: ${o.name}: ${o.message}`, ...report.split('\n').slice(1)]);
    }
    const at = origin.lineNumber !== undefined ? cellOf(origin.lineNumber) : { cell: current, line: 0 };
    return fail(nb, at.cell, o.name, report, [`cell ${at.cell + 1}, line ${at.line}: ${o.name}: ${o.message}`, ...report.split('\n').slice(1)]);
  }
  const loaded = await openLab(onPrint, onDisplay);
  try {
    await runCompiled(script, { ...loaded.lab, [CELL_MARK]: mark }, [...loaded.names, CELL_MARK]);
    flushText();
    return { ok: true };
  } catch (err) {
    flushText();
    const pos = scriptPosition(script, err);
    const at = pos ? cellOf(pos.line) : { cell: current, line: 0 };
    const report = describeFailure(script, loaded.lab, err).replace(/^[^:]+:\d+:\d+: /, '');
    const name = err instanceof Error ? err.name : 'Error';
    const value = err instanceof Error ? err.message : String(err);
    return fail(nb, at.cell, name, report, [`cell ${at.cell + 1}, line ${at.line}: ${name}: ${value}`, ...report.split('\n').slice(1)]);
  }
}

/** A display bundle with, for a chart, its image/png rendering added (base64, as nbformat stores it). */
export function withChartImage(bundle: Record<string, unknown>): Record<string, unknown> {
  const chart = bundle[CHART_MIME] as ChartSpec | undefined;
  return chart && Array.isArray(chart.series) ? { ...bundle, 'image/png': chartPngBase64(chart) } : bundle;
}

/**
 * Type errors (as "file:line:col: error TS...: message" against the notebook's joined source)
 * recorded on the cells they are in, with cell-relative lines; nothing has run. Fails at the
 * first such cell.
 */
function typeFailure(nb: Notebook, errors: string[], cellOf: (l: number) => { cell: number; line: number }): NotebookOutcome {
  const byCell = new Map<number, string[]>();
  for (const e of errors) {
    const m = /^[^:]*:(\d+):(\d+): (.*)$/.exec(e);
    const at = m ? cellOf(Number(m[1])) : { cell: -1, line: 0 };
    const text = m ? `cell ${at.cell + 1}, line ${at.line}:${m[2]}: ${m[3]}` : e;
    byCell.set(at.cell, [...(byCell.get(at.cell) ?? []), text]);
  }
  const cells = [...byCell.keys()].filter((c) => c >= 0).sort((a, b) => a - b);
  for (const c of cells) fail(nb, c, 'TypeError', byCell.get(c)![0]!, byCell.get(c)!);
  const first = cells[0] ?? 0;
  return { ok: false, cell: first, report: [...byCell.values()].flat().join('\n') };
}

/** Record an error output on cell i and return the failed outcome. */
function fail(nb: Notebook, i: number, ename: string, report: string, traceback: string[]): NotebookOutcome {
  const cell = nb.cells[i];
  const out: Output = { output_type: 'error', ename, evalue: report.split('\n')[0] ?? '', traceback };
  if (cell && cell.cell_type === 'code') cell.outputs.push(out);
  return { ok: false, cell: i, report: traceback.join('\n') };
}
