// Section "stop": how long Stop takes to end a runaway cell in a notebook kernel (issue 4: within
// 100 ms, the host and the other notebooks untouched). stop-child.ts runs a real kernel session
// in a fresh process under tsx (the kernel worker loads its sources through tsx, which this
// bench's esbuild bundle cannot) and stops spinning loops (a safe-point stop that keeps the
// machine) and a cell stuck outside any loop (the worker is killed, a fresh machine boots).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './report';

/** Stop's budget in milliseconds. */
export const STOP_LIMIT_MS = 100;

/** tests/bench in the source tree (run.ts passes it on to its bundle). */
const benchDir = (): string => process.env['MMU_BENCH_DIR'] ?? dirname(fileURLToPath(import.meta.url));

/** Stop's elapsed ms for each stop of each kind, from one child run; throws with its stderr if it fails. */
export function measureStops(reps: number): { loop: number[]; kill: number[] } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir(), 'stop-child.ts'), String(reps)],
    { cwd: resolve(benchDir(), '..', '..'), encoding: 'utf8', timeout: 180_000 });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`stop bench: the child failed: ${r.error?.message ?? `exit ${r.status}`} ${r.stderr ?? ''}`.trim());
  return JSON.parse(last) as { loop: number[]; kill: number[] };
}

/** The section as printed by `npm run bench`: median and worst Stop per kind, PASS when the worst is within the limit. */
export function stopReport(quick: boolean): string {
  const reps = quick ? 2 : 5;
  const { loop, kill } = measureStops(reps);
  const row = (what: string, ms: number[]): string => {
    const sorted = [...ms].sort((a, b) => a - b);
    const worst = sorted[sorted.length - 1]!;
    return `${what.padEnd(34)} ${fmt(sorted[Math.floor(sorted.length / 2)]!).padStart(8)} ${fmt(worst).padStart(8)}   ≤ ${STOP_LIMIT_MS} ms  ${worst <= STOP_LIMIT_MS ? 'PASS' : 'FAIL'}`;
  };
  return [
    `Stop of a runaway cell (${reps} stops of each kind in a notebook kernel, ms as the session measures them)`,
    `${'what'.padEnd(34)} ${'median'.padStart(8)} ${'worst'.padStart(8)}   target`,
    row('loop, stopped at a safe point', loop),
    row('stuck outside loops, worker killed', kill),
  ].join('\n');
}
