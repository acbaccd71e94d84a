// A log2-bucketed latency histogram, bcc/bpftrace style, with linear sub-buckets in each power
// of two for HdrHistogram-like precision.
//
// Buckets. Bucket 0 holds [0, 1). Every octave [2^e, 2^(e+1)), e = 0..63, is split into S equal
// sub-buckets (S a power of two, default 8), so bucket 1 + e*S + s holds
//   [2^e * (1 + s/S), 2^e * (1 + (s+1)/S)).
// A bucket's width is at most 1/S of any value in it (12.5% for S = 8). Values of 2^64 and more
// are counted in the top bucket. With S = 1 the buckets are exactly bpftrace's hist().
//
// Error bound. count, sum, mean, min and max are exact. percentile(p) finds the bucket holding
// the nearest-rank value and returns the bucket's midpoint clamped to [min, max], so the answer
// lies in the same bucket as the exact value: its error is at most half a bucket width, i.e.
// |reported - exact| <= exact / (2S) (6.25% for S = 8) for values >= 1, and <= 0.5 below 1.
// The lowest rank returns min and the highest returns max, exactly.
//
// Storage. Everything lives in one Float64Array over a SharedArrayBuffer (an 8-double header,
// then the bucket counts), so a worker thread records into its own instance with plain stores
// and the main thread attaches to the same memory and merges. A histogram has one writer; a
// reader that merges while the writer runs sees a snapshot that may be a few records behind
// (count and buckets can differ by the records in flight) and is exact once the writer is idle.

/** Header slots of the Float64Array. */
const MAGIC = 0;
const SUB_BITS = 1;
const COUNT = 2;
const SUM = 3;
const MIN = 4;
const MAX = 5;
const HEADER = 8;

const MAGIC_VALUE = 0x48697374; // 'Hist'
const OCTAVES = 64;
const MAX_SUB_BITS = 8;

/** Scratch words that expose a double's exponent and top mantissa bits. */
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const HI_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

export interface HistogramOptions {
  /** Linear sub-buckets per power of two: a power of two from 1 to 256. Default 8. */
  subBuckets?: number;
}

/** One bucket for plotting: values in [lower, upper) were counted `count` times. */
export interface HistogramBucket {
  lower: number;
  upper: number;
  count: number;
}

/** The JSON form: exact totals and the non-empty buckets as [index, count] pairs. */
export interface HistogramJSON {
  subBuckets: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  buckets: Array<[number, number]>;
}

/** log2 of a valid sub-bucket count; throws RangeError on anything else. */
function subBitsOf(subBuckets: number): number {
  const bits = Math.log2(subBuckets);
  if (!Number.isInteger(bits) || bits < 0 || bits > MAX_SUB_BITS) {
    throw new RangeError(`subBuckets must be a power of two from 1 to ${1 << MAX_SUB_BITS}, got ${subBuckets}`);
  }
  return bits;
}

/** Number of buckets for `subBits`. */
const bucketCount = (subBits: number): number => 1 + OCTAVES * (1 << subBits);

/** The bucket holding value v >= 0 (finite); reads the exponent and mantissa bits directly. */
export function bucketIndex(v: number, subBits: number): number {
  if (v < 1) return 0;
  F64[0] = v;
  const hi = U32[HI_WORD]!;
  const e = (hi >>> 20) - 1023;
  if (e >= OCTAVES) return bucketCount(subBits) - 1;
  return 1 + (e << subBits) + ((hi & 0xfffff) >>> (20 - subBits));
}

/** The half-open value range [lower, upper) of bucket i. */
export function bucketBounds(i: number, subBits: number): [number, number] {
  if (i === 0) return [0, 1];
  const e = (i - 1) >> subBits;
  const s = (i - 1) & ((1 << subBits) - 1);
  const unit = 2 ** e / (1 << subBits);
  return [2 ** e + s * unit, 2 ** e + (s + 1) * unit];
}

/** The nearest rank (1-based) of percentile p (0..100) among n values; n must be >= 1. */
export function percentileRank(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n - 1e-9)));
}

/** Throws RangeError unless v is a finite number >= 0. */
function checkValue(v: number): void {
  if (!(v >= 0 && v < Infinity)) throw new RangeError(`histogram values must be finite and >= 0, got ${v}`);
}

export class Histogram {
  /** The counts: header then buckets, over `buffer` at `byteOffset`. */
  private readonly a: Float64Array;
  private readonly subBits: number;

  /** Wraps counts already laid out in `a` (header included); use create() or attach(). */
  private constructor(a: Float64Array) {
    this.a = a;
    this.subBits = a[SUB_BITS]!;
  }

  /**
   * A new, empty histogram in a fresh SharedArrayBuffer, or written at `byteOffset` of `buffer`
   * (which needs bytesFor(options) bytes there). Throws RangeError on bad options.
   */
  static create(options: HistogramOptions = {}, buffer?: SharedArrayBuffer, byteOffset = 0): Histogram {
    const subBits = subBitsOf(options.subBuckets ?? 8);
    const n = HEADER + bucketCount(subBits);
    const a = new Float64Array(buffer ?? new SharedArrayBuffer(n * 8), byteOffset, n);
    a[MAGIC] = MAGIC_VALUE;
    a[SUB_BITS] = subBits;
    const h = new Histogram(a);
    h.reset();
    return h;
  }

  /** Bytes one histogram with these options occupies in a shared buffer (a multiple of 64). */
  static bytesFor(options: HistogramOptions = {}): number {
    return Math.ceil(((HEADER + bucketCount(subBitsOf(options.subBuckets ?? 8))) * 8) / 64) * 64;
  }

  /**
   * A second view of a histogram that already lives at `byteOffset` of `buffer` (e.g. created
   * by another thread); records through either view land in the same counts. Throws
   * RangeError if no histogram header is there.
   */
  static attach(buffer: SharedArrayBuffer, byteOffset = 0): Histogram {
    const head = new Float64Array(buffer, byteOffset, HEADER);
    if (head[MAGIC] !== MAGIC_VALUE) throw new RangeError(`no histogram at byte offset ${byteOffset}`);
    return new Histogram(new Float64Array(buffer, byteOffset, HEADER + bucketCount(head[SUB_BITS]!)));
  }

  /** A new histogram (in its own buffer) holding toJSON() output; throws RangeError if malformed. */
  static fromJSON(j: HistogramJSON): Histogram {
    const h = Histogram.create({ subBuckets: j.subBuckets });
    const nb = bucketCount(h.subBits);
    let total = 0;
    for (const [i, c] of j.buckets) {
      if (!Number.isInteger(i) || i < 0 || i >= nb || !(c >= 0)) throw new RangeError(`bad histogram bucket [${i}, ${c}]`);
      h.a[HEADER + i] = c;
      total += c;
    }
    if (total !== j.count) throw new RangeError(`histogram buckets sum to ${total}, count says ${j.count}`);
    h.a[COUNT] = j.count;
    h.a[SUM] = j.sum;
    if (j.count > 0) {
      h.a[MIN] = j.min ?? 0;
      h.a[MAX] = j.max ?? 0;
    }
    return h;
  }

  /** The shared memory this histogram lives in, to hand to another thread with byteOffset. */
  get buffer(): SharedArrayBuffer { return this.a.buffer as SharedArrayBuffer; }
  get byteOffset(): number { return this.a.byteOffset; }
  get subBuckets(): number { return 1 << this.subBits; }

  /** Count one value; throws RangeError if v is negative, NaN or infinite. */
  record(v: number): void {
    checkValue(v);
    const a = this.a;
    a[HEADER + bucketIndex(v, this.subBits)]! += 1;
    a[COUNT]! += 1;
    a[SUM]! += v;
    if (v < a[MIN]!) a[MIN] = v;
    if (v > a[MAX]!) a[MAX] = v;
  }

  /** Count value v n times (n a non-negative integer); throws RangeError on bad arguments. */
  recordN(v: number, n: number): void {
    checkValue(v);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`recordN count must be an integer >= 0, got ${n}`);
    if (n === 0) return;
    const a = this.a;
    a[HEADER + bucketIndex(v, this.subBits)]! += n;
    a[COUNT]! += n;
    a[SUM]! += v * n;
    if (v < a[MIN]!) a[MIN] = v;
    if (v > a[MAX]!) a[MAX] = v;
  }

  /** Add every count of `other` into this one; throws RangeError if their sub-buckets differ. */
  merge(other: Histogram): this {
    if (other.subBits !== this.subBits) {
      throw new RangeError(`cannot merge histograms with ${other.subBuckets} and ${this.subBuckets} sub-buckets`);
    }
    const a = this.a;
    const b = other.a;
    for (let i = HEADER; i < a.length; i++) a[i]! += b[i]!;
    a[COUNT]! += b[COUNT]!;
    a[SUM]! += b[SUM]!;
    if (b[MIN]! < a[MIN]!) a[MIN] = b[MIN]!;
    if (b[MAX]! > a[MAX]!) a[MAX] = b[MAX]!;
    return this;
  }

  /** Forget every recorded value. */
  reset(): void {
    this.a.fill(0, COUNT);
    this.a[MIN] = Infinity;
    this.a[MAX] = -Infinity;
  }

  /** A private copy (in its own buffer) of the counts as they are now. */
  clone(): Histogram {
    return Histogram.create({ subBuckets: this.subBuckets }).merge(this);
  }

  get count(): number { return this.a[COUNT]!; }
  get sum(): number { return this.a[SUM]!; }
  /** Exact mean; NaN when empty. */
  get mean(): number { return this.count === 0 ? NaN : this.sum / this.count; }
  /** Exact smallest value; NaN when empty. */
  get min(): number { return this.count === 0 ? NaN : this.a[MIN]!; }
  /** Exact largest value; NaN when empty. */
  get max(): number { return this.count === 0 ? NaN : this.a[MAX]!; }

  /**
   * The nearest-rank p-th percentile (p from 0 to 100, e.g. 99.9), within half a bucket of the
   * exact value (see the error bound at the top of this file); NaN when empty.
   */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be from 0 to 100, got ${p}`);
    const n = this.count;
    if (n === 0) return NaN;
    const rank = percentileRank(p, n);
    if (rank === 1) return this.min;
    if (rank === n) return this.max;
    const i = this.bucketOfRank(rank);
    const [lo, hi] = bucketBounds(i, this.subBits);
    return Math.min(this.max, Math.max(this.min, (lo + hi) / 2));
  }

  /** The index of the bucket holding the rank-th smallest value (1 <= rank <= count). */
  private bucketOfRank(rank: number): number {
    const a = this.a;
    let seen = 0;
    for (let i = HEADER; i < a.length; i++) {
      seen += a[i]!;
      if (seen >= rank) return i - HEADER;
    }
    return a.length - HEADER - 1;
  }

  /** The buckets from the lowest to the highest non-empty one (empty ones between included). */
  buckets(): HistogramBucket[] {
    const [first, last] = this.nonEmptyRange();
    const out: HistogramBucket[] = [];
    for (let i = first; i <= last; i++) {
      const [lower, upper] = bucketBounds(i, this.subBits);
      out.push({ lower, upper, count: this.a[HEADER + i]! });
    }
    return out;
  }

  /** [first, last] non-empty bucket indexes; [0, -1] when empty. */
  private nonEmptyRange(): [number, number] {
    const a = this.a;
    let first = -1;
    let last = -1;
    for (let i = HEADER; i < a.length; i++) {
      if (a[i] === 0) continue;
      if (first < 0) first = i - HEADER;
      last = i - HEADER;
    }
    return first < 0 ? [0, -1] : [first, last];
  }

  /** Exact totals and the non-empty buckets; fromJSON(toJSON()) reproduces this histogram. */
  toJSON(): HistogramJSON {
    const buckets: Array<[number, number]> = [];
    for (let i = HEADER; i < this.a.length; i++) if (this.a[i] !== 0) buckets.push([i - HEADER, this.a[i]!]);
    const empty = this.count === 0;
    return { subBuckets: this.subBuckets, count: this.count, sum: this.sum, min: empty ? null : this.min, max: empty ? null : this.max, buckets };
  }

  /**
   * A bpftrace-style text histogram headed `@name:`. With `octaves` the sub-buckets of each power
   * of two are summed into one row, as bpftrace's hist() prints; otherwise one row per bucket.
   * Empty when nothing was recorded.
   */
  render(name = 'hist', options: { octaves?: boolean; width?: number } = {}): string {
    const rows = options.octaves ? octaveRows(this.buckets()) : this.buckets();
    if (rows.length === 0) return '';
    const width = options.width ?? 52;
    const peak = Math.max(...rows.map((r) => r.count));
    const lines = rows.map((r) => {
      const bar = '@'.repeat(Math.round((r.count / peak) * width));
      return `${rangeLabel(r).padEnd(16)} ${String(r.count).padStart(8)} |${bar.padEnd(width)}|`;
    });
    return [`@${name}:`, ...lines, ''].join('\n');
  }
}

/** Rows summed per power of two: [0, 1), [1, 2), [2, 4), ... (gaps between kept). */
function octaveRows(rows: HistogramBucket[]): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  for (const r of rows) {
    const lower = r.lower < 1 ? 0 : 2 ** Math.floor(Math.log2(r.lower));
    const upper = lower === 0 ? 1 : lower * 2;
    const prev = out[out.length - 1];
    if (prev && prev.lower === lower) prev.count += r.count;
    else out.push({ lower, upper, count: r.count });
  }
  return out;
}

/** '[lo, hi)' with bpftrace's K/M/G suffixes for multiples of 1024. */
function rangeLabel(r: HistogramBucket): string {
  return `[${humanize(r.lower)}, ${humanize(r.upper)})`;
}

/** v with a 1024-based suffix (1536 -> '1.5K'); plain below 1024. */
export function humanize(v: number): string {
  const suffixes = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  let k = 0;
  while (k < suffixes.length - 1 && v >= 1024 ** (k + 1)) k++;
  const x = v / 1024 ** k;
  return `${Number.isInteger(x) ? x : Number(x.toFixed(3))}${suffixes[k]}`;
}
