// One run of the sandbox bench (sandbox.ts), in a process of its own under tsx:
//   node --import tsx tests/bench/sandbox-child.ts sandboxed|direct <rounds> <accesses> <calls>
// runs SCRIPT on a fresh lab, in the SES sandbox scripts run in (src-main/runner: a locked-down
// worker thread) or directly in this unlocked thread, and prints the script's figures as one
// JSON line { access_ns, call_ns }. The script times itself with now_ns(), so neither the
// sandbox's start (lockdown, loading the engine) nor the compile is counted.
import { createLab, LAB_GLOBAL_NAMES } from '../../src-engine/lab';
import { runSandboxed } from '../../src-main/runner/sandbox';

/**
 * The measured script: on 4096 resident pages, ROUNDS rounds of a random workload of ACCESSES
 * accesses and of CALLS single-byte touch() calls. Each round is short (about a millisecond), and
 * the script keeps each kind's fastest round: on a machine shared with other processes, some
 * rounds lose the CPU for a while, but the fastest one seldom does.
 */
export const SCRIPT = `
const mm = mm_alloc();
const pages = 4096;
const base = mmap(mm, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
touch(mm, base, pages * PAGE_SIZE, 'w');
const job = [{ cpu: 0, mm, workload: { kind: 'random', base, pages, write_fraction: 0, accesses: ACCESSES, seed: 1 } }];
let access_ns = Infinity;
let call_ns = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  let t = now_ns();
  run_workloads(job);
  const a = (now_ns() - t) / ACCESSES;
  if (a < access_ns) access_ns = a;
  t = now_ns();
  for (let i = 0; i < CALLS; i++) touch(mm, base + (i % pages) * PAGE_SIZE, 1, 'r');
  const c = (now_ns() - t) / CALLS;
  if (c < call_ns) call_ns = c;
}
print(JSON.stringify({ access_ns, call_ns }));
`;

/** The sizes of one run: rounds, and accesses and touch() calls per round. */
export interface Sizes { rounds: number; accesses: number; calls: number }

/** SCRIPT with its sizes filled in. */
function body(z: Sizes): string {
  return SCRIPT.replaceAll('ROUNDS', String(z.rounds)).replaceAll('ACCESSES', String(z.accesses)).replaceAll('CALLS', String(z.calls));
}

/** Run the script once in `where`; resolves with the line it printed. Throws if the run failed. */
export async function runOnce(where: 'sandboxed' | 'direct', z: Sizes): Promise<string> {
  const lines: string[] = [];
  if (where === 'direct') {
    const lab = createLab({}, { print: (l) => lines.push(l) }) as unknown as Record<string, unknown>;
    new Function(...LAB_GLOBAL_NAMES, body(z))(...LAB_GLOBAL_NAMES.map((n) => lab[n]));
  } else {
    const o = await runSandboxed({ body: body(z), names: LAB_GLOBAL_NAMES, config: {} }, { print: (l) => lines.push(l) });
    if (!o.ok) throw new Error(`sandboxed run failed: ${o.name}: ${o.message}`);
  }
  const last = lines.pop();
  if (last === undefined) throw new Error(`the ${where} run printed nothing`);
  return last;
}

/** Entry point when run as a program (not when imported). */
async function main(): Promise<void> {
  const [where, rounds, accesses, calls] = process.argv.slice(2);
  if (where !== 'sandboxed' && where !== 'direct') throw new Error('usage: sandbox-child.ts sandboxed|direct <rounds> <accesses> <calls>');
  console.log(await runOnce(where, { rounds: Number(rounds), accesses: Number(accesses), calls: Number(calls) }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
