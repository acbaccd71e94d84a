// The script runner in-process, against a small stand-in lab (the real engine is exercised by
// tests/cli/mmu-lab.test.ts through the real command).
import { describe, expect, it } from 'vitest';
import { compileScript, executeScript, ScriptCompileError } from '../../src-main/cli/run-script';

/** A stand-in lab: print() collects lines; dmesg() returns 15 numbered lines. */
function fakeLab() {
  const out: string[] = [];
  const lab = {
    PAGE_SIZE: 4096,
    print: (...values: unknown[]) => out.push(values.map(String).join(' ')),
    dmesg: () => Array.from({ length: 15 }, (_, i) => `[${i}] line ${i}`),
    kernel_bug: (why: string) => {
      throw Object.assign(new Error(`vm_insert_page: ${why}`), { name: 'KernelBug' });
    },
    deep_bug: (depth: number): never => {
      if (depth === 0) throw Object.assign(new Error('zap_pte_range: BUG'), { name: 'KernelBug' });
      return lab.deep_bug(depth - 1);
    },
    segv: (address: number) => {
      throw Object.assign(new Error('bad access'), { name: 'SIGSEGV', address });
    },
  };
  return { lab, out, names: Object.keys(lab) };
}

/** Runs `source` as `file` on a fresh stand-in lab; returns the outcome and the printed lines. */
async function run(source: string, file = 'exp.ts') {
  const { lab, out, names } = fakeLab();
  const outcome = await executeScript(source, file, () => ({ lab, names }));
  return { outcome, out, report: outcome.ok ? '' : outcome.report };
}

describe('running scripts', () => {
  it('hands every lab global to the script and collects print output', async () => {
    const { outcome, out } = await run('print("page", PAGE_SIZE);\nprint(PAGE_SIZE * 2);');
    expect(outcome).toEqual({ ok: true });
    expect(out).toEqual(['page 4096', '8192']);
  });

  it('accepts TypeScript syntax: annotations, interfaces, enums, generics, as', async () => {
    const src = [
      'interface Range { start: number; len: number }',
      'enum Mode { Read = 1, Write }',
      'function first<T>(xs: T[]): T { return xs[0] as T; }',
      'const r: Range = { start: 0, len: PAGE_SIZE };',
      'print(first([r.len]), Mode.Write);',
    ].join('\n');
    const { outcome, out } = await run(src);
    expect(outcome).toEqual({ ok: true });
    expect(out).toEqual(['4096 2']);
  });

  it('supports top-level await', async () => {
    const { outcome, out } = await run('await new Promise((r) => setTimeout(r, 5));\nprint("done");');
    expect(outcome).toEqual({ ok: true });
    expect(out).toEqual(['done']);
  });

  it('keeps const semantics and lets a script shadow a global', async () => {
    const { outcome, out } = await run('const PAGE_SIZE = 1;\nprint(PAGE_SIZE);');
    expect(outcome).toEqual({ ok: true });
    expect(out).toEqual(['1']);
    const { report } = await run('const k = 1;\n// @ts-ignore\nk = 2;');
    expect(report).toMatch(/^exp\.ts:3:1: error: Cannot assign to "k" because it is a constant/);
  });

  it('accepts `export {}` and type-only imports, which vanish', async () => {
    const { outcome } = await run("import type { X } from './types';\nexport {};\nconst x: X | 1 = 1;\nprint(x);");
    expect(outcome).toEqual({ ok: true });
  });
});

describe('compile errors stop the script before it runs', () => {
  it('reports a syntax error with file, line, column, the line and a caret', async () => {
    const { outcome, out, report } = await run('print("never");\nlet a b = 2;', 'dir/bad.ts');
    expect(outcome.ok).toBe(false);
    expect(out).toEqual([]);
    expect(report).toBe(
      'dir/bad.ts:2:7: error: Expected ";" but found "b"\n    2 | let a b = 2;\n              ^',
    );
  });

  it.each([
    ["import fs from 'node:fs';\nprint(fs);", 'node:fs', '1:16'],
    ["import 'fs';", 'fs', '1:8'],
    ["print(1);\nconst { x } = require('./x');", './x', '2:23'],
    ["const os = await import('node:os');", 'node:os', '1:25'],
    ["export * from './other';", './other', '1:15'],
    ["import unused from 'electron';", 'electron', '1:20'],
  ])('rejects module syntax: %j', async (src, spec, where) => {
    const { out, report } = await run(src);
    expect(out).toEqual([]);
    expect(report).toContain(`exp.ts:${where}: error: scripts cannot import modules ('${spec}')`);
    expect(report).toContain('already a global');
  });

  it('rejects exports', async () => {
    const { report } = await run('export const x = 1;');
    expect(report).toBe('exp.ts: error: scripts cannot export (x): a script is run, not imported');
  });

  it('compileScript throws ScriptCompileError carrying the report', async () => {
    await expect(compileScript('let a b', 'x.ts')).rejects.toBeInstanceOf(ScriptCompileError);
  });
});

describe('runtime failures are reported against the TypeScript source', () => {
  it('maps a thrown Error to its line and column in the .ts file', async () => {
    const src = [
      'interface P { n: number }',
      'const p: P = { n: 3 };',
      '',
      'function check(x: P): void {',
      "  if (x.n > 2) throw new Error('too big: ' + x.n);",
      '}',
      'check(p);',
    ].join('\n');
    const { report } = await run(src);
    expect(report.split('\n')).toEqual([
      'exp.ts:5:22: Error: too big: 3',
      "    5 |   if (x.n > 2) throw new Error('too big: ' + x.n);",
      '                             ^',
    ]);
  });

  it('maps an error on the first line', async () => {
    const { report } = await run('nosuch(1);');
    expect(report.split('\n')[0]).toBe('exp.ts:1:1: ReferenceError: nosuch is not defined');
  });

  it('maps errors raised inside lab functions to the calling line, after an await', async () => {
    const { report } = await run('await 0;\nprint("a");\n  segv(0x1000);');
    expect(report.split('\n')).toEqual([
      'exp.ts:3:3: SIGSEGV: bad access',
      '    3 |   segv(0x1000);',
      '          ^',
      'fault address: 0x1000',
    ]);
  });

  it('finds the script line under a deep kernel call chain', async () => {
    const { report } = await run('print(1);\ndeep_bug(40);');
    expect(report.split('\n')[0]).toBe('exp.ts:2:1: KernelBug: zap_pte_range: BUG');
  });

  it('adds the last 10 dmesg lines to a KernelBug', async () => {
    const { out, report } = await run('print("before");\nkernel_bug("BUG_ON(!page)");\nprint("after");');
    expect(out).toEqual(['before']);
    const lines = report.split('\n');
    expect(lines[0]).toBe('exp.ts:2:1: KernelBug: vm_insert_page: BUG_ON(!page)');
    expect(lines).toContain('last dmesg lines:');
    expect(lines.slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => `    [${i + 5}] line ${i + 5}`));
  });

  it('reports a thrown non-Error value', async () => {
    const { report } = await run('throw 42;');
    expect(report).toBe('exp.ts: thrown value: 42');
  });

  it('reports a lab that cannot be created, and compiles before creating it', async () => {
    let opened = false;
    const broken = () => {
      opened = true;
      throw new TypeError('unknown machine parameter ram_gb');
    };
    expect(await executeScript('let a b', 'x.ts', broken)).toMatchObject({ ok: false });
    expect(opened).toBe(false);
    expect(await executeScript('print(1)', 'x.ts', broken)).toEqual({
      ok: false,
      report: 'mmu-lab: cannot create the machine: unknown machine parameter ram_gb',
    });
  });

  it('rejects a failed top-level await', async () => {
    const { report } = await run("await Promise.reject(new RangeError('nope'));");
    expect(report).toMatch(/^exp\.ts(:1:\d+)?: RangeError: nope/);
  });
});
