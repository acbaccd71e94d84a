// spec.ts: resolveWorkload fills the defaults of a kind and rejects every bad spec with a
// TypeError that names the field.
import { describe, it, expect } from 'vitest';
import { createAccessStream, resolveWorkload, MAX_TABLE_PAGES, type Workload } from '../../../src-engine/workload/patterns';
import { BASE, PAGE, spec } from './helpers';

/** spec(kind) with `patch` applied (undefined values delete a key). */
function bad(kind: Workload['kind'], patch: Record<string, unknown>): unknown {
  const w: Record<string, unknown> = { ...spec(kind) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete w[k];
    else w[k] = v;
  }
  return w;
}

describe('resolveWorkload: defaults', () => {
  it('fills theta, hot_fraction, hot_probability and loop for the kinds they apply to', () => {
    expect(resolveWorkload(spec('zipf')).theta).toBe(0.99);
    expect(resolveWorkload(spec('hot_cold'))).toMatchObject({ hot_fraction: 0.2, hot_probability: 0.8 });
    expect(resolveWorkload(spec('trace')).loop).toBe(false);
    expect(resolveWorkload(spec('random'))).toEqual(spec('random'));
  });

  it('does not change its argument, and ignores keys set to undefined', () => {
    const w = { ...spec('zipf'), hot_fraction: undefined };
    const copy = { ...w };
    expect(resolveWorkload(w)).not.toHaveProperty('hot_fraction');
    expect(w).toEqual(copy);
  });

  it('a spec survives structured clone (postMessage) and JSON', () => {
    const w = spec('hot_cold', { hot_fraction: 0.1 });
    expect(resolveWorkload(structuredClone(w))).toEqual(resolveWorkload(JSON.parse(JSON.stringify(w))));
  });
});

describe('resolveWorkload: errors', () => {
  it.each([
    ['not an object', null, /workload must be an object/],
    ['an array', [], /workload must be an object/],
    ['an unknown kind', bad('random', { kind: 'gaussian' }), /workload.kind must be one of sequential, strided, random, zipf, pointer_chase, hot_cold, trace, got "gaussian"/],
    ['an unknown field', bad('random', { write_frac: 0.1 }), /unknown field 'write_frac'/],
    ['a field of another kind', bad('random', { theta: 1 }), /workload.theta applies only to kind 'zipf', not 'random'/],
    ['stride on sequential', bad('sequential', { stride: 64 }), /workload.stride applies only to kind 'strided'/],
    ['a missing write_fraction', bad('random', { write_fraction: undefined }), /workload.write_fraction is required for kind 'random'/],
    ['a missing seed', bad('zipf', { seed: undefined }), /workload.seed is required/],
    ['strided without stride', bad('strided', { stride: undefined }), /workload.stride is required for kind 'strided'/],
    ['trace without trace', bad('trace', { trace: undefined }), /workload.trace is required for kind 'trace'/],
    ['an unaligned base', bad('random', { base: BASE + 8 }), /workload.base must be a page-aligned address/],
    ['a negative base', bad('random', { base: -PAGE }), /workload.base must be/],
    ['a base past TASK_SIZE', bad('random', { base: 2 ** 47 }), /workload.base must be/],
    ['zero pages', bad('random', { pages: 0 }), /workload.pages must be an integer from 1/],
    ['fractional pages', bad('random', { pages: 1.5 }), /workload.pages must be/],
    ['a region past TASK_SIZE', bad('random', { base: 2 ** 47 - 2 * PAGE, pages: 2 }), /base \+ pages \* 4096 ≤ TASK_SIZE/],
    ['a zipf table too large', bad('zipf', { pages: MAX_TABLE_PAGES + 1 }), /for kind 'zipf'/],
    ['a pointer chase too large', bad('pointer_chase', { pages: MAX_TABLE_PAGES + 1 }), /for kind 'pointer_chase'/],
    ['write_fraction above 1', bad('random', { write_fraction: 1.5 }), /workload.write_fraction must be a number in \[0, 1\], got 1.5/],
    ['write_fraction NaN', bad('random', { write_fraction: NaN }), /workload.write_fraction must be/],
    ['write_fraction as a string', bad('random', { write_fraction: '0.3' }), /workload.write_fraction must be/],
    ['negative accesses', bad('random', { accesses: -1 }), /workload.accesses must be an integer from 0/],
    ['fractional accesses', bad('random', { accesses: 10.5 }), /workload.accesses must be/],
    ['a negative seed', bad('random', { seed: -1 }), /workload.seed must be/],
    ['stride 0', bad('strided', { stride: 0 }), /workload.stride must be an integer from 1 to 262144/],
    ['a stride past the region', bad('strided', { stride: 64 * PAGE + 1 }), /workload.stride must be/],
    ['a negative theta', bad('zipf', { theta: -0.5 }), /workload.theta must be a number in \[0, 10\]/],
    ['hot_fraction 0', bad('hot_cold', { hot_fraction: 0 }), /workload.hot_fraction must be a number in \(0, 1\]/],
    ['hot_probability 2', bad('hot_cold', { hot_probability: 2 }), /workload.hot_probability must be a number in \[0, 1\]/],
    ['an empty trace', bad('trace', { trace: [] }), /workload.trace must be a non-empty array/],
    ['a trace that is not an array', bad('trace', { trace: new Float64Array(4) }), /workload.trace must be a non-empty array/],
    ['a trace address outside the region', bad('trace', { trace: [BASE, BASE + 64 * PAGE] }), /trace\[1\] is 268697600/],
    ['a fractional trace address', bad('trace', { trace: [BASE + 0.5] }), /trace\[0\] is 268435456.5/],
    ['loop as a string', bad('trace', { loop: 'yes' }), /workload.loop must be true or false/],
  ])('rejects %s', (_what, w, message) => {
    expect(() => resolveWorkload(w)).toThrow(TypeError);
    expect(() => resolveWorkload(w)).toThrow(message);
  });

  it('createAccessStream validates too', () => {
    expect(() => createAccessStream(bad('random', { pages: -3 }) as Workload)).toThrow(/workload.pages must be/);
  });

  it('a long bad trace is summarised, not printed in full', () => {
    const trace = Array.from({ length: 1000 }, () => -1);
    expect(() => resolveWorkload(bad('trace', { trace }))).toThrow(/got an array of 1000/);
  });
});
