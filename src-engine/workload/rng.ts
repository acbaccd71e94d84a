// The workloads' seeded PRNG: xoshiro128** (Blackman & Vigna), 128 bits of state in four 32-bit
// words, 32-bit integer arithmetic only (Math.imul, shifts), so it allocates nothing per draw
// and gives the same numbers on every engine. One seed yields many independent streams through
// fork(), e.g. one per simulated CPU. The state is four numbers, so a run can be checkpointed.

/** The serialisable state of an Rng: four unsigned 32-bit words, not all zero. */
export type RngState = [number, number, number, number];

const TWO_32 = 4294967296;
const INV_TWO_32 = 1 / TWO_32;
const GOLDEN = 0x9e3779b9;
const LEMIRE_MAX = 2 ** 21; // below this, x * n (x < 2^32) is exact in a double

/** A 32-bit finaliser (Wellons' lowbias32): a bijection on u32 that spreads every input bit. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** Rotate the 32-bit word x left by k (0 < k < 32); returns an int32. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Folds a non-negative safe integer to 32 bits, keeping its high word's bits. */
function fold(n: number): number {
  return (mix32(Math.floor(n / TWO_32)) ^ n) >>> 0;
}

/** Throws TypeError unless v is a non-negative safe integer; `what` names it in the message. */
function checkId(v: unknown, what: string): asserts v is number {
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new TypeError(`${what} must be a non-negative safe integer, got ${JSON.stringify(v)}`);
  }
}

/** A deterministic 32-bit generator. Not for cryptography. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Takes four u32 words, not all zero (callers go through fromSeed/fromState). */
  private constructor(a: number, b: number, c: number, d: number) {
    this.s0 = a | 0;
    this.s1 = b | 0;
    this.s2 = c | 0;
    this.s3 = d | 0;
  }

  /** The generator for (seed, stream): both non-negative safe integers; TypeError otherwise. */
  static fromSeed(seed: number, stream = 0): Rng {
    checkId(seed, 'rng seed');
    checkId(stream, 'rng stream');
    return Rng.derive([fold(seed), GOLDEN, 0x6a09e667, 0xbb67ae85], fold(stream));
  }

  /** A generator resuming exactly where state() was taken; TypeError on a malformed state. */
  static fromState(state: RngState): Rng {
    const ok = Array.isArray(state) && state.length === 4
      && state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32) && state.some((w) => w !== 0);
    if (!ok) throw new TypeError(`rng state must be four u32 words, not all zero, got ${JSON.stringify(state)}`);
    return new Rng(state[0], state[1], state[2], state[3]);
  }

  /** Hashes four words and a stream id into a fresh generator whose state is never all zero:
   *  every output word depends on every input word and on the stream. */
  private static derive(w: RngState, stream: number): Rng {
    let h = mix32(stream ^ 0x3c6ef372);
    for (const x of w) h = mix32((h ^ x) + GOLDEN);
    const s = w.map((x, i) => mix32((x ^ mix32(h + Math.imul(i + 1, GOLDEN))) >>> 0)) as RngState;
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = GOLDEN;
    return new Rng(s[0], s[1], s[2], s[3]);
  }

  /** An independent generator for `streamId` (e.g. a CPU number), derived from this one's current
   *  state without advancing it: the same state and id always give the same child. */
  fork(streamId: number): Rng {
    checkId(streamId, 'rng stream id');
    return Rng.derive(this.state(), fold(streamId));
  }

  /** The current state, as plain JSON; fromState(state()) continues the same sequence. */
  state(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** The next uniform integer in [0, 2^32). */
  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** The next uniform float in [0, 1), with 32 bits of resolution (one draw). */
  nextFloat(): number {
    return this.nextU32() * INV_TWO_32;
  }

  /** A uniform integer in [0, n) without modulo bias; n must be an integer in [1, 2^32]
   *  (unchecked: this is the hot path; callers validate n once). */
  nextBelow(n: number): number {
    return n <= LEMIRE_MAX ? this.belowSmall(n) : this.belowLarge(n);
  }

  /** Lemire's multiply-and-reject for n ≤ 2^21, where x * n is exact in a double. */
  private belowSmall(n: number): number {
    let m = this.nextU32() * n;
    let hi = Math.floor(m * INV_TWO_32);
    let lo = m - hi * TWO_32;
    if (lo < n) {
      const threshold = (TWO_32 - n) % n;
      while (lo < threshold) {
        m = this.nextU32() * n;
        hi = Math.floor(m * INV_TWO_32);
        lo = m - hi * TWO_32;
      }
    }
    return hi;
  }

  /** Rejection of the final partial block, then modulo, for 2^21 < n ≤ 2^32. */
  private belowLarge(n: number): number {
    const limit = TWO_32 - (TWO_32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }
}
