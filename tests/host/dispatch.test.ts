// Every request method through dispatch(), as both transports call it: shapes validated by the
// schema (bad ones rejected with 'bad-request' before the host sees them), errors turned into
// the contract's codes, and the notebook store, recent list and examples behind them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dispatch, REQUEST_SCHEMAS, type DispatchResult } from '../../src-main/host/dispatch';
import { HOST_METHODS } from '../../src-main/host/methods';
import type { LabHost } from '../../src-main/host/host';
import type { NbNotebook, OpenedNotebook, SaveResult } from '../../src-main/contract';
import { notebookText, tempHost } from './helpers';

/** The value of a successful call; fails the test with the host's error otherwise. */
function value<T>(r: DispatchResult): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** The error code of a call that must fail. */
function code(r: DispatchResult): string {
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.error.code;
}

describe('dispatch: validation', () => {
  const { host } = tempHost();
  afterAll(() => host.dispose());

  it('knows exactly the contract methods', () => {
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual([...HOST_METHODS].sort());
  });

  it('rejects unknown methods, host internals and prototype names', async () => {
    for (const m of ['nope', 'dispose', 'autosave', 'emit', 'on', 'constructor', '__proto__', 'toString', 42, null]) {
      expect(code(await dispatch(host, m, []))).toBe('bad-request');
    }
  });

  it('rejects bad argument shapes before the host sees them', async () => {
    const bad: [string, unknown][] = [
      ['appInfo', ['extra']],
      ['runCell', ['nb1']],
      ['runCell', ['nb1', { cellId: 'a' }]],
      ['runCell', ['nb1', { cellId: 'a', source: 1 }]],
      ['runCell', ['nb1', { cellId: 'a', source: 'x', evil: true }]],
      ['runCell', ['../etc', { cellId: 'a', source: 'x' }]],
      ['pageTableSnapshot', ['nb1', -1]],
      ['pageTableSnapshot', ['nb1', 0, { maxEntries: 0 }]],
      ['setMachineConfig', ['nb1', { cpus: { deep: 1 } }]],
      ['notebookChanged', ['nb1', { nbformat: 3, nbformat_minor: 0, metadata: {}, cells: [] }, true]],
      ['openExample', ['../../etc/passwd']],
      ['restoreRecovered', ['../x']],
      ['saveNotebookAs', ['nb1']],
      ['openRecent', [''.padEnd(5000, 'a')]],
      ['listRecent', 'not an array'],
    ];
    for (const [m, args] of bad) {
      const r = await dispatch(host, m, args);
      expect(code(r), `${m} ${JSON.stringify(args).slice(0, 60)}`).toBe('bad-request');
    }
  });
});

describe('dispatch: every handler', () => {
  let host: LabHost;
  let dirs: ReturnType<typeof tempHost>['dirs'];
  let nb: OpenedNotebook;
  beforeAll(() => ({ host, dirs } = tempHost()));
  afterAll(() => host.dispose());

  it('appInfo and machineParams describe the host and every parameter', async () => {
    expect(value(await dispatch(host, 'appInfo', []))).toMatchObject({ version: '9.9.9', mode: 'browser', nativeDialogs: false, notebooksDir: dirs.books });
    const params = value<{ name: string; unit: string; description: string }[]>(await dispatch(host, 'machineParams', []));
    expect(params.find((p) => p.name === 'ram_mb')).toMatchObject({ default: 256, unit: 'MiB', type: 'integer', group: 'machine' });
    expect(params.every((p) => p.description.length > 0)).toBe(true);
  });

  it('labDeclarations gives Monaco the lab\'s own declaration file, documenting every lab function', async () => {
    const d = value<{ files: { path: string; text: string }[]; source: string }>(await dispatch(host, 'labDeclarations', []));
    expect(d.source).toBe('lab-dts');
    expect(d.files.map((f) => f.path)).toEqual(['file:///mmu-lab/lab-api.d.ts']);
    const text = d.files[0]!.text;
    expect(text).toMatch(/\*\/\ndeclare function mm_alloc\(/);
    expect(text).toMatch(/\*\/\ndeclare function zap_page_range\(/);
  });

  it('newNotebook opens an untitled notebook with a kernel; openNotebookDialog is unavailable in browser mode', async () => {
    nb = value(await dispatch(host, 'newNotebook', []));
    expect(nb).toMatchObject({ name: 'Untitled.ipynb', path: null, origin: 'new', dirty: false });
    expect(nb.machine.ram_mb).toBe(256);
    expect(code(await dispatch(host, 'openNotebookDialog', []))).toBe('unavailable');
    expect(value<OpenedNotebook[]>(await dispatch(host, 'listOpen', [])).map((n) => n.id)).toEqual([nb.id]);
  });

  it('runs cells, reads the machine, and changes its config (a bad config leaves it untouched)', async () => {
    const r = value<{ status: string }>(await dispatch(host, 'runCell', [nb.id, { cellId: 'x1', source: 'const mm = mm_alloc(); print(1);' }]));
    expect(r.status).toBe('ok');
    expect(value<{ mmId: number }[]>(await dispatch(host, 'listProcesses', [nb.id]))).toHaveLength(1);
    expect(value<{ root: { level: string } }>(await dispatch(host, 'pageTableSnapshot', [nb.id, 0, { maxEntries: 10 }])).root.level).toBe('pgd');
    expect(value<{ changes: unknown[] }>(await dispatch(host, 'pageTableDiff', [nb.id, 0])).changes).toEqual([]);
    expect(code(await dispatch(host, 'pageTableSnapshot', [nb.id, 99]))).toBe('not-found');
    expect(value<string[]>(await dispatch(host, 'dmesg', [nb.id]))).toBeInstanceOf(Array);
    expect(value<{ counters: object }>(await dispatch(host, 'statsSnapshot', [nb.id])).counters).toHaveProperty('accesses');
    const all = value<{ status: string; results: unknown[] }>(await dispatch(host, 'runAll', [nb.id, [{ cellId: 'x2', source: 'print(2)' }, { cellId: 'x3', source: 'print(3)' }]]));
    expect(all).toMatchObject({ status: 'ok' });
    expect(all.results).toHaveLength(2);
    expect(value(await dispatch(host, 'stop', [nb.id]))).toMatchObject({ wasRunning: false });
    expect(code(await dispatch(host, 'setMachineConfig', [nb.id, { cpus: 0 }]))).toBe('config');
    expect(value<{ config: { cpus: number } }>(await dispatch(host, 'getMachineConfig', [nb.id])).config.cpus).toBe(2);
    const view = value<{ config: { cpus: number; ram_mb: number }; overrides: object }>(await dispatch(host, 'setMachineConfig', [nb.id, { cpus: 4, ram_mb: 32 }]));
    expect(view.overrides).toEqual({ cpus: 4, ram_mb: 32 });
    expect(value<{ outputs: { text: string }[] }>(await dispatch(host, 'runCell', [nb.id, { cellId: 'x4', source: 'print(machine_config().cpus, typeof (globalThis as any).mm)' }])).outputs[0]!.text).toBe('4 undefined\n');
    expect(value<{ config: { cpus: number } }>(await dispatch(host, 'restartMachine', [nb.id])).config.cpus).toBe(4);
    expect(code(await dispatch(host, 'runCell', ['nb999', { cellId: 'x', source: '' }]))).toBe('not-found');
  }, 60_000);

  it('saves as a new file in the notebooks folder, then saves in place; an invalid notebook is refused and nothing is written', async () => {
    const doc = structuredClone(nb.notebook) as NbNotebook;
    doc.cells.push({ id: 'c1', cell_type: 'code', metadata: {}, source: 'print(1)', outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }], execution_count: 1 });
    value(await dispatch(host, 'notebookChanged', [nb.id, doc, true]));
    expect(host.dirtyNotebooks()).toEqual([{ id: nb.id, name: 'Untitled.ipynb' }]);
    const saved = value<SaveResult>(await dispatch(host, 'saveNotebookAs', [nb.id, doc, 'first']));
    const path = join(dirs.books, 'first.ipynb');
    expect(saved).toEqual({ saved: true, name: 'first.ipynb', path });
    expect(JSON.parse(readFileSync(path, 'utf8')).cells[0].outputs[0].text).toEqual(['1\n']);
    expect(host.dirtyNotebooks()).toEqual([]);
    expect(code(await dispatch(host, 'saveNotebookAs', [nb.id, doc, '../escape']))).toBe('bad-request');
    const other = value<OpenedNotebook>(await dispatch(host, 'newNotebook', []));
    expect(code(await dispatch(host, 'saveNotebookAs', [other.id, doc, 'first.ipynb']))).toBe('io');
    const before = readFileSync(path, 'utf8');
    const broken = { ...doc, cells: [{ id: 'bad id with spaces', cell_type: 'code', metadata: {}, source: '', outputs: [], execution_count: null }] };
    expect(code(await dispatch(host, 'saveNotebook', [nb.id, broken]))).toBe('format');
    expect(readFileSync(path, 'utf8')).toBe(before);
    doc.cells.push({ id: 'c2', cell_type: 'markdown', metadata: {}, source: '# more' });
    expect(value(await dispatch(host, 'saveNotebook', [nb.id, doc]))).toEqual({ saved: true, name: 'first.ipynb', path });
    expect(JSON.parse(readFileSync(path, 'utf8')).cells).toHaveLength(2);
    value(await dispatch(host, 'closeNotebook', [other.id]));
  }, 30_000);

  it('keeps the recent list: only listed paths open, a vanished file leaves the list, clear empties it', async () => {
    const path = join(dirs.books, 'first.ipynb');
    expect(value<{ path: string }[]>(await dispatch(host, 'listRecent', [])).map((r) => r.path)).toEqual([path]);
    value(await dispatch(host, 'closeNotebook', [nb.id]));
    const again = value<OpenedNotebook>(await dispatch(host, 'openRecent', [path]));
    expect(again).toMatchObject({ origin: 'recent', path, dirty: false });
    expect(again.notebook.cells).toHaveLength(2);
    expect(value<OpenedNotebook>(await dispatch(host, 'openRecent', [path])).id).toBe(again.id);
    expect(code(await dispatch(host, 'openRecent', ['/etc/passwd']))).toBe('not-found');
    writeFileSync(join(dirs.books, 'gone.ipynb'), notebookText());
    const gone = value<OpenedNotebook>(await dispatch(host, 'openNotebookContent', ['gone.ipynb', notebookText()]));
    value(await dispatch(host, 'saveNotebookAs', [gone.id, gone.notebook, 'gone2']));
    const { unlinkSync } = await import('node:fs');
    unlinkSync(join(dirs.books, 'gone2.ipynb'));
    expect(code(await dispatch(host, 'openRecent', [join(dirs.books, 'gone2.ipynb')]))).toBe('not-found');
    expect(value<{ path: string }[]>(await dispatch(host, 'listRecent', [])).map((r) => r.path)).toEqual([path]);
    value(await dispatch(host, 'clearRecent', []));
    expect(value(await dispatch(host, 'listRecent', []))).toEqual([]);
    expect(existsSync(join(dirs.settings, 'recent.json'))).toBe(true);
  }, 30_000);

  it('lists and opens examples as unsaved copies; opens dropped content; refuses what is not a notebook', async () => {
    expect(value(await dispatch(host, 'listExamples', []))).toEqual([{ id: 'demo.ipynb', title: 'A small example', description: 'It prints one line.' }]);
    const ex = value<OpenedNotebook>(await dispatch(host, 'openExample', ['demo.ipynb']));
    expect(ex).toMatchObject({ name: 'demo.ipynb', path: null, origin: 'example' });
    expect(ex.machine.ram_mb).toBe(16);
    expect(code(await dispatch(host, 'openExample', ['missing.ipynb']))).toBe('not-found');
    const dropped = value<OpenedNotebook>(await dispatch(host, 'openNotebookContent', ['dropped.ipynb', notebookText('d')]));
    expect(dropped).toMatchObject({ name: 'dropped.ipynb', path: null, origin: 'dropped' });
    const seeded = JSON.parse(notebookText('s')) as { metadata: { mmu_lab: { seed?: number } } };
    seeded.metadata.mmu_lab.seed = 9; // a file that keeps its seed beside the machine
    expect(value<OpenedNotebook>(await dispatch(host, 'openNotebookContent', ['seeded.ipynb', JSON.stringify(seeded)])).machine.seed).toBe(9);
    expect(dropped.machineProblem).toBeNull();
    const bad = JSON.parse(notebookText('b')) as { metadata: { mmu_lab: { machine: Record<string, unknown> } } };
    bad.metadata.mmu_lab.machine = { cpus: 1000, ram_mb: 16 }; // past the 64-CPU limit: the machine cannot boot
    const opened = value<OpenedNotebook>(await dispatch(host, 'openNotebookContent', ['bad-machine.ipynb', JSON.stringify(bad)]));
    expect(opened.machineProblem).toMatch(/cpus/);
    expect(opened.machine.cpus).not.toBe(1000); // the default machine runs it
    expect(opened.machine.ram_mb).not.toBe(16);
    expect(opened.notebook.metadata['mmu_lab']).toEqual(bad.metadata.mmu_lab); // its metadata is kept as it was
    value(await dispatch(host, 'setMachineConfig', [opened.id, { cpus: 2 }]));
    const listed = value<OpenedNotebook[]>(await dispatch(host, 'listOpen', [])).find((o) => o.id === opened.id)!;
    expect(listed.machineProblem).toBeNull(); // a machine set in the panel replaces the problem
    expect(code(await dispatch(host, 'openNotebookContent', ['x.ipynb', '{not json']))).toBe('format');
    expect(code(await dispatch(host, 'openNotebookContent', ['x.ipynb', JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { language_info: { name: 'python' } }, cells: [] })]))).toBe('format');
    expect(code(await dispatch(host, 'openNotebookContent', ['../x.ipynb', notebookText()]))).toBe('bad-request');
  }, 30_000);
});

describe('dispatch: native dialogs (Electron mode)', () => {
  it('opens and saves through the dialogs; a cancelled dialog writes nothing', async () => {
    const answers: (string | null)[] = [];
    const { host, dirs } = tempHost({ open: async () => answers.shift() ?? null, save: async () => answers.shift() ?? null });
    try {
      const file = join(dirs.books, 'picked.ipynb');
      writeFileSync(file, notebookText('picked'));
      answers.push(null);
      expect(value(await dispatch(host, 'openNotebookDialog', []))).toBeNull();
      answers.push(file);
      const nb = value<OpenedNotebook>(await dispatch(host, 'openNotebookDialog', []));
      expect(nb).toMatchObject({ path: file, origin: 'file', name: 'picked.ipynb' });
      answers.push(null);
      expect(value(await dispatch(host, 'saveNotebookAs', [nb.id, nb.notebook]))).toEqual({ saved: false, name: 'picked.ipynb', path: file });
      answers.push(join(dirs.books, 'copy.ipynb'));
      expect(value<SaveResult>(await dispatch(host, 'saveNotebookAs', [nb.id, nb.notebook])).path).toBe(join(dirs.books, 'copy.ipynb'));
      expect(existsSync(join(dirs.books, 'copy.ipynb'))).toBe(true);
    } finally {
      await host.dispose();
    }
  }, 30_000);
});
