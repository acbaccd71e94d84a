// custom.ts: a user's (i, rng) => address function as an AccessStream, with its guard.
import { describe, it, expect } from 'vitest';
import {
  customStream, resolveCustomWorkload, type CustomPattern, type CustomWorkload, type PatternRng,
} from '../../../src-engine/workload/custom';
import type { StreamState } from '../../../src-engine/workload/stream';
import { BASE, PAGE, drain, mean } from './helpers';

const W: CustomWorkload = { kind: 'custom', source: '(i, rng) => 0', write_fraction: 0.25, accesses: 1000, seed: 4 };
const randomPage: CustomPattern = (i, rng) => BASE + rng.nextBelow(16) * PAGE + (i % 512) * 8;

describe('customStream', () => {
  it('calls the pattern with the stream position, across batches', () => {
    const { addrs } = drain(customStream((i) => BASE + i * PAGE, W), 7);
    expect(addrs).toHaveLength(1000);
    expect(addrs.every((a, i) => a === BASE + i * PAGE)).toBe(true);
  });

  it('is deterministic per seed and stream id, and the streams differ', () => {
    const a = drain(customStream(randomPage, W, 1));
    expect(drain(customStream(randomPage, W, 1), 13)).toEqual(a);
    expect(drain(customStream(randomPage, W, 2)).addrs).not.toEqual(a.addrs);
    expect(drain(customStream(randomPage, { ...W, seed: 5 }, 1)).addrs).not.toEqual(a.addrs);
  });

  it('applies write_fraction', () => {
    const { writes } = drain(customStream(randomPage, { ...W, accesses: 40_000 }));
    expect(mean(writes)).toBeCloseTo(0.25, 2);
  });

  it.each([
    [-1, /returned -1 for access 3/],
    [1.5, /returned 1.5 for access 3/],
    [NaN, /returned NaN/],
    [2 ** 53, /returned 9007199254740992/],
    ['4096', /returned string "4096"/],
    [undefined, /returned undefined/],
  ])('the guard rejects %s with a TypeError naming the access', (value, message) => {
    const fill = () => customStream((i) => (i === 3 ? value : 0) as number, W).fill(new Float64Array(10), new Uint8Array(10));
    expect(fill).toThrow(TypeError);
    expect(fill).toThrow(message);
  });

  it('hands the pattern a frozen rng that checks nextBelow\'s bound', () => {
    let seen: PatternRng | undefined;
    const s = customStream((_i, rng) => {
      seen = rng;
      return 0;
    }, W);
    s.fill(new Float64Array(1), new Uint8Array(1));
    expect(Object.isFrozen(seen)).toBe(true);
    expect(Object.keys(seen as object).sort()).toEqual(['nextBelow', 'nextFloat', 'nextU32']);
    expect(() => seen?.nextBelow(Infinity)).toThrow(/rng.nextBelow\(n\) needs an integer n/);
    expect(() => seen?.nextBelow(0)).toThrow(TypeError);
  });

  it('resumes from a checkpoint when the pattern keeps no state of its own', () => {
    const full = drain(customStream(randomPage, W, 3));
    const part = customStream(randomPage, W, 3);
    part.fill(new Float64Array(400), new Uint8Array(400));
    const resumed = customStream(randomPage, W, 3);
    resumed.restore(JSON.parse(JSON.stringify(part.save())) as StreamState);
    const rest = drain(resumed);
    expect(rest.addrs).toEqual(full.addrs.slice(400));
    expect(rest.writes).toEqual(full.writes.slice(400));
  });

  it('rejects a pattern that is not a function', () => {
    expect(() => customStream('(i) => i' as unknown as CustomPattern, W)).toThrow(/custom pattern must be a function/);
  });
});

describe('resolveCustomWorkload', () => {
  it('returns a copy of a good spec', () => {
    const r = resolveCustomWorkload(W);
    expect(r).toEqual(W);
    expect(r).not.toBe(W);
  });

  it.each([
    ['not an object', 'custom', /custom workload must be an object/],
    ['another kind', { ...W, kind: 'random' }, /custom workload.kind must be 'custom'/],
    ['a missing source', { ...W, source: undefined }, /custom workload.source must be a string/],
    ['an unknown field', { ...W, pages: 4 }, /unknown field 'pages'/],
    ['a bad write_fraction', { ...W, write_fraction: -0.1 }, /custom workload.write_fraction must be a number in \[0, 1\]/],
    ['bad accesses', { ...W, accesses: 1.5 }, /custom workload.accesses must be an integer/],
    ['a missing seed', { ...W, seed: undefined }, /custom workload.seed must be an integer/],
  ])('rejects %s', (_what, w, message) => {
    expect(() => resolveCustomWorkload(w)).toThrow(TypeError);
    expect(() => resolveCustomWorkload(w)).toThrow(message);
    expect(() => customStream(() => 0, w as CustomWorkload)).toThrow(message);
  });
});
