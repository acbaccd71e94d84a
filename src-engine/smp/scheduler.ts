// The deterministic SMP scheduler: every CPU runs on this thread, a quantum of accesses at a
// time; the CPU whose simulated clock is lowest goes next (ties broken by the machine's seeded
// RNG), so the same machine, jobs and seed give the same interleaving, faults and counters.
// Kernel calls from the script run between quanta, from `every` callbacks at fixed simulated
// times, as CPU 0's process context.
import type { Machine } from '../machine';
import type { mm_struct } from '../mm/mm_types';
import { run_accesses, hasWrites } from '../arch/x86/mm/fault';
import { UserSignal } from '../kernel/bug';
import { createAccessStream, resolveWorkload, type Workload } from '../workload/patterns';
import { CpuWorkerPool } from './worker_pool';
import { lockWaits } from '../kernel/locking';
import type { WorkerResult } from './worker_protocol';
import { customStream, resolveCustomWorkload, type CustomPattern } from '../workload/custom';
import { readAheadBlock, type AccessStream } from '../workload/stream';
import { Rng } from '../workload/rng';
import type { StatsSnapshot } from '../metrics/stats';
import { TimeSeries } from '../metrics/series';

/**
 * One CPU's work: a thread of mm running a workload, or a custom pattern function
 * `(i, rng, params) => address` with JSON `params`. In parallel mode the pattern's source is
 * compiled again on the worker, so it may use only its arguments (no variables of the script).
 */
export interface CpuJob {
  cpu: number;
  mm: mm_struct;
  workload?: Workload;
  pattern?: (i: number, rng: Parameters<CustomPattern>[1], params: unknown) => number;
  params?: unknown;
  accesses?: number;
  write_fraction?: number;
  seed?: number;
}

export interface RunOptions {
  /** Accesses per scheduling quantum (default: the machine's `quantum`). */
  quantum?: number;
  /**
   * Run `run(t)` while the CPUs run (kernel calls allowed): every `cycles` simulated cycles in
   * deterministic mode, every `ms` host milliseconds in parallel mode.
   */
  every?: { cycles?: number; ms?: number; run: (t: number) => void };
  /** Sample the per-CPU TLB hit rate every this many cycles (default 100 000). */
  sample_cycles?: number;
  /** Called with each sample as the run goes (for live charts). */
  on_sample?: (s: RunSample) => void;
  /** Checked between quanta (deterministic) or at each sample (parallel): true ends every job there. */
  stop?: () => boolean;
}

/** One point of the live metrics stream. */
export interface RunSample { t: number; tlb_hit_rate: (number | null)[]; faults: number; accesses: number }

export interface CpuOutcome { cpu: number; accesses: number; faults: number; cycles: number; signal: { name: string; address: number; message: string } | null }

export interface RunResult {
  /** Simulated cycles from the start of the run to the last CPU's finish. */
  cycles: number;
  /** Host milliseconds the run took. */
  host_ms: number;
  cpus: CpuOutcome[];
  /** Counters, formulas and histograms accumulated during the run only. */
  stats: StatsSnapshot;
  /** TLB hit rate over time per CPU (t in cycles from the start of the run), decimated. */
  tlb_hit_rate: { cpu: number; t: number[]; v: number[] }[];
}

/**
 * A job being run: its stream, and the block of accesses read from it ahead of the quanta
 * (addrs/writes[pos..len) not run yet).
 */
interface Running {
  job: CpuJob; stream: AccessStream; out: CpuOutcome; clock0: number;
  addrs: Float64Array; writes: Uint8Array; pos: number; len: number; noWrites: boolean;
  /** The accesses run_accesses completed in the job's last quantum (one object per job, not per quantum). */
  done: { n: number };
}

/** The block a job's stream is read in: one quantum for a custom pattern, else readAheadBlock. */
function blockSize(job: CpuJob, quantum: number): number {
  return job.pattern ? quantum : readAheadBlock(quantum);
}

/** Build the access stream of a job (TypeError for a bad spec). */
function jobStream(job: CpuJob): AccessStream {
  if (job.pattern) {
    const spec = resolveCustomWorkload({ kind: 'custom', source: '(script function)', write_fraction: job.write_fraction ?? 0, accesses: job.accesses, seed: job.seed ?? 1 });
    const fn = job.pattern, params = job.params;
    return customStream((i, rng) => fn(i, rng, params), spec, job.cpu);
  }
  if (!job.workload) throw new TypeError(`run_workloads: cpu ${job.cpu} needs a workload (or a pattern function)`);
  return createAccessStream(job.workload, job.cpu);
}

/** Check the jobs: known CPUs, each at most once, live mms of this machine. */
function checkJobs(m: Machine, jobs: CpuJob[]): void {
  if (!Array.isArray(jobs) || jobs.length === 0) throw new TypeError('run_workloads: give at least one job { cpu, mm, workload }');
  const seen = new Set<number>();
  for (const j of jobs) {
    if (!Number.isInteger(j?.cpu) || j.cpu < 0 || j.cpu >= m.cpus.length) throw new TypeError(`run_workloads: cpu ${String(j?.cpu)} does not exist (the machine has ${m.cpus.length})`);
    if (seen.has(j.cpu)) throw new TypeError(`run_workloads: cpu ${j.cpu} has two jobs; give each CPU one`);
    seen.add(j.cpu);
    if (!j.mm || j.mm.m !== m || j.mm.dead) throw new TypeError(`run_workloads: cpu ${j.cpu}'s mm is not a live mm_struct of this machine`);
  }
}

/** The TLB hit rate of each CPU over an interval (null where it made no accesses). */
function hitRates(m: Machine, now: Float64Array, before: Float64Array): (number | null)[] {
  return m.cpus.map((_, c) => {
    const v = m.stats.formulaOver('tlb_hit_rate', now, before, c);
    return Number.isFinite(v) ? v : null;
  });
}

/**
 * run_workloads: run every job to its end (or until its process is killed) under the
 * deterministic scheduler. Returns per-CPU outcomes, the run's statistics and hit-rate series.
 */
export function run_workloads(m: Machine, jobs: CpuJob[], opts: RunOptions = {}): RunResult {
  checkJobs(m, jobs);
  if (m.config.mode === 'parallel') return run_parallel(m, jobs, opts);
  const quantum = opts.quantum ?? m.config.quantum;
  if (!Number.isInteger(quantum) || quantum < 1) throw new TypeError('run_workloads: quantum must be a positive integer');
  const every = opts.every;
  if (every && (!((every.cycles ?? 0) > 0) || typeof every.run !== 'function')) throw new TypeError('run_workloads: every needs { cycles > 0, run(t) } in deterministic mode');
  const sampleEvery = opts.sample_cycles ?? 100_000;
  const rng = Rng.fromSeed(m.config.seed, ++m.runs);
  const hostStart = performance.now();
  const start = Math.max(...jobs.map((j) => m.cpus[j.cpu]!.clock));
  const running: Running[] = jobs.map((job) => {
    m.cpus[job.cpu]!.clock = start;
    const block = blockSize(job, quantum);
    return { job, stream: jobStream(job), out: { cpu: job.cpu, accesses: 0, faults: 0, cycles: 0, signal: null }, clock0: start,
      addrs: new Float64Array(block), writes: new Uint8Array(block), pos: 0, len: 0, noWrites: false, done: { n: 0 } };
  });
  const outcomes = running.map((r) => r.out);
  const interval = m.stats.beginInterval();
  const startCounters = interval.counters;
  const series = m.cpus.map(() => new TimeSeries(4096));
  let before = startCounters;
  let nextSample = start + sampleEvery;
  let nextEvery = every ? start + every.cycles! : Infinity;
  const faults = { n: 0 };
  try {
    schedule();
  } catch (e) {
    m.stats.endInterval(interval); // restore the lifetime histograms; the run's own are dropped
    throw e;
  }
  /** The scheduling loop: quanta until every job has finished. */
  function schedule(): void {
  while (running.length) {
    const i = pickNext(m, running, rng);
    const r = running[i]!;
    const cpu = m.cpus[r.job.cpu]!;
    while (cpu.clock >= nextEvery) { runEvery(m, every!, nextEvery); nextEvery += every!.cycles!; }
    while (cpu.clock >= nextSample) {
      const now = m.stats.readCounters();
      const rates = hitRates(m, now, before);
      rates.forEach((v, c) => { if (v !== null) series[c]!.push(nextSample - start, v); });
      opts.on_sample?.({ t: nextSample - start, tlb_hit_rate: rates, faults: outcomes.reduce((n, o) => n + o.faults, 0), accesses: outcomes.reduce((n, o) => n + o.accesses, 0) });
      before = now;
      nextSample += sampleEvery;
    }
    if (opts.stop?.()) { running.length = 0; break; }
    if (r.pos === r.len) {
      r.len = r.stream.fill(r.addrs, r.writes);
      r.pos = 0;
      r.noWrites = !hasWrites(r.writes, 0, r.len);
    }
    const n = Math.min(quantum, r.len - r.pos);
    if (n === 0) { finish(m, running, i); continue; }
    faults.n = 0;
    const killed = runQuantum(m, r, n, faults);
    r.out.faults += faults.n;
    if (killed) finish(m, running, i);
  }
  }
  const end = Math.max(...outcomes.map((o) => m.cpus[o.cpu]!.clock));
  for (const o of outcomes) o.cycles = m.cpus[o.cpu]!.clock - start;
  return { cycles: end - start, host_ms: performance.now() - hostStart, cpus: outcomes, stats: m.stats.endInterval(interval), tlb_hit_rate: series.map((s, cpu) => ({ cpu, ...s.points(512) })).filter((s) => s.t.length) };
}

/** The running job to schedule next: lowest clock, ties broken by the seeded RNG. */
function pickNext(m: Machine, running: Running[], rng: Rng): number {
  let best = 0, ties = 1;
  for (let i = 1; i < running.length; i++) {
    const c = m.cpus[running[i]!.job.cpu]!.clock, b = m.cpus[running[best]!.job.cpu]!.clock;
    if (c < b) { best = i; ties = 1; }
    else if (c === b && rng.nextBelow(++ties) === 0) best = i;
  }
  return best;
}

/**
 * Run a job's next quantum, its n accesses from r.pos, on its CPU; true if the process was
 * killed by a signal.
 */
function runQuantum(m: Machine, r: Running, n: number, faults: { n: number }): boolean {
  const { cpu, mm } = r.job;
  const saved = m.current_cpu;
  m.current_cpu = cpu;
  r.done.n = 0;
  try {
    run_accesses(m, m.cpus[cpu]!, mm, r.addrs, r.writes, r.pos, r.pos + n, faults, r.done, r.noWrites);
    return false;
  } catch (e) {
    if (!(e instanceof UserSignal)) throw e;
    r.out.signal = { name: e.name, address: e.address, message: e.message };
    return true;
  } finally {
    r.out.accesses += r.done.n;
    r.pos += n;
    m.current_cpu = saved;
  }
}

/** Run the script's periodic callback as CPU 0's process context. */
function runEvery(m: Machine, every: NonNullable<RunOptions['every']>, t: number): void {
  const saved = m.current_cpu;
  m.current_cpu = 0;
  try { every.run(t); } finally { m.current_cpu = saved; }
}

/** A job is done: drop it from the running set. */
function finish(_m: Machine, running: Running[], i: number): void {
  running.splice(i, 1);
}

const pools = new WeakMap<Machine, CpuWorkerPool>();

/** Stop a machine's CPU workers, if it has any (reset_machine and the end of a script). */
export function stop_workers(m: Machine): void {
  pools.get(m)?.terminate();
  pools.delete(m);
}

/**
 * run_workloads in parallel mode: each job's CPU runs on its own worker thread over the shared
 * machine, at full speed; this thread blocks until all finish, running `every.run` each
 * `every.ms` meanwhile. That thread is no CPU then: its shootdowns reach every CPU by IPI, and
 * its faults, zaps, shootdowns sent and lock waits are accounted in the script thread's stats
 * slot (the `script` part of the run's counters); only the simulated cycles its calls spend are
 * charged to CPU 0's clock, as CPU 0's process context.
 */
function run_parallel(m: Machine, jobs: CpuJob[], opts: RunOptions): RunResult {
  const quantum = opts.quantum ?? m.config.quantum;
  const every = opts.every;
  if (every && (!((every.ms ?? 0) > 0) || typeof every.run !== 'function')) throw new TypeError('run_workloads: in parallel mode every takes { ms > 0, run(t) } (host milliseconds)');
  const wire = jobs.map((j) => {
    const workload = j.pattern
      ? { ...resolveCustomWorkload({ kind: 'custom', source: String(j.pattern), write_fraction: j.write_fraction ?? 0, accesses: j.accesses, seed: j.seed ?? 1 }), params: JSON.parse(JSON.stringify(j.params ?? null)) as unknown }
      : resolveWorkload(j.workload);
    return { cpu: j.cpu, job: { mmId: j.mm.id, workload, quantum, trace: m.trace.session } };
  });
  let pool = pools.get(m);
  if (!pool) { pool = new CpuWorkerPool(m); pools.set(m, pool); }
  const interval = m.stats.beginInterval();
  const samples = m.cpus.map(() => new TimeSeries(4096));
  let before = interval.counters;
  const t0 = performance.now();
  const traced0 = m.trace.recorded;
  const sampleMs = opts.sample_cycles ? opts.sample_cycles / 1e6 : 10;
  const tick = (): void => {
    const t = performance.now() - t0;
    if (every && t >= (tick.nextEvery ??= every.ms!)) { runEvery(m, every, t); tick.nextEvery = t + every.ms!; }
    const now = m.stats.readCounters();
    const rates = hitRates(m, now, before);
    rates.forEach((v, c) => { if (v !== null) samples[c]!.push(t, v); });
    opts.on_sample?.({ t, tlb_hit_rate: rates, faults: m.stats.formula('faults_total'), accesses: m.stats.counter('accesses') });
    before = now;
  };
  tick.nextEvery = undefined as number | undefined;
  m.workersRunning = true;
  // A lock the script's thread wants may be held by a worker for a while. Its contended waits
  // are counted in the script thread's stats slot (Machine.statsSlot): while workers run, this
  // thread is no CPU, so they go to no CPU's counters or clock (CPU 0's belong to worker 0).
  const wasBlocking = lockWaits.blocking, wasPoll = lockWaits.poll, wasRecord = lockWaits.record;
  lockWaits.blocking = true;
  lockWaits.poll = () => { pool!.serve(); }; // a worker holding the lock may be waiting for a script callback
  lockWaits.record = (kind, ns) => { m.recordLockWait(kind, ns); };
  let results: Map<number, WorkerResult>;
  try {
    results = pool.run(wire, Math.min(sampleMs, every?.ms ?? Infinity), tick, opts.stop ?? null);
  } catch (e) {
    m.stats.endInterval(interval);
    throw e;
  } finally {
    m.workersRunning = false;
    lockWaits.blocking = wasBlocking;
    lockWaits.poll = wasPoll;
    lockWaits.record = wasRecord;
  }
  if (pool.failures.length) throw pool.failures.splice(0)[0];
  const events = [...results.values()].flatMap((r) => r.trace.map((e) => ({ ...e, name: String(e['name']), mm: m.mms.get(e['mm'] as number) ?? e['mm'] })));
  m.trace.mergeFrom(traced0, events);
  return parallelResult(m, jobs, results, interval, samples, performance.now() - t0);
}

/** Fold the workers' reports into the host's view of the machine and the run's result. */
function parallelResult(m: Machine, jobs: CpuJob[], results: Map<number, WorkerResult>, interval: ReturnType<Machine['stats']['beginInterval']>, samples: TimeSeries[], hostMs: number): RunResult {
  const cpus: CpuOutcome[] = [];
  let failure: string | null = null, patternError: string | null = null;
  for (const j of jobs) {
    const r = results.get(j.cpu)!;
    if (r.error) failure ??= `CPU ${j.cpu}: ${r.error}`;
    if (r.patternError) patternError ??= `run_workloads: the custom pattern of CPU ${j.cpu} failed after ${r.accesses} accesses: ${r.patternError}`;
    for (const line of r.dmesg) m.log.printk(line);
    m.staleTlb.push(...r.staleTlb);
    const cpu = m.cpus[j.cpu]!;
    cpu.active_mm = r.activeMm >= 0 ? m.mms.get(r.activeMm) ?? null : null;
    cpu.clock += r.cycles;
    cpus.push({ cpu: j.cpu, accesses: r.accesses, faults: r.faults, cycles: r.cycles, signal: r.signal });
  }
  const stats = m.stats.endInterval(interval);
  if (failure) throw new Error(`run_workloads: a CPU worker failed: ${failure}`);
  if (patternError) throw new Error(patternError); // the workers stay usable: it ended only that job
  return { cycles: Math.max(...cpus.map((c) => c.cycles)), host_ms: hostMs, cpus, stats,
    tlb_hit_rate: samples.map((s, cpu) => ({ cpu, ...s.points(512) })).filter((s) => s.t.length) };
}
