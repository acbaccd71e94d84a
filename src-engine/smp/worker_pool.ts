// The host side of CPU workers: one worker_threads Worker per simulated CPU, attached to the
// machine's shared memory, driven synchronously through shared control words (so a script's
// run_workloads call can block until they finish, as a system call would).
import { Worker } from 'node:worker_threads';
import type { Machine } from '../machine';
import { DelegateMailbox, serve_request } from './delegate';
import { workerLoadExpression } from './worker_load';
import { C_CMD, C_STATE, C_RUN_ACTIVE, C_JOB_DONE, C_STOP, C_WORDS, CMD_RUN, CMD_EXIT, STATE_BOOTING, STATE_RUNNING, STATE_FAILED, IO_BYTES,
  readJson, writeJson, type WorkerJob, type WorkerResult } from './worker_protocol';

const BOOT_TIMEOUT_MS = 60_000;

/**
 * The script a worker starts with: it imports cpu_worker.ts through tsx (running from sources)
 * or the built cpu_worker.js next to this module, and on failure writes the error into its
 * mailbox and marks itself failed, so the host (blocked in Atomics.wait) learns of it at once.
 */
function bootstrap(): string {
  const load = workerLoadExpression('cpu_worker', import.meta.url);
  return `const { workerData } = require('node:worker_threads');
${load}.catch((e) => {
  const msg = new TextEncoder().encode(JSON.stringify(String(e && e.stack || e)));
  const io = new Uint8Array(workerData.io);
  new DataView(workerData.io).setUint32(0, msg.length);
  io.set(msg.subarray(0, io.length - 4), 4);
  const ctl = new Int32Array(workerData.ctl);
  Atomics.store(ctl, ${C_STATE}, ${STATE_FAILED});
  Atomics.notify(ctl, ${C_STATE});
});`;
}

export class CpuWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array[] = [];
  private readonly io: Uint8Array[] = [];
  private readonly boxes: DelegateMailbox[] = [];
  /** Bumped (and notified) by a worker that posts a request or finishes its job. */
  private readonly attention = new Int32Array(new SharedArrayBuffer(4));
  private failed: string | null = null;
  /** Exceptions the script's callbacks threw while serving workers (rethrown after the run). */
  readonly failures: unknown[] = [];

  /** Start one worker per CPU of m (they boot in the background). */
  constructor(private readonly m: Machine) {
    const shared = m.shared();
    const code = bootstrap();
    for (let cpu = 0; cpu < m.cpus.length; cpu++) {
      const ctl = new Int32Array(new SharedArrayBuffer(C_WORDS * 4));
      const io = new Uint8Array(new SharedArrayBuffer(IO_BYTES));
      const box = new DelegateMailbox();
      this.boxes.push(box);
      const data = { shared, cpu, ctl: ctl.buffer, io: io.buffer, delegate: box.buffers, attention: this.attention.buffer };
      const w = new Worker(code, { eval: true, workerData: data });
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
      if (Atomics.load(ctl, C_STATE) === STATE_FAILED) {
        throw new Error(`a CPU worker failed to start: ${readJson<string>(this.io[this.ctl.indexOf(ctl)]!)}`);
      }
    }
  }

  /**
   * Run jobs (at most one per CPU) and block until all have finished; `tick` runs on this
   * thread every `tickMs` meanwhile (the script's kernel calls while CPUs run).
   */
  run(jobs: { cpu: number; job: WorkerJob }[], tickMs: number, tick: (() => void) | null, stop: (() => boolean) | null = null): Map<number, WorkerResult> {
    this.waitReady();
    for (const { cpu, job } of jobs) {
      const ctl = this.ctl[cpu]!;
      Atomics.store(this.m.ipi.running, cpu, 1);
      writeJson(this.io[cpu]!, job);
      Atomics.store(ctl, C_RUN_ACTIVE, 1);
      Atomics.store(ctl, C_JOB_DONE, 0);
      Atomics.store(ctl, C_STOP, 0);
      Atomics.store(ctl, C_STATE, STATE_RUNNING);
      Atomics.store(ctl, C_CMD, CMD_RUN);
      Atomics.notify(ctl, C_CMD);
    }
    const out = new Map<number, WorkerResult>();
    let nextTick = performance.now() + tickMs;
    while (out.size < jobs.length) {
      const seen = Atomics.load(this.attention, 0);
      for (const { cpu } of jobs) {
        if (out.has(cpu)) continue;
        const ctl = this.ctl[cpu]!;
        if (this.failed) throw new Error(this.failed);
        if (Atomics.load(ctl, C_JOB_DONE) === 1) out.set(cpu, readJson<WorkerResult>(this.io[cpu]!));
      }
      if (out.size === jobs.length) break;
      this.serve();
      if (tick && performance.now() >= nextTick) { tick(); nextTick = performance.now() + tickMs; }
      if (stop?.()) for (const { cpu } of jobs) Atomics.store(this.ctl[cpu]!, C_STOP, 1);
      Atomics.wait(this.attention, 0, seen, Math.max(0.05, Math.min(50, nextTick - performance.now())));
    }
    for (const { cpu } of jobs) { Atomics.store(this.ctl[cpu]!, C_RUN_ACTIVE, 0); Atomics.notify(this.ctl[cpu]!, C_RUN_ACTIVE); }
    for (const { cpu } of jobs) {
      while (Atomics.load(this.ctl[cpu]!, C_STATE) === STATE_RUNNING) Atomics.wait(this.ctl[cpu]!, C_STATE, STATE_RUNNING, 5);
      Atomics.store(this.m.ipi.running, cpu, 0);
    }
    return out;
  }

  /** Serve the workers' pending calls into the script's vm_ops; true if any was served. */
  serve(): boolean {
    let any = false;
    this.boxes.forEach((box, cpu) => { any = serve_request(this.m, cpu, box, this.failures) || any; });
    return any;
  }

  /** Stop every worker. */
  terminate(): void {
    for (const ctl of this.ctl) { Atomics.store(ctl, C_CMD, CMD_EXIT); Atomics.notify(ctl, C_CMD); }
    for (const w of this.workers) void w.terminate();
  }
}

