// Custom access patterns: a function (i, rng) => address written in a script. In parallel mode a
// CPU worker compiles its source in its SES sandbox (custom_sandbox.ts); this file turns the
// compiled function into an AccessStream, so it runs in the worker's hot loop rather than as a
// per-access callback to the script's thread. Every address it returns is checked.

import { WORKLOAD_FIELDS } from './spec';
import { StreamBase, streamRngs, type AccessStream } from './stream';

/** The draws a custom pattern may make: its stream's generator, without fork or state. */
export interface PatternRng {
  nextU32(): number;
  nextFloat(): number;
  nextBelow(n: number): number;
}

/** A user-defined pattern: the virtual address of access i (i = 0, 1, 2, ... across batches,
 *  so i is the stream position). Must return a non-negative safe integer; may keep state in its
 *  closure, which checkpoints do not capture. */
export type CustomPattern = (i: number, rng: PatternRng) => number;

/** A custom workload as a script states it; `source` is the text of a function expression
 *  `(i, rng, params) => address`, compiled by the worker's sandbox (custom_sandbox.ts), not here. */
export interface CustomWorkload {
  kind: 'custom';
  source: string;
  write_fraction: number;
  accesses: number;
  seed: number;
}

const CUSTOM_KEYS = ['kind', 'source', 'write_fraction', 'accesses', 'seed'] as const;

/** Validates a custom workload; returns a copy, or throws TypeError naming the bad field. */
export function resolveCustomWorkload(spec: unknown): CustomWorkload {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new TypeError('custom workload must be an object');
  const w = spec as Record<string, unknown>;
  const unknown = Object.keys(w).find((k) => !(CUSTOM_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new TypeError(`custom workload has unknown field '${unknown}' (known: ${CUSTOM_KEYS.join(', ')})`);
  if (w['kind'] !== 'custom') throw new TypeError(`custom workload.kind must be 'custom', got ${JSON.stringify(w['kind'])}`);
  if (typeof w['source'] !== 'string') throw new TypeError(`custom workload.source must be a string, got ${JSON.stringify(w['source'])}`);
  for (const k of ['write_fraction', 'accesses', 'seed'] as const) {
    const bad = WORKLOAD_FIELDS[k].check(w[k], w);
    if (bad) throw new TypeError(`custom workload.${k} must be ${bad}, got ${JSON.stringify(w[k])}`);
  }
  return { kind: 'custom', source: w['source'], write_fraction: w['write_fraction'], accesses: w['accesses'], seed: w['seed'] } as CustomWorkload;
}

/** Throws the guard's TypeError for a bad address `a` returned for access i. */
export function badAddress(a: unknown, i: number): never {
  const shown = typeof a === 'number' ? String(a) : `${typeof a} ${JSON.stringify(a) ?? ''}`.trim();
  throw new TypeError(`custom pattern returned ${shown} for access ${i}; an address must be a non-negative safe integer`);
}

/** Calls the pattern for each access, checking every address it returns. */
class CustomStream extends StreamBase {
  private readonly rng: PatternRng;

  constructor(private readonly pattern: CustomPattern, w: CustomWorkload, streamId: number) {
    super(w.accesses, w.write_fraction, streamRngs(w.seed, streamId));
    // A frozen facade: the pattern can draw but not reach the generator (restore() swaps it).
    this.rng = Object.freeze({
      nextU32: () => this.addr.nextU32(),
      nextFloat: () => this.addr.nextFloat(),
      nextBelow: (n: number) => {
        if (!(Number.isInteger(n) && n >= 1 && n <= 2 ** 32)) throw new TypeError(`rng.nextBelow(n) needs an integer n in [1, 2^32], got ${n}`);
        return this.addr.nextBelow(n);
      },
    });
  }

  protected fillAddrs(addrs: Float64Array, n: number): void {
    const { pattern, rng } = this;
    const i0 = this.produced;
    for (let k = 0; k < n; k++) {
      const a = pattern(i0 + k, rng);
      if (!(Number.isSafeInteger(a) && a >= 0)) badAddress(a, i0 + k);
      addrs[k] = a;
    }
  }
}

/** The stream `streamId` of a custom workload whose source compiled to `pattern`. Validates the
 *  spec (TypeError). fill() throws TypeError at the first address that is not a non-negative safe
 *  integer; that batch is then lost and the stream should be dropped. */
export function customStream(pattern: CustomPattern, spec: CustomWorkload, streamId = 0): AccessStream {
  if (typeof pattern !== 'function') throw new TypeError(`custom pattern must be a function (i, rng) => address, got ${typeof pattern}`);
  return new CustomStream(pattern, resolveCustomWorkload(spec), streamId);
}
