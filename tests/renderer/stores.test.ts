// @vitest-environment jsdom
// Store logic against a scripted host (tests/renderer/fake-host.ts): runs fill the notebook's
// outputs and counts, errors land on the cell they name, edits are debounced to the host, saving
// picks Save or Save As, and machine changes reach the notebook's metadata.
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CellResult } from '../../src-main/contract';
import { setHost } from '../../src-renderer/client';
import { CHANGE_DEBOUNCE_MS, useNotebookStore } from '../../src-renderer/stores/notebook';
import { overridesOf, paramProblem, useMachineStore } from '../../src-renderer/stores/machine';
import { useSessionStore } from '../../src-renderer/stores/session';
import { FakeHost, sampleNotebook } from './fake-host';

let host: FakeHost;

/** A fresh Pinia, the fake host, the sample notebook loaded and the session subscribed. */
async function start(): Promise<{ nb: ReturnType<typeof useNotebookStore>; session: ReturnType<typeof useSessionStore> }> {
  setActivePinia(createPinia());
  host = new FakeHost(sampleNotebook());
  setHost(host.api());
  const session = useSessionStore();
  session.subscribe();
  const nb = useNotebookStore();
  await nb.init();
  return { nb, session };
}

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => {
  vi.useRealTimers();
  setHost(null);
});

describe('notebook store', () => {
  it('loads the host notebook with sources as strings and nothing unsaved', async () => {
    const { nb } = await start();
    expect(nb.cells.map((c) => c.id)).toEqual(['md', 'a', 'b']);
    expect(nb.cells[1]!.source).toBe('const x = 1;\nprint(x);');
    expect(nb.dirty).toBe(false);
    expect(nb.selectedId).toBe('md');
  });

  it('says so when a notebook\'s machine config could not be used, and not otherwise', async () => {
    const { nb } = await start();
    expect(nb.notice).toBeNull();
    const bad = { ...sampleNotebook('nb2'), name: 'bad.ipynb', machineProblem: 'cpus: 1000 is above the maximum 64' };
    host.opened = bad;
    await nb.newNotebook();
    expect(nb.notice).toContain('bad.ipynb');
    expect(nb.notice).toContain('cpus: 1000 is above the maximum 64');
    expect(nb.notice).toContain('default machine');
  });

  it('marks an edit unsaved and tells the host once after the pause', async () => {
    const { nb } = await start();
    nb.setSource('a', 'const x = 2;');
    nb.setSource('a', 'const x = 3;');
    expect(nb.dirty).toBe(true);
    expect(host.callsOf('notebookChanged')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(CHANGE_DEBOUNCE_MS + 10);
    const calls = host.callsOf('notebookChanged');
    expect(calls).toHaveLength(1);
    const [id, doc, dirty] = calls[0] as [string, { cells: { source: string }[] }, boolean];
    expect([id, dirty, doc.cells[1]!.source]).toEqual(['nb1', true, 'const x = 3;']);
  });

  it('Save without a file asks for a name in browser mode and uses Save As; then nothing is unsaved', async () => {
    const { nb } = await start();
    nb.setSource('b', 'print(2);');
    const prompt = vi.spyOn(globalThis, 'prompt').mockReturnValue('mine');
    expect(await nb.save()).toBe(true);
    expect(prompt).toHaveBeenCalledOnce();
    expect(host.callsOf('saveNotebookAs')[0]![2]).toBe('mine');
    expect(host.callsOf('saveNotebook')).toHaveLength(0);
    expect(nb.dirty).toBe(false);
    expect(nb.file?.path).toBe('/tmp/nb/mine');
  });

  it('Save As cancelled in the prompt writes nothing and keeps the changes unsaved', async () => {
    const { nb } = await start();
    nb.setSource('b', 'print(2);');
    vi.spyOn(globalThis, 'prompt').mockReturnValue(null);
    expect(await nb.saveAs()).toBe(false);
    expect(host.callsOf('saveNotebookAs')).toHaveLength(0);
    expect(nb.dirty).toBe(true);
  });

  it('adds, moves, retypes and deletes cells keeping the selection sensible', async () => {
    const { nb } = await start();
    nb.selectedId = 'a';
    const c = nb.addCell('code');
    expect(nb.cells.map((x) => x.id)).toEqual(['md', 'a', c.id, 'b']);
    nb.moveCell(c.id, -1);
    expect(nb.cells.map((x) => x.id)).toEqual(['md', c.id, 'a', 'b']);
    nb.setCellType(c.id, 'markdown');
    expect(nb.cell(c.id)?.cell_type).toBe('markdown');
    nb.deleteCell(c.id);
    expect(nb.cells.map((x) => x.id)).toEqual(['md', 'a', 'b']);
    expect(nb.selectedId).toBe('a');
  });
});

describe('session store', () => {
  it('fills streamed outputs (merged like Jupyter) and the execution count of a run', async () => {
    const { nb, session } = await start();
    host.runs.set('a', (req) => ({
      cellId: req.cellId, status: 'ok', executionCount: 0, error: null, durationMs: 3, machineReset: false,
      outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }, { output_type: 'stream', name: 'stdout', text: '2\n' }],
    }));
    await session.runCell('a');
    const a = nb.cell('a');
    expect(a?.cell_type === 'code' && a.execution_count).toBe(1);
    expect(a?.cell_type === 'code' && a.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: '1\n' }, { output_type: 'stream', name: 'stdout', text: '2\n' },
    ]);
    expect(session.cellState['a']).toBe('ok');
    expect(host.callsOf('notebookChanged').length).toBeGreaterThan(0);
  });

  it('puts a runtime error on the cell it points at, with its line', async () => {
    const { session } = await start();
    host.runs.set('b', (req): CellResult => ({
      cellId: req.cellId, status: 'error', executionCount: 0, durationMs: 1, machineReset: false,
      outputs: [{ output_type: 'error', ename: 'ReferenceError', evalue: 'y is not defined', traceback: ['cell 3, line 1: ReferenceError: y is not defined'] }],
      error: { kind: 'runtime', name: 'ReferenceError', message: 'y is not defined', line: 1, column: 7, cellId: 'b', address: null, dmesg: [], diagnostics: [] },
    }));
    await session.runCell('b');
    expect(session.cellState['b']).toBe('error');
    expect(session.errors['b']?.line).toBe(1);
  });

  it('Run All stops at the failing cell and records type diagnostics per cell', async () => {
    const { session } = await start();
    host.runs.set('a', (req): CellResult => ({
      cellId: req.cellId, status: 'error', executionCount: null, durationMs: 1, machineReset: false, outputs: [],
      error: {
        kind: 'type', name: 'TypeError', message: 'type errors', line: 2, column: 1, cellId: 'a', address: null, dmesg: [],
        diagnostics: [{ cellId: 'a', line: 2, column: 1, endLine: 2, endColumn: 6, code: 2304, message: "Cannot find name 'prnt'.", severity: 'error' }],
      },
    }));
    await session.runAll();
    expect(host.callsOf('runAll')[0]![1]).toEqual([
      { cellId: 'a', source: 'const x = 1;\nprint(x);' }, { cellId: 'b', source: 'print(y);' },
    ]);
    expect(session.cellState).toEqual({ a: 'error' });
    expect(session.diagnostics['a']?.[0]?.code).toBe(2304);
  });

  it('ignores events about another notebook', async () => {
    const { nb } = await start();
    host.emit('cellOutput', { notebookId: 'other', cellId: 'a', output: { output_type: 'stream', name: 'stdout', text: 'x\n' } });
    const a = nb.cell('a');
    expect(a?.cell_type === 'code' && a.outputs).toEqual([]);
  });
});

describe('machine store', () => {
  it('keeps only values that differ from the defaults, and checks types', () => {
    const params = new FakeHost(sampleNotebook()).params;
    expect(overridesOf(params, { cpus: 4, ram_mb: 64, pcid: true, mode: 'deterministic' })).toEqual({ cpus: 4, pcid: true });
    expect(paramProblem(params[0]!, 2.5)).toMatch(/whole number/);
    expect(paramProblem(params[3]!, 'fast')).toMatch(/one of deterministic, parallel/);
    expect(paramProblem(params[2]!, true)).toBeNull();
  });

  it('applies the draft as overrides and saves them in the notebook metadata', async () => {
    const { nb } = await start();
    const machine = useMachineStore();
    await machine.refresh();
    machine.setDraft('cpus', 4);
    machine.setDraft('pcid', true);
    expect(machine.changed).toBe(true);
    expect(await machine.apply()).toBe(true);
    expect(host.callsOf('setMachineConfig')[0]![1]).toEqual({ cpus: 4, pcid: true });
    expect((nb.metadata['mmu_lab'] as { machine: unknown }).machine).toEqual({ cpus: 4, pcid: true });
    expect(nb.dirty).toBe(true);
    expect(machine.changed).toBe(false);
  });

  it('a config the host rejects leaves the metadata as it was and shows why', async () => {
    const { nb } = await start();
    const machine = useMachineStore();
    await machine.refresh();
    host.rejectConfig = 'config: ram_mb must be at most 65536';
    machine.setDraft('ram_mb', 1 << 20);
    expect(await machine.apply()).toBe(false);
    expect((nb.metadata['mmu_lab'] as { machine: unknown }).machine).toEqual({});
    expect(nb.error).toBe('config: ram_mb must be at most 65536');
    expect(machine.changed).toBe(true);
  });
});
