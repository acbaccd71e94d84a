// Kernel-call threads on CPUs: script functions that each loop on their own CPU (a process
// calling write(/proc/self/mem) in a loop, another calling madvise in a loop), interleaved
// deterministically by simulated time. A call runs to its end unless the kernel reaches a
// preemption point it models (gup's cond_resched between a fault and its retry); there, every
// other thread whose CPU is behind in simulated time runs until it has caught up, which is what
// that CPU did meanwhile. Same machine, jobs and seed give the same interleaving.
import type { Machine } from '../machine';
import { Rng } from '../workload/rng';

/** One thread: `run(i)` is its i-th loop iteration, run as CPU `cpu`'s process context. */
export interface ThreadJob {
  cpu: number;
  run: (i: number) => unknown;
  /** How many iterations (default: until `until` says stop, or max_iterations). */
  iterations?: number;
  /** Simulated cycles spent in user space before each iteration (default 1000), jittered 0.5–1.5× by the seeded RNG. */
  think_cycles?: number;
}

export interface ThreadOptions {
  /** Checked after every iteration: true stops every thread there. */
  until?: () => boolean;
  /** Upper bound on any thread's iterations (default 100 000), so a race that is never won ends. */
  max_iterations?: number;
}

export interface ThreadOutcome { cpu: number; iterations: number; cycles: number }

export interface ThreadsResult {
  /** Simulated cycles from the start to the last thread's last iteration. */
  cycles: number;
  threads: ThreadOutcome[];
  /** Iterations that ran inside another thread's call, at one of its preemption points. */
  preemptions: number;
  /** True when `until` ended the run. */
  stopped: boolean;
}

interface Thread { job: ThreadJob; think: number; limit: number; out: ThreadOutcome; active: boolean; clock0: number }

/** Check the jobs: known CPUs, one thread each, a function to run. TypeError otherwise. */
function checkJobs(m: Machine, jobs: ThreadJob[], maxIterations: number): Thread[] {
  if (!Array.isArray(jobs) || jobs.length === 0) throw new TypeError('run_threads: give at least one thread { cpu, run(i) }');
  const seen = new Set<number>();
  return jobs.map((job) => {
    if (!Number.isInteger(job?.cpu) || job.cpu < 0 || job.cpu >= m.cpus.length) throw new TypeError(`run_threads: cpu ${String(job?.cpu)} does not exist (the machine has ${m.cpus.length})`);
    if (seen.has(job.cpu)) throw new TypeError(`run_threads: cpu ${job.cpu} has two threads; give each CPU one`);
    seen.add(job.cpu);
    if (typeof job.run !== 'function') throw new TypeError(`run_threads: cpu ${job.cpu}'s run must be a function (i) => ...`);
    const think = job.think_cycles ?? 1000;
    if (!Number.isSafeInteger(think) || think < 1) throw new TypeError(`run_threads: cpu ${job.cpu}'s think_cycles must be a positive integer`);
    const limit = job.iterations ?? maxIterations;
    if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError(`run_threads: cpu ${job.cpu}'s iterations must be a non-negative integer`);
    return { job, think, limit: Math.min(limit, maxIterations), out: { cpu: job.cpu, iterations: 0, cycles: 0 }, active: false, clock0: 0 };
  });
}

/**
 * run_threads: run each thread's iterations, the thread whose CPU clock is lowest first (ties by
 * the seeded RNG), with other threads catching up at preemption points inside a call. Returns
 * per-thread iterations and cycles. Errors thrown by a thread end the run and propagate.
 */
export function run_threads(m: Machine, jobs: ThreadJob[], opts: ThreadOptions = {}): ThreadsResult {
  const maxIterations = opts.max_iterations ?? 100_000;
  if (!Number.isSafeInteger(maxIterations) || maxIterations < 1) throw new TypeError('run_threads: max_iterations must be a positive integer');
  if (opts.until !== undefined && typeof opts.until !== 'function') throw new TypeError('run_threads: until must be a function () => boolean');
  const threads = checkJobs(m, jobs, maxIterations);
  const rng = Rng.fromSeed(m.config.seed, ++m.runs);
  const start = Math.max(...threads.map((t) => m.cpus[t.job.cpu]!.clock));
  for (const t of threads) { m.cpus[t.job.cpu]!.clock = start; t.clock0 = start; }
  const clock = (t: Thread): number => m.cpus[t.job.cpu]!.clock;
  const ready = (t: Thread): boolean => !t.active && t.out.iterations < t.limit;
  let stopped = false, preemptions = 0;

  /** The ready thread with the lowest clock, below `before` (ties by the RNG), or null. */
  const pick = (before: number): Thread | null => {
    let best: Thread | null = null, ties = 0;
    for (const t of threads) {
      if (!ready(t) || clock(t) >= before) continue;
      if (!best || clock(t) < clock(best)) { best = t; ties = 1; } else if (clock(t) === clock(best) && rng.nextBelow(++ties) === 0) best = t;
    }
    return best;
  };
  /** One iteration of t on its CPU: think time in user space, then its call. */
  const step = (t: Thread, inside: number | null): void => {
    const saved = m.current_cpu;
    const cpu = m.cpus[t.job.cpu]!;
    cpu.clock += Math.round(t.think * (0.5 + rng.nextFloat()));
    if (m.trace.on('thread_run')) m.trace.emit({ name: 'thread_run', cpu: t.job.cpu, i: t.out.iterations, inside, t: cpu.clock - start });
    t.active = true;
    m.current_cpu = t.job.cpu;
    try { t.job.run(t.out.iterations); } finally { t.active = false; m.current_cpu = saved; }
    t.out.iterations++;
    if (opts.until?.()) stopped = true;
  };
  /** A preemption point of the running thread: the others catch up with its clock. */
  const preempt = (): void => {
    const cur = m.current_cpu, now = m.cpus[cur]!.clock;
    for (let t = pick(now); t && !stopped; t = pick(now)) { preemptions++; step(t, cur); }
  };
  const prevHook = m.gupRetryHook;
  m.gupRetryHook = (vma, address, flags) => { prevHook?.(vma, address, flags); if (!stopped) preempt(); };
  try {
    for (let t = pick(Infinity); t && !stopped; t = pick(Infinity)) step(t, null);
  } finally {
    m.gupRetryHook = prevHook;
  }
  for (const t of threads) t.out.cycles = clock(t) - t.clock0;
  return { cycles: Math.max(...threads.map((t) => clock(t))) - start, threads: threads.map((t) => t.out), preemptions, stopped };
}
