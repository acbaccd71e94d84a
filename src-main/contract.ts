// The host contract: EVERYTHING the renderer may ask of the host, and every event it may hear.
//
// Types only. The renderer imports this file with `import type` and nothing else of src-main.
// In Electron the preload implements HostApi over IPC and exposes it as `window.mmuLab`; in
// browser mode (`npm run serve`) the renderer implements HostApi itself over one WebSocket with
// the wire messages at the end of this file. The renderer cannot tell which.
//
// Conventions
// - Every method returns a Promise. A method that fails rejects with an Error whose message is
//   `<code>: <text for the user>`, code being a HostErrorCode (e.g. `not-found: no notebook 7`).
// - Every event is `onXxx(cb) → unsubscribe`; calling the returned function stops delivery.
// - Payloads are plain JSON (structured-clone safe): no classes, no functions, no bigint,
//   no typed arrays. 64-bit values (pte words) are hex strings.
// - The host owns files, kernels and machines. The renderer owns the notebook being edited and
//   tells the host about it (`notebookChanged`), so the host can autosave, mark the window
//   title and confirm closing unsaved work.
// - File access is only through dialogs, the recent list, the examples and dropped content:
//   the renderer never names a path the host has not given it.
//
// Stability: additive changes only (new optional fields, new methods, new event kinds).
import type { MachineConfig } from '../src-engine/params';
import type { ChartSpec, ChartSeries } from '../src-engine/lab/chart';
import type { StatsSnapshot } from '../src-engine/metrics/stats';
import type { RunSample } from '../src-engine/smp/scheduler';

export type { MachineConfig, ChartSpec, ChartSeries, StatsSnapshot, RunSample };

/** The MIME type under which a chart's data (a ChartSpec) sits in a display_data output. */
export type ChartMime = 'application/vnd.mmu-lab.chart+json';

// ---------------------------------------------------------------------------------------------
// Notebook documents (Jupyter nbformat 4.5, TypeScript code cells). Same shapes as
// src-main/notebook/notebook.ts, declared here so the renderer needs nothing of src-main.
// ---------------------------------------------------------------------------------------------

/** A string as nbformat stores it: one string, or lines each but the last ending in "\n". */
export type NbMultiline = string | string[];

export interface NbStreamOutput { output_type: 'stream'; name: 'stdout' | 'stderr'; text: NbMultiline }
/**
 * Rich output. `data` is a MIME bundle: always 'text/plain'; a chart adds ChartMime holding a
 * ChartSpec (and, once saved by a newer host, 'image/png' base64); a table adds 'text/html'
 * (render it sanitized, or better from its text: outputs are data, never code).
 */
export interface NbDisplayDataOutput { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown> }
export interface NbExecuteResultOutput { output_type: 'execute_result'; execution_count: number | null; data: Record<string, unknown>; metadata: Record<string, unknown> }
/**
 * An error. `traceback[0]` is "cell N, line L:C: Name: message" (the parts the host does not
 * know are left out); the rest is detail: more type errors, the fault address, dmesg lines.
 */
export interface NbErrorOutput { output_type: 'error'; ename: string; evalue: string; traceback: string[] }
export type NbOutput = NbStreamOutput | NbDisplayDataOutput | NbExecuteResultOutput | NbErrorOutput;

export interface NbCodeCell { id: string; cell_type: 'code'; metadata: Record<string, unknown> & { tags?: string[] }; source: NbMultiline; outputs: NbOutput[]; execution_count: number | null }
export interface NbMarkdownCell { id: string; cell_type: 'markdown'; metadata: Record<string, unknown>; source: NbMultiline }
export interface NbRawCell { id: string; cell_type: 'raw'; metadata: Record<string, unknown>; source: NbMultiline }
export type NbCell = NbCodeCell | NbMarkdownCell | NbRawCell;

/** What the lab keeps in notebook.metadata.mmu_lab: lab version, machine config (partial), seed. */
export interface NbLabMetadata { version: string; machine: Record<string, unknown>; seed?: number }

export interface NbNotebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: Record<string, unknown> & { mmu_lab?: NbLabMetadata };
  cells: NbCell[];
}

/** The host's handle of an open notebook (its kernel session has the same id). */
export type NotebookId = string;

/** How a notebook came to be open. */
export type NotebookOrigin = 'new' | 'file' | 'recent' | 'example' | 'dropped' | 'recovered';

/** An open notebook as the host hands it to the renderer. */
export interface OpenedNotebook {
  id: NotebookId;
  /** File name shown in the title and tab, e.g. "tlb-reach.ipynb" ("Untitled.ipynb" when new). */
  name: string;
  /**
   * Where Save writes, or null when Save must ask (new, example, dropped notebooks: examples
   * are opened as copies so the library is never overwritten). Show it, never edit it.
   */
  path: string | null;
  origin: NotebookOrigin;
  notebook: NbNotebook;
  /** True for a restored recovery (unsaved work); false otherwise. */
  dirty: boolean;
  /** The machine config the notebook's kernel runs: its metadata merged over the defaults. */
  machine: MachineConfig;
  /**
   * Why the notebook's own machine config (metadata.mmu_lab.machine) could not be used, when it
   * could not: the kernel then runs the default machine. Null when the config was used. The
   * notebook's metadata is left as it was; only a change in the machine panel replaces it.
   */
  machineProblem: string | null;
}

/** An entry of the recent-files list (most recent first). */
export interface RecentEntry { path: string; name: string; openedAt: string /* ISO 8601 */ }

/** A notebook of the example library (experiments/*.ipynb). */
export interface ExampleEntry {
  /** The file name, e.g. "tlb-reach.ipynb": the argument of openExample. */
  id: string;
  /** The first markdown heading of the notebook, or the file name. */
  title: string;
  /** The paragraph after that heading as plain text, cut to about 400 characters ('' when none). */
  description: string;
}

/** An unsaved notebook found in the recovery folder at start (after a crash or kill). */
export interface RecoveredNotebook {
  recoveryId: string;
  name: string;
  /** The file it was opened from, or null when it was never saved. */
  path: string | null;
  /** When the host autosaved it (ISO 8601). */
  savedAt: string;
  cellCount: number;
}

/** What a save did. `saved: false` means the user cancelled the dialog (nothing written). */
export interface SaveResult { saved: boolean; name: string; path: string | null }

// ---------------------------------------------------------------------------------------------
// Kernel sessions: one per open notebook. A session owns one sandbox worker that holds the
// machine and the cells' persistent scope (a top-level const/let/var/function/class of a cell
// is visible to the cells run after it, until the machine restarts).
// ---------------------------------------------------------------------------------------------

/** A code cell to run: its id (for routing outputs) and its TypeScript source. */
export interface CellRequest { cellId: string; source: string }

/** Kernel states: 'starting' (worker booting), 'idle', 'busy' (a cell runs), 'stopping', 'restarting'. */
export type KernelState = 'starting' | 'idle' | 'busy' | 'stopping' | 'restarting';

/** A TypeScript diagnostic on a cell, positions 1-based and relative to the cell's own source. */
export interface CellDiagnostic {
  cellId: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** TypeScript's error number (e.g. 2345), 0 for a syntax error found by the compiler. */
  code: number;
  message: string;
  severity: 'error' | 'warning';
}

/**
 * Why a cell failed: 'type' (TypeScript errors, nothing ran), 'syntax' (cannot compile, nothing
 * ran), 'runtime' (the script threw: an exception, SIGSEGV, Errno...), 'kernel-bug' (a KernelBug:
 * `dmesg` holds the lines around it), 'stopped' (Stop), 'time-limit', 'memory-limit', 'sandbox'
 * (the sandbox itself failed: a lab bug).
 */
export type CellErrorKind = 'type' | 'syntax' | 'runtime' | 'kernel-bug' | 'stopped' | 'time-limit' | 'memory-limit' | 'sandbox';

/** A failure located in the user's TypeScript (source-mapped back from the compiled code). */
export interface CellError {
  kind: CellErrorKind;
  /** Error name, e.g. 'TypeError', 'SIGSEGV', 'KernelBug', 'Stopped'. */
  name: string;
  message: string;
  /** 1-based position in the failing cell's source, or null when unknown. */
  line: number | null;
  column: number | null;
  /** The cell the error is in (may differ from the cell run, e.g. a function defined earlier). */
  cellId: string | null;
  /** The faulting address of a SIGSEGV/SIGBUS, else null. */
  address: number | null;
  /** For a KernelBug: the last dmesg lines; otherwise []. */
  dmesg: string[];
  /** For 'type': every diagnostic (also sent as onDiagnostics). */
  diagnostics: CellDiagnostic[];
}

/** How a cell run ended. `outputs` is the cell's complete output list, in order (store it). */
export interface CellResult {
  cellId: string;
  status: 'ok' | 'error';
  /** The execution count given to the cell, or null when it never ran (type/syntax error). */
  executionCount: number | null;
  outputs: NbOutput[];
  error: CellError | null;
  /** Host milliseconds the cell took. */
  durationMs: number;
  /** True when the machine (and the scope) was lost and restarted during this run (see onMachineReset). */
  machineReset: boolean;
}

/** How Run All ended: every cell's result until (and including) the first failure. */
export interface RunAllResult { status: 'ok' | 'error'; results: CellResult[]; failedCellId: string | null }

/** What Stop did. */
export interface StopResult {
  /** Whether a cell was running. */
  wasRunning: boolean;
  /**
   * False when the cell was interrupted at a safe point and the machine and scope are intact;
   * true when the sandbox had to be killed: a fresh machine (same config) replaces it and
   * onMachineReset says so.
   */
  machineLost: boolean;
  /**
   * Host milliseconds from the request until the cell had ended. After a kill the fresh kernel
   * may still be booting (a second or so): a runCell meanwhile simply waits for it.
   */
  elapsedMs: number;
}

/** One machine parameter as src-engine/params.ts declares it. */
export interface MachineParamInfo {
  name: keyof MachineConfig;
  type: 'integer' | 'boolean' | 'choice';
  default: number | boolean | string;
  /** Allowed values of a 'choice' parameter. */
  choices?: string[];
  /** Unit ('' when dimensionless), e.g. 'MiB', 'entries', 'cycles'. */
  unit: string;
  description: string;
  /** A grouping for the machine panel: 'machine', 'tlb', 'cost', 'kernel'. */
  group: 'machine' | 'tlb' | 'cost' | 'kernel';
}

/** The machine a session runs and what each parameter means. */
export interface MachineConfigView {
  /** The current values (the notebook's metadata over the defaults). */
  config: MachineConfig;
  /** Only the parameters that differ from their default: what belongs in metadata.mmu_lab.machine. */
  overrides: Partial<MachineConfig>;
  params: MachineParamInfo[];
}

/** Why a session's machine was replaced by a fresh one. */
export interface MachineResetEvent {
  notebookId: NotebookId;
  reason: 'restart' | 'config' | 'stopped' | 'crashed' | 'time-limit' | 'memory-limit';
  /** A sentence for the user, e.g. "The cell was killed; the machine and variables were reset." */
  message: string;
  config: MachineConfig;
}

/** Kernel status changes of a session. */
export interface KernelStatusEvent {
  notebookId: NotebookId;
  state: KernelState;
  /** The running cell while 'busy', else null. */
  cellId: string | null;
  /** During Run All: cells finished so far and the total; null otherwise. */
  progress: { done: number; total: number } | null;
}

/** An output of a running cell, streamed as it happens (then repeated in CellResult.outputs). */
export interface CellOutputEvent {
  notebookId: NotebookId;
  cellId: string;
  /** A stream output carries one or more whole lines (each ending in "\n"); append them. */
  output: NbOutput;
}

/** Cell lifecycle during runCell/runAll. */
export interface CellLifecycleEvent {
  notebookId: NotebookId;
  cellId: string;
  phase: 'started' | 'finished';
  executionCount: number | null;
  /** Set when phase is 'finished'. */
  result: CellResult | null;
}

/** Type errors of a cell found before running (also on CellResult.error.diagnostics). */
export interface DiagnosticsEvent { notebookId: NotebookId; cellId: string; diagnostics: CellDiagnostic[] }

/**
 * Live metrics from run_workloads while a cell runs, batched (~20 batches a second at most).
 * Each RunSample: t (simulated cycles since that run's start), tlb_hit_rate per CPU (null: no
 * accesses in the interval), faults and accesses so far in that run. `run` counts
 * run_workloads calls in this cell from 0, so a new run starts a new series.
 */
export interface MetricsEvent { notebookId: NotebookId; cellId: string; run: number; samples: RunSample[] }

// ---------------------------------------------------------------------------------------------
// Processes and page tables
// ---------------------------------------------------------------------------------------------

/** One address space (mm_struct) of the session's machine: the lab's notion of a process. */
export interface ProcessInfo {
  mmId: number;
  /** A label for lists, e.g. "mm 1". */
  label: string;
  /** pfn of the pgd page. */
  pgdPfn: number;
  vmaCount: number;
  /** Resident pages by counter: MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES. */
  rss: { file: number; anon: number; swapents: number; shmem: number };
  /** Page-table pages (pte level) and pmd pages. */
  nrPtes: number;
  nrPmds: number;
}

/** A VMA of an mm. Addresses are numbers (user addresses fit in 2^53). */
export interface VmaInfo {
  start: number;
  end: number;
  /** "rwxs"/"rw-p" as /proc/pid/maps prints it. */
  perms: string;
  /** Set VM_* flag names, e.g. ['VM_READ', 'VM_WRITE', 'VM_MAYREAD', ...]. */
  flags: string[];
  /** The mapped file's name, or null for anonymous memory. */
  file: string | null;
  pgoff: number;
  anon: boolean;
}

/** The struct page behind a pte (RAM pfns only; null for MMIO or the zero page's absence). */
export interface StructPageInfo {
  pfn: number;
  /** page_count (_refcount). */
  refcount: number;
  /** page_mapcount (_mapcount + 1). */
  mapcount: number;
  anon: boolean;
  /** Whether the page belongs to a file's page cache (page->mapping is an address_space). */
  file: boolean;
  /** Set PG_* flag names without the prefix, e.g. ['uptodate', 'dirty', 'lru', 'swapbacked']. */
  flags: string[];
  /** True for the shared zero page. */
  zeroPage: boolean;
}

/** Page-table levels, top down. */
export type PtLevel = 'pgd' | 'pud' | 'pmd' | 'pte';

/** One non-empty entry of a page-table page. */
export interface PtEntry {
  /** Index in its table (0..511). */
  index: number;
  /** First virtual address this entry maps. */
  va: number;
  /** Bytes of address space the entry covers (512 GiB, 1 GiB, 2 MiB or 4 KiB). */
  span: number;
  /** The raw 64-bit entry as 16 hex digits. */
  raw: string;
  present: boolean;
  rw: boolean;
  user: boolean;
  accessed: boolean;
  dirty: boolean;
  special: boolean;
  nx: boolean;
  /** A huge mapping (PSE) at pud/pmd level. */
  huge: boolean;
  /** A swap entry (not present, not none) at pte level. */
  swap: boolean;
  /** The pfn the entry points at: the next table, or the mapped frame. */
  pfn: number;
  /** For pte entries mapping RAM: the struct page; else null. */
  page: StructPageInfo | null;
  /** For upper levels: the next table (null when not present or huge or beyond the limit). */
  child: PtTable | null;
}

/** A page-table page: its level, pfn and non-empty entries (empty entries are omitted). */
export interface PtTable { level: PtLevel; pfn: number; entries: PtEntry[] }

/** A whole 4-level tree of one mm, with its VMAs alongside. */
export interface PageTableSnapshot {
  notebookId: NotebookId;
  mmId: number;
  /** The session's execution count when taken (0 before any cell). */
  executionCount: number;
  root: PtTable;
  vmas: VmaInfo[];
  /** Leaf entries reported (pte entries and huge entries). */
  leafCount: number;
  /** True when the tree was cut at `maxEntries` leaves (the rest is missing, not empty). */
  truncated: boolean;
}

/** How one entry changed between the snapshot before the last cell and now. */
export interface PtChange {
  level: PtLevel;
  va: number;
  kind: 'added' | 'removed' | 'changed';
  before: PtEntry | null;
  after: PtEntry | null;
  /** Names of the fields that changed: 'present', 'rw', 'dirty', 'pfn', 'refcount', 'mapcount'... */
  fields: string[];
}

/** Page-table changes of one mm made by the last cell run (children omitted from before/after). */
export interface PageTableDiff {
  notebookId: NotebookId;
  mmId: number;
  /** Execution counts compared: before the last cell and after it (null: no cell ran yet). */
  fromExecutionCount: number | null;
  toExecutionCount: number;
  /** The cell the diff is about, or null. */
  cellId: string | null;
  changes: PtChange[];
  /** True when either side was truncated (too many entries to compare fully). */
  truncated: boolean;
}

// ---------------------------------------------------------------------------------------------
// App, menus, declarations
// ---------------------------------------------------------------------------------------------

export interface AppInfo {
  /** The MMU Lab version (package.json). */
  version: string;
  /** Which transport the renderer is on. */
  mode: 'electron' | 'browser';
  /** process.platform of the host: 'linux', 'darwin', 'win32' (for shortcut labels). */
  platform: string;
  /**
   * Whether the host can show native open/save dialogs. False in browser mode: there the
   * renderer opens files with <input type=file> + openNotebookContent, and Save As asks the
   * user for a name and the host writes it into `notebooksDir`.
   */
  nativeDialogs: boolean;
  /** Browser mode: the folder Save As writes into (shown to the user); null in Electron. */
  notebooksDir: string | null;
}

/** The lab's TypeScript declarations for Monaco (addExtraLib each file; the globals are in them). */
export interface LabDeclarations {
  /** Files to register, e.g. { path: 'file:///mmu-lab/lab.d.ts', text }. */
  files: { path: string; text: string }[];
  /** Where the text comes from: the lab's own declaration file. */
  source: 'lab-dts';
}

/**
 * Commands from the native menu (Electron only; browser mode has no menu, the renderer binds
 * the same keys itself). The host handles Open, Open Recent, Examples and Restore itself and
 * then sends onNotebookOpened; everything that needs the renderer's document comes here.
 */
export type MenuCommand =
  | { command: 'new' }
  | { command: 'save' }
  | { command: 'save-as' }
  | { command: 'close' }
  | { command: 'run-cell' }
  | { command: 'run-all' }
  | { command: 'stop' }
  | { command: 'restart' }
  | { command: 'find' }
  | { command: 'toggle-theme' };

/** Error codes in a rejected call's message (`<code>: <text>`). */
export type HostErrorCode =
  | 'bad-request' // the call's shape is wrong (validated by schema)
  | 'not-found' // no such notebook, recent entry, example or recovery
  | 'format' // not a valid nbformat 4.5 TypeScript notebook
  | 'io' // the file system refused (the message says why; nothing was lost)
  | 'busy' // the session is running a cell; Stop first
  | 'config' // a machine parameter is unknown or out of range
  | 'unavailable' // not possible in this mode (e.g. a native dialog in browser mode)
  | 'internal'; // a bug of the host

// ---------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------

/** Removes the listener it was returned for. */
export type Unsubscribe = () => void;

export interface HostApi {
  // ---- app ----
  /** Version, transport, platform and whether native dialogs exist. */
  appInfo(): Promise<AppInfo>;
  /**
   * The lab's .d.ts for Monaco: its own self-contained declaration file (src-engine/lab-api.d.ts,
   * one file, source 'lab-dts'), every script global with its documentation: the same file
   * scripts and cells are type-checked against. Register every file with addExtraLib(text, path).
   */
  labDeclarations(): Promise<LabDeclarations>;
  /** Every machine parameter with default, unit, description and group (no session needed). */
  machineParams(): Promise<MachineParamInfo[]>;

  // ---- notebooks: opening ----
  /** A new empty notebook (default machine) with a started kernel session. */
  newNotebook(): Promise<OpenedNotebook>;
  /** Shows the native Open dialog (.ipynb); null when cancelled. Rejects 'unavailable' in browser mode. */
  openNotebookDialog(): Promise<OpenedNotebook | null>;
  /** Opens a file of the recent list (`path` must be one the list holds: else 'not-found'). */
  openRecent(path: string): Promise<OpenedNotebook>;
  /** The recent-files list, most recent first (at most 10). */
  listRecent(): Promise<RecentEntry[]>;
  /** Empties the recent-files list. */
  clearRecent(): Promise<void>;
  /** The example library (experiments/*.ipynb), sorted by file name. */
  listExamples(): Promise<ExampleEntry[]>;
  /** Opens an example as an unsaved copy (path null: Save asks where). */
  openExample(id: string): Promise<OpenedNotebook>;
  /**
   * Opens notebook text the user dropped on the window or picked with <input type=file>.
   * `name` is the file's base name (e.g. "x.ipynb"; a name with a folder is 'bad-request').
   * Rejects 'format' with every problem when the text is not a valid TypeScript nbformat 4.5
   * notebook. Never runs anything.
   */
  openNotebookContent(name: string, text: string): Promise<OpenedNotebook>;

  // ---- notebooks: editing state, saving, closing ----
  /**
   * Tells the host the renderer's current document and whether it has unsaved changes. Call it
   * after edits (debounced, ~1 s) and after every cell run; the host autosaves dirty notebooks
   * to the recovery folder every few seconds, marks the window title, and confirms quitting.
   */
  notebookChanged(id: NotebookId, notebook: NbNotebook, dirty: boolean): Promise<void>;
  /** Saves `notebook` to the notebook's path (atomically); without a path behaves as saveNotebookAs. */
  saveNotebook(id: NotebookId, notebook: NbNotebook): Promise<SaveResult>;
  /**
   * Saves under a new file chosen by the user: the native Save dialog (Electron, `suggestedName`
   * prefilled) or, in browser mode, `suggestedName` (a base name; ".ipynb" added when missing)
   * in AppInfo.notebooksDir, where an existing file of that name is never overwritten ('io':
   * ask for another name). The notebook then lives at the new path and joins the recent list.
   */
  saveNotebookAs(id: NotebookId, notebook: NbNotebook, suggestedName?: string): Promise<SaveResult>;
  /** Closes the notebook: stops its kernel, drops its recovery copy. Ask the user first if dirty. */
  closeNotebook(id: NotebookId): Promise<void>;
  /** Open notebooks of this host (after a renderer reload, re-attach to them). */
  listOpen(): Promise<OpenedNotebook[]>;

  // ---- crash recovery ----
  /** Unsaved notebooks autosaved before the last crash or kill (offer them at start). */
  listRecovered(): Promise<RecoveredNotebook[]>;
  /** Opens a recovered notebook (dirty, with its original path if it had one) and removes it from the list. */
  restoreRecovered(recoveryId: string): Promise<OpenedNotebook>;
  /** Deletes a recovered notebook for good. */
  discardRecovered(recoveryId: string): Promise<void>;

  // ---- kernel sessions ----
  /**
   * Type-checks and runs one code cell in the notebook's session, in the persistent scope.
   * Outputs stream as onCellOutput; resolves with the complete result when the cell ends (an
   * error in the cell resolves with status 'error', it does not reject). Rejects 'busy' when a
   * cell is already running in this session.
   */
  runCell(id: NotebookId, cell: CellRequest): Promise<CellResult>;
  /**
   * Runs `cells` in order in the current scope (no restart), stopping at the first failure.
   * All cells are type-checked first: a type error anywhere runs nothing. onKernelStatus
   * carries progress.
   */
  runAll(id: NotebookId, cells: CellRequest[]): Promise<RunAllResult>;
  /**
   * Stops the running cell within 100 ms: first at a safe point (the machine and scope stay);
   * a cell stuck elsewhere is killed with its sandbox and a fresh machine (same config) takes
   * over, announced by onMachineReset. The session stays usable either way.
   */
  stop(id: NotebookId): Promise<StopResult>;
  /** A fresh machine and an empty scope; `config` (partial) replaces the machine config if given. */
  restartMachine(id: NotebookId, config?: Partial<MachineConfig>): Promise<MachineConfigView>;
  /** The session's machine config with each parameter's default, unit and description. */
  getMachineConfig(id: NotebookId): Promise<MachineConfigView>;
  /**
   * Validates `config` (a partial, merged over the defaults, not over the current values),
   * restarts the machine with it (onMachineReset, reason 'config') and returns the view.
   * Rejects 'config' naming the bad key or value; the running machine is then untouched.
   * Store `overrides` in metadata.mmu_lab.machine.
   */
  setMachineConfig(id: NotebookId, config: Partial<MachineConfig>): Promise<MachineConfigView>;

  // ---- inspecting the machine ----
  // The five questions below are answered between cells: while a cell runs they reject 'busy'.
  /** The mms (processes) alive on the session's machine. */
  listProcesses(id: NotebookId): Promise<ProcessInfo[]>;
  /** The page-table tree of mm `mmId` with its VMAs (at most `maxEntries` leaves, default 4096). */
  pageTableSnapshot(id: NotebookId, mmId: number, options?: { maxEntries?: number }): Promise<PageTableSnapshot>;
  /**
   * What the last cell run changed in mm `mmId`'s page tables (every level). 'not-found' when
   * the mm existed neither before nor after that cell.
   */
  pageTableDiff(id: NotebookId, mmId: number): Promise<PageTableDiff>;
  /** The kernel log of the session's machine (all lines). */
  dmesg(id: NotebookId): Promise<string[]>;
  /** Every statistic of the session's machine now (counters, formulas, histograms). */
  statsSnapshot(id: NotebookId): Promise<StatsSnapshot>;

  // ---- events ----
  /** A notebook the host opened on its own (menu Open/Recent/Examples/Restore, file association). */
  onNotebookOpened(cb: (nb: OpenedNotebook) => void): Unsubscribe;
  /** A native menu command for the focused notebook (Electron). */
  onMenuCommand(cb: (cmd: MenuCommand) => void): Unsubscribe;
  /** Kernel state changes (idle/busy/...), with Run All progress. */
  onKernelStatus(cb: (e: KernelStatusEvent) => void): Unsubscribe;
  /** A cell started or finished. */
  onCellLifecycle(cb: (e: CellLifecycleEvent) => void): Unsubscribe;
  /** An output of a running cell. */
  onCellOutput(cb: (e: CellOutputEvent) => void): Unsubscribe;
  /** Type errors found before a cell ran (show them as squiggles). */
  onDiagnostics(cb: (e: DiagnosticsEvent) => void): Unsubscribe;
  /** Live run_workloads samples while a cell runs. */
  onMetrics(cb: (e: MetricsEvent) => void): Unsubscribe;
  /** A session's machine was replaced (restart, new config, or a killed/crashed sandbox). */
  onMachineReset(cb: (e: MachineResetEvent) => void): Unsubscribe;
}

/** The method names of HostApi (requests). */
export type HostMethod = { [K in keyof HostApi]: K extends `on${string}` ? never : K }[keyof HostApi];

/** The event names of HostApi (`onCellOutput` → 'cellOutput' on the wire). */
export type HostEventName = 'notebookOpened' | 'menuCommand' | 'kernelStatus' | 'cellLifecycle' | 'cellOutput' | 'diagnostics' | 'metrics' | 'machineReset';

/** The payload type of each event. */
export interface HostEventPayloads {
  notebookOpened: OpenedNotebook;
  menuCommand: MenuCommand;
  kernelStatus: KernelStatusEvent;
  cellLifecycle: CellLifecycleEvent;
  cellOutput: CellOutputEvent;
  diagnostics: DiagnosticsEvent;
  metrics: MetricsEvent;
  machineReset: MachineResetEvent;
}

/** The argument tuple and the resolved value of each method. */
export type HostArgs<M extends HostMethod> = Parameters<HostApi[M]>;
export type HostResult<M extends HostMethod> = Awaited<ReturnType<HostApi[M]>>;

// ---------------------------------------------------------------------------------------------
// Browser mode: the wire protocol over one WebSocket.
//
// The page is served from http://127.0.0.1:<port>/ and opened as
// http://127.0.0.1:<port>/?token=<token>. The renderer connects to
// ws://127.0.0.1:<port>/ws?token=<token> (same origin; the host rejects another Origin or a
// wrong token with HTTP 403 before the upgrade). Every frame is one JSON text message.
// Renderer → host: WireRequest. Host → renderer: WireResponse (exactly one per request id) and
// WireEvent (any time). A request with a bad shape gets a response with ok: false,
// code 'bad-request'; a frame that is not JSON or has no numeric id closes the socket (1008).
// Events go to every connected page (a second tab sees the same notebooks).
// ---------------------------------------------------------------------------------------------

export interface WireRequest<M extends HostMethod = HostMethod> {
  kind: 'request';
  /** Chosen by the renderer, unique per connection (a counter). */
  id: number;
  method: M;
  args: HostArgs<M>;
}

export type WireResponse =
  | { kind: 'response'; id: number; ok: true; value: unknown }
  | { kind: 'response'; id: number; ok: false; error: { code: HostErrorCode; message: string } };

export interface WireEvent<E extends HostEventName = HostEventName> {
  kind: 'event';
  event: E;
  payload: HostEventPayloads[E];
}

/** Host → renderer frames. */
export type WireMessage = WireResponse | WireEvent;

/** The path of the WebSocket endpoint and the name of the token query parameter. */
export type WirePath = '/ws';
export type WireTokenParam = 'token';
