// Running a compiled script in the sandbox (sandbox-worker.ts): a worker thread with SES, a
// time limit and a memory limit. Stopping the worker stops a runaway script within milliseconds
// and leaves this process, and anything else it runs, untouched.
import { Worker } from 'node:worker_threads';
import type { MachineMetric } from '../../src-engine/lab/metric';
import { workerLoadExpression } from '../../src-engine/smp/worker_load';

/** What the script sends while it runs. */
export interface SandboxHooks {
  print(line: string): void;
  display?(bundle: Record<string, unknown>): void;
  cell?(i: number): void;
  /** The machine's statistics at the end of the run (when the job asked for them). */
  stats?(metrics: Record<string, MachineMetric>): void;
}

/** How a sandboxed run ended. `at` is the position in the compiled body (line 1-based). */
export type SandboxOutcome =
  | { ok: true }
  | { ok: false; name: string; message: string; address: number | null; at: { line: number; column: number } | null; dmesg: string[] };

export interface SandboxJob {
  body: string;
  names: readonly string[];
  marker?: string;
  config: Record<string, unknown>;
  /** Wall-clock limit in ms (default 10 minutes). */
  timeoutMs?: number;
  /** Heap limit of the sandbox in MiB (default 2048). */
  memoryMb?: number;
  /** Send the machine's statistics to hooks.stats when the script ends (finished or failed). */
  collectStats?: boolean;
}

/**
 * The eval source that starts worker `name` (a file beside this one, e.g. 'sandbox-worker'):
 * through tsx from the sources, or the built .js.
 */
export function workerBootstrap(name: string): string {
  return workerLoadExpression(name, import.meta.url);
}

/** Run a job in a fresh sandbox; resolves with its outcome (a time limit or a crash is an outcome too). */
export function runSandboxed(job: SandboxJob, hooks: SandboxHooks): Promise<SandboxOutcome> {
  return new Promise((resolve) => {
    const w = new Worker(workerBootstrap('sandbox-worker'), {
      eval: true,
      workerData: { body: job.body, names: [...job.names], marker: job.marker ?? null, config: job.config, collectStats: job.collectStats === true },
      resourceLimits: { maxOldGenerationSizeMb: job.memoryMb ?? 2048 },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    const finish = (o: SandboxOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void w.terminate();
      resolve(o);
    };
    const limit = job.timeoutMs ?? 600_000;
    const timer = setTimeout(() => finish({ ok: false, name: 'TimeLimit', message: `stopped after the time limit of ${limit} ms`, address: null, at: null, dmesg: [] }), limit);
    w.on('message', (m: { t: string; line?: string; bundle?: Record<string, unknown>; i?: number } & Record<string, unknown>) => {
      if (m.t === 'print') hooks.print(m.line!);
      else if (m.t === 'display') hooks.display?.(m.bundle!);
      else if (m.t === 'cell') hooks.cell?.(m.i!);
      else if (m.t === 'stats') hooks.stats?.(m['metrics'] as Record<string, MachineMetric>);
      else if (m.t === 'done') finish({ ok: true });
      else if (m.t === 'error') finish({ ok: false, name: String(m['name']), message: String(m['message']), address: (m['address'] as number | null) ?? null, at: (m['at'] as { line: number; column: number } | null) ?? null, dmesg: (m['dmesg'] as string[]) ?? [] });
    });
    w.on('error', (e) => finish({ ok: false, name: e.name === 'Error' && /memory/i.test(e.message) ? 'MemoryLimit' : e.name, message: e.message, address: null, at: null, dmesg: [] }));
    w.on('exit', (code) => finish({ ok: false, name: 'SandboxExit', message: `the sandbox exited (code ${code}) before the script finished`, address: null, at: null, dmesg: [] }));
  });
}

/** A failed sandboxed run described for the user: where (mapped back to the TypeScript), what, and for a KernelBug the last dmesg lines. */
export function describeSandboxFailure(
  script: { filename: string; source: string; map: { findOrigin(l: number, c: number): object } },
  o: Extract<SandboxOutcome, { ok: false }>,
  quote: (line: number, text: string, column?: number) => string[],
): string {
  const origin = o.at ? (script.map.findOrigin(o.at.line, o.at.column) as { lineNumber?: number; columnNumber?: number }) : {};
  const pos = origin.lineNumber !== undefined ? { line: origin.lineNumber, column: origin.columnNumber ?? 1 } : null;
  const lines = [`${pos ? `${script.filename}:${pos.line}:${pos.column}` : script.filename}: ${o.name}: ${o.message}`];
  const text = pos ? script.source.split('\n')[pos.line - 1] : undefined;
  if (pos && text !== undefined) lines.push(...quote(pos.line, text, pos.column));
  if ((o.name === 'SIGSEGV' || o.name === 'SIGBUS') && o.address !== null) lines.push(`fault address: 0x${o.address.toString(16)}`);
  if (o.name === 'KernelBug') lines.push(o.dmesg.length ? 'last dmesg lines:' : 'dmesg is empty', ...o.dmesg.map((l) => `    ${l}`));
  return lines.join('\n');
}
