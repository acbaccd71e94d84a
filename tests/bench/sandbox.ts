// Section "sandbox": what the SES sandbox costs a script. The same script (sandbox-child.ts's
// SCRIPT: a random workload, then touch() calls) runs on a fresh lab in the sandbox (a locked-down
// worker thread, as `mmu-lab run` runs scripts) and directly in an unlocked thread, each run in a
// fresh process under tsx (the sandbox worker loads its sources through tsx, which this bench's
// esbuild bundle cannot), alternating. The figures are those of the fastest short round (see
// sandbox-child.ts): on a shared machine other processes only ever add time. Target: sandboxed
// ≤ 1.2× direct, per access and per touch() call.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './report';
import type { Sizes } from './sandbox-child';

export interface SandboxCost { where: 'sandboxed' | 'direct'; access_ns: number; call_ns: number }

/** The sandbox's budget: a sandboxed script may take at most this many times the direct time. */
export const SANDBOX_LIMIT = 1.2;

/** tests/bench in the source tree (run.ts passes it on to its bundle). */
const benchDir = (): string => process.env['MMU_BENCH_DIR'] ?? dirname(fileURLToPath(import.meta.url));

/** One run of sandbox-child.ts in a fresh process; throws with its stderr if it fails. */
function runChild(where: SandboxCost['where'], z: Sizes): SandboxCost {
  const child = join(benchDir(), 'sandbox-child.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, where, String(z.rounds), String(z.accesses), String(z.calls)],
    { cwd: resolve(benchDir(), '..', '..'), encoding: 'utf8', timeout: 120_000 });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`sandbox bench: the ${where} run failed: ${r.error?.message ?? `exit ${r.status}`} ${r.stderr ?? ''}`.trim());
  const { access_ns, call_ns } = JSON.parse(last) as Omit<SandboxCost, 'where'>;
  return { where, access_ns, call_ns };
}

/** `reps` runs of each kind, alternating; the best (lowest) figures per kind. */
export function measureSandbox(reps: number, z: Sizes): { sandboxed: SandboxCost; direct: SandboxCost } {
  const runs: SandboxCost[] = [];
  for (let i = 0; i < reps; i++) runs.push(runChild('direct', z), runChild('sandboxed', z));
  const best = (where: SandboxCost['where']): SandboxCost => {
    const mine = runs.filter((r) => r.where === where);
    return { where, access_ns: Math.min(...mine.map((r) => r.access_ns)), call_ns: Math.min(...mine.map((r) => r.call_ns)) };
  };
  return { sandboxed: best('sandboxed'), direct: best('direct') };
}

/** The section as printed by `npm run bench`: both costs, their ratios and a PASS/FAIL each. */
export function sandboxReport(quick: boolean): string {
  const t0 = Date.now();
  const { sandboxed, direct } = quick ? measureSandbox(1, { rounds: 60, accesses: 5000, calls: 2000 }) : measureSandbox(2, { rounds: 200, accesses: 5000, calls: 2000 });
  const row = (what: string, s: number, d: number): string => {
    const ratio = s / d;
    return `${what.padEnd(22)} ${fmt(d).padStart(9)} ${fmt(s).padStart(10)} ${`${fmt(ratio)}×`.padStart(7)}   ≤ ${SANDBOX_LIMIT}×  ${ratio <= SANDBOX_LIMIT ? 'PASS' : 'FAIL'}`;
  };
  return [
    `Sandbox cost (fastest round of 5000 accesses / 2000 calls; ${quick ? 1 : 2} fresh process(es) of each kind, under tsx; ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    `${'what'.padEnd(22)} ${'direct'.padStart(9)} ${'sandboxed'.padStart(10)} ${'ratio'.padStart(7)}   target`,
    row('ns per access', sandboxed.access_ns, direct.access_ns),
    row('ns per touch() call', sandboxed.call_ns, direct.call_ns),
  ].join('\n');
}
