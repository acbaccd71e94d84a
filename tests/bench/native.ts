// The native side of `npm run bench -- --native`: builds the C programs in tests/bench/native/
// with gcc -O2 into the OS temp folder, runs them with the sizes the lab sections used, and
// parses the JSON lines they print (one per case, one value per repetition).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, zapReps, type BenchSizes, type Summary } from './measure';

/** One native case: its value per repetition summarized, in `unit` (ns/fault, ns/page, ...). */
export interface NativeRow {
  prog: string;
  case: string;
  pages: number;
  unit: string;
  value: Summary;
  /** What the run really did: faults per page touched, TLB-shootdown IPIs per call. */
  faults_per_page?: number;
  ipis_per_op?: number;
}

/** Native results, or why there are none; `paired` names the programs run between the lab's repetitions. */
export type NativeResult = { ok: true; rows: NativeRow[]; errors: string[]; paired: string[] } | { ok: false; reason: string };

/** The shape of one line a native program prints. */
interface NativeLine { prog: string; case: string; pages: number; unit: string; values: number[]; faults_per_page?: number; ipis_per_op?: number }

/** Parses the JSON lines of a program's stdout into rows; other lines are ignored. */
export function parseNativeLines(stdout: string): NativeRow[] {
  const rows: NativeRow[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const x = JSON.parse(line) as NativeLine;
    if (!Array.isArray(x.values) || x.values.length === 0) throw new Error(`native: no values in ${line}`);
    rows.push({ prog: x.prog, case: x.case, pages: x.pages, unit: x.unit, value: summarize(x.values), faults_per_page: x.faults_per_page, ipis_per_op: x.ipis_per_op });
  }
  return rows;
}

/** Compiles every .c in `srcDir` into `outDir`; returns the program names, or throws with gcc's message. */
export function buildNative(srcDir: string, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const progs = readdirSync(srcDir).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2));
  for (const p of progs) {
    const r = spawnSync('gcc', ['-O2', '-Wall', '-o', join(outDir, p), join(srcDir, `${p}.c`), '-lpthread'], { encoding: 'utf8' });
    if (r.error) throw new Error(`gcc could not run: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`gcc failed on ${p}.c:\n${r.stderr}`);
  }
  return progs;
}

/** The runs that mirror the lab sections: program name and arguments. */
export function nativeRuns(sizes: BenchSizes): Array<[string, string[]]> {
  const reps = String(sizes.reps);
  return [
    ['tlb', [String(sizes.hitPages), reps]],
    ['tlb', [String(sizes.walkPages), reps]],
    ['fault', [String(sizes.faultPages), reps]],
    ['filefault', [String(sizes.faultPages), reps]],
    ['cow', [String(sizes.faultPages), reps]],
    ...sizes.zapPages.map((p): [string, string[]] => ['zap', [String(p), String(zapReps(sizes, p))]]),
    ['shootdown', [String(sizes.shootdownOps), reps]],
    ['handoff', [String(sizes.name === 'full' ? 1_000_000 : 100_000), reps]],
  ];
}

/** Where the native programs are built (the OS temp folder). */
const nativeOutDir = (): string => join(tmpdir(), 'mmu-lab-bench-native');

/** What prepareNative found for each source folder in this process (null: built). */
const prepared = new Map<string, string | null>();

/** Builds the native programs of `srcDir` once per process; null, or why they could not be built. */
export function prepareNative(srcDir: string): string | null {
  if (!prepared.has(srcDir)) {
    try {
      buildNative(srcDir, nativeOutDir());
      prepared.set(srcDir, null);
    } catch (e) {
      prepared.set(srcDir, e instanceof Error ? e.message : String(e));
    }
  }
  return prepared.get(srcDir)!;
}

/** Runs one built native program with `args`; its rows, or an error message. */
export function runNativeProgram(prog: string, args: string[], timeoutMs = 60_000): NativeRow[] | string {
  const r = spawnSync(join(nativeOutDir(), prog), args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) return `${prog} ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status}`} ${r.stderr ?? ''}`.trim();
  return parseNativeLines(r.stdout);
}

/**
 * Native rows gathered one repetition at a time (a program run with REPS 1, again and again,
 * between the lab's own repetitions): each case's values at each size summarized as one row.
 */
export function pairedRows(runs: NativeRow[][]): NativeRow[] {
  const byCase = new Map<string, NativeRow[]>(); // by case and size
  for (const row of runs.flat()) byCase.set(`${row.case}/${row.pages}`, [...(byCase.get(`${row.case}/${row.pages}`) ?? []), row]);
  return [...byCase.values()].map((rows) => ({ ...rows[rows.length - 1]!, value: summarize(rows.map((x) => x.value.median)) }));
}

/**
 * Builds and runs the native programs; a failing program is recorded in `errors`, not fatal.
 * Programs in `done` were already run (paired with the lab's repetitions): their rows are taken
 * as given.
 */
export function runNative(srcDir: string, sizes: BenchSizes, done: ReadonlyMap<string, NativeRow[]> = new Map(), timeoutMs = 60_000): NativeResult {
  const reason = prepareNative(srcDir);
  if (reason !== null) return { ok: false, reason };
  const rows: NativeRow[] = [...done.values()].flat(), errors: string[] = [];
  for (const [prog, args] of nativeRuns(sizes)) {
    if (done.has(prog)) continue;
    const r = runNativeProgram(prog, args, timeoutMs);
    if (typeof r === 'string') errors.push(r);
    else rows.push(...r);
  }
  return { ok: true, rows, errors, paired: [...done.keys()] };
}

/** The native row of `kase` at `pages` (any size if pages is omitted), or null. */
export function nativeRow(res: NativeResult | null, kase: string, pages?: number): NativeRow | null {
  if (!res?.ok) return null;
  return res.rows.find((r) => r.case === kase && (pages === undefined || r.pages === pages)) ?? null;
}
