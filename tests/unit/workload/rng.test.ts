// rng.ts: xoshiro128** against the reference C, seeding, fork, checkpoints and nextBelow's lack of bias.
import { describe, it, expect } from 'vitest';
import { Rng, mix32, type RngState } from '../../../src-engine/workload/rng';
import { chiSquareUniform, histogram } from './helpers';

/** The first n draws of r. */
const draws = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

describe('Rng: xoshiro128**', () => {
  it('matches the reference C implementation from state {1, 2, 3, 4}', () => {
    const r = Rng.fromState([1, 2, 3, 4]);
    expect(draws(r, 6)).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
    draws(r, 994);
    expect(r.state()).toEqual([2954884481, 294556968, 2598411021, 550772539]);
  });

  it('the same seed gives the same sequence; other seeds and streams give others', () => {
    const a = draws(Rng.fromSeed(42), 100);
    expect(draws(Rng.fromSeed(42), 100)).toEqual(a);
    expect(draws(Rng.fromSeed(43), 100)).not.toEqual(a);
    expect(draws(Rng.fromSeed(42, 1), 100)).not.toEqual(a);
    expect(Rng.fromSeed(2 ** 40).nextU32()).not.toBe(Rng.fromSeed(0).nextU32());
  });

  it('neighbouring seeds do not start alike (seeding mixes every word)', () => {
    const firsts = new Set(Array.from({ length: 1000 }, (_, s) => Rng.fromSeed(s).nextU32()));
    expect(firsts.size).toBe(1000);
  });

  it('mix32 is a bijection on a sample and spreads one-bit changes', () => {
    expect(new Set(Array.from({ length: 4096 }, (_, i) => mix32(i))).size).toBe(4096);
    const flips = (mix32(0x12345678) ^ mix32(0x12345679)) >>> 0;
    expect(flips.toString(2).replace(/0/g, '').length).toBeGreaterThan(8);
  });
});

describe('Rng.fork', () => {
  it('does not advance the parent, and the same id gives the same child', () => {
    const p = Rng.fromSeed(5);
    const before = p.state();
    const c1 = draws(p.fork(3), 50);
    expect(p.state()).toEqual(before);
    expect(draws(p.fork(3), 50)).toEqual(c1);
  });

  it('children of different ids differ from each other and from the parent', () => {
    const p = Rng.fromSeed(5);
    const kids = [0, 1, 2, 63, 2 ** 33].map((id) => draws(p.fork(id), 1000));
    kids.push(draws(Rng.fromSeed(5), 1000));
    for (let i = 0; i < kids.length; i++) {
      for (let j = i + 1; j < kids.length; j++) {
        const same = kids[i].filter((x, k) => x === kids[j][k]).length;
        expect(same, `streams ${i} and ${j}`).toBeLessThan(3);
      }
    }
  });

  it('rejects a negative or fractional stream id', () => {
    expect(() => Rng.fromSeed(1).fork(-1)).toThrow(TypeError);
    expect(() => Rng.fromSeed(1).fork(1.5)).toThrow(/stream id must be a non-negative safe integer/);
  });
});

describe('Rng state', () => {
  it('round-trips through JSON and continues the same sequence', () => {
    const r = Rng.fromSeed(9);
    draws(r, 17);
    const saved = JSON.parse(JSON.stringify(r.state())) as RngState;
    const rest = draws(r, 100);
    expect(draws(Rng.fromState(saved), 100)).toEqual(rest);
  });

  it.each([
    [[0, 0, 0, 0]], [[1, 2, 3]], [[1, 2, 3, 2 ** 32]], [[1, 2, 3, -1]], [[1, 2, 3, 0.5]], ['1,2,3,4'], [null],
  ])('fromState rejects %j', (bad) => {
    expect(() => Rng.fromState(bad as unknown as RngState)).toThrow(/rng state must be four u32 words/);
  });

  it('fromSeed rejects a seed that is not a non-negative safe integer', () => {
    for (const bad of [-1, 1.5, NaN, 2 ** 53, '1']) {
      expect(() => Rng.fromSeed(bad as number)).toThrow(/rng seed must be a non-negative safe integer/);
    }
    expect(() => Rng.fromSeed(1, -2)).toThrow(/rng stream/);
  });
});

describe('Rng draws', () => {
  it('nextFloat lies in [0, 1) and averages ~0.5', () => {
    const r = Rng.fromSeed(3);
    let [sum, min, max] = [0, 1, 0];
    for (let i = 0; i < 100_000; i++) {
      const f = r.nextFloat();
      [sum, min, max] = [sum + f, Math.min(min, f), Math.max(max, f)];
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it.each([1, 2, 3, 7, 1000, 2 ** 21, 2 ** 21 + 1, 3e9, 2 ** 32])('nextBelow(%d) stays in [0, n) and is an integer', (n) => {
    const r = Rng.fromSeed(n);
    const bad = Array.from({ length: 20_000 }, () => r.nextBelow(n)).filter((x) => !(Number.isInteger(x) && x >= 0 && x < n));
    expect(bad).toEqual([]);
  });

  it('nextBelow(10) passes a chi-square test (df 9, p = 0.001 bound 27.9)', () => {
    const r = Rng.fromSeed(11);
    const xs = Array.from({ length: 100_000 }, () => r.nextBelow(10));
    expect(chiSquareUniform(histogram(xs, 10))).toBeLessThan(27.9);
  });

  it('nextBelow has no modulo bias: for n = 3·2^30, x % n would put half the draws below 2^30', () => {
    const r = Rng.fromSeed(12);
    const n = 3 * 2 ** 30;
    let low = 0;
    for (let i = 0; i < 60_000; i++) if (r.nextBelow(n) < 2 ** 30) low++;
    expect(low / 60_000).toBeCloseTo(1 / 3, 2);
  });

  it('nextBelow on the multiply path is uniform over a non-power-of-two n (chi-square, df 6)', () => {
    const r = Rng.fromSeed(13);
    const xs = Array.from({ length: 70_000 }, () => r.nextBelow(7));
    expect(chiSquareUniform(histogram(xs, 7))).toBeLessThan(22.5);
  });
});
