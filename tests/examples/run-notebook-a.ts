// Running the example notebooks 01-04 the way `npx mmu-lab run X.ipynb -o out.ipynb` does: the
// command's own entry point (main), in this process, on a copy of the notebook in a temporary
// folder. The tests then read what the run stored: charts, printed lines, errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src-main/cli/main';
import { CHART_MIME, joinSource, type CodeCell, type Notebook } from '../../src-main/notebook/notebook';
import { loadNotebook, saveNotebook } from '../../src-main/notebook/store';
import type { ChartSpec } from '../../src-engine/lab/chart';
import { TABLE_MIME, type TableData } from '../../src-engine/lab/table';

export const root = fileURLToPath(new URL('../..', import.meta.url));

/** The path of experiments/<name>. */
export const examplePath = (name: string): string => join(root, 'experiments', name);

export interface ExampleRun { status: number; stdout: string; stderr: string; nb: Notebook }

export interface RunOptions {
  /** Applied to a copy of the notebook before it runs (e.g. to change its machine config). */
  edit?: (nb: Notebook) => void;
  /** Extra command-line arguments (e.g. ['-p', 'passes=2']). */
  args?: string[];
}

/** Collects everything written to a stream as one string. */
function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Run experiments/<name> through `mmu-lab run <copy> -o <out>` and load what it wrote. */
export async function runExample(name: string, opts: RunOptions = {}): Promise<ExampleRun> {
  const dir = mkdtempSync(join(tmpdir(), 'mmu-example-'));
  try {
    const src = join(dir, name), out = join(dir, `out-${name}`);
    const nb = loadNotebook(examplePath(name));
    opts.edit?.(nb);
    saveNotebook(src, nb);
    const stdout = sink(), stderr = sink();
    const status = await main(['run', src, '-o', out, ...(opts.args ?? [])],
      { stdin: new PassThrough(), stdout: stdout.stream, stderr: stderr.stream, env: {}, terminal: false });
    return { status, stdout: stdout.text(), stderr: stderr.text(), nb: loadNotebook(out) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The code cell with this id (throws when the notebook has none). */
export function cell(nb: Notebook, id: string): CodeCell {
  const c = nb.cells.find((x) => x.id === id);
  if (!c || c.cell_type !== 'code') throw new Error(`no code cell '${id}' in the notebook`);
  return c;
}

/** Every chart the notebook's outputs hold, in order. */
export function charts(nb: Notebook): ChartSpec[] {
  return nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : []))
    .flatMap((o) => (o.output_type === 'display_data' && o.data[CHART_MIME] ? [o.data[CHART_MIME] as ChartSpec] : []));
}

/** The chart whose title starts with `title` (throws when there is none). */
export function chartTitled(nb: Notebook, title: string): ChartSpec {
  const c = charts(nb).find((x) => x.title.startsWith(title));
  if (!c) throw new Error(`no chart titled '${title}…' (charts: ${charts(nb).map((x) => x.title).join('; ')})`);
  return c;
}

/** A chart's series by name (throws when there is none). */
export function series(c: ChartSpec, name: string): { x: number[]; y: number[] } {
  const s = c.series.find((x) => x.name.startsWith(name));
  if (!s) throw new Error(`chart '${c.title}' has no series '${name}…' (it has: ${c.series.map((x) => x.name).join('; ')})`);
  return s;
}

/** The printed text of one cell (its stdout stream outputs joined). */
export function printed(nb: Notebook, id: string): string {
  return cell(nb, id).outputs.map((o) => (o.output_type === 'stream' ? joinSource(o.text) : '')).join('');
}

/** Every table() the cell displayed, in order. */
export function tables(nb: Notebook, id: string): TableData[] {
  return cell(nb, id).outputs.flatMap((o) => (o.output_type === 'display_data' && o.data[TABLE_MIME] ? [o.data[TABLE_MIME] as TableData] : []));
}

/** A table cell's value: what table() stores. */
export type Cell = string | number | boolean | null;

/**
 * The rows of a table() the cell displayed, as objects keyed by column: the first one, or the
 * first whose title starts with `title` (throws when the cell shows no such table).
 */
export function tableRows(nb: Notebook, id: string, title?: string): Record<string, Cell>[] {
  const all = tables(nb, id);
  const t = all.find((x) => title === undefined || x.title.startsWith(title));
  if (!t) throw new Error(`cell '${id}' shows no table${title === undefined ? '' : ` titled '${title}…' (its tables: ${all.map((x) => `'${x.title}'`).join(', ') || 'none'})`}`);
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]!])));
}

/** The error outputs of the notebook, as "cell-id: ename: evalue" lines. */
export function errors(nb: Notebook): string[] {
  return nb.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs.flatMap((o) => (o.output_type === 'error' ? [`${c.id}: ${o.ename}: ${o.evalue}`] : [])) : []));
}

/**
 * What a run computed, for comparing two runs: per code cell not tagged 'host-time', its printed
 * text and its charts' and tables' data (any other rendering, such as an image, is left out).
 */
export function simulatedOutputs(nb: Notebook): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const c of nb.cells) {
    if (c.cell_type !== 'code' || c.metadata.tags?.includes('host-time')) continue;
    out[c.id] = c.outputs.map((o) => (o.output_type === 'stream' ? joinSource(o.text)
      : o.output_type === 'display_data' ? o.data[CHART_MIME] ?? o.data[TABLE_MIME] ?? o.data['text/plain'] : o));
  }
  return out;
}
