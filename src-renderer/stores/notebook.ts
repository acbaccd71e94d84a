// The notebook being edited: its cells and metadata (the renderer owns the document), which file
// it is, whether it has unsaved changes, and the library around it (examples, recent files,
// recovered work). Every host call is an action here, through the one client.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type {
  AppInfo, ExampleEntry, MenuCommand, NbCell, NbCodeCell, NbOutput, OpenedNotebook, RecentEntry, RecoveredNotebook,
} from '../../src-main/contract';
import { hostConnection, useHost, type ConnectionState } from '../client';
import { appendOutput, buildDocument, emptyCell, joinSource, suggestedName } from '../lib/cells';

/** How long edits wait before the host hears of them (it autosaves and marks the title). */
export const CHANGE_DEBOUNCE_MS = 800;

export interface NotebookFile { id: string; name: string; path: string | null; origin: OpenedNotebook['origin'] }

export const useNotebookStore = defineStore('notebook', () => {
  const app = ref<AppInfo | null>(null);
  const file = ref<NotebookFile | null>(null);
  const cells = ref<NbCell[]>([]);
  const metadata = ref<Record<string, unknown>>({});
  const dirty = ref(false);
  const selectedId = ref<string | null>(null);
  const editingMarkdown = ref<string | null>(null);
  const examples = shallowRef<ExampleEntry[]>([]);
  const recent = shallowRef<RecentEntry[]>([]);
  const recovered = shallowRef<RecoveredNotebook[]>([]);
  const error = ref<string | null>(null);
  const notice = ref<string | null>(null);
  const connection = ref<ConnectionState>('connecting');
  let changeTimer: ReturnType<typeof setTimeout> | null = null;
  const openedListeners = new Set<(nb: OpenedNotebook) => void>();

  const id = computed(() => file.value?.id ?? null);
  const codeCells = computed(() => cells.value.filter((c): c is NbCodeCell => c.cell_type === 'code'));
  const selectedIndex = computed(() => cells.value.findIndex((c) => c.id === selectedId.value));

  /**
   * Runs `fn`, turning a rejection into the error banner; returns its value or undefined.
   * Rejections whose code is in `quiet` (e.g. 'busy' for an inspection while a cell runs) are
   * expected states, not errors: they only give undefined.
   */
  async function guard<T>(fn: () => Promise<T>, quiet: readonly string[] = []): Promise<T | undefined> {
    try {
      error.value = null;
      return await fn();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!quiet.some((code) => message.startsWith(`${code}:`))) error.value = message;
      return undefined;
    }
  }

  /** Makes `nb` the document shown: cells with sources as strings, outputs frozen as data. */
  function load(nb: OpenedNotebook): void {
    file.value = { id: nb.id, name: nb.name, path: nb.path, origin: nb.origin };
    cells.value = nb.notebook.cells.map((c) =>
      c.cell_type === 'code' ? { ...c, source: joinSource(c.source), outputs: c.outputs.map((o) => markRaw(o)) } : { ...c, source: joinSource(c.source) });
    if (!cells.value.length) cells.value = [emptyCell('code')];
    metadata.value = nb.notebook.metadata;
    dirty.value = nb.dirty;
    selectedId.value = cells.value[0]?.id ?? null;
    editingMarkdown.value = null;
    notice.value = nb.machineProblem === null ? null
      : `${nb.name}: its machine config could not be used (${nb.machineProblem}), so it runs on the default machine. Its metadata is kept until you change the machine panel.`;
    for (const cb of openedListeners) cb(nb);
  }

  /**
   * Connects to the host and follows the connection's state; false (with the reason in the
   * error banner) when this page cannot reach a host, e.g. opened without its token.
   */
  function connect(): boolean {
    try {
      const conn = hostConnection();
      connection.value = conn.state();
      conn.onState((s) => (connection.value = s));
      return true;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      connection.value = 'closed';
      return false;
    }
  }

  /** Calls `cb` with each command of the native menu (Electron; a browser has none). */
  function onMenuCommand(cb: (cmd: MenuCommand) => void): () => void {
    return useHost().onMenuCommand(cb);
  }

  /** Calls `cb` whenever a notebook is loaded (other stores reset their per-notebook state). */
  function onOpened(cb: (nb: OpenedNotebook) => void): () => void {
    openedListeners.add(cb);
    return () => void openedListeners.delete(cb);
  }

  /** Loads what the host says at start: app info, the library lists, and an open notebook or a new one. */
  async function init(): Promise<void> {
    const host = useHost();
    host.onNotebookOpened((nb) => load(nb));
    await guard(async () => {
      app.value = await host.appInfo();
      const [ex, rec, lost, open] = await Promise.all([host.listExamples(), host.listRecent(), host.listRecovered(), host.listOpen()]);
      examples.value = ex;
      recent.value = rec;
      recovered.value = lost;
      if (open.length) load(open[open.length - 1]!);
      else load(await host.newNotebook());
    });
  }

  /** Asks before dropping unsaved work; true when the user agrees (or nothing is unsaved). */
  function confirmDiscard(): boolean {
    return !dirty.value || globalThis.confirm(`${file.value?.name ?? 'This notebook'} has unsaved changes. Discard them?`);
  }

  /** Replaces the open notebook by what `open` returns, closing the old one on the host. */
  async function replaceWith(open: () => Promise<OpenedNotebook | null>): Promise<boolean> {
    if (!confirmDiscard()) return false;
    const before = file.value?.id;
    const nb = await guard(open);
    if (!nb) return false;
    if (before && before !== nb.id) await guard(() => useHost().closeNotebook(before));
    load(nb);
    return true;
  }

  const newNotebook = () => replaceWith(() => useHost().newNotebook());
  const openExample = (exampleId: string) => replaceWith(() => useHost().openExample(exampleId));
  const openRecent = (path: string) => replaceWith(() => useHost().openRecent(path));
  const openDialog = () => replaceWith(() => useHost().openNotebookDialog());
  const openContent = (name: string, text: string) => replaceWith(() => useHost().openNotebookContent(name, text));

  /** Restores recovered work `recoveryId` (it opens dirty) and drops it from the offer. */
  async function restoreRecovered(recoveryId: string): Promise<void> {
    if (await replaceWith(() => useHost().restoreRecovered(recoveryId))) recovered.value = recovered.value.filter((r) => r.recoveryId !== recoveryId);
  }

  /** Deletes recovered work `recoveryId` for good. */
  async function discardRecovered(recoveryId: string): Promise<void> {
    await guard(() => useHost().discardRecovered(recoveryId));
    recovered.value = recovered.value.filter((r) => r.recoveryId !== recoveryId);
  }

  /** The document as it would be saved now. */
  function document() {
    return buildDocument(cells.value, metadata.value);
  }

  /** Marks the document changed and tells the host after a pause (autosave, title, close guard). */
  function touch(): void {
    dirty.value = true;
    if (changeTimer) clearTimeout(changeTimer);
    changeTimer = setTimeout(() => void flushChanges(), CHANGE_DEBOUNCE_MS);
  }

  /** Tells the host the current document now (after a run, before a save). */
  async function flushChanges(): Promise<void> {
    if (changeTimer) clearTimeout(changeTimer);
    changeTimer = null;
    const nbId = id.value;
    if (nbId) await guard(() => useHost().notebookChanged(nbId, document(), dirty.value));
  }

  /** Records the outcome of a save; false when the user cancelled. */
  function saved(r: { saved: boolean; name: string; path: string | null } | undefined): boolean {
    if (!r?.saved || !file.value) return false;
    file.value = { ...file.value, name: r.name, path: r.path };
    dirty.value = false;
    notice.value = `Saved ${r.path ?? r.name}`;
    void refreshRecent();
    return true;
  }

  /** Save: to the notebook's file, or asks for one (Save As) when it has none. */
  async function save(): Promise<boolean> {
    const nbId = id.value;
    if (!nbId) return false;
    if (!file.value?.path && !app.value?.nativeDialogs) return saveAs();
    if (changeTimer) clearTimeout(changeTimer);
    return saved(await guard(() => useHost().saveNotebook(nbId, document())));
  }

  /** Save As: a new file; in browser mode `name` (asked when not given) in the host's notebooks folder. */
  async function saveAs(name?: string): Promise<boolean> {
    const nbId = id.value;
    if (!nbId) return false;
    let wanted = name;
    if (wanted === undefined && !app.value?.nativeDialogs) {
      const answer = globalThis.prompt(`Save as (in ${app.value?.notebooksDir ?? 'the notebooks folder'}):`, suggestedName(file.value?.name ?? 'Untitled.ipynb'));
      if (answer === null || answer.trim() === '') return false;
      wanted = answer.trim();
    }
    return saved(await guard(() => useHost().saveNotebookAs(nbId, document(), wanted ?? suggestedName(file.value?.name ?? 'Untitled.ipynb'))));
  }

  /** Refreshes the recent-files list. */
  async function refreshRecent(): Promise<void> {
    const list = await guard(() => useHost().listRecent());
    if (list) recent.value = list;
  }

  /** The cell with id `cellId`, or undefined. */
  function cell(cellId: string): NbCell | undefined {
    return cells.value.find((c) => c.id === cellId);
  }

  /** Sets a cell's source (an edit). */
  function setSource(cellId: string, text: string): void {
    const c = cell(cellId);
    if (!c || c.source === text) return;
    c.source = text;
    touch();
  }

  /** Inserts a new cell of `type` at position `at` (default: after the selected cell, else at the end) and selects it. */
  function addCell(type: 'code' | 'markdown', at?: number): NbCell {
    const c = emptyCell(type);
    const pos = at ?? (selectedIndex.value >= 0 ? selectedIndex.value + 1 : cells.value.length);
    cells.value.splice(Math.max(0, Math.min(pos, cells.value.length)), 0, c);
    selectedId.value = c.id;
    if (type === 'markdown') editingMarkdown.value = c.id;
    touch();
    return c;
  }

  /** Deletes a cell; the selection moves to its neighbour. */
  function deleteCell(cellId: string): void {
    const at = cells.value.findIndex((c) => c.id === cellId);
    if (at < 0) return;
    cells.value.splice(at, 1);
    selectedId.value = cells.value[Math.min(at, cells.value.length - 1)]?.id ?? null;
    touch();
  }

  /** Moves a cell up (-1) or down (+1). */
  function moveCell(cellId: string, by: -1 | 1): void {
    const at = cells.value.findIndex((c) => c.id === cellId);
    const to = at + by;
    if (at < 0 || to < 0 || to >= cells.value.length) return;
    const [c] = cells.value.splice(at, 1);
    cells.value.splice(to, 0, c!);
    touch();
  }

  /** Turns a cell into a code or markdown cell (outputs dropped), keeping id and source. */
  function setCellType(cellId: string, type: 'code' | 'markdown'): void {
    const at = cells.value.findIndex((c) => c.id === cellId);
    const c = cells.value[at];
    if (!c || c.cell_type === type) return;
    cells.value[at] = type === 'code'
      ? { id: c.id, cell_type: 'code', metadata: c.metadata, source: c.source, outputs: [], execution_count: null }
      : { id: c.id, cell_type: 'markdown', metadata: c.metadata, source: c.source };
    touch();
  }

  /** Selects the cell `by` places from the selected one (clamped). */
  function selectRelative(by: number): void {
    const at = Math.max(0, Math.min(cells.value.length - 1, selectedIndex.value + by));
    selectedId.value = cells.value[at]?.id ?? null;
  }

  /** Replaces a code cell's outputs and execution count (from a run); marks the document changed. */
  function setOutputs(cellId: string, outputs: NbOutput[], count?: number | null): void {
    const c = cell(cellId);
    if (!c || c.cell_type !== 'code') return;
    c.outputs = outputs.map((o) => markRaw(o));
    if (count !== undefined) c.execution_count = count;
    touch();
  }

  /** Appends one streamed output to a code cell. */
  function pushOutput(cellId: string, output: NbOutput): void {
    const c = cell(cellId);
    if (c?.cell_type === 'code') c.outputs = appendOutput(c.outputs, output).map((o) => markRaw(o));
  }

  /**
   * Stores the machine parameters that differ from their defaults (the seed among them) in
   * metadata.mmu_lab.machine, where the CLI and the host read them; they are saved with the file.
   */
  function setMachineMetadata(overrides: Record<string, unknown>): void {
    const lab = (metadata.value['mmu_lab'] ?? { version: app.value?.version ?? '0.1.0', machine: {} }) as Record<string, unknown>;
    const same = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
      Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
    if (same((lab['machine'] ?? {}) as Record<string, unknown>, overrides)) return;
    metadata.value = { ...metadata.value, mmu_lab: { ...lab, machine: { ...overrides } } };
    touch();
  }

  /** Closes the notebook on the host (asks first when unsaved) and opens a new one. */
  async function close(): Promise<void> {
    await newNotebook();
  }

  return {
    app, file, cells, metadata, dirty, selectedId, editingMarkdown, examples, recent, recovered, error, notice, connection,
    id, codeCells, selectedIndex,
    connect, onMenuCommand, init, load, onOpened, newNotebook, openExample, openRecent, openDialog, openContent, restoreRecovered, discardRecovered,
    document, touch, flushChanges, save, saveAs, refreshRecent, cell, setSource, addCell, deleteCell, moveCell, setCellType,
    selectRelative, setOutputs, pushOutput, setMachineMetadata, close, guard,
  };
});
