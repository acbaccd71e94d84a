// The sandbox a script runs in: a worker thread in which SES has locked down the intrinsics,
// the lab (engine) is created, and the script's compiled body is evaluated in a Compartment
// whose only reachable names are the lab API and the Compartment's hardened globals, passed as
// function parameters. No require,
// process, file system, network or import() is reachable from the script. print/chart/cell
// markers and the outcome go to the host as messages.
// The SES core (lockdown options, seeded Math, function evaluation) is src-engine/lab/sandbox.ts,
// shared with the CPU workers that run custom access patterns.
import { parentPort, workerData } from 'node:worker_threads';
import type { MachineMetric } from '../../src-engine/lab/metric';
import { lockdownOnce, functionHead, evaluateFunction, compartmentGlobals } from '../../src-engine/lab/sandbox';
import { reproducibleGlobals } from './sandbox-globals';

lockdownOnce();

interface Job { body: string; names: string[]; marker: string | null; config: Record<string, unknown>; collectStats?: boolean }

const port = parentPort!;
const job = workerData as Job;

/** The line a Compartment gives, in stack traces, to the first line of evaluated source. */
function firstLine(c: Compartment): number {
  const stack = String((c.evaluate('(function () { return new Error().stack; })') as () => string)());
  const m = /<anonymous>:(\d+):\d+/.exec(stack);
  return m ? Number(m[1]) : 1;
}

/** The innermost frame of evaluated code on err's stack, as (line, column) of the source text. */
function evaluatedFrame(err: unknown, first: number): { line: number; column: number } | null {
  const m = /<anonymous>:(\d+):(\d+)/.exec(err instanceof Error ? String(err.stack) : '');
  return m ? { line: Number(m[1]) - first + 1, column: Number(m[2]) } : null;
}

/**
 * The script's parameters: the job's names (the lab API and the cell marker), then every global
 * of compartment `c` (its hardened intrinsics, Math, Date) the job does not name. Each is what the
 * script would reach by that name anyway; as a parameter it is read in ~1 ns instead of ~200 ns
 * through the Compartment's scope (Math.floor in a script's loop, instanceof Uint8Array, ...).
 */
function parameters(lab: Record<string, unknown>, c: Compartment): { names: string[]; values: unknown[] } {
  const values = job.names.map((n) => (n === job.marker ? (i: number) => port.postMessage({ t: 'cell', i }) : lab[n]));
  const g = compartmentGlobals(c);
  const taken = new Set(job.names);
  const extra = g.names.flatMap((n, i) => (taken.has(n) ? [] : [i]));
  return { names: [...job.names, ...extra.map((i) => g.names[i]!)], values: [...values, ...extra.map((i) => g.values[i])] };
}

/** When the job asked for them, send the machine's statistics as they stand now (the end of the run). */
async function postStats(lab: Record<string, unknown>): Promise<void> {
  if (!job.collectStats) return;
  const { machineMetrics } = await import('../../src-engine/lab/metric'); // the engine loads after lockdown
  const snap = (lab['stats_snapshot'] as () => Parameters<typeof machineMetrics>[0])();
  const cycles = (lab['machine_stats'] as () => { cycles: number })().cycles;
  const metrics: Record<string, MachineMetric> = machineMetrics(snap, cycles);
  port.postMessage({ t: 'stats', metrics });
}

/** Run the job and report: {t:'done'} or {t:'error', ...} with where it happened. */
async function run(): Promise<void> {
  const { createLab } = await import('../../src-engine/lab');
  const lab = createLab(job.config as Parameters<typeof createLab>[0], {
    print: (line) => port.postMessage({ t: 'print', line }),
    display: (bundle) => port.postMessage({ t: 'display', bundle: JSON.parse(JSON.stringify(bundle)) as unknown }),
  }) as unknown as Record<string, unknown>;
  const c = new Compartment({ __options__: true, globals: reproducibleGlobals(lab, Number(job.config['seed'] ?? 1)) });
  const { names, values } = parameters(lab, c);
  const head = functionHead(names, true);
  const first = firstLine(c);
  const fn = evaluateFunction(c, names, job.body, true) as (...a: unknown[]) => Promise<void>;
  try {
    await fn(...values);
    await postStats(lab);
    port.postMessage({ t: 'done' });
  } catch (e) {
    await postStats(lab).catch(() => {}); // a machine broken by the failure has no statistics to give
    const err = e as { name?: unknown; message?: unknown; address?: unknown };
    const at = evaluatedFrame(e, first);
    port.postMessage({
      t: 'error', name: String(err?.name ?? 'Error'), message: String(err?.message ?? e),
      address: typeof err?.address === 'number' ? err.address : null,
      at: at ? { line: at.line, column: at.line === 1 ? at.column - head.length : at.column } : null,
      dmesg: (lab['dmesg'] as () => string[])().slice(-10),
    });
  }
}

run().catch((e: unknown) => port.postMessage({ t: 'error', name: 'Error', message: `the sandbox failed: ${String((e as Error)?.stack ?? e)}`, address: null, at: null, dmesg: [] }));
