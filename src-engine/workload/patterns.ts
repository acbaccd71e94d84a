// The built-in access patterns, one AccessStream class each, every fill loop monomorphic and
// allocation-free. Tables (zipf's alias table, pointer chase's cycle) are built once, when the
// stream is created.
//
// Addresses are base + page * 4096 + offset. The offset rule:
//   sequential, strided  the offset follows from the position: sequential walks 8-byte words
//                        (512 accesses per page); strided steps `stride` bytes. A pass that
//                        reaches the end of the region restarts at base.
//   random, zipf,        choose a page, then a uniformly random 8-byte-aligned offset in
//   hot_cold             [0, 4096), drawn per access from the same stream.
//   pointer_chase        one node per page, at a random 64-byte line of it fixed when the cycle
//                        is built (as the host's tlb.c lays out its chase): every visit to a
//                        page reads the same node.
//   trace                replays the addresses as given.
// Per-stream (per-CPU) differences: random patterns draw from the stream's own generator;
// pointer chase follows one cycle shared by all streams of a workload, each stream starting at
// its own random page; sequential, strided and trace produce the same addresses in every stream
// (give each CPU its own base to partition a region). The read/write mix differs per stream.

import { PAGE_SIZE } from '../arch/x86/pgtable_types';
import type { Rng } from './rng';
import { resolveWorkload, type Workload } from './spec';
import { StreamBase, streamRngs, tableRng, type AccessStream, type StreamState } from './stream';

export { resolveWorkload, WORKLOAD_FIELDS, WORKLOAD_KINDS, MAX_PAGES, MAX_TABLE_PAGES } from './spec';
export type { Workload, WorkloadKind } from './spec';
export type { AccessStream, StreamState } from './stream';

/** Bytes per access of the sequential pattern. */
export const SEQUENTIAL_STRIDE = 8;

/** A random 8-byte-aligned offset in [0, 4096) from a u32 (its top 9 bits). */
const wordOffset = (x: number): number => (x >>> 23) << 3;

/** A random 64-byte line's offset in [0, 4096) from a u32 (its top 6 bits): where a chase node sits. */
const nodeOffset = (x: number): number => (x >>> 26) << 6;

/** base, base + stride, ... up to the end of the region, then base again. */
class StridedStream extends StreamBase {
  private readonly base: number;
  private readonly span: number;

  constructor(w: Workload, private readonly stride: number, streamId: number) {
    super(w.accesses, w.write_fraction, streamRngs(w.seed, streamId));
    this.base = w.base;
    this.span = w.pages * PAGE_SIZE;
  }

  protected fillAddrs(addrs: Float64Array, n: number): void {
    const { base, span, stride } = this;
    let off = this.cursor;
    for (let i = 0; i < n; i++) {
      addrs[i] = base + off;
      off += stride;
      if (off >= span) off = 0;
    }
    this.cursor = off;
  }

  protected cursorLimit(): number {
    return this.span;
  }
}

/** Each access a uniformly random page of the region. */
class RandomStream extends StreamBase {
  constructor(private readonly w: Workload, streamId: number) {
    super(w.accesses, w.write_fraction, streamRngs(w.seed, streamId));
  }

  protected fillAddrs(addrs: Float64Array, n: number): void {
    const { base, pages } = this.w;
    const rng = this.addr;
    for (let i = 0; i < n; i++) {
      const page = rng.nextBelow(pages);
      addrs[i] = base + page * PAGE_SIZE + wordOffset(rng.nextU32());
    }
  }
}

/** Vose's alias table for P(k) ∝ 1/(k+1)^theta, k in [0, n): O(n) to build, O(1) to draw. */
export function zipfAliasTable(n: number, theta: number): { prob: Float64Array; alias: Uint32Array } {
  const prob = new Float64Array(n);
  const alias = new Uint32Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += (k + 1) ** -theta;
  const small = new Uint32Array(n);
  const large = new Uint32Array(n);
  let ns = 0;
  let nl = 0;
  for (let k = 0; k < n; k++) {
    prob[k] = ((k + 1) ** -theta * n) / sum;
    if (prob[k] < 1) small[ns++] = k;
    else large[nl++] = k;
  }
  while (ns > 0 && nl > 0) {
    const s = small[--ns];
    const l = large[--nl];
    alias[s] = l;
    prob[l] += prob[s] - 1;
    if (prob[l] < 1) small[ns++] = l;
    else large[nl++] = l;
  }
  while (nl > 0) prob[large[--nl]] = 1;
  while (ns > 0) prob[small[--ns]] = 1; // only rounding leaves a column here
  return { prob, alias };
}

/** Zipf over the pages: the page of rank k (k = 1 hottest) is page k - 1 of the region. */
class ZipfStream extends StreamBase {
  private readonly prob: Float64Array;
  private readonly alias: Uint32Array;

  constructor(private readonly w: Workload, streamId: number) {
    super(w.accesses, w.write_fraction, streamRngs(w.seed, streamId));
    ({ prob: this.prob, alias: this.alias } = zipfAliasTable(w.pages, w.theta as number));
  }

  protected fillAddrs(addrs: Float64Array, n: number): void {
    const { base, pages } = this.w;
    const { prob, alias } = this;
    const rng = this.addr;
    for (let i = 0; i < n; i++) {
      const column = rng.nextBelow(pages);
      const other = alias[column];
      const keep = +(rng.nextFloat() < prob[column]); // arithmetic select: the branch would mispredict
      addrs[i] = base + (other + (column - other) * keep) * PAGE_SIZE + wordOffset(rng.nextU32());
    }
  }
}

/** The hot set is the first max(1, round(hot_fraction * pages)) pages; an access goes there
 *  with probability hot_probability, else to a uniform page of the rest (always hot if none). */
class HotColdStream extends StreamBase {
  private readonly hot: number;
  private readonly cold: number;

  constructor(private readonly w: Workload, streamId: number) {
    super(w.accesses, w.write_fraction, streamRngs(w.seed, streamId));
    this.hot = Math.min(w.pages, Math.max(1, Math.round((w.hot_fraction as number) * w.pages)));
    this.cold = w.pages - this.hot;
  }

  protected fillAddrs(addrs: Float64Array, n: number): void {
    const { base } = this.w;
    const p = this.cold === 0 ? 1 : (this.w.hot_probability as number);
    const { hot, cold } = this;
    const rng = this.addr;
    for (let i = 0; i < n; i++) {
      const inHot = +(rng.nextFloat() < p); // arithmetic select, as in ZipfStream
      const page = hot * (1 - inHot) + rng.nextBelow(cold + (hot - cold) * inHot);
      addrs[i] = base + page * PAGE_SIZE + wordOffset(rng.nextU32());
    }
  }
}

/** Sattolo's algorithm: next[] is a uniformly random permutation of [0, n) with a single cycle. */
export function sattoloCycle(n: number, rng: Rng): Uint32Array {
  const next = new Uint32Array(n);
  for (let i = 0; i < n; i++) next[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextBelow(i);
    const t = next[i];
    next[i] = next[j];
    next[j] = t;
  }
  return next;
}

/** How many nodes past its cycle's end a pointer chase keeps a copy of: the longest run one copy fills. */
const RUN_AHEAD = 4096;

/**
 * Follows one random cycle through all the pages: each page once per `pages` accesses. The
 * cycle is kept as the sequence of its pages' addresses (`nodes`, 8 bytes a page), read from
 * position `pos` on: independent loads and no multiply, where following next[] page by page
 * made every access wait for the load before it. The cursor is still the page the stream is at
 * (its checkpoints are unchanged); a page's position is searched for only when the stream is
 * created or restored.
 */
class PointerChaseStream extends StreamBase {
  /**
   * The nodes in cycle order (base + page * PAGE_SIZE + the page's node offset), followed by the
   * cycle again from its start for RUN_AHEAD more entries: from any position, the next RUN_AHEAD
   * nodes lie in one contiguous run, so filling is a block copy instead of a loop per access.
   */
  private readonly nodes: Float64Array;
  private readonly len: number;
  private pos: number;

  constructor(private readonly w: Workload, streamId: number) {
    super(w.accesses, w.write_fraction, streamRngs(w.seed, streamId));
    const table = tableRng(w.seed);
    const next = sattoloCycle(w.pages, table);
    this.len = w.pages;
    this.nodes = new Float64Array(w.pages + RUN_AHEAD);
    for (let j = 0, page = 0; j < w.pages; j++, page = next[page]!) this.nodes[j] = w.base + page * PAGE_SIZE + nodeOffset(table.nextU32());
    for (let j = w.pages; j < this.nodes.length; j++) this.nodes[j] = this.nodes[j - w.pages]!;
    this.cursor = this.addr.nextBelow(w.pages);
    this.pos = this.positionOf(this.cursor);
  }

  /** The next n nodes along the cycle: copies of runs of `nodes` (every draw was made when the cycle was built). */
  protected fillAddrs(addrs: Float64Array, n: number): void {
    let pos = this.pos;
    for (let i = 0; i < n; ) {
      const run = Math.min(n - i, RUN_AHEAD);
      addrs.set(this.nodes.subarray(pos, pos + run), i);
      i += run;
      pos = (pos + run) % this.len;
    }
    this.pos = pos;
    this.cursor = this.pageAt(pos);
  }

  /** The page number of the node at cycle position `pos`. */
  private pageAt(pos: number): number {
    return Math.floor((this.nodes[pos]! - this.w.base) / PAGE_SIZE);
  }

  /** The position of `page` in the cycle (a linear search: for creation and restore only). */
  private positionOf(page: number): number {
    for (let j = 0; j < this.len; j++) if (this.pageAt(j) === page) return j;
    return -1;
  }

  restore(state: StreamState): void {
    super.restore(state);
    this.pos = this.positionOf(this.cursor);
  }

  protected cursorLimit(): number {
    return this.w.pages;
  }
}

/** Replays the trace once, or (loop) from its start again until `accesses` are made. */
class TraceStream extends StreamBase {
  private readonly trace: Float64Array;

  constructor(w: Workload, streamId: number) {
    const trace = Float64Array.from(w.trace as number[]);
    super(w.loop ? w.accesses : Math.min(w.accesses, trace.length), w.write_fraction, streamRngs(w.seed, streamId));
    this.trace = trace;
  }

  protected fillAddrs(addrs: Float64Array, n: number): void {
    const trace = this.trace;
    let j = this.cursor;
    for (let i = 0; i < n; i++) {
      addrs[i] = trace[j];
      if (++j === trace.length) j = 0;
    }
    this.cursor = j;
  }

  protected cursorLimit(): number {
    return this.trace.length;
  }
}

/** The stream `streamId` (e.g. the CPU number) of a workload. Validates the spec first
 *  (TypeError naming the bad field); builds any table here, never in fill(). */
export function createAccessStream(spec: Workload, streamId = 0): AccessStream {
  const w = resolveWorkload(spec);
  switch (w.kind) {
    case 'sequential': return new StridedStream(w, SEQUENTIAL_STRIDE, streamId);
    case 'strided': return new StridedStream(w, w.stride as number, streamId);
    case 'random': return new RandomStream(w, streamId);
    case 'zipf': return new ZipfStream(w, streamId);
    case 'hot_cold': return new HotColdStream(w, streamId);
    case 'pointer_chase': return new PointerChaseStream(w, streamId);
    case 'trace': return new TraceStream(w, streamId);
  }
}
