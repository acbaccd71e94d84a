// A pattern thread: runs custom access patterns written in a script, in the SES sandbox scripts
// run in (custom_sandbox.ts), for one CPU worker, and hands it blocks of accesses through a
// PatternChannel. The sandbox locks this thread down, not the CPU worker: lockdown freezes the
// intrinsics of the whole thread, and the CPU worker's own code stays out of it.
import { workerData } from 'node:worker_threads';
import { PatternChannel, SLOTS, SLOT_ACCESSES, P_STATE, P_JOB, P_HEAD, P_TAIL, P_STOP, PT_IDLE, PT_BUSY, SLOT_END, SLOT_ERROR,
  type PatternChannelBuffers } from './pattern_channel';
import { lockdownOnce } from '../lab/sandbox';
import { sandboxedPatternSource, type CustomJob } from './custom_sandbox';

const { buffers, streamId } = workerData as { buffers: PatternChannelBuffers; streamId: number };
const ch = new PatternChannel(buffers);
const ctl = ch.ctl;
// DataViews, as PatternSource writes through (custom_sandbox.ts).
const addrView = new DataView(buffers.addrs);
const writeView = new DataView(buffers.writes);

/** Publish slot number `head` (its count already written) to the CPU worker. */
function publish(head: number): void {
  Atomics.store(ctl, P_HEAD, head + 1);
  Atomics.notify(ctl, P_HEAD);
}

/** Run one job: fill slots until the stream ends, fails, or the CPU worker says stop. */
function runJob(job: CustomJob): void {
  const source = sandboxedPatternSource(job, streamId);
  for (let head = 0; ; head++) {
    for (let tail = Atomics.load(ctl, P_TAIL); head - tail >= SLOTS; tail = Atomics.load(ctl, P_TAIL)) {
      if (Atomics.load(ctl, P_STOP)) return;
      Atomics.wait(ctl, P_TAIL, tail, 50);
    }
    if (Atomics.load(ctl, P_STOP)) return;
    const slot = head % SLOTS;
    const n = source.fillInto(addrView, writeView, slot * SLOT_ACCESSES, SLOT_ACCESSES);
    if (n > 0) { Atomics.store(ch.counts, slot, n); publish(head); continue; }
    if (source.error !== null) ch.putText(source.error);
    Atomics.store(ch.counts, slot, source.error !== null ? SLOT_ERROR : SLOT_END);
    publish(head);
    return;
  }
}

/** Wait for jobs and run them, one at a time, for the life of the CPU worker. */
function main(): void {
  lockdownOnce();
  let seen = 0; // the channel starts at job 0: a job posted while this thread booted is taken at once
  Atomics.store(ctl, P_STATE, PT_IDLE);
  Atomics.notify(ctl, P_STATE);
  for (;;) {
    Atomics.wait(ctl, P_JOB, seen);
    seen = Atomics.load(ctl, P_JOB);
    Atomics.store(ctl, P_STATE, PT_BUSY);
    runJob(JSON.parse(ch.getText()) as CustomJob);
    Atomics.store(ctl, P_STATE, PT_IDLE);
    Atomics.notify(ctl, P_STATE);
  }
}

main();
