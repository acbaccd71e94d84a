// Custom access patterns in the same SES sandbox as scripts (lab/sandbox.ts): the pattern's source
// is compiled in a Compartment of a locked-down thread, where it reaches only its arguments
// (i, rng, params) and the hardened intrinsics, and a failure of the pattern ends its stream with
// a report instead of breaking the thread. Only pattern threads (pattern_worker.ts) import this:
// lockdown freezes the intrinsics of the whole thread, so a CPU worker never locks itself down.
import { lockdownOnce, seededMath, compartmentGlobals, evaluateFunction, describeThrown } from '../lab/sandbox';
import { badAddress, type CustomPattern, type CustomWorkload, type PatternRng } from './custom';
import { streamRngs } from './stream';
import type { Rng } from './rng';

/** A custom workload as it crosses to a CPU worker: the spec plus the pattern's JSON params. */
export type CustomJob = CustomWorkload & { params: unknown };

/**
 * Compile a custom pattern's source `(i, rng, params) => address` in a fresh Compartment of this
 * thread, locking the thread down first. The pattern reaches only its arguments and the hardened intrinsics (Math
 * with a random() seeded by the job's seed and `streamId`); no require, process, fetch, Buffer or
 * working Function constructor. Throws Error 'custom pattern does not compile: ...' otherwise.
 */
function compilePattern(w: CustomJob, streamId: number): CustomPattern {
  lockdownOnce();
  const c = new Compartment({ __options__: true, globals: {} });
  const { names, values } = compartmentGlobals(c, { Math: seededMath(w.seed * 64 + streamId + 1) });
  let made: unknown;
  try {
    made = (evaluateFunction(c, names, `"use strict"; return (${w.source});`) as (...a: unknown[]) => unknown)(...values);
  } catch (e) {
    throw new Error(`custom pattern does not compile: ${describeThrown(e)}`);
  }
  if (typeof made !== 'function') throw new Error(`custom pattern does not compile: its source is a ${typeof made}, not a function (i, rng, params) => address`);
  const fn = made as (i: number, rng: unknown, params: unknown) => number;
  const params = harden(w.params);
  return (i, rng) => fn(i, rng, params);
}

/** Whether this machine stores numbers little-endian (DataViews are told so, to match typed arrays). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The hint every pattern failure carries: what a pattern on a CPU worker can see. */
const SCOPE_HINT = "on a CPU worker a pattern sees only its arguments (i, rng, params) and JavaScript's standard globals; any other name reads as undefined";

/**
 * The accesses of a custom pattern, written straight into shared memory through DataViews (which
 * kept their speed when V8's own freeze of the prototypes made typed-array stores ~25× slower in
 * a locked-down thread; lab/ses_freeze.ts has since removed that cost). Draws exactly what
 * customStream(pattern, spec, streamId) draws, so both give the same accesses. A failure (the
 * pattern did not compile, threw, or returned a bad address) ends the source with `error` set.
 */
export class PatternSource {
  produced = 0;
  error: string | null;
  private readonly addr: Rng;
  private readonly rw: Rng;
  private readonly rng: PatternRng;

  constructor(private readonly pattern: CustomPattern | null, private readonly spec: CustomWorkload, streamId: number, compileError: string | null = null) {
    ({ addr: this.addr, rw: this.rw } = streamRngs(spec.seed, streamId));
    this.error = compileError;
    const addr = this.addr;
    this.rng = Object.freeze({ // the same facade as CustomStream's: draws, no access to the generator
      nextU32: () => addr.nextU32(),
      nextFloat: () => addr.nextFloat(),
      nextBelow: (n: number) => {
        if (!(Number.isInteger(n) && n >= 1 && n <= 2 ** 32)) throw new TypeError(`rng.nextBelow(n) needs an integer n in [1, 2^32], got ${n}`);
        return addr.nextBelow(n);
      },
    });
  }

  /** Writes up to n accesses at entry `at` of `addrs` (float64s) and `writes` (bytes); returns how
   *  many, 0 at the end of the stream or on a failure (then `error` says what happened). */
  fillInto(addrs: DataView, writes: DataView, at: number, n: number): number {
    n = Math.min(n, this.spec.accesses - this.produced);
    if (n <= 0 || this.error !== null || !this.pattern) return 0;
    const { pattern, rng } = this;
    const i0 = this.produced;
    try {
      for (let k = 0; k < n; k++) {
        const a = pattern(i0 + k, rng);
        if (!(Number.isSafeInteger(a) && a >= 0)) badAddress(a, i0 + k);
        addrs.setFloat64((at + k) * 8, a, LITTLE_ENDIAN);
      }
    } catch (e) {
      this.error = `${describeThrown(e)} (${SCOPE_HINT})`;
      return 0;
    }
    this.fillWrites(writes, at, n);
    this.produced += n;
    return n;
  }

  /** The read/write flags, drawn as StreamBase draws them: none for 0 and 1, else one per access. */
  private fillWrites(writes: DataView, at: number, n: number): void {
    const f = this.spec.write_fraction;
    if (f === 0 || f === 1) {
      new Uint8Array(writes.buffer, writes.byteOffset + at, n).fill(f); // a builtin: not slowed by lockdown
      return;
    }
    for (let k = 0; k < n; k++) writes.setUint8(at + k, +(this.rw.nextFloat() < f));
  }
}

/** The sandboxed source of stream `streamId` of a custom job; a source that failed to compile
 *  produces nothing and carries the compile error. */
export function sandboxedPatternSource(w: CustomJob, streamId: number): PatternSource {
  const { params: _params, ...spec } = w;
  try {
    return new PatternSource(compilePattern(w, streamId), spec, streamId);
  } catch (e) {
    return new PatternSource(null, spec, streamId, e instanceof Error && e.message.startsWith('custom pattern') ? e.message : describeThrown(e));
  }
}
