// Running notebooks headless: shared scope across cells, print per cell, the first failure
// recorded on its cell, parameters injected, and the CLI writing the executed notebook.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, LAB_GLOBAL_NAMES } from '../../src-engine/lab';
import { newNotebook, codeCell, markdownCell, injectParameters, type CodeCell, type Notebook } from '../../src-main/notebook/notebook';
import { executeNotebook } from '../../src-main/notebook/execute';
import { saveNotebook, loadNotebook } from '../../src-main/notebook/store';

/** The sample notebook: parameters, a cell that faults pages in, one that reads them back. */
function sample(extra = ''): Notebook {
  const nb = newNotebook({ ram_mb: 32, cpus: 1 }, 1);
  nb.cells.push(markdownCell('# First faults'));
  nb.cells.push(codeCell('let pages = 4;', ['parameters']));
  nb.cells.push(codeCell('const mm = mm_alloc();\nconst a = mmap(mm, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);\nprint(`faults: ${touch(mm, a, pages * PAGE_SIZE, "w")}`);'));
  nb.cells.push(codeCell(`print(get_mm_counter(mm, MM_ANONPAGES));${extra}`));
  nb.cells.push(codeCell('print("last");'));
  return nb;
}

const openLab = (print: (l: string) => void, display: (b: Record<string, unknown>) => void) => ({ lab: createLab({ ram_mb: 32, cpus: 1 }, { print, display }), names: LAB_GLOBAL_NAMES });
const outputs = (nb: Notebook, i: number) => (nb.cells[i] as CodeCell).outputs;

describe('executeNotebook', () => {
  it('runs the cells in order in one scope, each print going to its own cell', async () => {
    const nb = injectParameters(sample(), { pages: 8 });
    expect(await executeNotebook(nb, openLab, 'x.ipynb')).toEqual({ ok: true });
    expect(outputs(nb, 3)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'faults: 8\n' }]);
    expect(outputs(nb, 4)).toEqual([{ output_type: 'stream', name: 'stdout', text: '8\n' }]);
    expect((nb.cells[5] as CodeCell).execution_count).toBe(5);
  });

  it('records the first failure on its cell, with the cell-relative line, and stops there', async () => {
    const nb = sample('\nuser_read(mm, 0x1000, 1);');
    const r = await executeNotebook(nb, openLab, 'x.ipynb');
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.cell).toBe(3);
    const err = outputs(nb, 3).find((o) => o.output_type === 'error') as { ename: string; traceback: string[] };
    expect(err.ename).toBe('SIGSEGV');
    expect(err.traceback[0]).toMatch(/^cell 4, line 2: SIGSEGV/);
    expect(outputs(nb, 4)).toEqual([]);
    expect((nb.cells[4] as CodeCell).execution_count).toBeNull();
  });

  it('stores a chart as a display_data output with the chart data and a text stand-in, in print order', async () => {
    const nb = sample('\nchart({ title: "rss", series: [{ name: "anon", x: [1, 2], y: [3, 4] }] });\nprint("after");');
    expect(await executeNotebook(nb, openLab, 'x.ipynb')).toEqual({ ok: true });
    const outs = outputs(nb, 3);
    expect(outs.map((o) => o.output_type)).toEqual(['stream', 'display_data', 'stream']);
    const data = (outs[1] as { data: Record<string, unknown> }).data;
    expect(data['text/plain']).toBe('[chart] rss: anon (2 points)');
    expect(data['application/vnd.mmu-lab.chart+json']).toMatchObject({ title: 'rss', kind: 'line', series: [{ name: 'anon', x: [1, 2], y: [3, 4] }] });
  });

  it('reports a syntax error on the cell that has it, running nothing', async () => {
    const nb = sample('\nconst = ;');
    const r = await executeNotebook(nb, openLab, 'x.ipynb');
    expect(r.ok === false && r.cell).toBe(3);
    expect(outputs(nb, 2)).toEqual([]);
  });
});

describe('a sandbox that fails before any cell runs', () => {
  it('records the failure on the first code cell, saying no cell ran', async () => {
    const { runSandboxed } = await import('../../src-main/runner/sandbox');
    const config = { ram_mb: 16, tlb_l1_entries: 96 }; // 96 entries cannot be 64-way: the machine cannot boot
    const nb = sample();
    const r = await executeNotebook(nb, openLab, 'x.ipynb', undefined, undefined,
      (body, marker, hooks) => runSandboxed({ body, names: [...LAB_GLOBAL_NAMES, marker], marker, config }, hooks));
    expect(r.ok === false && r.cell).toBe(1); // the parameters cell, the first code cell
    const err = outputs(nb, 1)[0] as { traceback: string[] };
    expect(err.traceback[0]).toMatch(/^before the first cell ran: Error: the sandbox failed: TypeError: TLB geometry/);
    expect((nb.cells[1] as CodeCell).execution_count).toBeNull();
  }, 30_000);
});

describe('type errors in notebooks', () => {
  it('are recorded on their cells with cell-relative lines, and nothing runs', async () => {
    const { typecheckScript } = await import('../../src-main/cli/typecheck');
    const nb = sample('\nconst n: number = "x";');
    const r = await executeNotebook(nb, openLab, 'x.ipynb', undefined, (src) => typecheckScript(src.replaceAll(/__mmu_lab_cell__\(\d+\);/g, ''), 'x.ipynb', LAB_GLOBAL_NAMES));
    expect(r.ok === false && r.cell).toBe(3);
    const err = outputs(nb, 3)[0] as { ename: string; traceback: string[] };
    expect(err.ename).toBe('TypeError');
    expect(err.traceback[0]).toMatch(/^cell 4, line 2:7: error TS2322/);
    expect(outputs(nb, 2)).toEqual([]); // nothing ran
  }, 30_000);
});

describe('mmu-lab run notebook.ipynb', () => {
  it('writes the executed notebook (-o), applies -p, prints to stdout, and exits 1 naming the failing cell', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'mmu-nbrun-'));
    const path = join(dir, 'n.ipynb'), out = join(dir, 'out.ipynb');
    saveNotebook(path, sample());
    const ok = spawnSync(process.execPath, [join(root, 'bin/mmu-lab.mjs'), 'run', path, '-p', 'pages=16', '-o', out], { encoding: 'utf8', timeout: 60_000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('faults: 16\n16\nlast\n');
    expect(outputs(loadNotebook(out), 4)[0]).toMatchObject({ text: ['16\n'] });
    const js = spawnSync(process.execPath, [join(root, 'bin/mmu-lab.mjs'), 'run', path, '--json', '-o', out], { encoding: 'utf8', timeout: 60_000 });
    expect(js.status).toBe(0);
    const summary = JSON.parse(js.stdout) as { ok: boolean; failed_cell: number | null; cells: { outputs: { text?: string }[] }[] };
    expect(summary.ok).toBe(true);
    expect(summary.failed_cell).toBeNull();
    expect(summary.cells[2]!.outputs[0]!.text).toBe('faults: 4\n');
    expect(summary.cells[3]!.outputs[0]!.text).toBe('4\n');
    saveNotebook(path, sample('\nthrow new Error("boom");'));
    const bad = spawnSync(process.execPath, [join(root, 'bin/mmu-lab.mjs'), 'run', path], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/cell 4 failed/);
    expect(outputs(loadNotebook(path), 3).some((o) => o.output_type === 'error')).toBe(true);
  }, 60_000);
});
