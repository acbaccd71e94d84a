// A CPU worker: one simulated CPU on its own thread, attached to the machine's shared memory.
// It waits for a job, runs the workload's accesses through its TLB and page walker, takes its
// own page faults (under mmap_sem and the split ptl, in the same kernel code as everywhere),
// handles shootdown IPIs at quantum boundaries and while it spins on locks, and reports back.
import { workerData } from 'node:worker_threads';
import { Machine, type MachineShared } from '../machine';
import { DelegateMailbox, type DelegateBuffers } from './delegate';
import { lockWaits } from '../kernel/locking';
import { ipi_poll } from '../arch/x86/mm/tlb';
import { run_accesses, hasWrites } from '../arch/x86/mm/fault';
import { UserSignal } from '../kernel/bug';
import { createAccessStream, type Workload } from '../workload/patterns';
import { readAheadBlock, type AccessStream } from '../workload/stream';
import { PatternThread } from '../workload/pattern_worker_client';
import type { CustomJob } from '../workload/custom_sandbox';
import { C_CMD, C_STATE, C_RUN_ACTIVE, C_JOB_DONE, C_STOP, CMD_IDLE, CMD_RUN, CMD_EXIT, STATE_READY, STATE_RUNNING, STATE_DONE, STATE_FAILED,
  readJson, writeJson, type WorkerJob, type WorkerResult } from './worker_protocol';

interface Boot { shared: MachineShared; cpu: number; ctl: SharedArrayBuffer; io: SharedArrayBuffer; delegate: DelegateBuffers; attention: SharedArrayBuffer }

const boot = workerData as Boot;
const ctl = new Int32Array(boot.ctl);
const io = new Uint8Array(boot.io);
const m = new Machine(undefined, boot.shared);
m.current_cpu = boot.cpu;
m.workersRunning = true;
lockWaits.blocking = true;
lockWaits.poll = () => ipi_poll(m);
lockWaits.record = (kind, ns) => m.recordLockWait(kind, ns);
const attention = new Int32Array(boot.attention);
/** Wake the host: a request is posted or a job finished. */
const wakeHost = (): void => { Atomics.add(attention, 0, 1); Atomics.notify(attention, 0); };
m.delegate = { box: new DelegateMailbox(boot.delegate), poll: () => ipi_poll(m), wake: wakeHost };

/** The thread that runs this CPU's custom patterns in the SES sandbox (started by the first custom job). */
const patterns = new PatternThread(boot.cpu);

/**
 * About how many accesses a worker reads its built-in stream ahead by. A shootdown sent while a
 * block is being filled waits for the whole fill (about 3 ns an access for the patterns that
 * draw random numbers; a pointer chase's fill is a copy, ~0.2 ns): 4096, the scheduler's
 * figure, kept an IPI waiting up to ~15 µs and put ~1.5 µs on the mean round trip; 512 bounds
 * the wait near 2 µs and still makes fill()'s per-call cost negligible.
 */
const WORKER_READ_AHEAD = 512;

/** Whether a job runs a custom pattern (written in the script) rather than a built-in workload. */
const isCustom = (job: WorkerJob): boolean => (job.workload as { kind: string }).kind === 'custom';

/** Run one job to its end (or until the process is killed); the outcome. */
function runJob(job: WorkerJob): WorkerResult {
  const cpu = m.cpus[boot.cpu]!;
  const mm = m.mmView(job.mmId);
  const custom = isCustom(job) ? patterns.stream(job.workload as CustomJob, { poll: () => ipi_poll(m), stop: () => Atomics.load(ctl, C_STOP) !== 0 }) : null;
  const stream: AccessStream = custom ?? createAccessStream(job.workload as Workload, boot.cpu);
  // A custom pattern is read one quantum at a time; the built-in patterns ahead, as scheduler.ts
  // does, but by less: no IPI is taken while a block is filled (see WORKER_READ_AHEAD).
  const block = custom ? job.quantum : readAheadBlock(job.quantum, WORKER_READ_AHEAD);
  const addrs = new Float64Array(block), writes = new Uint8Array(block);
  const faults = { n: 0 };
  const clock0 = cpu.clock, log0 = m.log.lines.length;
  if (job.trace !== null) m.trace.start(job.trace);
  const done = { n: 0 };
  let signal: WorkerResult['signal'] = null;
  try {
    // The stream is read a block at a time and run a quantum at a time (IPIs are taken between quanta).
    for (let len = stream.fill(addrs, writes); len > 0 && Atomics.load(ctl, C_STOP) === 0; len = stream.fill(addrs, writes)) {
      const noWrites = !hasWrites(writes, 0, len);
      for (let k = 0; k < len && Atomics.load(ctl, C_STOP) === 0; k += job.quantum) {
        ipi_poll(m);
        run_accesses(m, cpu, mm, addrs, writes, k, Math.min(len, k + job.quantum), faults, done, noWrites);
      }
    }
  } catch (e) {
    if (!(e instanceof UserSignal)) throw e;
    signal = { name: e.name, address: e.address, message: e.message };
  } finally {
    custom?.close();
  }
  return { accesses: done.n, faults: faults.n, cycles: cpu.clock - clock0, activeMm: cpu.active_mm ? cpu.active_mm.id : -1, signal, dmesg: m.log.lines.slice(log0), staleTlb: m.staleTlb.splice(0), trace: traceOut(), patternError: custom?.error ?? null };
}

/** This CPU's trace events, ready to cross to the host (mm objects become mm ids). */
function traceOut(): Record<string, unknown>[] {
  const dropped = m.trace.dropped;
  const events = m.trace.stop().map((e) => ({ ...e, mm: (e['mm'] as { id?: number } | undefined)?.id ?? e['mm'] }));
  if (dropped) m.log.printk(`trace: cpu ${boot.cpu} dropped ${dropped} events past the limit`);
  return events;
}

/** After its job, keep taking IPIs until the host ends the run. */
function serveUntilRunEnds(): void {
  while (Atomics.load(ctl, C_RUN_ACTIVE) === 1) {
    ipi_poll(m);
    Atomics.wait(ctl, C_RUN_ACTIVE, 1, 0.2);
  }
}

/** The worker's loop: wait for a command, run it, report, repeat until told to exit. */
function main(): void {
  Atomics.store(ctl, C_STATE, STATE_READY);
  Atomics.notify(ctl, C_STATE);
  for (;;) {
    Atomics.wait(ctl, C_CMD, CMD_IDLE);
    const cmd = Atomics.exchange(ctl, C_CMD, CMD_IDLE);
    if (cmd === CMD_EXIT) return;
    if (cmd !== CMD_RUN) continue;
    Atomics.store(ctl, C_STATE, STATE_RUNNING);
    let state = STATE_DONE;
    try {
      writeJson(io, runJob(readJson<WorkerJob>(io)));
    } catch (e) {
      state = STATE_FAILED;
      writeJson(io, { accesses: 0, faults: 0, cycles: 0, activeMm: -1, signal: null, dmesg: [], staleTlb: [], trace: [], error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) });
    }
    Atomics.store(ctl, C_JOB_DONE, 1);
    Atomics.notify(ctl, C_JOB_DONE);
    wakeHost();
    serveUntilRunEnds();
    Atomics.store(ctl, C_STATE, state);
    Atomics.notify(ctl, C_STATE);
  }
}

main();
