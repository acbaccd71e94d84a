// A notebook's kernel: a worker thread that holds one machine (the lab) and the cells' scope for
// as long as the session lives. SES locks the intrinsics; every cell is evaluated in ONE
// Compartment, as a function that receives the lab API as parameters (fast calls), and
// publishes its top-level declarations to the Compartment's globalThis (see
// src-main/kernel/cell-transform.ts), which is the persistent scope later cells read.
// Stop: the host raises a shared flag; loop bodies and run_workloads check it and the cell ends
// with an 'Interrupted' error at a safe point. A cell stuck elsewhere is killed by the host.
import { parentPort, workerData } from 'node:worker_threads';
import { lockdownOnce } from '../../src-engine/lab/sandbox'; // loads SES the way that keeps typed-array stores fast
import { reproducibleGlobals } from './sandbox-globals';

lockdownOnce();

/** What the host passes at start: the machine config and the Stop flag (Int32Array over it). */
interface KernelInit { config: Record<string, unknown>; flag: SharedArrayBuffer }

/** Host → kernel messages. */
export type KernelRequest =
  | { t: 'run'; runId: number; body: string; url: string; executionCount: number }
  | { t: 'inspect'; reqId: number; op: 'processes' | 'dmesg' | 'stats' }
  | { t: 'inspect'; reqId: number; op: 'pagetable' | 'diff'; mmId: number; maxEntries?: number };

/** Kernel → host messages. */
export type KernelReply =
  | { t: 'ready'; config: Record<string, unknown> }
  | { t: 'boot-failed'; message: string }
  | { t: 'print'; runId: number; line: string }
  | { t: 'display'; runId: number; bundle: Record<string, unknown> }
  | { t: 'samples'; runId: number; run: number; samples: unknown[] }
  | { t: 'done'; runId: number }
  | { t: 'error'; runId: number; name: string; message: string; address: number | null; frame: { url: string; line: number; column: number } | null; dmesg: string[] }
  | { t: 'reply'; reqId: number; ok: true; value: unknown }
  | { t: 'reply'; reqId: number; ok: false; message: string };

const port = parentPort!;
const init = workerData as KernelInit;
const stopFlag = new Int32Array(init.flag);
/** The run whose print/display/samples lines are being produced (0 between runs). */
let currentRun = 0;

/** The error a Stop raises inside the cell. */
function interrupted(): Error {
  const e = new Error('the cell was stopped');
  e.name = 'Interrupted';
  return e;
}

/** Throws Interrupted when the host raised the Stop flag (called at the top of every loop body). */
function tick(): void {
  if (Atomics.load(stopFlag, 0) !== 0) throw interrupted();
}

/**
 * The lab's run_workloads with the Stop flag added to its `stop` option and its live samples
 * batched to the host (at most every 50 ms). Throws Interrupted after a stopped run.
 */
function liveRunWorkloads(inner: (jobs: unknown, options?: Record<string, unknown>) => unknown) {
  let runs = 0;
  return (jobs: unknown, options: Record<string, unknown> = {}): unknown => {
    const run = runs++;
    const runId = currentRun;
    let batch: unknown[] = [];
    let sent = Date.now();
    const flush = (): void => { if (batch.length) port.postMessage({ t: 'samples', runId, run, samples: batch }); batch = []; sent = Date.now(); };
    const userStop = options['stop'] as (() => boolean) | undefined;
    const userSample = options['on_sample'] as ((s: unknown) => void) | undefined;
    const result = inner(jobs, {
      ...options,
      stop: () => Atomics.load(stopFlag, 0) !== 0 || (userStop ? userStop() : false),
      on_sample: (s: unknown) => {
        batch.push(JSON.parse(JSON.stringify(s)));
        if (Date.now() - sent >= 50) flush();
        userSample?.(s);
      },
    });
    flush();
    tick();
    return result;
  };
}

/** The innermost frame of cell code on err's stack: its sourceURL, line and column. */
function cellFrame(err: unknown): { url: string; line: number; column: number } | null {
  const m = /\((mmu-cell-\d+):(\d+):(\d+)\)|at (mmu-cell-\d+):(\d+):(\d+)/.exec(err instanceof Error ? String(err.stack) : '');
  if (!m) return null;
  return m[1] ? { url: m[1], line: Number(m[2]), column: Number(m[3]) } : { url: m[4]!, line: Number(m[5]), column: Number(m[6]) };
}

/** Boots the lab and serves run and inspect requests until the host terminates the worker. */
async function main(): Promise<void> {
  const { createLab, labMachine, LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
  const inspect = await import('../kernel/inspect');
  const lab = createLab(init.config as Parameters<typeof createLab>[0], {
    print: (line) => port.postMessage({ t: 'print', runId: currentRun, line }),
    display: (bundle) => port.postMessage({ t: 'display', runId: currentRun, bundle: JSON.parse(JSON.stringify(bundle)) as unknown }),
  });
  const api = lab as unknown as Record<string, unknown>;
  const scope = new Compartment({ __options__: true, globals: reproducibleGlobals(api, Number((lab.machine_config() as { seed: number }).seed)) });
  const publish = (name: string, get: () => unknown, set?: (v: unknown) => void): void => {
    Object.defineProperty(scope.globalThis, name, { get, set: set ?? (() => { throw new TypeError(`Assignment to constant variable '${name}' (declared in an earlier cell)`); }), configurable: true, enumerable: true });
  };
  const values = new Map<string, unknown>(LAB_GLOBAL_NAMES.map((n) => [n, api[n]]));
  values.set('run_workloads', liveRunWorkloads(api['run_workloads'] as (j: unknown, o?: Record<string, unknown>) => unknown));
  values.set('__mmu_lab_scope', publish);
  values.set('__mmu_lab_tick', tick);
  const names = [...values.keys()];
  const args = names.map((n) => values.get(n));
  const head = `(async function (${names.join(', ')}) {`;
  const before = new Map<number, Map<string, unknown>>();
  let beforeCount: number | null = null;
  let lastCount = 0;

  /** Flattened page tables of every live mm, taken before a cell runs (for the diff). */
  const snapshotAll = (): void => {
    before.clear();
    const m = labMachine(lab);
    for (const p of inspect.listProcesses(m)) before.set(p.mmId, inspect.flattenTree(inspect.pageTableTree(m, inspect.findMm(m, p.mmId), 65536).root));
  };

  /** Runs one compiled cell and reports done or error. */
  const run = async (req: Extract<KernelRequest, { t: 'run' }>): Promise<void> => {
    currentRun = req.runId;
    snapshotAll();
    beforeCount = lastCount;
    lastCount = req.executionCount;
    try {
      const fn = scope.evaluate(`${head}${req.body}\n})\n//# sourceURL=${req.url}`) as (...a: unknown[]) => Promise<void>;
      await fn(...args);
      port.postMessage({ t: 'done', runId: req.runId });
    } catch (e) {
      const err = e as { name?: unknown; message?: unknown; address?: unknown };
      const frame = cellFrame(e);
      port.postMessage({
        t: 'error', runId: req.runId, name: String(err?.name ?? 'Error'), message: String(err?.message ?? e),
        address: typeof err?.address === 'number' ? err.address : null,
        frame: frame && frame.line === 1 ? { ...frame, column: frame.column - head.length } : frame,
        dmesg: lab.dmesg().slice(-10),
      });
    } finally {
      currentRun = 0;
    }
  };

  /** Answers an inspection request from the current machine. */
  const answer = (req: Extract<KernelRequest, { t: 'inspect' }>): unknown => {
    const m = labMachine(lab);
    switch (req.op) {
      case 'processes': return inspect.listProcesses(m);
      case 'dmesg': return lab.dmesg();
      case 'stats': return m.stats.snapshot();
      case 'pagetable': return { ...inspect.pageTableTree(m, inspect.findMm(m, req.mmId), req.maxEntries), executionCount: lastCount };
      case 'diff': {
        const now = m.mms.has(req.mmId) && !inspect.findMm(m, req.mmId).dead ? inspect.pageTableTree(m, inspect.findMm(m, req.mmId), 65536) : null;
        if (!now && !before.has(req.mmId)) throw new RangeError(`not-found: no mm ${req.mmId} before or after the last cell`);
        const after = now ? inspect.flattenTree(now.root) : new Map();
        const was = (before.get(req.mmId) ?? new Map()) as Map<string, import('../contract').PtEntry>;
        return { fromExecutionCount: beforeCount, toExecutionCount: lastCount, changes: inspect.diffTrees(was, after), truncated: now?.truncated ?? false };
      }
    }
  };

  port.on('message', (req: KernelRequest) => {
    if (req.t === 'run') void run(req);
    else {
      try { port.postMessage({ t: 'reply', reqId: req.reqId, ok: true, value: answer(req) }); }
      catch (e) { port.postMessage({ t: 'reply', reqId: req.reqId, ok: false, message: String((e as Error)?.message ?? e) }); }
    }
  });
  port.postMessage({ t: 'ready', config: lab.machine_config() });
}

main().catch((e: unknown) => port.postMessage({ t: 'boot-failed', message: String((e as Error)?.message ?? e) }));
