// Generated accesses per second for each built-in pattern and a custom one: batches of 4096
// into reused arrays, as a CPU worker's hot loop pulls them. Each pattern runs in its own child
// process, so one pattern's JIT type feedback does not slow another's (as in a CPU worker, which
// runs one workload).
// Run: npx tsx bench/workload.bench.ts [--accesses N] [--pages N]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { customStream, type CustomPattern } from '../../src-engine/workload/custom';
import { createAccessStream, type Workload } from '../../src-engine/workload/patterns';
import type { AccessStream } from '../../src-engine/workload/stream';

const BATCH = 4096;
const BASE = 0x10000000;

/** The value after `--name` on the command line, or `fallback`. */
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const ACCESSES = arg('accesses', 20_000_000);
const PAGES = arg('pages', 65536);
const WRITE_FRACTIONS = [0, 0.3];

/** Drains a stream through one pair of reused arrays; returns the seconds taken. */
function drain(s: AccessStream): number {
  const addrs = new Float64Array(BATCH);
  const writes = new Uint8Array(BATCH);
  let sum = 0;
  const t0 = process.hrtime.bigint();
  for (let n = s.fill(addrs, writes); n > 0; n = s.fill(addrs, writes)) sum += addrs[n - 1] + writes[n - 1];
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sum < 0) console.log(sum); // keeps the loop's result alive
  return seconds;
}

/** Best of three runs of a fresh stream from make(), after a warm-up run, in M accesses/s. */
function measure(make: () => AccessStream): number {
  drain(make());
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const s = make();
    best = Math.max(best, s.total / drain(s) / 1e6);
  }
  return best;
}

const common = { base: BASE, pages: PAGES, accesses: ACCESSES, seed: 1 };
const randomPage: CustomPattern = (i, rng) => BASE + rng.nextBelow(PAGES) * 4096 + (i & 511) * 8;

/** The patterns measured: a name and a stream for a given write fraction. */
const CASES: Array<[string, (wf: number) => AccessStream]> = [
  ...([
    ['sequential', { kind: 'sequential' }],
    ['strided 4096', { kind: 'strided', stride: 4096 }],
    ['random', { kind: 'random' }],
    ['zipf θ=0.99', { kind: 'zipf', theta: 0.99 }],
    ['hot_cold 20/80', { kind: 'hot_cold' }],
    ['pointer_chase', { kind: 'pointer_chase' }],
    ['trace (loop)', { kind: 'trace', trace: Array.from({ length: 1 << 16 }, (_, i) => BASE + ((i * 7919) % PAGES) * 4096), loop: true }],
  ] as Array<[string, Partial<Workload>]>).map(([name, w]): [string, (wf: number) => AccessStream] =>
    [name, (wf) => createAccessStream({ ...common, ...w, write_fraction: wf } as Workload)]),
  ['custom (random)', (wf) => customStream(randomPage, { kind: 'custom', source: '', write_fraction: wf, accesses: ACCESSES, seed: 1 })],
];

/** In a child: measure case `index` at each write fraction and print the rates as JSON. */
function runCase(index: number): void {
  const make = CASES[index][1];
  console.log(JSON.stringify(WRITE_FRACTIONS.map((wf) => measure(() => make(wf)))));
}

/** In the parent: one child per case, then the table. */
function main(): void {
  console.log(`workload generation: ${ACCESSES / 1e6} M accesses per run over ${PAGES} pages, batches of ${BATCH}, best of 3, one process per pattern`);
  console.log(`pattern            ${WRITE_FRACTIONS.map((wf) => `write ${wf} (M/s)`.padStart(16)).join(' ')}`);
  const self = fileURLToPath(import.meta.url);
  for (const [i, [name]] of CASES.entries()) {
    const child = spawnSync(process.execPath, [...process.execArgv, self, '--case', String(i), ...process.argv.slice(2)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`case ${name} failed: ${child.stderr}`);
    const rates = JSON.parse(child.stdout.trim().split('\n').pop() as string) as number[];
    console.log(`${name.padEnd(18)} ${rates.map((r) => r.toFixed(1).padStart(16)).join(' ')}`);
  }
}

const caseIndex = arg('case', -1);
if (caseIndex >= 0) runCase(caseIndex);
else main();
