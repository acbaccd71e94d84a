// Hits, misses and evictions per replacement policy on tiny geometries, and the NINE fill rules.
import { describe, it, expect } from 'vitest';
import { TlbHierarchy, TLB_HIT_L1, TLB_HIT_L2, TLB_MISS, TLB_GLOBAL, TLB_DIRTY } from '../../../src-engine/arch/x86/mm/tlb_hw';
import { FLAGS, access, pfnFor, vpnsOf, tlb, RefTlbWays, wayRowsOf } from './helpers';

/** A tiny hierarchy: a 4-entry fully associative L1 over a 16-entry fully associative L2. */
const tiny = (policy: 'lru' | 'plru' | 'random', seed = 1): TlbHierarchy =>
  tlb({ l1_entries: 4, l1_ways: 4, l2_entries: 16, l2_ways: 16, policy, seed });

describe('lookup and insert', () => {
  it('misses, then hits in L1 with the inserted pfn and flags', () => {
    const t = tiny('lru');
    expect(t.lookup(7, 0)).toBe(-1);
    expect(t.lastLevel).toBe(TLB_MISS);
    expect(t.lastFlags).toBe(0);
    t.insert(7, 0, 1234, FLAGS);
    expect(t.lookup(7, 0)).toBe(1234);
    expect(t.lastLevel).toBe(TLB_HIT_L1);
    expect(t.lastFlags).toBe(FLAGS);
    expect(t.stats()).toMatchObject({ l1_hits: 1, l2_hits: 0, misses: 1, lookups: 2, l1_hit_rate: 0.5, miss_rate: 0.5 });
  });

  it('an insert for a cached page updates it in place (a re-walk after setting Dirty)', () => {
    const t = tiny('lru');
    t.insert(7, 0, 1234, FLAGS);
    t.insert(7, 0, 1234, FLAGS | 0x40);
    expect(t.lookup(7, 0)).toBe(1234);
    expect(t.lastFlags).toBe(FLAGS | 0x40);
    expect(t.entries().l1).toHaveLength(1);
    expect(t.entries().l2).toHaveLength(1);
    expect(t.stats().l1_evictions + t.stats().l2_evictions).toBe(0);
  });

  it('keeps vpns above 2^32 and pfns above 2^32 exact', () => {
    const t = tiny('lru');
    const vpn = 2 ** 35 - 1;
    const pfn = 2 ** 34 + 5;
    t.insert(vpn, 0, pfn, FLAGS);
    t.insert(vpn - 2 ** 32, 0, 9, FLAGS); // same low 32 bits, different high bits
    expect(t.lookup(vpn, 0)).toBe(pfn);
    expect(t.lookup(vpn - 2 ** 32, 0)).toBe(9);
    expect(t.entries().l1.find((e) => e.vpn === vpn)?.pfn).toBe(pfn);
    // the highest pfn: its bits 32..39 share a word with the flags, which must come back intact
    const top = 2 ** 40 - 1;
    t.insert(7, 0, top, FLAGS | TLB_DIRTY);
    expect([t.lookup(7, 0), t.lastFlags]).toEqual([top, FLAGS | TLB_DIRTY]);
    expect(t.entries().l2.find((e) => e.vpn === 7)).toMatchObject({ pfn: top, flags: FLAGS | TLB_DIRTY });
  });

  it('rejects out-of-range inserts with a TypeError', () => {
    const t = tiny('lru');
    expect(() => t.insert(-1, 0, 1, FLAGS)).toThrow(TypeError);
    expect(() => t.insert(2 ** 36, 0, 1, FLAGS)).toThrow(/vpn .* out of range/);
    expect(() => t.insert(1.5, 0, 1, FLAGS)).toThrow(TypeError);
    expect(() => t.insert(1, 4096, 1, FLAGS)).toThrow(TypeError);
    expect(() => t.insert(1, 0, 1, 2 ** 24)).toThrow(/flags .* out of range/);
    expect(() => t.insert(1, 0, 1, -1)).toThrow(TypeError);
    expect(() => t.insert(1, 0, 2 ** 40, FLAGS)).toThrow(TypeError);
    expect(t.entries().l1).toHaveLength(0);
  });
});

describe('NINE hierarchy', () => {
  it('an L2 hit copies the entry into L1; L1 victims are not written back; L2 evictions leave L1 alone', () => {
    const t = tlb({ l1_entries: 2, l1_ways: 2, l2_entries: 4, l2_ways: 4 });
    for (const v of [1, 2, 3]) access(t, v); // L1 {3, 2}; L2 {1, 2, 3}
    expect(vpnsOf(t.entries().l1)).toEqual([2, 3]);
    expect(t.lookup(1, 0)).toBe(pfnFor(1));
    expect(t.lastLevel).toBe(TLB_HIT_L2);
    expect(vpnsOf(t.entries().l1)).toEqual([1, 3]);
    for (const v of [4, 5]) access(t, v); // L2 is full after 4; 5 evicts its LRU entry, 2
    expect(vpnsOf(t.entries().l2)).toEqual([1, 3, 4, 5]);
    expect(t.holds(5, 0)).toBe(3);
    access(t, 6); // evicts 3 from L2
    access(t, 7); // evicts 1 from L2; L1 now {7, 6}
    const l2 = vpnsOf(t.entries().l2);
    expect(l2).toHaveLength(4);
    expect(l2).toEqual([4, 5, 6, 7]);
    expect(t.stats().l2_evictions).toBe(3);
  });

  it('an L1 entry survives its L2 eviction (no back-invalidation)', () => {
    const t = tlb({ l1_entries: 2, l1_ways: 2, l2_entries: 2, l2_ways: 1 });
    access(t, 0); // L1 {0}, L2 set 0 {0}
    access(t, 2); // L2 set 0 evicts 0; L1 {2, 0}
    expect(t.holds(0, 0)).toBe(1);
    expect(t.lookup(0, 0)).toBe(pfnFor(0));
    expect(t.lastLevel).toBe(TLB_HIT_L1);
  });
});

describe('LRU', () => {
  it('evicts the least recently used entry of the set', () => {
    const t = tiny('lru');
    for (const v of [0, 1, 2, 3]) access(t, v);
    access(t, 0); // recency 0, 3, 2, 1
    access(t, 4); // evicts 1
    expect(vpnsOf(t.entries().l1)).toEqual([0, 2, 3, 4]);
    expect(t.stats().l1_evictions).toBe(1);
    expect(t.entries().l1.find((e) => e.vpn === 4)?.recency).toBe(0);
    expect(t.entries().l1.find((e) => e.vpn === 2)?.recency).toBe(3);
  });

  it('replaces only within the set (set = vpn mod sets)', () => {
    const t = tlb({ l1_entries: 4, l1_ways: 2, l2_entries: 64, l2_ways: 4 });
    for (const v of [0, 1, 2, 4]) access(t, v); // set 0 gets 0, 2, 4: evicts 0; set 1 holds 1
    const l1 = t.entries().l1;
    expect(vpnsOf(l1)).toEqual([1, 2, 4]);
    expect(l1.every((e) => e.set === e.vpn % 2)).toBe(true);
  });

  it('fills a free way before evicting anything (after an INVLPG)', () => {
    const t = tiny('lru');
    for (const v of [0, 1, 2, 3]) access(t, v);
    t.invalidatePage(2, 0);
    access(t, 9);
    expect(t.stats().l1_evictions).toBe(0);
    expect(vpnsOf(t.entries().l1)).toEqual([0, 1, 3, 9]);
  });

  it('matches a reference LRU model over a long random mix of operations', () => {
    compareWithReference({ l1_entries: 8, l1_ways: 4, l2_entries: 32, l2_ways: 8 }, 3, 12345);
  });

  it('matches it with many PCIDs, where flushes drop a few entries one by one', () => {
    compareWithReference({ l1_entries: 16, l1_ways: 16, l2_entries: 128, l2_ways: 16 }, 24, 777);
  });
});

/** Drive TlbHierarchy and the LRU reference model with the same seeded operations; compare every result and, often, every entry. */
function compareWithReference(g: { l1_entries: number; l1_ways: number; l2_entries: number; l2_ways: number }, pcids: number, seed: number): void {
  const t = tlb({ ...g, pcid: true });
  const ref = new RefTlbWays(g, 'lru', seed);
  let x = seed;
  const rnd = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
  for (let i = 0; i < 20_000; i++) {
    const op = rnd(100);
    const vpn = rnd(64) + (rnd(4) === 0 ? 2 ** 33 : 0);
    const pcid = rnd(pcids);
    if (op < 70) {
      const want = ref.lookup(vpn, pcid);
      expect(t.lookup(vpn, pcid), `op ${i}`).toBe(want.pfn);
      expect(t.lastLevel, `op ${i}`).toBe(want.level);
      if (want.pfn < 0) {
        const global = rnd(20) === 0;
        t.insert(vpn, pcid, vpn % 997, FLAGS | (global ? TLB_GLOBAL : 0));
        ref.insert(vpn, pcid, vpn % 997, FLAGS | (global ? TLB_GLOBAL : 0), global);
      }
    } else if (op < 90) {
      t.invalidatePage(vpn, pcid);
      ref.invalidatePage(vpn, pcid);
    } else if (op < 98) {
      t.flushPcid(pcid);
      ref.flushPcid(pcid);
    } else {
      const all = rnd(2) === 0;
      t.flushAll(all);
      ref.flushAll(all);
    }
    if (i % 250 === 0) {
      const { l1, l2 } = t.entries();
      expect(wayRowsOf(l1), `op ${i}`).toEqual(ref.l1.rows());
      expect(wayRowsOf(l2), `op ${i}`).toEqual(ref.l2.rows());
    }
  }
}

describe('tree-PLRU', () => {
  it('evicts the way the tree points at, which is not always the LRU one', () => {
    const t = tiny('plru');
    for (const v of [0, 1, 2, 3]) access(t, v); // the tree now points at way 0 (vpn 0)
    access(t, 0); // now it points at way 2 (vpn 2); true LRU would pick vpn 1
    access(t, 4);
    expect(vpnsOf(t.entries().l1)).toEqual([0, 1, 3, 4]);
    const lru = tiny('lru');
    for (const v of [0, 1, 2, 3, 0, 4]) access(lru, v);
    expect(vpnsOf(lru.entries().l1)).toEqual([0, 2, 3, 4]);
  });

  it('keeps a hot page resident while cold pages stream through', () => {
    const t = tiny('plru');
    for (let i = 0; i < 200; i++) {
      access(t, 1000);
      access(t, i);
    }
    expect(t.holds(1000, 0) & 1).toBe(1);
  });
});

describe('random', () => {
  it('is deterministic for a fixed seed and differs between seeds', () => {
    const run = (seed: number): number[][] => {
      const t = tiny('random', seed);
      for (let i = 0; i < 500; i++) access(t, (i * 7919) % 37);
      return [vpnsOf(t.entries().l1), vpnsOf(t.entries().l2), [t.stats().l1_hits, t.stats().l2_hits]];
    };
    expect(run(42)).toEqual(run(42));
    expect(run(0)).toEqual(run(0));
    const seeds = [1, 2, 3, 4, 5].map((s) => JSON.stringify(run(s)));
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it('never holds more than ways entries in a set and counts every eviction', () => {
    const t = tlb({ l1_entries: 8, l1_ways: 2, l2_entries: 32, l2_ways: 4, policy: 'random', seed: 9 });
    for (let i = 0; i < 1000; i++) access(t, (i * 31) % 200);
    const { l1, l2 } = t.entries();
    expect(l1).toHaveLength(8);
    expect(l2).toHaveLength(32);
    for (let s = 0; s < 4; s++) expect(l1.filter((e) => e.set === s)).toHaveLength(2);
    const st = t.stats();
    expect(st.l2_evictions).toBe(st.misses - 32);
    expect(l1.every((e) => e.recency === -1)).toBe(true);
  });
});

describe('every policy', () => {
  it.each(['lru', 'plru', 'random'] as const)('%s: keeps sets within their ways and every listed entry findable, through flushes', (policy) => {
    const t = tlb({ l1_entries: 8, l1_ways: 4, l2_entries: 32, l2_ways: 8, policy, pcid: true, seed: 3 });
    let x = 99;
    const rnd = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
    for (let i = 0; i < 5000; i++) {
      const op = rnd(100);
      const vpn = rnd(100);
      const pcid = rnd(12);
      if (op < 80) access(t, vpn, pcid, FLAGS | (rnd(30) === 0 ? TLB_GLOBAL : 0));
      else if (op < 92) t.invalidatePage(vpn, pcid);
      else if (op < 99) t.flushPcid(pcid);
      else t.flushAll(rnd(2) === 0);
      if (i % 100 !== 0) continue;
      const { l1, l2 } = t.entries();
      for (const [level, entries, sets, ways] of [[1, l1, 2, 4], [2, l2, 4, 8]] as const) {
        for (let s = 0; s < sets; s++) expect(entries.filter((e) => e.set === s).length).toBeLessThanOrEqual(ways);
        for (const e of entries) {
          expect(e.set).toBe(e.vpn % sets);
          expect(t.holds(e.vpn, e.pcid ?? 0) & level, `op ${i}`).toBe(level);
        }
      }
    }
  });
});
