// The notebook file format: nbformat 4.5, valid against the official schema, stable on disk,
// parameters injected papermill's way, saves atomic, and opening a file never runs it.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newNotebook, codeCell, markdownCell, serializeNotebook, parseNotebook, schemaProblems, injectParameters, splitSource,
  stableStringify, NotebookFormatError, CHART_MIME, LAB_VERSION, notebookMachine, type Notebook } from '../../src-main/notebook/notebook';
import { saveNotebook, loadNotebook, writeFileAtomic } from '../../src-main/notebook/store';

/** A notebook with every kind of cell and output the lab writes. */
function sample(): Notebook {
  const nb = newNotebook({ ram_mb: 64, cpus: 2 }, 7);
  nb.cells.push(markdownCell('# TLB reach\nAccess cost versus working set.'));
  nb.cells.push(codeCell('const pages = 64;', ['parameters']));
  const run = codeCell('print(pages);\nprint("done");');
  run.execution_count = 1;
  run.outputs = [
    { output_type: 'stream', name: 'stdout', text: '64\ndone\n' },
    { output_type: 'display_data', data: { 'text/plain': 'chart', [CHART_MIME]: { series: [{ x: [1, 2], y: [3, 4] }] } }, metadata: {} },
    { output_type: 'error', ename: 'SIGSEGV', evalue: 'at 0x1000', traceback: ['cell 3, line 2'] },
  ];
  nb.cells.push(run);
  return nb;
}

describe('nbformat 4.5', () => {
  it('a lab notebook validates against the official schema and round-trips through its text', () => {
    const nb = sample();
    expect(schemaProblems(nb)).toEqual([]);
    const text = serializeNotebook(nb);
    const back = parseNotebook(text);
    expect(back.metadata.mmu_lab).toEqual({ version: '0.1.0', machine: { ram_mb: 64, cpus: 2, seed: 7 } });
    expect(serializeNotebook(back)).toBe(text);
  });

  it('writes keys in sorted order, sources and stream text as lines, one-space indent and a final newline', () => {
    const text = serializeNotebook(sample());
    const parsed = JSON.parse(text) as { cells: { source: string[]; outputs?: { text?: string[] }[] }[] };
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['cells', 'metadata', 'nbformat', 'nbformat_minor']);
    expect(parsed.cells[2]!.source).toEqual(['print(pages);\n', 'print("done");']);
    expect(parsed.cells[2]!.outputs![0]!.text).toEqual(['64\n', 'done\n']);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n "cells": [');
    expect(stableStringify({ b: 1, a: { d: 1, c: 2 } })).toBe('{\n "a": {\n  "c": 2,\n  "d": 1\n },\n "b": 1\n}\n');
  });

  it('splits sources like Jupyter', () => {
    expect(splitSource('')).toEqual([]);
    expect(splitSource('a')).toEqual(['a']);
    expect(splitSource('a\n')).toEqual(['a\n']);
    expect(splitSource('a\nb')).toEqual(['a\n', 'b']);
  });

  it('refuses files that are not notebooks, naming the problem', () => {
    expect(() => parseNotebook('{ nope')).toThrow(NotebookFormatError);
    expect(() => parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {} }))).toThrow(/cells/);
    const python = sample();
    python.metadata['language_info'] = { name: 'python' };
    expect(() => parseNotebook(serializeNotebook(python))).toThrow(/python/);
    const bad = sample();
    (bad.cells[2] as { execution_count: unknown }).execution_count = 'one';
    expect(() => serializeNotebook(bad)).toThrow(/refusing to write/);
  });

  it('keeps a chart as JSON data under the lab MIME type (the schema allows any JSON for +json types)', () => {
    const nb = parseNotebook(serializeNotebook(sample()));
    const out = (nb.cells[2] as { outputs: { data?: Record<string, unknown> }[] }).outputs[1]!;
    expect(out.data![CHART_MIME]).toEqual({ series: [{ x: [1, 2], y: [3, 4] }] });
  });
});

describe('parameters (papermill convention)', () => {
  it('injects overrides in a cell tagged injected-parameters right after the parameters cell, replacing an earlier one', () => {
    const once = injectParameters(sample(), { pages: 128, name: 'x' });
    const twice = injectParameters(once, { pages: 256 });
    const tags = twice.cells.map((c) => (c.metadata as { tags?: string[] }).tags ?? []);
    expect(tags[1]).toEqual(['parameters']);
    expect(tags[2]).toEqual(['injected-parameters']);
    expect(tags.filter((t) => t.includes('injected-parameters'))).toHaveLength(1);
    expect(twice.cells[2]!.source).toEqual(['// Injected parameters\n', 'pages = 256;']);
    expect(() => injectParameters(sample(), { 'a-b': 1 })).toThrow(TypeError);
  });
});

describe('saving', () => {
  it('saves atomically: the file is whole, and no temporary file is left behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmu-nb-'));
    const path = join(dir, 'exp.ipynb');
    saveNotebook(path, sample());
    expect(loadNotebook(path).cells).toHaveLength(3);
    saveNotebook(path, newNotebook());
    expect(loadNotebook(path).cells).toHaveLength(0);
    expect(readdirSync(dir)).toEqual(['exp.ipynb']);
  });

  it('an invalid notebook is never written over a good one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmu-nb-'));
    const path = join(dir, 'exp.ipynb');
    saveNotebook(path, sample());
    const before = readFileSync(path, 'utf8');
    const bad = sample();
    (bad as { nbformat: unknown }).nbformat = 3;
    expect(() => saveNotebook(path, bad)).toThrow(NotebookFormatError);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['exp.ipynb']);
  });

  it('writeFileAtomic replaces the whole content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmu-nb-'));
    const path = join(dir, 'f.txt');
    writeFileSync(path, 'x'.repeat(10000));
    writeFileAtomic(path, 'short');
    expect(readFileSync(path, 'utf8')).toBe('short');
  });
});

describe('the machine a notebook runs on', () => {
  it('takes metadata.mmu_lab.seed as the seed when the machine names none, and refuses two different seeds', () => {
    expect(notebookMachine(newNotebook({ ram_mb: 64 }, 7))).toEqual({ ram_mb: 64, seed: 7 });
    expect(notebookMachine(newNotebook({ ram_mb: 64, seed: 7 }, 7))).toEqual({ ram_mb: 64, seed: 7 });
    expect(notebookMachine(newNotebook({ cpus: 2 }))).toEqual({ cpus: 2 });
    expect(newNotebook({ cpus: 2 }, 7).metadata.mmu_lab).toEqual({ version: LAB_VERSION, machine: { cpus: 2, seed: 7 } }); // one place for the seed
    const older = newNotebook({ ram_mb: 64 });
    older.metadata.mmu_lab!.seed = 5; // a file that keeps its seed beside the machine
    expect(notebookMachine(older)).toEqual({ ram_mb: 64, seed: 5 });
    older.metadata.mmu_lab!.machine['seed'] = 1;
    expect(() => notebookMachine(older)).toThrow(/metadata.mmu_lab.seed is 5 but metadata.mmu_lab.machine.seed is 1/);
  });

  it('a run honours the seed of the metadata (Math.random is seeded by it)', async () => {
    const { main } = await import('../../src-main/cli/main');
    const { PassThrough } = await import('node:stream');
    const dir = mkdtempSync(join(tmpdir(), 'mmu-seed-'));
    /** What `print(Math.random())` prints in a notebook whose metadata names only `seed`. */
    const draw = async (seed: number): Promise<string> => {
      const nb = newNotebook({ ram_mb: 16 });
      nb.metadata.mmu_lab!.seed = seed; // only in the top-level field
      nb.cells.push(codeCell('print(Math.random());'));
      const path = join(dir, `seed-${seed}.ipynb`);
      saveNotebook(path, nb);
      const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: {}, terminal: false };
      const chunks: Buffer[] = [];
      io.stdout.on('data', (c: Buffer) => chunks.push(c));
      expect(await main(['run', path, '--no-typecheck'], io)).toBe(0);
      return Buffer.concat(chunks).toString('utf8');
    };
    const [a, b, a2] = [await draw(1), await draw(2), await draw(1)];
    expect(a).toBe(a2);
    expect(a).not.toBe(b);
  }, 60_000);
});
