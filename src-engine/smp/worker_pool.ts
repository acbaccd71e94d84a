// The host side of CPU workers: one worker_threads Worker per simulated CPU, attached to the
// machine's shared memory, driven synchronously through shared control words (so a script's
// run_workloads call can block until they finish, as a system call would).
import { Worker } from 'node:worker_threads';
import type { Machine } from '../machine';
import { C_CMD, C_STATE, C_RUN_ACTIVE, C_JOB_DONE, C_WORDS, CMD_RUN, CMD_EXIT, STATE_BOOTING, STATE_RUNNING, STATE_FAILED, IO_BYTES,
  readJson, writeJson, type WorkerJob, type WorkerResult } from './worker_protocol';

const BOOT_TIMEOUT_MS = 60_000;

/** The script a worker starts with: cpu_worker.ts through tsx from sources, or the built .js. */
function bootstrap(): { code: string; eval: boolean } | { file: URL; eval: false } {
  const ts = new URL('./cpu_worker.ts', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return { file: new URL('./cpu_worker.js', import.meta.url), eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  return { code: `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(ts.href)}, ${JSON.stringify(ts.href)}))`, eval: true };
}

export class CpuWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array[] = [];
  private readonly io: Uint8Array[] = [];
  private failed: string | null = null;

  /** Start one worker per CPU of m (they boot in the background). */
  constructor(m: Machine) {
    const shared = m.shared();
    const boot = bootstrap();
    for (let cpu = 0; cpu < m.cpus.length; cpu++) {
      const ctl = new Int32Array(new SharedArrayBuffer(C_WORDS * 4));
      const io = new Uint8Array(new SharedArrayBuffer(IO_BYTES));
      const data = { shared, cpu, ctl: ctl.buffer, io: io.buffer };
      const w = 'code' in boot ? new Worker(boot.code, { eval: true, workerData: data }) : new Worker(boot.file, { workerData: data });
      w.on('error', (e) => { this.failed = `CPU worker ${cpu} failed: ${e.message}`; Atomics.store(ctl, C_STATE, STATE_FAILED); Atomics.notify(ctl, C_STATE); });
      w.unref();
      this.workers.push(w);
      this.ctl.push(ctl);
      this.io.push(io);
    }
  }

  /** Block until every worker has booted; throws if one failed or the wait timed out. */
  private waitReady(): void {
    const t0 = Date.now();
    for (const ctl of this.ctl) {
      while (Atomics.load(ctl, C_STATE) === STATE_BOOTING) {
        if (Date.now() - t0 > BOOT_TIMEOUT_MS) throw new Error('CPU workers did not start within 60 s');
        Atomics.wait(ctl, C_STATE, STATE_BOOTING, 100);
      }
      if (Atomics.load(ctl, C_STATE) === STATE_FAILED) throw new Error(this.failed ?? 'a CPU worker failed to start');
    }
  }

  /**
   * Run jobs (at most one per CPU) and block until all have finished; `tick` runs on this
   * thread every `tickMs` meanwhile (the script's kernel calls while CPUs run).
   */
  run(jobs: { cpu: number; job: WorkerJob }[], tickMs: number, tick: (() => void) | null): Map<number, WorkerResult> {
    this.waitReady();
    for (const { cpu, job } of jobs) {
      const ctl = this.ctl[cpu]!;
      writeJson(this.io[cpu]!, job);
      Atomics.store(ctl, C_RUN_ACTIVE, 1);
      Atomics.store(ctl, C_JOB_DONE, 0);
      Atomics.store(ctl, C_STATE, STATE_RUNNING);
      Atomics.store(ctl, C_CMD, CMD_RUN);
      Atomics.notify(ctl, C_CMD);
    }
    const out = new Map<number, WorkerResult>();
    let nextTick = performance.now() + tickMs;
    while (out.size < jobs.length) {
      for (const { cpu } of jobs) {
        if (out.has(cpu)) continue;
        const ctl = this.ctl[cpu]!;
        if (this.failed) throw new Error(this.failed);
        if (Atomics.load(ctl, C_JOB_DONE) === 1) out.set(cpu, readJson<WorkerResult>(this.io[cpu]!));
      }
      if (out.size === jobs.length) break;
      if (tick && performance.now() >= nextTick) { tick(); nextTick = performance.now() + tickMs; }
      Atomics.wait(this.ctl[jobs.find((j) => !out.has(j.cpu))!.cpu]!, C_JOB_DONE, 0, Math.min(5, tickMs));
    }
    for (const { cpu } of jobs) { Atomics.store(this.ctl[cpu]!, C_RUN_ACTIVE, 0); Atomics.notify(this.ctl[cpu]!, C_RUN_ACTIVE); }
    for (const { cpu } of jobs) {
      while (Atomics.load(this.ctl[cpu]!, C_STATE) === STATE_RUNNING) Atomics.wait(this.ctl[cpu]!, C_STATE, STATE_RUNNING, 5);
    }
    return out;
  }

  /** Stop every worker. */
  terminate(): void {
    for (const ctl of this.ctl) { Atomics.store(ctl, C_CMD, CMD_EXIT); Atomics.notify(ctl, C_CMD); }
    for (const w of this.workers) void w.terminate();
  }
}

