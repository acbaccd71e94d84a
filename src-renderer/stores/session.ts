// The kernel session of the open notebook: its state, the running cell, Run All progress, and
// per cell the last error (for the red line in the editor) and the type diagnostics (squiggles).
// Runs go through the host; streamed outputs land in the notebook store as they arrive.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { CellDiagnostic, CellError, CellRequest, CellResult, KernelState } from '../../src-main/contract';
import { useHost } from '../client';
import { joinSource } from '../lib/cells';
import { useNotebookStore } from './notebook';

export type CellRunState = 'queued' | 'running' | 'ok' | 'error';

export const useSessionStore = defineStore('session', () => {
  const state = ref<KernelState>('starting');
  const runningCellId = ref<string | null>(null);
  const progress = ref<{ done: number; total: number } | null>(null);
  const cellState = ref<Record<string, CellRunState>>({});
  const errors = shallowRef<Record<string, CellError>>({});
  const diagnostics = shallowRef<Record<string, CellDiagnostic[]>>({});
  const resetMessage = ref<string | null>(null);
  const startedAt = ref<number | null>(null);
  let subscribed = false;
  /** Results already recorded: each arrives twice (the finished event and the call's answer). */
  const seen = new Set<string>();

  const busy = computed(() => state.value === 'busy' || state.value === 'stopping' || state.value === 'restarting');

  /** True when an event is about the notebook shown. */
  const ours = (notebookId: string): boolean => notebookId === useNotebookStore().id;

  /** Subscribes to the host's kernel events (once). */
  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    const host = useHost();
    const nb = useNotebookStore();
    host.onKernelStatus((e) => {
      if (!ours(e.notebookId)) return;
      state.value = e.state;
      runningCellId.value = e.cellId;
      progress.value = e.progress;
    });
    host.onCellLifecycle((e) => {
      if (!ours(e.notebookId)) return;
      if (e.phase === 'started') {
        cellState.value = { ...cellState.value, [e.cellId]: 'running' };
        runningCellId.value = e.cellId;
        nb.setOutputs(e.cellId, [], e.executionCount);
        clearCellMarks(e.cellId);
      } else if (e.result) {
        finished(e.result);
      }
    });
    host.onCellOutput((e) => {
      if (ours(e.notebookId)) nb.pushOutput(e.cellId, e.output);
    });
    host.onDiagnostics((e) => {
      if (ours(e.notebookId)) diagnostics.value = { ...diagnostics.value, [e.cellId]: e.diagnostics };
    });
    host.onMachineReset((e) => {
      if (ours(e.notebookId)) resetMessage.value = e.message;
    });
    nb.onOpened(() => reset());
  }

  /** Forgets the per-notebook state (a notebook was opened). */
  function reset(): void {
    state.value = 'idle';
    runningCellId.value = null;
    progress.value = null;
    cellState.value = {};
    errors.value = {};
    diagnostics.value = {};
    resetMessage.value = null;
  }

  /** Removes a cell's error mark and squiggles (it is being run again). */
  function clearCellMarks(cellId: string): void {
    if (errors.value[cellId]) {
      const { [cellId]: _gone, ...rest } = errors.value;
      errors.value = rest;
    }
    if (diagnostics.value[cellId]) {
      const { [cellId]: _gone, ...rest } = diagnostics.value;
      diagnostics.value = rest;
    }
  }

  /** Records a finished cell: outputs, count, its state, and the error on the cell it points at. */
  function finished(r: CellResult): void {
    const key = `${r.cellId}|${r.executionCount}|${r.status}|${r.durationMs}`;
    if (seen.has(key)) return;
    seen.add(key);
    const nb = useNotebookStore();
    nb.setOutputs(r.cellId, r.outputs, r.executionCount);
    cellState.value = { ...cellState.value, [r.cellId]: r.status };
    if (r.error) {
      const at = r.error.cellId ?? r.cellId;
      errors.value = { ...errors.value, [at]: r.error };
      if (r.error.diagnostics.length) {
        const byCell: Record<string, CellDiagnostic[]> = {};
        for (const d of r.error.diagnostics) (byCell[d.cellId] ??= []).push(d);
        diagnostics.value = { ...diagnostics.value, ...byCell };
      }
    }
  }

  /** The request for a code cell. */
  function request(cellId: string): CellRequest | null {
    const c = useNotebookStore().cell(cellId);
    return c?.cell_type === 'code' ? { cellId, source: joinSource(c.source) } : null;
  }

  /** Runs one code cell; resolves with its result (undefined when the host refused, e.g. busy). */
  async function runCell(cellId: string): Promise<CellResult | undefined> {
    const nb = useNotebookStore();
    const req = request(cellId);
    if (!req || !nb.id) return undefined;
    const nbId = nb.id;
    cellState.value = { ...cellState.value, [cellId]: 'queued' };
    clearCellMarks(cellId);
    startedAt.value = Date.now();
    const r = await nb.guard(() => useHost().runCell(nbId, req));
    if (r) finished(r);
    else if (cellState.value[cellId] === 'queued') cellState.value = { ...cellState.value, [cellId]: 'error' };
    await nb.flushChanges();
    return r;
  }

  /** Runs every code cell in order, stopping at the first failure. */
  async function runAll(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!nbId) return;
    const reqs = nb.codeCells.map((c) => ({ cellId: c.id, source: joinSource(c.source) }));
    const queued: Record<string, CellRunState> = {};
    for (const r of reqs) queued[r.cellId] = 'queued';
    cellState.value = queued;
    errors.value = {};
    diagnostics.value = {};
    startedAt.value = Date.now();
    const all = await nb.guard(() => useHost().runAll(nbId, reqs));
    if (all) {
      for (const r of all.results) finished(r);
      const ran = new Set(all.results.map((r) => r.cellId));
      const left: Record<string, CellRunState> = { ...cellState.value };
      for (const r of reqs) if (!ran.has(r.cellId) && left[r.cellId] === 'queued') delete left[r.cellId];
      cellState.value = left;
    }
    await nb.flushChanges();
  }

  /** Stops the running cell (the host keeps or replaces the machine; either way the session stays usable). */
  async function stop(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!nbId) return;
    await nb.guard(() => useHost().stop(nbId));
  }

  /** A fresh machine and an empty scope; execution counts start again. */
  async function restart(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!nbId) return;
    await nb.guard(() => useHost().restartMachine(nbId));
    cellState.value = {};
    errors.value = {};
    diagnostics.value = {};
  }

  return {
    state, runningCellId, progress, cellState, errors, diagnostics, resetMessage, startedAt, busy,
    subscribe, reset, finished, runCell, runAll, stop, restart,
  };
});
