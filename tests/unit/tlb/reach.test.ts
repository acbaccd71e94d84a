// TLB reach: N pages accessed cyclically. With the default geometry (64-entry fully
// associative L1, 2048-entry 16-way L2, LRU) the L1 hit rate falls from 1 to 0 at exactly
// 64 pages and the L2 hit rate at 2048 pages, the knees the test machine's CPUID sizes predict
// (shared/baselines/RESULTS.md section 5).
import { describe, it, expect } from 'vitest';
import { cyclic, tlb } from './helpers';

describe('TLB reach knees (default geometry, LRU)', () => {
  it.each([16, 32, 63, 64])('%i pages fit the L1: L1 hit rate 1', (n) => {
    const s = cyclic(tlb(), n);
    expect(s.l1_hit_rate).toBe(1);
    expect(s.misses).toBe(0);
  });

  it.each([65, 128, 512, 1024, 2047, 2048])('%i pages: every access misses L1 and hits L2', (n) => {
    const s = cyclic(tlb(), n);
    expect(s.l1_hit_rate).toBe(0);
    expect(s.l2_hit_rate).toBe(1);
    expect(s.l1_evictions).toBe(s.lookups);
  });

  it('just past 2048 pages only the overfull L2 sets thrash', () => {
    const s = cyclic(tlb(), 2048 + 16); // 16 of the 128 sets get 17 pages each: those 16 * 17 pages thrash
    expect(s.l2_hit_rate).toBeCloseTo(1 - (16 * 17) / (2048 + 16), 10);
    const s2 = cyclic(tlb(), 2048 + 128); // every set gets 17 pages
    expect(s2.l2_hit_rate).toBe(0);
  });

  it.each([4096, 8192])('%i pages, well past the L2: L2 hit rate 0', (n) => {
    const s = cyclic(tlb(), n, 2, 1);
    expect(s.l1_hit_rate).toBe(0);
    expect(s.l2_hit_rate).toBe(0);
    expect(s.miss_rate).toBe(1);
  });

  it('a fully associative 2048-entry L2 has its knee at exactly 2048 too', () => {
    expect(cyclic(tlb({ l2_ways: 2048 }), 2048).l2_hit_rate).toBe(1);
    expect(cyclic(tlb({ l2_ways: 2048 }), 2049).l2_hit_rate).toBe(0);
  });

  it('vpns above 2^32 (the top of the user half) give the same knees', () => {
    const base = 0x7_fff0_0000;
    expect(cyclic(tlb(), 64, 3, 2, base).l1_hit_rate).toBe(1);
    expect(cyclic(tlb(), 65, 3, 2, base).l1_hit_rate).toBe(0);
    expect(cyclic(tlb(), 2048, 3, 2, base).l2_hit_rate).toBe(1);
  });
});

describe('TLB reach under the other policies', () => {
  it.each(['plru', 'random'] as const)('%s: small working sets hit L1, huge ones miss', (policy) => {
    expect(cyclic(tlb({ policy }), 32).l1_hit_rate).toBe(1);
    expect(cyclic(tlb({ policy }), 1024).l2_hit_rate).toBe(1);
    expect(cyclic(tlb({ policy }), 16384, 2, 1).miss_rate).toBeGreaterThan(0.8);
  });

  it('random replacement degrades gradually past the L1 (no cliff), unlike LRU', () => {
    const s = cyclic(tlb({ policy: 'random' }), 80);
    expect(s.l1_hit_rate).toBeGreaterThan(0.2);
    expect(s.l1_hit_rate).toBeLessThan(0.9);
  });
});
