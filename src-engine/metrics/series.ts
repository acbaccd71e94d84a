// Time series for live charts: (t, value) pairs in fixed memory, decimated so that a long run
// reduces to a chart-friendly number of points without losing its peaks and troughs.
//
// Decimation is min-max bucketing: the first and last points are kept, the points between are
// cut into equal-count buckets and each bucket keeps its smallest and its largest value (in time
// order). The series' global minimum and maximum therefore always survive, however often a
// series is decimated.
import type { Stats } from './stats';

/** Points as two parallel arrays (what Chart.js and JSON want). */
export interface SeriesPoints {
  t: number[];
  v: number[];
}

/**
 * At most `target` (>= 4) of the n points (t[i], v[i]), keeping the first, the last and each
 * bucket's min and max; all n points when n <= target. Throws RangeError on a smaller target.
 */
export function decimateMinMax(t: ArrayLike<number>, v: ArrayLike<number>, target: number): SeriesPoints {
  if (!Number.isInteger(target) || target < 4) throw new RangeError(`decimation target must be an integer >= 4, got ${target}`);
  const n = t.length;
  if (n <= target) return { t: Array.from(t), v: Array.from(v) };
  const keep = [0];
  const buckets = Math.floor((target - 2) / 2);
  const span = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor(b * span);
    const hi = 1 + Math.floor((b + 1) * span);
    keep.push(...minMaxOf(v, lo, hi));
  }
  keep.push(n - 1);
  return { t: keep.map((i) => t[i]!), v: keep.map((i) => v[i]!) };
}

/** Indexes of the min and max of v[lo, hi), in index order (one index if they coincide). */
function minMaxOf(v: ArrayLike<number>, lo: number, hi: number): number[] {
  if (hi <= lo) return [];
  let iMin = lo;
  let iMax = lo;
  for (let i = lo + 1; i < hi; i++) {
    if (v[i]! < v[iMin]!) iMin = i;
    if (v[i]! > v[iMax]!) iMax = i;
  }
  if (iMin === iMax) return [iMin];
  return iMin < iMax ? [iMin, iMax] : [iMax, iMin];
}

/**
 * A series of at most `capacity` points. When full it decimates itself to half its capacity,
 * so memory stays fixed, old stretches get coarser, and extremes are kept.
 */
export class TimeSeries {
  private readonly ts: Float64Array;
  private readonly vs: Float64Array;
  private n = 0;

  /** capacity: an even integer >= 8; throws RangeError otherwise. */
  constructor(readonly capacity = 2048) {
    if (!Number.isInteger(capacity) || capacity < 8 || capacity % 2 !== 0) {
      throw new RangeError(`series capacity must be an even integer >= 8, got ${capacity}`);
    }
    this.ts = new Float64Array(capacity);
    this.vs = new Float64Array(capacity);
  }

  get length(): number { return this.n; }

  /** Append (t, v); t must not go backwards and both must be finite (RangeError otherwise). */
  push(t: number, v: number): void {
    if (!Number.isFinite(t) || !Number.isFinite(v)) throw new RangeError(`series points must be finite, got (${t}, ${v})`);
    if (this.n > 0 && t < this.ts[this.n - 1]!) throw new RangeError(`series time went backwards: ${t} after ${this.ts[this.n - 1]}`);
    if (this.n === this.capacity) this.compact();
    this.ts[this.n] = t;
    this.vs[this.n] = v;
    this.n++;
  }

  /** Decimate the stored points in place to half the capacity. */
  private compact(): void {
    const d = decimateMinMax(this.ts.subarray(0, this.n), this.vs.subarray(0, this.n), this.capacity / 2);
    this.ts.set(d.t);
    this.vs.set(d.v);
    this.n = d.t.length;
  }

  /** The stored points, decimated to at most maxPoints (>= 4; default all). */
  points(maxPoints = this.capacity): SeriesPoints {
    return decimateMinMax(this.ts.subarray(0, this.n), this.vs.subarray(0, this.n), maxPoints);
  }

  /** Forget every point. */
  clear(): void { this.n = 0; }

  toJSON(): SeriesPoints { return this.points(); }
}

/** A formula's series, per CPU and in total, as plain JSON. */
export interface FormulaSeriesJSON {
  formula: string;
  unit: string;
  total: SeriesPoints;
  perCpu: SeriesPoints[];
}

/**
 * Samples one formula of a Stats (e.g. the TLB hit rate) over successive intervals, per CPU and
 * in total, into time series. Each sample is the formula over the counters' change since the
 * previous sample, not since the start, so a chart shows how the rate moves.
 */
export class FormulaSampler {
  readonly total: TimeSeries;
  readonly perCpu: TimeSeries[];
  private before: Float64Array | undefined;

  /** Throws Error if `formula` is not declared in stats' registry. */
  constructor(private readonly stats: Stats, readonly formula: string, capacity = 2048) {
    stats.formula(formula);
    this.total = new TimeSeries(capacity);
    this.perCpu = Array.from({ length: stats.nrCpus }, () => new TimeSeries(capacity));
  }

  /**
   * Record the formula over the interval ending at time t (the first interval starts at zero
   * counts). A series skips an interval where the formula is undefined (e.g. no accesses).
   */
  sample(t: number): void {
    const now = this.stats.readCounters();
    const pushIf = (s: TimeSeries, v: number): void => { if (Number.isFinite(v)) s.push(t, v); };
    pushIf(this.total, this.stats.formulaOver(this.formula, now, this.before));
    this.perCpu.forEach((s, c) => pushIf(s, this.stats.formulaOver(this.formula, now, this.before, c)));
    this.before = now;
  }

  /** The series as JSON, each decimated to at most maxPoints (>= 4). */
  toJSON(maxPoints?: number): FormulaSeriesJSON {
    const unit = this.stats.registry.formulas.find((f) => f.name === this.formula)!.unit;
    return { formula: this.formula, unit, total: this.total.points(maxPoints), perCpu: this.perCpu.map((s) => s.points(maxPoints)) };
  }
}
