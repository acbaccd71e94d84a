// Timing helpers shared by every bench section: a monotonic host clock, repeated measurements
// summarized as median (min–max), and the sizes each mode (full, quick, tiny) runs with.

/** Median, min and max of a set of repetitions of one measurement (same unit as the inputs). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  reps: number;
}

/** Host nanoseconds from an arbitrary origin (monotonic). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Host nanoseconds taken by fn(). */
export function timeNs(fn: () => void): number {
  const t0 = nowNs();
  fn();
  return nowNs() - t0;
}

/** The median of a non-empty list (the lower middle for an even count, as RESULTS.md does). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: no values');
  return [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1]!;
}

/** Summary of a non-empty list of repetitions. */
export function summarize(xs: readonly number[]): Summary {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), reps: xs.length };
}

/** Runs rep(i) for i in [0, reps) and summarizes the numbers it returns. */
export function repeat(reps: number, rep: (i: number) => number): Summary {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) out.push(rep(i));
  return summarize(out);
}

/**
 * Runs once(c) for every case in rounds: one untimed warm-up round (of warm(c), once(c) by
 * default), then `reps` rounds, the cases interleaved within each round so drift and noise
 * spread over all of them alike; beforeRound(r), if given, runs before timed round r.
 * Returns, per case, the results of the timed rounds.
 */
export function interleaved<C, R>(cases: readonly C[], reps: number, once: (c: C) => R, warm: (c: C) => unknown = once, beforeRound?: (r: number) => void): R[][] {
  for (const c of cases) warm(c);
  const out: R[][] = cases.map(() => []);
  for (let r = 0; r < reps; r++) {
    beforeRound?.(r);
    cases.forEach((c, i) => out[i]!.push(once(c)));
  }
  return out;
}

/** The reference loop's table: 4096 fixed pseudo-random words (16 KiB, in the L1 cache). */
const REF_TABLE = Int32Array.from({ length: 4096 }, (_, i) => Math.imul(i, 0x9e3779b1) >>> 20);

/** `n` steps of the reference loop: four independent hash chains through REF_TABLE and a store into it per step. */
function referenceSteps(n: number): number {
  const t = REF_TABLE;
  let a = 1, b = 2, c = 3, d = 4;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a ^ t[a & 4095]!, 0x9e3779b1) + i) | 0;
    b = (Math.imul(b ^ t[b & 4095]!, 0x85ebca6b) + i) | 0;
    c = (Math.imul(c ^ t[c & 4095]!, 0x9e3779b1) + i) | 0;
    d = (Math.imul(d ^ t[d & 4095]!, 0x85ebca6b) + i) | 0;
    t[(a ^ d) & 4095] = (b ^ c) >>> 20;
  }
  return a ^ b ^ c ^ d;
}

/**
 * Host ns per step of a fixed reference loop, timed over ~20 ms: how fast this machine runs
 * plain code right now. Not a target: it lets a reader tell a slow build from a slow moment.
 * The loop keeps several chains in flight (as the chases do), so it slows with them when the
 * host's cores are shared: on this VM it read ~5.5 ns while the TLB-hit chase ran at 11-12 ns
 * and ~8 ns while the chase ran at 18-20; a single latency-bound chain barely moved then.
 */
export function referenceLoopNs(): number {
  const n = 3_000_000;
  const t0 = nowNs();
  const x = referenceSteps(n);
  const ns = nowNs() - t0;
  if (x === 0x7fffffff) console.log(x); // keeps the loop alive
  return ns / n;
}

/** Untimed warm-up runs before a measurement: at least WARM_RUNS_MIN, at most WARM_RUNS_MAX. */
const WARM_RUNS_MIN = 3;
const WARM_RUNS_MAX = 12;
/** A warm-up run counts as settled when its rate is within this fraction of the best rate so far. */
const SETTLED = 0.05;

/**
 * Runs once(i), which returns a rate (higher is faster), until the rate settles: at least
 * WARM_RUNS_MIN runs, then until two in a row are within SETTLED of the best rate seen, at most
 * WARM_RUNS_MAX runs. Fresh CPU workers reach their speed only after a few runs (the first 2-5
 * ran 20-50% slower here, while V8's background compilers shared the 2 cores with them).
 * Returns the best rate seen.
 */
export function warmUntilSettled(once: (i: number) => number): number {
  let best = 0, steady = 0;
  for (let i = 0; i < WARM_RUNS_MAX && (i < WARM_RUNS_MIN || steady < 2); i++) {
    const rate = once(i);
    steady = rate >= best * (1 - SETTLED) ? steady + 1 : 0;
    best = Math.max(best, rate);
  }
  return best;
}

/** Repetitions of a zap over `pages` pages: at most 5 for big ranges (each one populates them anew). */
export function zapReps(sizes: BenchSizes, pages: number): number {
  return pages > 16384 ? Math.min(sizes.reps, 5) : sizes.reps;
}

/** A count that makes a run of `perItemNs` items last about `budgetNs`, clamped to [lo, hi]. */
export function itemsForBudget(budgetNs: number, perItemNs: number, lo: number, hi: number): number {
  const n = Math.round(budgetNs / Math.max(perItemNs, 1e-3));
  return Math.min(hi, Math.max(lo, n));
}

/** How big each section runs. `full` is `npm run bench`, `quick` is --quick, `tiny` is the unit test. */
export interface BenchSizes {
  name: 'full' | 'quick' | 'tiny';
  /** Repetitions of every measurement. */
  reps: number;
  /** Host time one translation repetition should take. */
  translateBudgetNs: number;
  /** Pages of the TLB-hit and the every-access-walks pointer chases. */
  hitPages: number;
  walkPages: number;
  /** Fresh pages touched per fault repetition. */
  faultPages: number;
  /** Populated pages per zap repetition, one row per size. */
  zapPages: readonly number[];
  /** Single-page munmap/madvise calls per shootdown repetition. */
  shootdownOps: number;
  /** CPU counts of the deterministic scaling rows, and the host time of one repetition. */
  scalingCpus: readonly number[];
  scalingBudgetNs: number;
  /** The memory-footprint machine and how much of its RAM gets touched (MiB, one point each). */
  memory: { cpus: number; ram_mb: number; touch_mb: readonly number[] };
}

export const FULL: BenchSizes = {
  name: 'full', reps: 7, translateBudgetNs: 500e6, hitPages: 32, walkPages: 16384, faultPages: 4096,
  zapPages: [4096, 65536], shootdownOps: 5000, scalingCpus: [1, 2, 4], scalingBudgetNs: 400e6,
  memory: { cpus: 16, ram_mb: 1024, touch_mb: [64, 960] },
};

export const QUICK: BenchSizes = {
  name: 'quick', reps: 3, translateBudgetNs: 200e6, hitPages: 32, walkPages: 16384, faultPages: 4096,
  zapPages: [4096], shootdownOps: 2000, scalingCpus: [1, 2, 4], scalingBudgetNs: 150e6,
  memory: { cpus: 16, ram_mb: 1024, touch_mb: [64] },
};

export const TINY: BenchSizes = {
  name: 'tiny', reps: 2, translateBudgetNs: 2e6, hitPages: 8, walkPages: 4096, faultPages: 32,
  zapPages: [64], shootdownOps: 8, scalingCpus: [1, 2], scalingBudgetNs: 2e6,
  memory: { cpus: 2, ram_mb: 16, touch_mb: [1] },
};
