// Runs an example notebook headless exactly as `npx mmu-lab run x.ipynb -o out.ipynb` does (the
// CLI's own entry point, in this process) and returns what it stored: each code cell's printed
// text, the charts' data and the notebook itself (read its tables with run-notebook-a's
// tableRows), for the tests of experiments/05-08.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src-main/cli/main';
import { loadNotebook } from '../../src-main/notebook/store';
import { CHART_MIME, joinSource, type CodeCell, type Notebook } from '../../src-main/notebook/notebook';
import type { ChartSpec } from '../../src-engine/lab/chart';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What one notebook run stored. */
export interface NotebookRun {
  /** The CLI's exit status (0 ok). */
  status: number;
  stderr: string;
  /** Every printed line of every code cell, in order. */
  lines: string[];
  /** Every chart the notebook emitted, in order. */
  charts: ChartSpec[];
  /** Error outputs (ename: evalue), if a cell failed. */
  errors: string[];
  /** The notebook the run wrote. */
  nb: Notebook;
}

/** A writable that keeps what is written to it. */
function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  return Object.assign(w, { text: () => chunks.join('') });
}

/**
 * Run experiments/<name> through the CLI (`run <nb> -o <tmp> --json ...args`) on a fresh machine
 * and read back the notebook it wrote. args are extra command-line words (-p, --config, ...).
 */
export async function runNotebook(name: string, args: string[] = []): Promise<NotebookRun> {
  const dir = mkdtempSync(join(tmpdir(), 'mmu-examples-b-'));
  const out = join(dir, name);
  const stdout = collector(), stderr = collector();
  try {
    const status = await main(['run', join(root, 'experiments', name), '-o', out, '--json', ...args],
      { stdin: new PassThrough(), stdout, stderr, env: process.env, terminal: false });
    const nb = loadNotebook(out);
    const cells = nb.cells.filter((c): c is CodeCell => c.cell_type === 'code');
    const outputs = cells.flatMap((c) => c.outputs);
    return {
      status,
      stderr: stderr.text(),
      lines: outputs.flatMap((o) => (o.output_type === 'stream' ? joinSource(o.text).split('\n').filter((l) => l !== '') : [])),
      charts: outputs.flatMap((o) => (o.output_type === 'display_data' && o.data[CHART_MIME] ? [o.data[CHART_MIME] as ChartSpec] : [])),
      errors: outputs.flatMap((o) => (o.output_type === 'error' ? [`${o.ename}: ${o.evalue}`] : [])),
      nb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The first line matching re (its groups), or a failure naming what was missing. */
export function line(run: NotebookRun, re: RegExp): RegExpMatchArray {
  for (const l of run.lines) { const m = re.exec(l); if (m) return m; }
  throw new Error(`no output line matches ${re}; the notebook printed:\n${run.lines.join('\n')}\n${run.errors.join('\n')}${run.stderr}`);
}
