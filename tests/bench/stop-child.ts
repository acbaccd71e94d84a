// The child process of the "stop" bench section (stop.ts): a notebook kernel session, as the
// app runs one, stopped `reps` times while a cell spins in a loop (Stop at a safe point, the
// machine kept) and `reps` times while a cell is stuck outside any loop (a runaway regular
// expression: Stop kills the worker and boots a fresh machine). Prints one JSON line: every
// Stop's elapsed milliseconds as the session measured it, by kind.
import { KernelSession, type SessionEvents } from '../../src-main/kernel/session';

const reps = Number(process.argv[2] ?? 5);

/** Events the bench ignores, except cell starts (Stop is pressed once the cell runs). */
function events(started: Set<string>): SessionEvents {
  return {
    kernelStatus: () => {}, cellOutput: () => {}, diagnostics: () => {}, metrics: () => {}, machineReset: () => {},
    cellLifecycle: (e) => { if (e.phase === 'started') started.add(e.cellId); },
  };
}

/** Runs `source` as cell `id`, presses Stop 50 ms after it started, and returns Stop's elapsed ms. */
async function stopAfterStart(s: KernelSession, started: Set<string>, id: string, source: string): Promise<number> {
  const run = s.runCell({ cellId: id, source });
  while (!started.has(id)) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  const stop = await s.stop();
  await run;
  if (!stop.wasRunning) throw new Error(`stop bench: cell ${id} was not running when stopped`);
  return stop.elapsedMs;
}

/** Every Stop of both kinds, in one session. */
async function main(): Promise<void> {
  const started = new Set<string>();
  const s = new KernelSession('bench', { ram_mb: 16 }, events(started), { typecheck: false });
  const loop: number[] = [], kill: number[] = [];
  await s.runCell({ cellId: 'warm', source: 'const mm = mm_alloc();' });
  for (let i = 0; i < reps; i++) loop.push(await stopAfterStart(s, started, `l${i}`, 'let n = 0;\nwhile (true) { n++; }'));
  for (let i = 0; i < reps; i++) kill.push(await stopAfterStart(s, started, `k${i}`, 'print(/(a+)+$/.test("a".repeat(64) + "b"));'));
  await s.dispose();
  process.stdout.write(`${JSON.stringify({ loop, kill })}\n`);
}

main().then(() => process.exit(0), (e: unknown) => { process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`); process.exit(1); });
