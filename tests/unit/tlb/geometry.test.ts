// TLB geometry: defaults model the test machine; every bad value is a TypeError naming the
// problem, thrown before any buffer is allocated.
import { describe, it, expect } from 'vitest';
import { TlbHierarchy, TLB_PARAMS, defaultTlbGeometry, resolveTlbGeometry } from '../../../src-engine/arch/x86/mm/tlb_hw';

/** Expect `new TlbHierarchy(g)` to throw a TypeError whose message matches `msg`. */
function rejects(g: unknown, msg: RegExp): void {
  expect(() => new TlbHierarchy(g as never)).toThrow(TypeError);
  expect(() => new TlbHierarchy(g as never)).toThrow(msg);
}

describe('TLB geometry', () => {
  it('defaults to the test machine: 64-entry fully associative L1, 2048-entry L2, LRU, PCID off, no PWC', () => {
    const g = new TlbHierarchy().geometry;
    expect(g).toEqual({ l1_entries: 64, l1_ways: 64, l2_entries: 2048, l2_ways: 16, policy: 'lru', pcid: false, pwc_entries: 0, seed: 1 });
    expect(defaultTlbGeometry()).toEqual(g);
    expect(Object.isFrozen(g)).toBe(true);
  });

  it('declares every parameter with a default, a unit and a description', () => {
    for (const [k, spec] of Object.entries(TLB_PARAMS)) {
      expect(spec.description.length, k).toBeGreaterThan(10);
      expect(typeof spec.unit, k).toBe('string');
      expect(spec.check(spec.default as never), k).toBeNull();
    }
  });

  it('merges a partial geometry over the defaults', () => {
    const g = resolveTlbGeometry({ l1_entries: 32, l1_ways: 4, policy: 'plru' });
    expect([g.l1_entries, g.l1_ways, g.l2_entries, g.policy]).toEqual([32, 4, 2048, 'plru']);
  });

  it('accepts fully associative (ways == entries) and direct-mapped (1 way) levels', () => {
    expect(() => new TlbHierarchy({ l1_entries: 48, l1_ways: 48, l2_entries: 1024, l2_ways: 1024 })).not.toThrow();
    expect(() => new TlbHierarchy({ l1_entries: 16, l1_ways: 1, l2_entries: 64, l2_ways: 1 })).not.toThrow();
  });

  it('rejects entries that are not a multiple of ways', () => {
    rejects({ l1_entries: 64, l1_ways: 5 }, /l1_entries \(64\) must be a multiple of l1_ways \(5\)/);
    rejects({ l2_entries: 2048, l2_ways: 12 }, /l2_entries \(2048\) must be a multiple of l2_ways \(12\)/);
  });

  it('rejects a number of sets that is not a power of two', () => {
    rejects({ l1_entries: 48, l1_ways: 8 }, /l1 sets .* = 6\) must be a power of two/);
    rejects({ l2_entries: 1536, l2_ways: 16 }, /l2 sets .* = 96\) must be a power of two/);
  });

  it('rejects tree-PLRU over a number of ways that is not a power of two', () => {
    rejects({ policy: 'plru', l1_entries: 48, l1_ways: 48 }, /l1_ways \(48\) must be a power of two for the tree-PLRU policy/);
    expect(() => new TlbHierarchy({ policy: 'lru', l1_entries: 48, l1_ways: 48 })).not.toThrow();
  });

  it('rejects unknown keys, wrong types and out-of-range values, naming them', () => {
    rejects({ l1_size: 64 }, /unknown TLB parameter 'l1_size'/);
    rejects({ l1_entries: 0 }, /l1_entries must be an integer from 1 to 4096, got 0/);
    rejects({ l2_ways: 2.5 }, /l2_ways must be an integer/);
    rejects({ policy: 'fifo' }, /policy must be 'lru', 'plru' or 'random', got "fifo"/);
    rejects({ pcid: 1 }, /pcid must be true or false/);
    rejects({ pwc_entries: -1 }, /pwc_entries must be an integer from 0 to 4096/);
    rejects({ seed: 2 ** 31 }, /seed must be an integer/);
    rejects(null, /TLB geometry must be an object/);
    rejects([64], /TLB geometry must be an object/);
  });

  it('bytesFor gives the shared memory a geometry needs, and validates it', () => {
    const t = new TlbHierarchy({ pwc_entries: 32 });
    expect(TlbHierarchy.bytesFor({ pwc_entries: 32 })).toBe(t.buffer.byteLength);
    expect(t.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => TlbHierarchy.bytesFor({ l1_ways: 3 })).toThrow(TypeError);
  });
});
