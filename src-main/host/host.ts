// The lab's host services, independent of any transport: open notebooks and their kernel
// sessions, saving, recent files, examples, autosave and crash recovery, and the questions the
// UI asks about a machine. Electron IPC (src-main/index.ts) and the WebSocket server
// (src-main/host/ws-server.ts) both validate a request (dispatch.ts) and call a method here.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadNotebook, saveNotebook } from '../notebook/store';
import { newNotebook, notebookMachine, parseNotebook, type Notebook } from '../notebook/notebook';
import { exampleSummary } from './example-summary';
import { KernelSession, type SessionOptions } from '../kernel/session';
import { configView, machineParams } from '../kernel/params-view';
import { RecentFiles } from './recent';
import { RecoveryStore } from './recovery';
import { hostError } from './errors';
import { DECLARATIONS_FILE, labDeclarations } from '../lab-declarations';
import type {
  AppInfo, CellRequest, ExampleEntry, HostApi, HostEventName, HostEventPayloads, HostMethod, LabDeclarations,
  MachineConfig, NbNotebook, NotebookId, NotebookOrigin, OpenedNotebook, PageTableDiff, PageTableSnapshot,
  ProcessInfo, SaveResult, StatsSnapshot, Unsubscribe,
} from '../contract';

/** Native file dialogs (Electron); null in browser mode. Each resolves null when cancelled. */
export interface Dialogs {
  open(): Promise<string | null>;
  save(suggestedName: string): Promise<string | null>;
}

export interface HostOptions {
  version: string;
  mode: 'electron' | 'browser';
  /** Where recent.json and recovery/ live. */
  settingsDir: string;
  /** The example library (experiments/). */
  examplesDir: string;
  /** Browser mode: where Save As writes. */
  notebooksDir: string | null;
  dialogs: Dialogs | null;
  /** Autosave period of dirty notebooks in ms (default 3000). */
  autosaveMs?: number;
  session?: SessionOptions;
  /** Called when the set of open notebooks or their dirty state changes (window title, quit confirm). */
  onDocumentsChanged?: () => void;
}

/** The request methods of the contract. */
export type HostMethods = Pick<HostApi, HostMethod>;

/** An open notebook: the renderer's latest document, its file and its kernel. */
interface Doc {
  id: NotebookId;
  name: string;
  path: string | null;
  origin: NotebookOrigin;
  notebook: NbNotebook;
  dirty: boolean;
  /** The recovery file's id, and whether the current content is in it. */
  recoveryId: string;
  autosaved: boolean;
  session: KernelSession;
  /** Why the notebook's machine config was not used (see OpenedNotebook.machineProblem), or null. */
  machineProblem: string | null;
}

const SAFE_NAME = /^[^/\\:*?"<>|\0]{1,200}$/;

/** A notebook's file name from a user-given name: no folders; ".ipynb" added when missing. */
function notebookFileName(name: string): string {
  const n = name.trim();
  if (!SAFE_NAME.test(n) || n === '.' || n === '..' || n.startsWith('.')) throw hostError('bad-request', `'${name}' is not a file name (no folders, no leading dot)`);
  return n.endsWith('.ipynb') ? n : `${n}.ipynb`;
}

export class LabHost implements HostMethods {
  private readonly docs = new Map<NotebookId, Doc>();
  private readonly listeners = new Map<HostEventName, Set<(p: never) => void>>();
  private readonly recent: RecentFiles;
  private readonly recovery: RecoveryStore;
  private readonly timer: ReturnType<typeof setInterval>;
  private ids = 0;

  /** Loads the recent list and the recovery folder, and starts the autosave timer. */
  constructor(private readonly options: HostOptions) {
    this.recent = new RecentFiles(options.settingsDir);
    this.recovery = new RecoveryStore(options.settingsDir);
    this.timer = setInterval(() => this.autosave(), options.autosaveMs ?? 3000);
    this.timer.unref();
  }

  // ---- events ----

  /** Subscribes `cb` to event `name`; returns the unsubscribe function. */
  on<E extends HostEventName>(name: E, cb: (payload: HostEventPayloads[E]) => void): Unsubscribe {
    const set = this.listeners.get(name) ?? new Set();
    this.listeners.set(name, set);
    set.add(cb as (p: never) => void);
    return () => void set.delete(cb as (p: never) => void);
  }

  /** Delivers an event to every subscriber (a failing subscriber does not stop the others). */
  emit<E extends HostEventName>(name: E, payload: HostEventPayloads[E]): void {
    for (const cb of this.listeners.get(name) ?? []) {
      try {
        (cb as (p: HostEventPayloads[E]) => void)(payload);
      } catch (e) {
        process.stderr.write(`mmu-lab: an event listener of ${name} failed: ${String(e)}\n`);
      }
    }
  }

  // ---- app ----

  /** Version, transport, platform and dialogs of this host. */
  async appInfo(): Promise<AppInfo> {
    return { version: this.options.version, mode: this.options.mode, platform: process.platform, nativeDialogs: this.options.dialogs !== null, notebooksDir: this.options.notebooksDir };
  }

  /** The lab's own declaration file (src-engine/lab-api.d.ts), the one scripts are type-checked against. */
  async labDeclarations(): Promise<LabDeclarations> {
    return { files: [{ path: `file://${DECLARATIONS_FILE}`, text: labDeclarations() }], source: 'lab-dts' };
  }

  /** Every machine parameter with its default, unit and description. */
  async machineParams() {
    return machineParams();
  }

  // ---- opening ----

  /** Registers an open notebook with a fresh kernel session and returns what the renderer gets. */
  private open(notebook: NbNotebook, name: string, path: string | null, origin: NotebookOrigin, dirty: boolean): OpenedNotebook {
    const id = `nb${++this.ids}`;
    let machine: Partial<MachineConfig>, machineProblem: string | null = null;
    try {
      machine = notebookMachine(notebook) as Partial<MachineConfig>; // the seed of older files' metadata.mmu_lab.seed too
      configView(machine);
    } catch (e) {
      machineProblem = (e as Error).message;
      machine = {};
    }
    const session = new KernelSession(id, machine, {
      kernelStatus: (e) => this.emit('kernelStatus', e), cellLifecycle: (e) => this.emit('cellLifecycle', e),
      cellOutput: (e) => this.emit('cellOutput', e), diagnostics: (e) => this.emit('diagnostics', e),
      metrics: (e) => this.emit('metrics', e), machineReset: (e) => this.emit('machineReset', e),
    }, { ...this.options.session, cellNumber: (cellId) => this.cellNumber(id, cellId) });
    const doc: Doc = { id, name, path, origin, notebook, dirty, recoveryId: RecoveryStore.newId(), autosaved: !dirty, session, machineProblem };
    this.docs.set(id, doc);
    if (path) this.recent.add(path);
    if (dirty) this.autosaveDoc(doc);
    this.options.onDocumentsChanged?.();
    return this.describe(doc);
  }

  /** The renderer's view of an open notebook. */
  private describe(doc: Doc): OpenedNotebook {
    return { id: doc.id, name: doc.name, path: doc.path, origin: doc.origin, notebook: doc.notebook, dirty: doc.dirty, machine: doc.session.getConfig().config, machineProblem: doc.machineProblem };
  }

  /** The 1-based position of a cell in an open notebook, or null. */
  private cellNumber(id: NotebookId, cellId: string): number | null {
    const i = this.docs.get(id)?.notebook.cells.findIndex((c) => c.id === cellId) ?? -1;
    return i < 0 ? null : i + 1;
  }

  /** The open notebook `id`; throws 'not-found'. */
  private doc(id: NotebookId): Doc {
    const d = this.docs.get(id);
    if (!d) throw hostError('not-found', `no open notebook ${id}`);
    return d;
  }

  /** The open notebook of `path`, if one is open. */
  private openAt(path: string): Doc | undefined {
    return [...this.docs.values()].find((d) => d.path === path);
  }

  /** Opens the file at `path` (a host-chosen path), or returns it when already open. */
  private openFile(path: string, origin: NotebookOrigin): OpenedNotebook {
    const already = this.openAt(path);
    if (already) return this.describe(already);
    return this.open(loadNotebook(path) as NbNotebook, basename(path), path, origin, false);
  }

  /** A new empty notebook named Untitled[-N].ipynb, not yet saved. */
  async newNotebook(): Promise<OpenedNotebook> {
    const untitled = new Set([...this.docs.values()].map((d) => d.name));
    let name = 'Untitled.ipynb';
    for (let i = 2; untitled.has(name); i++) name = `Untitled-${i}.ipynb`;
    return this.open(newNotebook() as NbNotebook, name, null, 'new', false);
  }

  /** The notebook the user picks in the native Open dialog; null when cancelled, 'unavailable' without dialogs. */
  async openNotebookDialog(): Promise<OpenedNotebook | null> {
    if (!this.options.dialogs) throw hostError('unavailable', 'no native dialogs in browser mode: open a file with the file picker or drop it on the page');
    const path = await this.options.dialogs.open();
    return path === null ? null : this.openFile(path, 'file');
  }

  /** Opens a file of the recent list; 'not-found' for any other path or a vanished file (then dropped from the list). */
  async openRecent(path: string): Promise<OpenedNotebook> {
    if (!this.recent.has(path)) throw hostError('not-found', `${path} is not on the recent-files list`);
    if (!existsSync(path)) {
      this.recent.remove(path);
      throw hostError('not-found', `${path} no longer exists; it was removed from the recent files`);
    }
    return this.openFile(path, 'recent');
  }

  /** The recent-files list, most recent first. */
  async listRecent() {
    return this.recent.list();
  }

  /** Empties the recent-files list. */
  async clearRecent(): Promise<void> {
    this.recent.clear();
  }

  /** The valid notebooks of the examples folder with their titles (invalid ones are skipped and reported on stderr). */
  async listExamples(): Promise<ExampleEntry[]> {
    let files: string[];
    try {
      files = readdirSync(this.options.examplesDir).filter((f) => f.endsWith('.ipynb')).sort();
    } catch {
      return [];
    }
    const out: ExampleEntry[] = [];
    for (const f of files) {
      try {
        out.push({ id: f, ...exampleSummary(parseNotebook(readFileSync(join(this.options.examplesDir, f), 'utf8')), f) });
      } catch (e) {
        process.stderr.write(`mmu-lab: skipping example ${f}: ${(e as Error).message}\n`);
      }
    }
    return out;
  }

  /** Opens an example as an unsaved copy; 'not-found' for a name that is not one. */
  async openExample(id: string): Promise<OpenedNotebook> {
    const examples = await this.listExamples();
    if (!examples.some((e) => e.id === id)) throw hostError('not-found', `no example named ${id}`);
    return this.open(loadNotebook(join(this.options.examplesDir, id)) as NbNotebook, id, null, 'example', false);
  }

  /** Opens dropped or picked notebook text as an unsaved notebook; 'format' or 'bad-request' when it cannot be. */
  async openNotebookContent(name: string, text: string): Promise<OpenedNotebook> {
    const file = notebookFileName(name);
    return this.open(parseNotebook(text) as NbNotebook, file, null, 'dropped', false);
  }

  // ---- editing state, saving, closing ----

  /** Records the renderer's document and dirty state (a clean state drops the recovery copy). */
  async notebookChanged(id: NotebookId, notebook: NbNotebook, dirty: boolean): Promise<void> {
    const doc = this.doc(id);
    const was = doc.dirty;
    doc.notebook = notebook;
    doc.dirty = dirty;
    doc.autosaved = false;
    if (!dirty) this.recovery.remove(doc.recoveryId);
    if (was !== dirty) this.options.onDocumentsChanged?.();
  }

  /** Writes `notebook` to `path` and records the doc as saved there. */
  private writeTo(doc: Doc, path: string, notebook: NbNotebook): SaveResult {
    saveNotebook(path, notebook as Notebook);
    Object.assign(doc, { path, name: basename(path), notebook, dirty: false, autosaved: true });
    if (doc.origin !== 'file' && doc.origin !== 'recent') doc.origin = 'file';
    this.recovery.remove(doc.recoveryId);
    this.recent.add(path);
    this.options.onDocumentsChanged?.();
    return { saved: true, name: doc.name, path };
  }

  /** Saves to the notebook's file, or asks for one (saveNotebookAs) when it has none. */
  async saveNotebook(id: NotebookId, notebook: NbNotebook): Promise<SaveResult> {
    const doc = this.doc(id);
    if (doc.path === null) return this.saveNotebookAs(id, notebook);
    return this.writeTo(doc, doc.path, notebook);
  }

  /** Saves under a name the user chose (dialog, or the notebooks folder in browser mode, never overwriting there). */
  async saveNotebookAs(id: NotebookId, notebook: NbNotebook, suggestedName?: string): Promise<SaveResult> {
    const doc = this.doc(id);
    const name = notebookFileName(suggestedName ?? doc.name);
    if (this.options.dialogs) {
      const path = await this.options.dialogs.save(name);
      return path === null ? { saved: false, name: doc.name, path: doc.path } : this.writeTo(doc, path, notebook);
    }
    if (!this.options.notebooksDir) throw hostError('unavailable', 'this host has no folder to save notebooks in');
    const path = join(this.options.notebooksDir, name);
    if (existsSync(path) && path !== doc.path) throw hostError('io', `${name} already exists in ${this.options.notebooksDir}; choose another name (nothing was written)`);
    return this.writeTo(doc, path, notebook);
  }

  /** Forgets the notebook, its recovery copy and its kernel. */
  async closeNotebook(id: NotebookId): Promise<void> {
    const doc = this.doc(id);
    this.docs.delete(id);
    this.recovery.remove(doc.recoveryId);
    this.options.onDocumentsChanged?.();
    await doc.session.dispose();
  }

  /** The open notebooks as the renderer sees them. */
  async listOpen(): Promise<OpenedNotebook[]> {
    return [...this.docs.values()].map((d) => this.describe(d));
  }

  /** The open notebooks with unsaved changes (for the window title and the quit confirmation). */
  dirtyNotebooks(): { id: NotebookId; name: string }[] {
    return [...this.docs.values()].filter((d) => d.dirty).map((d) => ({ id: d.id, name: d.name }));
  }

  // ---- autosave and recovery ----

  /** Writes every dirty notebook whose content changed since its last autosave. */
  autosave(): void {
    for (const doc of this.docs.values()) if (doc.dirty && !doc.autosaved) this.autosaveDoc(doc);
  }

  /** Writes one notebook's recovery copy (a failure is reported, never thrown: editing goes on). */
  private autosaveDoc(doc: Doc): void {
    try {
      this.recovery.write(doc.recoveryId, doc.name, doc.path, doc.notebook);
      doc.autosaved = true;
    } catch (e) {
      process.stderr.write(`mmu-lab: autosave of ${doc.name} failed: ${(e as Error).message}\n`);
    }
  }

  /** Notebooks autosaved by hosts that died (this host's own copies are not among them). */
  async listRecovered() {
    return this.recovery.listOrphans();
  }

  /** Opens a recovered notebook (dirty) and removes its old recovery copy once the new one is written. */
  async restoreRecovered(recoveryId: string): Promise<OpenedNotebook> {
    const r = this.recovery.take(recoveryId);
    const opened = this.open(r.notebook, r.name, r.path, 'recovered', true);
    this.recovery.remove(recoveryId);
    return opened;
  }

  /** Deletes a recovered notebook; 'not-found' when there is none by that id. */
  async discardRecovered(recoveryId: string): Promise<void> {
    this.recovery.take(recoveryId);
    this.recovery.remove(recoveryId);
  }

  // ---- kernel sessions ----

  /** Runs one cell in the notebook's kernel session. */
  async runCell(id: NotebookId, cell: CellRequest) {
    return this.doc(id).session.runCell(cell);
  }

  /** Runs cells in order in the notebook's kernel session. */
  async runAll(id: NotebookId, cells: CellRequest[]) {
    return this.doc(id).session.runAll(cells);
  }

  /** Stops the running cell of the notebook (within 100 ms). */
  async stop(id: NotebookId) {
    return this.doc(id).session.stop();
  }

  /** A fresh machine for the notebook, on `config` when given ('config' for a bad one, the old machine untouched). */
  async restartMachine(id: NotebookId, config?: Partial<MachineConfig>) {
    const session = this.doc(id).session;
    if (config !== undefined) LabHost.checkConfig(config);
    return session.restart(config, config === undefined ? 'restart' : 'config');
  }

  /** The notebook's machine config and parameter descriptions. */
  async getMachineConfig(id: NotebookId) {
    return this.doc(id).session.getConfig();
  }

  /** Rebuilds the notebook's machine on `config`; 'config' for a bad key or value, the old machine untouched. */
  async setMachineConfig(id: NotebookId, config: Partial<MachineConfig>) {
    const doc = this.doc(id);
    LabHost.checkConfig(config);
    const view = await doc.session.restart(config, 'config');
    doc.machineProblem = null;
    return view;
  }

  /** Throws 'config' naming the bad key or value of a partial machine config. */
  private static checkConfig(config: Partial<MachineConfig>): void {
    try {
      configView(config);
    } catch (e) {
      throw hostError('config', (e as Error).message);
    }
  }

  // ---- inspecting ----

  /** The live mms of the notebook's machine. */
  async listProcesses(id: NotebookId): Promise<ProcessInfo[]> {
    return (await this.doc(id).session.inspect({ op: 'processes' })) as ProcessInfo[];
  }

  /** The page-table tree and vmas of one mm of the notebook's machine. */
  async pageTableSnapshot(id: NotebookId, mmId: number, options?: { maxEntries?: number }): Promise<PageTableSnapshot> {
    const v = (await this.doc(id).session.inspect({ op: 'pagetable', mmId, maxEntries: options?.maxEntries })) as Omit<PageTableSnapshot, 'notebookId' | 'mmId'>;
    return { notebookId: id, mmId, ...v };
  }

  /** What the last cell changed in one mm's page tables. */
  async pageTableDiff(id: NotebookId, mmId: number): Promise<PageTableDiff> {
    const session = this.doc(id).session;
    const v = (await session.inspect({ op: 'diff', mmId })) as Omit<PageTableDiff, 'notebookId' | 'mmId' | 'cellId'>;
    return { notebookId: id, mmId, cellId: session.lastRunCellId, ...v };
  }

  /** The kernel log of the notebook's machine. */
  async dmesg(id: NotebookId): Promise<string[]> {
    return (await this.doc(id).session.inspect({ op: 'dmesg' })) as string[];
  }

  /** Every statistic of the notebook's machine. */
  async statsSnapshot(id: NotebookId): Promise<StatsSnapshot> {
    return (await this.doc(id).session.inspect({ op: 'stats' })) as StatsSnapshot;
  }

  /** Stops autosave and every kernel. Dirty notebooks keep their recovery copies. */
  async dispose(): Promise<void> {
    clearInterval(this.timer);
    this.autosave();
    const docs = [...this.docs.values()];
    this.docs.clear();
    await Promise.all(docs.map((d) => d.session.dispose()));
  }
}
