// A kernel session: one notebook's machine and cell scope, held by a kernel worker
// (src-main/runner/kernel-worker.ts). Runs cells (type-check, rewrite, compile, run, map errors
// back to the cell), streams their outputs as events, stops runaway cells (at a safe point when
// it can, by killing the worker and booting a fresh machine when it must), and answers the
// page-table, process, dmesg and stats questions of the UI.
import { Worker } from 'node:worker_threads';
import { workerBootstrap } from '../runner/sandbox';
import type { KernelReply, KernelRequest } from '../runner/kernel-worker';
import { compileScript, ScriptCompileError, type CompiledScript } from '../cli/run-script';
import { transformCell, type TransformedCell } from './cell-transform';
import { checkCells } from './typecheck-client';
import { configView } from './params-view';
import type {
  CellDiagnostic, CellError, CellErrorKind, CellRequest, CellResult, KernelState, MachineConfig, MachineConfigView,
  MachineResetEvent, NbOutput, NotebookId, RunAllResult, StopResult, KernelStatusEvent, CellLifecycleEvent,
  CellOutputEvent, DiagnosticsEvent, MetricsEvent, RunSample,
} from '../contract';

/** Where a session's events go (the host fans them out to the transports). */
export interface SessionEvents {
  kernelStatus(e: KernelStatusEvent): void;
  cellLifecycle(e: CellLifecycleEvent): void;
  cellOutput(e: CellOutputEvent): void;
  diagnostics(e: DiagnosticsEvent): void;
  metrics(e: MetricsEvent): void;
  machineReset(e: MachineResetEvent): void;
}

export interface SessionOptions {
  /** Wall-clock limit of one cell in ms (default 10 minutes). */
  timeoutMs?: number;
  /** Heap limit of the kernel worker in MiB (default 2048). */
  memoryMb?: number;
  /** How long Stop waits for a safe-point interrupt before it kills the worker (default 25 ms). */
  interruptGraceMs?: number;
  /** The 1-based number of a cell in the notebook, for error texts (null when unknown). */
  cellNumber?: (cellId: string) => number | null;
  /** Type-check cells before running them (default true). */
  typecheck?: boolean;
}

/** What the host needs of a compiled run to map an error back. */
interface RunMap { cellId: string; script: CompiledScript; cell: TransformedCell }

/** The running cell: its request, collected outputs, and how to finish it. */
interface Running {
  runId: number;
  cellId: string;
  executionCount: number;
  started: number;
  outputs: NbOutput[];
  pending: string[];
  flushTimer: ReturnType<typeof setTimeout> | null;
  limitTimer: ReturnType<typeof setTimeout> | null;
  /** Set by Stop before the cell reached the kernel (during its type check, compile or boot wait). */
  cancelled: boolean;
  finish(reply: Extract<KernelReply, { t: 'done' | 'error' }> | { t: 'killed'; kind: CellErrorKind; name: string; message: string }): void;
}

/** A kernel worker and its boot promise. */
interface Kernel { worker: Worker; ready: Promise<void>; flag: Int32Array; alive: boolean }

const BODY_PREFIX_LENGTH = '"use strict";{'.length;

/** A session error whose message starts with a HostErrorCode. */
const hostError = (code: string, text: string): Error => new Error(`${code}: ${text}`);

export class KernelSession {
  /** The kernel worker, started on first use (opening a notebook boots no machine). */
  private kernel: Kernel | null = null;
  private config: MachineConfig;
  private state: KernelState = 'idle';
  private running: Running | null = null;
  private runIds = 0;
  private executionCount = 0;
  private lastCellId: string | null = null;
  private readonly history = new Map<string, string>();
  private readonly maps = new Map<string, RunMap>();
  private readonly replies = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private reqIds = 0;
  private disposed = false;
  private progress: { done: number; total: number } | null = null;

  /** A session on `machine` (a partial config over the defaults); its kernel starts on first use. */
  constructor(readonly notebookId: NotebookId, machine: Partial<MachineConfig>, private readonly events: SessionEvents, private readonly options: SessionOptions = {}) {
    this.config = configView(machine).config;
  }

  /** The kernel, started now if there is none. */
  private live(): Kernel {
    if (!this.kernel) this.spawn();
    return this.kernel!;
  }

  /** Starts a kernel worker on the current config; its `ready` settles when the machine is up. */
  private spawn(): void {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(workerBootstrap('kernel-worker'), {
      eval: true,
      workerData: { config: this.config, flag: flag.buffer },
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb ?? 2048 },
      stdout: false,
      stderr: false,
    });
    const kernel: Kernel = { worker, flag, alive: true, ready: Promise.resolve() };
    kernel.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: KernelReply) => {
        if (m.t === 'ready') { this.setState('idle'); resolve(); } else if (m.t === 'boot-failed') reject(new Error(`internal: the kernel could not start: ${m.message}`));
        else this.onReply(m);
      });
      worker.on('error', (e) => { reject(e); this.onWorkerDeath(kernel, /memory/i.test(e.message) ? 'memory-limit' : 'crashed', e.message); });
      worker.on('exit', (code) => { reject(new Error(`internal: the kernel exited (code ${code})`)); this.onWorkerDeath(kernel, 'crashed', `the kernel exited (code ${code})`); });
    });
    kernel.ready.catch(() => {}); // reported to whoever awaits it
    this.kernel = kernel;
    this.setState('starting');
  }

  /** Sends a status event when the state (or Run All progress) changes. */
  private setState(state: KernelState): void {
    this.state = state;
    this.events.kernelStatus({ notebookId: this.notebookId, state, cellId: state === 'busy' || state === 'stopping' ? (this.running?.cellId ?? null) : null, progress: this.progress });
  }

  /** The session's kernel state. */
  get kernelState(): KernelState { return this.state; }

  /** Handles one message of the worker (outputs, the end of a run, inspection replies). */
  private onReply(m: KernelReply): void {
    const r = this.running;
    switch (m.t) {
      case 'print':
        if (r && m.runId === r.runId) { r.pending.push(`${m.line}\n`); r.flushTimer ??= setTimeout(() => this.flushText(r), 30); }
        break;
      case 'display':
        if (r && m.runId === r.runId) { this.flushText(r); this.emitOutput(r, { output_type: 'display_data', data: m.bundle, metadata: {} }); }
        break;
      case 'samples':
        if (r && m.runId === r.runId) this.events.metrics({ notebookId: this.notebookId, cellId: r.cellId, run: m.run, samples: m.samples as RunSample[] });
        break;
      case 'done': case 'error':
        if (r && m.runId === r.runId) r.finish(m);
        break;
      case 'reply': {
        const p = this.replies.get(m.reqId);
        this.replies.delete(m.reqId);
        if (p) { if (m.ok) p.resolve(m.value); else p.reject(new Error(m.message.startsWith('not-found:') ? m.message : `internal: ${m.message}`)); }
        break;
      }
    }
  }

  /** Moves the running cell's pending print lines into one stream output (merged with a stream just before). */
  private flushText(r: Running): void {
    if (r.flushTimer) { clearTimeout(r.flushTimer); r.flushTimer = null; }
    if (!r.pending.length) return;
    const text = r.pending.join('');
    r.pending = [];
    const last = r.outputs[r.outputs.length - 1];
    if (last?.output_type === 'stream' && last.name === 'stdout') last.text = `${last.text as string}${text}`;
    else r.outputs.push({ output_type: 'stream', name: 'stdout', text });
    this.events.cellOutput({ notebookId: this.notebookId, cellId: r.cellId, output: { output_type: 'stream', name: 'stdout', text } });
  }

  /** Records an output of the running cell and streams it. */
  private emitOutput(r: Running, output: NbOutput): void {
    r.outputs.push(output);
    this.events.cellOutput({ notebookId: this.notebookId, cellId: r.cellId, output });
  }

  /** A worker died on its own (crash, memory limit): fail the running cell, boot a fresh machine. */
  private onWorkerDeath(kernel: Kernel, reason: 'crashed' | 'memory-limit', message: string): void {
    if (!kernel.alive || this.disposed) return;
    kernel.alive = false;
    const kind: CellErrorKind = reason === 'memory-limit' ? 'memory-limit' : 'sandbox';
    this.running?.finish({ t: 'killed', kind, name: reason === 'memory-limit' ? 'MemoryLimit' : 'KernelDied', message });
    this.replaceMachine(reason, reason === 'memory-limit' ? 'The cell ran out of memory; the machine and variables were reset.' : `The kernel died (${message}); the machine and variables were reset.`);
  }

  /** Boots a fresh machine on the current config after the old one was lost, and says so. */
  private replaceMachine(reason: MachineResetEvent['reason'], message: string): void {
    for (const p of this.replies.values()) p.reject(new Error('unavailable: the machine was reset'));
    this.replies.clear();
    this.history.clear();
    this.maps.clear();
    this.executionCount = 0;
    this.lastCellId = null;
    this.spawn();
    this.events.machineReset({ notebookId: this.notebookId, reason, message, config: this.config });
  }

  /** Kills the worker (if alive) and waits for it to be gone. */
  private async kill(kernel: Kernel): Promise<void> {
    kernel.alive = false;
    await kernel.worker.terminate();
  }

  /** The sources of the cells run since the machine started, except `except`, in run order. */
  private priorSources(except: ReadonlySet<string>): string[] {
    return [...this.history].filter(([id]) => !except.has(id)).map(([, s]) => s);
  }

  /** Type errors of `cells` in the current scope, grouped per cell, announced as events. */
  private async typeErrors(cells: readonly CellRequest[]): Promise<Map<string, CellDiagnostic[]>> {
    const out = new Map<string, CellDiagnostic[]>();
    if (this.options.typecheck === false) return out;
    for (const d of await checkCells(this.priorSources(new Set(cells.map((c) => c.cellId))), cells)) {
      out.set(d.cellId, [...(out.get(d.cellId) ?? []), d]);
    }
    for (const [cellId, diagnostics] of out) this.events.diagnostics({ notebookId: this.notebookId, cellId, diagnostics });
    return out;
  }

  /** "cell N, " for error texts, or '' when the cell's number is unknown. */
  private cellLabel(cellId: string | null): string {
    const n = cellId === null ? null : (this.options.cellNumber?.(cellId) ?? null);
    return n === null ? '' : `cell ${n}, `;
  }

  /** The nbformat error output of a CellError. */
  private errorOutput(e: CellError): NbOutput {
    const where = `${this.cellLabel(e.cellId)}${e.line !== null ? `line ${e.line}${e.column !== null ? `:${e.column}` : ''}: ` : ''}`;
    const detail = [
      ...e.diagnostics.slice(1).map((d) => `line ${d.line}:${d.column}: TS${d.code}: ${d.message}`),
      ...(e.address !== null ? [`fault address: 0x${e.address.toString(16)}`] : []),
      ...(e.kind === 'kernel-bug' ? [e.dmesg.length ? 'last dmesg lines:' : 'dmesg is empty', ...e.dmesg.map((l) => `    ${l}`)] : []),
    ];
    return { output_type: 'error', ename: e.name, evalue: e.message, traceback: [`${where}${e.name}: ${e.message}`, ...detail] };
  }

  /** A finished result that never ran (type or syntax error). */
  private notRun(cell: CellRequest, error: CellError, started: number): CellResult {
    const result: CellResult = { cellId: cell.cellId, status: 'error', executionCount: null, outputs: [this.errorOutput(error)], error, durationMs: Date.now() - started, machineReset: false };
    this.events.cellLifecycle({ notebookId: this.notebookId, cellId: cell.cellId, phase: 'finished', executionCount: null, result });
    return result;
  }

  /** The CellError of type diagnostics. */
  private static typeError(cellId: string, ds: CellDiagnostic[]): CellError {
    const d = ds[0]!;
    return { kind: 'type', name: 'TypeError', message: `TS${d.code}: ${d.message}`, line: d.line, column: d.column, cellId, address: null, dmesg: [], diagnostics: ds };
  }

  /** Compiles a cell: rewritten for the scope and Stop, then esbuild; a SyntaxError CellError on failure. */
  private async compile(cell: CellRequest): Promise<{ script: CompiledScript; transformed: TransformedCell } | CellError> {
    const transformed = transformCell(cell.source);
    try {
      return { script: await compileScript(transformed.source, 'cell'), transformed };
    } catch (err) {
      if (!(err instanceof ScriptCompileError)) throw err;
      const m = /^cell:(\d+):(\d+): error: (.*)$/m.exec(err.report);
      const at = m ? transformed.toOriginal(Number(m[1]), Number(m[2])) : null;
      return { kind: 'syntax', name: 'SyntaxError', message: m ? m[3]! : err.report.replace(/^cell: error: /, ''), line: at?.line ?? null, column: at?.column ?? null, cellId: cell.cellId, address: null, dmesg: [], diagnostics: [] };
    }
  }

  /** Where in which cell a kernel error frame points, mapped back to the user's TypeScript. */
  private locate(frame: { url: string; line: number; column: number } | null): { cellId: string; line: number; column: number } | null {
    const map = frame ? this.maps.get(frame.url) : undefined;
    if (!frame || !map) return null;
    const column = frame.line === 1 ? frame.column - BODY_PREFIX_LENGTH : frame.column;
    const origin = map.script.map.findOrigin(frame.line, column) as { lineNumber?: number; columnNumber?: number };
    if (origin.lineNumber === undefined) return null;
    const at = map.cell.toOriginal(origin.lineNumber, origin.columnNumber ?? 1);
    return { cellId: map.cellId, ...at };
  }

  /** The CellError of a run that ended badly. */
  private runError(cellId: string, reply: Extract<KernelReply, { t: 'error' }> | { t: 'killed'; kind: CellErrorKind; name: string; message: string }): CellError {
    if (reply.t === 'killed') return { kind: reply.kind, name: reply.name, message: reply.message, line: null, column: null, cellId, address: null, dmesg: [], diagnostics: [] };
    const at = this.locate(reply.frame);
    const kind: CellErrorKind = reply.name === 'Interrupted' ? 'stopped' : reply.name === 'KernelBug' ? 'kernel-bug' : 'runtime';
    return { kind, name: reply.name, message: reply.message, line: at?.line ?? null, column: at?.column ?? null, cellId: at?.cellId ?? cellId, address: reply.address, dmesg: kind === 'kernel-bug' ? reply.dmesg : [], diagnostics: [] };
  }

  /**
   * Runs one cell (see HostApi.runCell). `checked` skips the type check (Run All checked
   * already). Rejects 'busy' while another cell runs.
   */
  async runCell(cell: CellRequest, checked = false): Promise<CellResult> {
    if (this.running || this.state === 'stopping') throw hostError('busy', 'a cell is running in this notebook; stop it first');
    const started = Date.now();
    const placeholder = this.reserve(cell.cellId);
    try {
      const stopped: CellError = { kind: 'stopped', name: 'Stopped', message: 'the cell was stopped before it ran', line: null, column: null, cellId: cell.cellId, address: null, dmesg: [], diagnostics: [] };
      if (!checked) {
        const errs = (await this.typeErrors([cell])).get(cell.cellId);
        if (placeholder.cancelled) return this.notRun(cell, stopped, started);
        if (errs?.length) return this.notRun(cell, KernelSession.typeError(cell.cellId, errs), started);
      }
      const compiled = await this.compile(cell);
      if ('kind' in compiled) return this.notRun(cell, compiled, started);
      await this.live().ready;
      if (placeholder.cancelled) return this.notRun(cell, stopped, started);
      return await this.execute(cell, compiled, started, placeholder);
    } finally {
      if (this.running === placeholder) this.running = null;
    }
  }

  /** Marks the session busy before the async steps of a run, so a second runCell is refused. */
  private reserve(cellId: string): Running {
    const r: Running = { runId: -1, cellId, executionCount: 0, started: Date.now(), outputs: [], pending: [], flushTimer: null, limitTimer: null, cancelled: false, finish: () => {} };
    this.running = r;
    return r;
  }

  /** Runs a compiled cell on the kernel; resolves when it ends, is stopped, or the kernel dies. */
  private execute(cell: CellRequest, compiled: { script: CompiledScript; transformed: TransformedCell }, started: number, r: Running): Promise<CellResult> {
    const runId = ++this.runIds;
    const url = `mmu-cell-${runId}`;
    this.maps.set(url, { cellId: cell.cellId, script: compiled.script, cell: compiled.transformed });
    const executionCount = ++this.executionCount;
    Object.assign(r, { runId, executionCount, started });
    const kernel = this.live();
    Atomics.store(kernel.flag, 0, 0);
    this.history.delete(cell.cellId);
    this.history.set(cell.cellId, cell.source);
    this.lastCellId = cell.cellId;
    return new Promise<CellResult>((resolve) => {
      let machineReset = false;
      r.finish = (reply) => {
        if (this.running !== r) return;
        this.flushText(r);
        if (r.limitTimer) clearTimeout(r.limitTimer);
        this.running = null;
        machineReset = reply.t === 'killed';
        const error = reply.t === 'done' ? null : this.runError(cell.cellId, reply);
        if (error) this.emitOutput(r, this.errorOutput(error));
        const result: CellResult = { cellId: cell.cellId, status: error ? 'error' : 'ok', executionCount, outputs: r.outputs, error, durationMs: Date.now() - started, machineReset };
        this.events.cellLifecycle({ notebookId: this.notebookId, cellId: cell.cellId, phase: 'finished', executionCount, result });
        if (!machineReset) this.setState('idle');
        resolve(result);
      };
      const limit = this.options.timeoutMs ?? 600_000;
      r.limitTimer = setTimeout(() => void this.interrupt('time-limit'), limit);
      this.events.cellLifecycle({ notebookId: this.notebookId, cellId: cell.cellId, phase: 'started', executionCount, result: null });
      this.setState('busy');
      kernel.worker.postMessage({ t: 'run', runId, body: compiled.script.body, url, executionCount } satisfies KernelRequest);
    });
  }

  /**
   * Ends the running cell: raise the Stop flag, wait up to the grace period for a safe-point
   * interrupt, else kill the worker and boot a fresh machine. Resolves once the cell has ended.
   */
  private async interrupt(why: 'stopped' | 'time-limit'): Promise<StopResult> {
    const t0 = performance.now();
    const r = this.running;
    if (!r) return { wasRunning: false, machineLost: false, elapsedMs: 0 };
    if (r.runId < 0) { // not on the kernel yet: it will not go there
      r.cancelled = true;
      return { wasRunning: true, machineLost: false, elapsedMs: performance.now() - t0 };
    }
    this.setState('stopping');
    const kernel = this.live();
    Atomics.store(kernel.flag, 0, 1);
    const ended = await new Promise<boolean>((resolve) => {
      const finish = r.finish;
      const timer = setTimeout(() => resolve(false), this.options.interruptGraceMs ?? 25);
      r.finish = (reply) => { clearTimeout(timer); finish(reply); resolve(true); };
    });
    if (ended) {
      if (why === 'time-limit' && r.outputs.length) {
        const last = r.outputs[r.outputs.length - 1]!;
        if (last.output_type === 'error') last.traceback.push(`stopped after the time limit of ${this.options.timeoutMs ?? 600_000} ms`);
      }
      return { wasRunning: true, machineLost: false, elapsedMs: performance.now() - t0 };
    }
    // The worker may take a while to honour terminate() inside a long native call; the cell is
    // over for the user now, and the old worker dies in the background.
    kernel.alive = false;
    void kernel.worker.terminate();
    const limitText = why === 'time-limit' ? `stopped after the time limit of ${this.options.timeoutMs ?? 600_000} ms` : 'the cell was stopped';
    r.finish({ t: 'killed', kind: why === 'time-limit' ? 'time-limit' : 'stopped', name: why === 'time-limit' ? 'TimeLimit' : 'Stopped', message: `${limitText}; it did not reach a safe point, so its machine was discarded` });
    const elapsedMs = performance.now() - t0;
    this.replaceMachine(why, 'The cell had to be killed; the machine and variables were reset (same config).');
    return { wasRunning: true, machineLost: true, elapsedMs };
  }

  /** Stops the running cell within 100 ms (see HostApi.stop). */
  stop(): Promise<StopResult> {
    return this.interrupt('stopped');
  }

  /** Runs cells in order after checking them all (see HostApi.runAll). */
  async runAll(cells: readonly CellRequest[]): Promise<RunAllResult> {
    if (this.running) throw hostError('busy', 'a cell is running in this notebook; stop it first');
    const results: CellResult[] = [];
    const errs = await this.typeErrors(cells);
    if (errs.size) {
      const first = cells.find((c) => errs.has(c.cellId))!;
      const started = Date.now();
      for (const c of cells) if (errs.has(c.cellId)) results.push(this.notRun(c, KernelSession.typeError(c.cellId, errs.get(c.cellId)!), started));
      return { status: 'error', results, failedCellId: first.cellId };
    }
    try {
      for (let i = 0; i < cells.length; i++) {
        this.progress = { done: i, total: cells.length };
        const result = await this.runCell(cells[i]!, true);
        results.push(result);
        if (result.status === 'error') return { status: 'error', results, failedCellId: result.cellId };
      }
      return { status: 'ok', results, failedCellId: null };
    } finally {
      this.progress = null;
      if (this.state === 'idle') this.setState('idle');
    }
  }

  /** A fresh machine and scope, on `config` (a partial over the defaults) when given. */
  async restart(config?: Partial<MachineConfig>, reason: MachineResetEvent['reason'] = 'restart'): Promise<MachineConfigView> {
    const view = configView(config === undefined ? this.config : config);
    if (this.running) await this.stop();
    this.config = view.config;
    this.setState('restarting');
    if (this.kernel) await this.kill(this.kernel);
    this.replaceMachine(reason, reason === 'config' ? 'The machine was rebuilt with the new configuration.' : 'The machine was restarted.');
    await this.live().ready;
    return view;
  }

  /** The session's machine config view. */
  getConfig(): MachineConfigView {
    return configView(this.config);
  }

  /** Asks the kernel worker; rejects 'busy' while a cell runs (the worker answers between cells). */
  async inspect(req: { op: 'processes' | 'dmesg' | 'stats' } | { op: 'pagetable' | 'diff'; mmId: number; maxEntries?: number }): Promise<unknown> {
    if (this.running) throw hostError('busy', 'a cell is running; inspect the machine when it ends');
    const kernel = this.live();
    await kernel.ready;
    const reqId = ++this.reqIds;
    return new Promise((resolve, reject) => {
      this.replies.set(reqId, { resolve, reject });
      kernel.worker.postMessage({ t: 'inspect', reqId, ...req } as KernelRequest);
    });
  }

  /** The cell the last run was of (for page-table diffs). */
  get lastRunCellId(): string | null { return this.lastCellId; }

  /** Ends the session: kills its worker; no more events. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.running?.finish({ t: 'killed', kind: 'stopped', name: 'Stopped', message: 'the notebook was closed' });
    if (this.kernel) await this.kill(this.kernel);
  }
}
