// Proves that eslint.config.js enforces the layer rule of shared/ARCHITECTURE.md: each forbidden
// import is reported, and each legal one passes.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root, overrideConfigFile: `${root}/eslint.config.js` });

/** Lints `code` as if it lived at `filePath`; returns the ids of the rules that fired. */
async function firedRules(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const LAYER_RULES = ['no-restricted-imports', 'no-restricted-syntax'];

describe('layer rule: forbidden imports are reported', () => {
  it.each([
    ['src-engine/mm/x.ts', "import { app } from 'electron';"],
    ['src-engine/mm/x.ts', "import { ref } from 'vue';"],
    ['src-engine/mm/x.ts', "import { defineStore } from 'pinia';"],
    ['src-engine/mm/x.ts', "import { main } from '../../src-main/cli/main';"],
    ['src-engine/mm/x.ts', "export { x } from '../../src-renderer/main';"],
    ['src-engine/mm/x.ts', "import type { PreloadApi } from '../../src-main/preload-api';"],
    ['src-engine/mm/x.ts', "import { Worker } from 'node:worker_threads';"],
    ['src-engine/mm/x.ts', "import { Worker } from 'worker_threads';"],
    ['src-engine/mm/x.ts', "const e = await import('electron');"],
    ['src-engine/mm/x.ts', "import electron = require('electron');"],
    ['src-engine/smp/cpu-worker.ts', "import { app } from 'electron';"],
    ['src-renderer/main.ts', "import { ipcRenderer } from 'electron';"],
    ['src-renderer/main.ts', "import { readFileSync } from 'node:fs';"],
    ['src-renderer/main.ts', "import path from 'path';"],
    ['src-renderer/stores/lab.ts', "import { createLab } from '../../src-engine/lab';"],
    ['src-renderer/stores/lab.ts', "const m = await import('node:os');"],
    ['src-renderer/stores/lab.ts', "import { parseNotebook } from '../../src-main/notebook/notebook';"],
    ['src-renderer/components/X.vue', "<script setup lang=\"ts\">\nimport { ipcRenderer } from 'electron';\nvoid ipcRenderer;\n</script>"],
    ['src-main/index.ts', "import '../src-renderer/main';"],
    ['src-renderer/components/X.vue', "<script setup lang=\"ts\">\nimport { useHost } from '../client';\nvoid useHost;\n</script>"],
  ])('%s: %s', async (filePath, code) => {
    const fired = await firedRules(code, filePath);
    expect(fired.some((id) => LAYER_RULES.includes(id))).toBe(true);
  });
});

describe('layer rule: legal imports pass', () => {
  it.each([
    ['src-engine/mm/x.ts', "import { PAGE_SIZE } from '../arch/x86/pgtable_types';\nexport const n = PAGE_SIZE;"],
    ['src-engine/mm/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;"],
    ['src-engine/smp/cpu-worker.ts', "import { parentPort } from 'node:worker_threads';\nexport const p = parentPort;"],
    ['src-engine/smp/worker.ts', "import { Worker } from 'worker_threads';\nexport const W = Worker;"],
    ['src-renderer/stores/lab.ts', "import type { Lab } from '../../src-engine/lab';\nexport type L = Lab;"],
    ['src-renderer/client/x.ts', "import type { Notebook } from '../../src-main/notebook/notebook';\nexport type N = Notebook;"],
    ['src-main/index.ts', "import { app } from 'electron';\nimport { createLab } from '../src-engine/lab';\nexport { app, createLab };"],
    ['tests/unit/x.test.ts', "import { createLab } from '../../src-engine/lab';\nexport { createLab };"],
  ])('%s: %s', async (filePath, code) => {
    expect(await firedRules(code, filePath)).toEqual([]);
  });
});

describe('engine code cannot reach DOM globals', () => {
  it('reports window and document', async () => {
    const fired = await firedRules('export const w = window.document;', 'src-engine/mm/x.ts');
    expect(fired).toContain('no-restricted-globals');
  });
});

describe('focused tests are banned', () => {
  it.each(['describe.only', 'it.only', 'test.only'])('%s is reported', async (fn) => {
    const code = `import { describe, it, test } from 'vitest';\nvoid [describe, it, test];\n${fn}('x', () => {});`;
    expect(await firedRules(code, 'tests/unit/x.test.ts')).toContain('no-restricted-properties');
  });
});
