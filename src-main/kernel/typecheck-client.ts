// The host's side of the type-check worker (src-main/runner/typecheck-worker.ts): one worker for
// all sessions, started on first use, never keeping the process alive on its own.
import { Worker } from 'node:worker_threads';
import { workerBootstrap } from '../runner/sandbox';
import type { CellDiagnostic, CellRequest } from '../contract';

type Reply = { id: number; ok: true; diagnostics: CellDiagnostic[] } | { id: number; ok: false; message: string } | { ready: true };

let worker: Worker | null = null;
let nextId = 0;
const waiting = new Map<number, { resolve(d: CellDiagnostic[]): void; reject(e: Error): void }>();

/** Fails every waiting check and forgets the worker (the next check starts a new one). */
function lose(message: string): void {
  for (const w of waiting.values()) w.reject(new Error(`internal: the type checker failed: ${message}`));
  waiting.clear();
  worker = null;
}

/** The worker, started if needed. */
function checkerWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(workerBootstrap('typecheck-worker'), { eval: true, stdout: false, stderr: false });
  w.unref();
  w.on('message', (m: Reply) => {
    if ('ready' in m) return;
    if (m.id === -1 && !m.ok) return lose(m.message);
    const p = waiting.get(m.id);
    waiting.delete(m.id);
    if (p) { if (m.ok) p.resolve(m.diagnostics); else p.reject(new Error(`internal: the type checker failed: ${m.message}`)); }
  });
  w.on('error', (e) => lose(e.message));
  w.on('exit', (code) => { if (worker === w) lose(`it exited (code ${code})`); });
  worker = w;
  return w;
}

/** The diagnostics of `cells` after `prior` (see CellTypechecker.check), computed in the worker. */
export function checkCells(prior: readonly string[], cells: readonly CellRequest[]): Promise<CellDiagnostic[]> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    checkerWorker().postMessage({ id, prior: [...prior], cells: cells.map((c) => ({ cellId: c.cellId, source: c.source })) });
  });
}
