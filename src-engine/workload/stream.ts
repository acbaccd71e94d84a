// AccessStream: the generator a CPU worker pulls accesses from in its hot loop. fill() writes the
// next batch into arrays the caller owns and allocates nothing. Addresses and the read/write mix
// come from two separate random streams, so changing write_fraction leaves the addresses as they
// were; both streams are forked per stream id (one per simulated CPU) from the workload's seed.

import { Rng, type RngState } from './rng';

/** Where a stream stands: enough, with its spec and stream id, to resume it exactly. */
export interface StreamState {
  produced: number;
  cursor: number;
  addr: RngState;
  rw: RngState;
}

/** A finite stream of accesses. */
export interface AccessStream {
  /** Accesses the stream makes in all. */
  readonly total: number;
  /** Accesses produced so far. */
  readonly produced: number;
  /** Writes the next min(addrs.length, writes.length, remaining) accesses: addrs[i] the
   *  virtual address, writes[i] 1 for a write and 0 for a read. Returns how many; 0 at the end. */
  fill(addrs: Float64Array, writes: Uint8Array): number;
  /** A JSON checkpoint of the stream's position. */
  save(): StreamState;
  /** Resumes from a checkpoint taken from a stream of the same spec and stream id; TypeError
   *  if it is malformed. */
  restore(state: StreamState): void;
}

/**
 * How many accesses a CPU reads a built-in stream ahead by, for a scheduling quantum of
 * `quantum` accesses: whole quanta, about 4096 accesses. The built-in patterns are pure
 * generators, so reading them ahead changes nothing but the number of fill() calls (one per
 * quantum of 64 was a measurable part of an L1 hit's cost). Custom patterns are script
 * functions: they are read one quantum at a time, so each runs (and may throw) when its
 * quantum comes. `target` is the read-ahead in accesses, rounded down to whole quanta (a CPU
 * worker asks for less: it takes no IPI while it fills a block).
 */
export function readAheadBlock(quantum: number, target = 4096): number {
  return quantum * Math.max(1, Math.floor(target / quantum));
}

/** Stream id 0 of the table stream is reserved: tables (pointer chase's cycle) are shared by all
 *  CPUs of one workload, and CPU streams are forked from the root as id + 1. */
export function tableRng(seed: number): Rng {
  return Rng.fromSeed(seed).fork(0);
}

/** The address and read/write generators of stream `streamId` (a non-negative safe integer). */
export function streamRngs(seed: number, streamId: number): { addr: Rng; rw: Rng } {
  if (!Number.isSafeInteger(streamId) || streamId < 0 || streamId >= Number.MAX_SAFE_INTEGER) {
    throw new TypeError(`stream id must be a non-negative safe integer, got ${JSON.stringify(streamId)}`);
  }
  const cpu = Rng.fromSeed(seed).fork(streamId + 1);
  return { addr: cpu.fork(0), rw: cpu.fork(1) };
}

/** Counting, the write mix and checkpoints; a subclass supplies the addresses and keeps its
 *  position in `cursor`. */
export abstract class StreamBase implements AccessStream {
  produced = 0;
  protected cursor = 0;
  protected addr: Rng;
  private rw: Rng;

  constructor(readonly total: number, private readonly writeFraction: number, rngs: { addr: Rng; rw: Rng }) {
    this.addr = rngs.addr;
    this.rw = rngs.rw;
  }

  fill(addrs: Float64Array, writes: Uint8Array): number {
    const n = Math.min(addrs.length, writes.length, this.total - this.produced);
    if (n <= 0) return 0;
    this.fillAddrs(addrs, n);
    this.fillWrites(writes, n);
    this.produced += n;
    return n;
  }

  /** Writes the next n addresses (n ≥ 1, within the stream's total) into addrs[0..n). */
  protected abstract fillAddrs(addrs: Float64Array, n: number): void;

  /** Writes n read/write flags: each a write with probability writeFraction. 0 and 1 draw nothing. */
  private fillWrites(writes: Uint8Array, n: number): void {
    const f = this.writeFraction;
    if (f === 0 || f === 1) {
      writes.fill(f, 0, n);
      return;
    }
    const rw = this.rw;
    for (let i = 0; i < n; i++) writes[i] = +(rw.nextFloat() < f); // +bool: no branch to mispredict
  }

  /** The number of valid cursor values; 1 (cursor always 0) for patterns without a position. */
  protected cursorLimit(): number {
    return 1;
  }

  save(): StreamState {
    return { produced: this.produced, cursor: this.cursor, addr: this.addr.state(), rw: this.rw.state() };
  }

  restore(state: StreamState): void {
    const s = state as Partial<StreamState> | null;
    const inRange = (v: unknown, max: number): boolean => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max;
    const cursors = this.cursorLimit();
    if (!s || !inRange(s.produced, this.total) || !inRange(s.cursor, cursors - 1)) {
      throw new TypeError(`stream state must be { produced ≤ ${this.total}, cursor < ${cursors}, addr, rw }, got ${JSON.stringify(state)}`);
    }
    this.addr = Rng.fromState(s.addr as RngState);
    this.rw = Rng.fromState(s.rw as RngState);
    this.produced = s.produced as number;
    this.cursor = s.cursor as number;
  }
}
