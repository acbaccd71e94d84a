// `npm run bench`: the SMP issue's benchmark. Measures the lab on the deterministic scheduler
// (translations, faults by type, zaps by API, shootdown round trip, scaling, host memory),
// prints a table with PASS/FAIL against issue 3's targets and writes the figures as JSON to
// bench-results/bench-<date>.json.
//
//   npm run bench                  full run (about 25 s here, 40 s with --native, + ~45 s of charts in Chromium)
//   npm run bench -- --quick       smoke run (about 6 s)
//   npm run bench -- --native      also build and run tests/bench/native/*.c on the host kernel
//   npm run bench -- --tsx         measure under tsx itself instead of an esbuild bundle
//   npm run bench -- --charts      only the live charts in Chromium (about 45 s; skipped by --quick)
//
// By default this file bundles itself with esbuild (keepNames off, as the app's build leaves
// it) and re-runs the bundle with plain node: tsx compiles with keepNames, which wraps every
// closure the engine creates on a hot path in a __name() call and would be measured too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FULL, QUICK, nowNs, type BenchSizes } from './measure';
import { measureTranslations } from './translate';
import { measureFaults } from './faults';
import { measureZaps } from './zaps';
import { measureShootdown } from './shootdown';
import { measureScaling } from './scaling';
import { measureMemory, type MemoryResult } from './memory';
import { pairedRows, prepareNative, runNative, runNativeProgram, type NativeResult, type NativeRow } from './native';
import { chartsReport } from './charts';
import { comparisons, renderReport, targets, type BenchResult } from './report';

interface Options { quick: boolean; native: boolean; tsx: boolean; charts: boolean; child: string | null }

/** The command-line options; throws on an unknown flag. */
function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, native: false, tsx: false, charts: false, child: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') o.quick = true;
    else if (a === '--native') o.native = true;
    else if (a === '--tsx') o.tsx = true;
    else if (a === '--charts') o.charts = true;
    else if (a === '--child') o.child = argv[++i] ?? null;
    else throw new Error(`bench: unknown option ${a} (known: --quick, --native, --tsx, --charts)`);
  }
  return o;
}

/** tests/bench in the source tree (the bundle is elsewhere, so the parent passes it on). */
const benchDir = (): string => process.env['MMU_BENCH_DIR'] ?? dirname(fileURLToPath(import.meta.url));

/** Bundles this file into the temp folder and runs the bundle with node; returns its exit code. */
async function bundleAndRun(argv: string[]): Promise<number> {
  const { build } = await import('esbuild'); // external: the bundle never builds
  const outfile = join(tmpdir(), 'mmu-lab-bench', 'run.mjs');
  await build({ entryPoints: [fileURLToPath(import.meta.url)], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    outfile, external: ['esbuild'], logLevel: 'warning', keepNames: false });
  // The engine starts CPU workers from cpu_worker.js next to its own module: bundle it there too.
  await build({ entryPoints: [fileURLToPath(new URL('../../src-engine/smp/cpu_worker.ts', import.meta.url))], bundle: true, platform: 'node',
    format: 'esm', target: 'node20', outfile: join(dirname(outfile), 'cpu_worker.js'), logLevel: 'warning', keepNames: false });
  const env = { ...process.env, MMU_BENCH_BUNDLED: '1', MMU_BENCH_DIR: benchDir() };
  const r = spawnSync(process.execPath, [outfile, ...argv], { stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** CPUs' worth of work other processes did while this one slept for `ms` (0 = an idle machine). */
function otherLoad(ms: number): number {
  const busyIdle = () => cpus().reduce((a, c) => {
    const t = c.times;
    return [a[0]! + t.user + t.nice + t.sys + t.irq, a[1]! + t.idle];
  }, [0, 0]);
  const [b0, i0] = busyIdle();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const [b1, i1] = busyIdle();
  return ((b1! - b0!) / (b1! - b0! + i1! - i0!)) * cpus().length;
}

/** CPUs' worth of work other processes did while fn ran (this process's own threads excluded), and fn's result. */
function othersDuring<T>(fn: () => T): { value: T; busy: number } {
  const busyTotal = () => cpus().reduce((a, c) => {
    const t = c.times;
    return [a[0]! + t.user + t.nice + t.sys + t.irq, a[1]! + t.user + t.nice + t.sys + t.irq + t.idle];
  }, [0, 0]);
  const [b0, all0] = busyTotal(), own0 = process.cpuUsage();
  const value = fn();
  const [b1, all1] = busyTotal(), own = process.cpuUsage(own0);
  const ownMs = (own.user + own.system) / 1e3;
  return { value, busy: ((b1! - b0! - ownMs) / Math.max(1, all1! - all0!)) * cpus().length };
}

/** Runs section `name`, printing its duration to stderr as progress. */
function section<T>(name: string, fn: () => T): T {
  const t0 = nowNs();
  process.stderr.write(`bench: ${name}...`);
  const out = fn();
  process.stderr.write(` ${((nowNs() - t0) / 1e9).toFixed(1)} s\n`);
  return out;
}

/** Section 6 in a fresh child process (this same program with --child memory). */
function memoryInChild(quick: boolean): MemoryResult | { error: string } {
  const args = [...process.execArgv, process.argv[1]!, '--child', 'memory', ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000, env: process.env });
  const last = r.stdout?.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return { error: `memory child failed: ${r.error?.message ?? `exit ${r.status}`} ${r.stderr ?? ''}`.trim() };
  return JSON.parse(last) as MemoryResult;
}

/** The whole bench: every section, native runs if asked, comparisons and verdicts. */
function runAll(sizes: BenchSizes, opts: Options): BenchResult {
  const t0 = nowNs();
  const load = otherLoad(500);
  const translation = section('translations', () => measureTranslations(sizes));
  const nativeDir = join(benchDir(), 'native');
  // With --native, the host kernel's fault and zap programs run one repetition before each round
  // of the lab's fault and zap sections: a lab/native ratio from two minutes apart on this VM says
  // as much about the minutes as about the code.
  const paired = new Map<string, NativeRow[][]>([['fault', []], ['zap', []]]), pairErrors: string[] = [];
  const pairWith = (prog: string, pages: number): void => {
    const r = runNativeProgram(prog, [String(pages), '1']);
    if (typeof r === 'string') pairErrors.push(r);
    else paired.get(prog)!.push(r);
  };
  const pairing = opts.native && prepareNative(nativeDir) === null;
  const faults = section('faults', () => measureFaults(sizes, pairing ? () => pairWith('fault', sizes.faultPages) : undefined));
  const zaps = section('zaps', () => measureZaps(sizes, pairing ? (pages) => pairWith('zap', pages) : undefined));
  const sd = othersDuring(() => section('shootdown', () => measureShootdown(sizes)));
  const sc = othersDuring(() => section('scaling', () => measureScaling(sizes)));
  const shootdown = sd.value, scaling = sc.value;
  const during = { shootdown: sd.busy, scaling: sc.busy };
  const native: NativeResult | null = opts.native ? section('native (gcc -O2)', () => {
    const done = new Map([...paired].filter(([, runs]) => runs.length > 0).map(([prog, runs]) => [prog, pairedRows(runs)]));
    const res = runNative(nativeDir, sizes, done);
    if (res.ok) res.errors.push(...pairErrors);
    return res;
  }) : null;
  const memory = section('memory (child process)', () => memoryInChild(opts.quick)); // last: it frees 1 GiB on exit
  const partial = { translation, faults, zaps, shootdown, scaling, memory, native };
  const withCmp = { ...partial, comparisons: comparisons(partial) };
  const meta = {
    date: new Date().toISOString(), mode: sizes.name,
    runtime: process.env['MMU_BENCH_BUNDLED'] ? 'esbuild bundle, keepNames off' : 'tsx (esbuild keepNames on)',
    node: process.version, host_cpus: cpus().length, cpu_model: cpus()[0]?.model.trim() ?? 'unknown', busy_cpus_before: load, busy_cpus_during: during, seconds: (nowNs() - t0) / 1e9,
  };
  return { meta, ...withCmp, targets: targets(withCmp, opts.native, during) };
}

/** Writes the result to bench-results/ at the repository root; returns the file's path. */
function writeJson(r: BenchResult): string {
  const dir = resolve(benchDir(), '..', '..', 'bench-results');
  mkdirSync(dir, { recursive: true });
  const stamp = r.meta.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `bench-${stamp}${r.meta.mode === 'full' ? '' : `-${r.meta.mode}`}.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

/** Entry point: re-run as a bundle, serve a child request, or run the bench. */
async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const opts = parseArgs(argv);
  const sizes = opts.quick ? QUICK : FULL;
  if (opts.child === 'memory') {
    console.log(JSON.stringify(measureMemory(sizes.memory)));
    return 0;
  }
  if (opts.charts) {
    console.log(section('charts (Chromium)', () => chartsReport(false)));
    return 0;
  }
  if (!opts.tsx && !process.env['MMU_BENCH_BUNDLED']) return bundleAndRun(argv);
  const result = runAll(sizes, opts);
  console.log(renderReport(result));
  console.log(`\n${(await import('./sandbox')).sandboxReport(opts.quick)}`); // the SES sandbox's cost: tests/bench/sandbox.ts
  console.log(`\n${(await import('./stop')).stopReport(opts.quick)}`); // Stop of a runaway cell: tests/bench/stop.ts
  console.log(`\n${section('charts (Chromium)', () => chartsReport(opts.quick))}`); // live charts' frame times: tests/bench/charts.ts
  console.log(`\nwrote ${writeJson(result)}`);
  return 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
