// Scripts are type-checked against the lab's own types before anything runs.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typecheckScript } from '../../src-main/cli/typecheck';
import { LAB_GLOBAL_NAMES } from '../../src-engine/lab';

describe('typecheckScript', () => {
  it('accepts a correct script and reports wrong arguments, unknown names and Node globals with their place', () => {
    expect(typecheckScript('const mm = mm_alloc();\nprint(mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS));', 'ok.ts', LAB_GLOBAL_NAMES)).toEqual([]);
    const errs = typecheckScript('const mm = mm_alloc();\nmmap(mm, "x", 4096, PROT_READ, MAP_PRIVATE);\nprocess.exit(1);\nprnt(1);', 'bad.ts', LAB_GLOBAL_NAMES);
    expect(errs[0]).toMatch(/^bad\.ts:2:10: error TS2345: .*'string'.*'number'/);
    expect(errs.some((e) => e.startsWith("bad.ts:3:1: error TS2591: Cannot find name 'process'"))).toBe(true);
    expect(errs.some((e) => e.startsWith("bad.ts:4:1: error TS2552: Cannot find name 'prnt'"))).toBe(true);
  }, 30_000);
});

describe('mmu-lab run and type errors', () => {
  it('reports them and runs nothing; --no-typecheck runs the script anyway', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const path = join(mkdtempSync(join(tmpdir(), 'mmu-tc-')), 'x.ts');
    writeFileSync(path, 'print("ran");\nconst n: number = "four";\n');
    const r = spawnSync(process.execPath, [join(root, 'bin/mmu-lab.mjs'), 'run', path], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/x\.ts:2:7: error TS2322/);
    const s = spawnSync(process.execPath, [join(root, 'bin/mmu-lab.mjs'), 'run', path, '--no-typecheck'], { encoding: 'utf8', timeout: 60_000 });
    expect(s.status).toBe(0);
    expect(s.stdout).toBe('ran\n');
  }, 60_000);
});
