// The CPU worker's side of its pattern thread (pattern_worker.ts): starts the thread on the first
// custom job, posts each job, and reads the blocks of accesses back as an AccessStream. While it
// waits for a block it keeps taking IPIs and watching for a stop request, so a slow pattern
// delays its own CPU only.
import { Worker } from 'node:worker_threads';
import { PatternChannel, SLOTS, SLOT_ACCESSES, P_STATE, P_JOB, P_HEAD, P_TAIL, P_STOP, P_WORDS, PT_BOOTING, PT_BUSY, PT_FAILED, SLOT_ERROR } from './pattern_channel';
import type { CustomJob } from './custom_sandbox';
import type { AccessStream, StreamState } from './stream';
import { workerLoadExpression } from '../smp/worker_load';

/** How long a job waits for a pattern thread that is still busy with the previous one. */
const BUSY_GRACE_MS = 200;
/** How long the first job waits for the pattern thread to start. */
const BOOT_TIMEOUT_MS = 60_000;

/** What a stream does while it waits: take IPIs, and learn that its job must end. */
export interface WaitHooks { poll(): void; stop(): boolean }

/**
 * The script a pattern thread starts with: pattern_worker.ts through tsx (running from sources)
 * or the built pattern_worker.js; if loading fails it writes the error into the channel and marks
 * itself failed, so the CPU worker (blocked in Atomics.wait) learns of it at once.
 */
function bootstrap(): string {
  const load = workerLoadExpression('pattern_worker', import.meta.url);
  return `const { workerData } = require('node:worker_threads');
${load}.catch((e) => {
  const msg = new TextEncoder().encode(String(e && e.stack || e));
  new DataView(workerData.buffers.text).setUint32(0, Math.min(msg.length, ${1 << 16}));
  new Uint8Array(workerData.buffers.text).set(msg.subarray(0, ${1 << 16}), 4);
  const ctl = new Int32Array(workerData.buffers.ctl);
  Atomics.store(ctl, ${P_STATE}, ${PT_FAILED});
  Atomics.notify(ctl, ${P_HEAD});
});`;
}

/** One CPU worker's pattern thread, started when first needed and restarted if a pattern hangs it. */
export class PatternThread {
  private readonly ch = new PatternChannel();
  private worker: Worker | null = null;

  constructor(private readonly streamId: number) {}

  /** Start a fresh thread on a reset channel (ending the old one, if any). */
  private spawn(): void {
    void this.worker?.terminate();
    for (let i = 0; i < P_WORDS; i++) Atomics.store(this.ch.ctl, i, 0);
    this.worker = new Worker(bootstrap(), { eval: true, workerData: { buffers: this.ch.buffers, streamId: this.streamId } });
    this.worker.unref();
  }

  /** Block until the thread has finished its previous job; false if it did not within the grace time. */
  private waitIdle(hooks: WaitHooks): boolean {
    const t0 = performance.now();
    while (Atomics.load(this.ch.ctl, P_STATE) === PT_BUSY) {
      if (performance.now() - t0 > BUSY_GRACE_MS) return false;
      hooks.poll();
      Atomics.wait(this.ch.ctl, P_STATE, PT_BUSY, 1);
    }
    return true;
  }

  /** Post `job` to the thread (starting or restarting it as needed); its accesses as a stream. */
  stream(job: CustomJob, hooks: WaitHooks): AccessStream & { readonly error: string | null; close(): void } {
    const state = this.worker ? Atomics.load(this.ch.ctl, P_STATE) : PT_FAILED;
    if (state === PT_FAILED || !this.waitIdle(hooks)) this.spawn();
    const ctl = this.ch.ctl;
    this.ch.putText(JSON.stringify(job));
    Atomics.store(ctl, P_HEAD, 0);
    Atomics.store(ctl, P_TAIL, 0);
    Atomics.store(ctl, P_STOP, 0);
    Atomics.add(ctl, P_JOB, 1);
    Atomics.notify(ctl, P_JOB);
    return new RemotePatternStream(this.ch, job.accesses, hooks);
  }
}

/** The accesses a pattern thread produces for one job, read slot by slot. */
class RemotePatternStream implements AccessStream {
  produced = 0;
  error: string | null = null;
  private tail = 0;
  private pos = 0;
  private avail = 0;
  private holding = false;
  private ended = false;

  constructor(private readonly ch: PatternChannel, readonly total: number, private readonly hooks: WaitHooks) {}

  fill(addrs: Float64Array, writes: Uint8Array): number {
    const want = Math.min(addrs.length, writes.length);
    const A = this.ch.addrs, W = this.ch.writes;
    let k = 0;
    while (k < want && (this.avail > 0 || this.nextSlot())) {
      const take = Math.min(want - k, this.avail);
      const from = (this.tail % SLOTS) * SLOT_ACCESSES + this.pos;
      for (let j = 0; j < take; j++) { addrs[k + j] = A[from + j]!; writes[k + j] = W[from + j]!; }
      k += take;
      this.pos += take;
      this.avail -= take;
    }
    this.produced += k;
    return k;
  }

  /** Release the slot in hand and wait for the next; false at the end of the job (see `error`). */
  private nextSlot(): boolean {
    if (this.ended) return false;
    const ctl = this.ch.ctl;
    if (this.holding) { this.holding = false; Atomics.store(ctl, P_TAIL, ++this.tail); Atomics.notify(ctl, P_TAIL); }
    const t0 = performance.now();
    for (let head = Atomics.load(ctl, P_HEAD); head <= this.tail; head = Atomics.load(ctl, P_HEAD)) {
      const state = Atomics.load(ctl, P_STATE);
      if (state === PT_FAILED) return this.end(`the pattern thread failed: ${this.ch.getText()}`);
      if (state === PT_BOOTING && performance.now() - t0 > BOOT_TIMEOUT_MS) return this.end('the pattern thread did not start within 60 s');
      if (this.hooks.stop()) return this.end(null);
      this.hooks.poll();
      Atomics.wait(ctl, P_HEAD, head, 1);
    }
    const n = this.ch.counts[this.tail % SLOTS]!;
    if (n <= 0) return this.end(n === SLOT_ERROR ? this.ch.getText() : null);
    this.avail = n;
    this.pos = 0;
    this.holding = true;
    return true;
  }

  /** The job is over (error: why, if it failed); the thread is told to stop producing. */
  private end(error: string | null): false {
    this.ended = true;
    this.error ??= error;
    this.close();
    return false;
  }

  /** Tell the thread to stop this job (at its next block); the job's CPU is done with it. */
  close(): void {
    Atomics.store(this.ch.ctl, P_STOP, 1);
    Atomics.notify(this.ch.ctl, P_TAIL);
  }

  save(): StreamState { throw new TypeError('a custom pattern on a CPU worker cannot be checkpointed'); }
  restore(): void { throw new TypeError('a custom pattern on a CPU worker cannot be checkpointed'); }
}
