// INVLPG (invalidatePage) and the page-walk cache: both TLB levels, the PWC entries covering
// the page, and the walk cost model pwcWalkStart reports.
import { describe, it, expect } from 'vitest';
import { TLB_GLOBAL, PWC_PDE, PWC_PDPTE, PWC_PML4E, pwcPrefix } from '../../../src-engine/arch/x86/mm/tlb_hw';
import { FLAGS, tlb } from './helpers';

/** Cache the three upper-level entries of vpn's walk for pcid (tables 4000 + level). */
function fillPwc(t: ReturnType<typeof tlb>, vpn: number, pcid: number): void {
  for (const level of [PWC_PML4E, PWC_PDPTE, PWC_PDE]) t.pwcInsert(level, pwcPrefix(level, vpn), pcid, 4000 + level, FLAGS);
}

describe('invalidatePage (INVLPG)', () => {
  it('drops the page from both levels and counts', () => {
    const t = tlb({ l1_entries: 4, l1_ways: 4 });
    for (let v = 0; v < 8; v++) t.insert(v, 0, v, FLAGS);
    t.lookup(1, 0); // an L2 hit: now in both levels
    expect(t.holds(1, 0)).toBe(3);
    t.invalidatePage(1, 0);
    expect(t.holds(1, 0)).toBe(0);
    expect(t.lookup(1, 0)).toBe(-1);
    expect(t.holds(2, 0)).toBe(2);
    expect(t.stats().invlpg).toBe(1);
  });

  it('drops the page\'s global entry too, and only the given PCID\'s tagged entry', () => {
    const t = tlb({ pcid: true });
    t.insert(5, 1, 50, FLAGS);
    t.insert(5, 2, 51, FLAGS);
    t.insert(6, 1, 60, FLAGS | TLB_GLOBAL);
    t.invalidatePage(5, 1);
    t.invalidatePage(6, 2);
    expect(t.lookup(5, 1)).toBe(-1);
    expect(t.lookup(5, 2)).toBe(51);
    expect(t.lookup(6, 1)).toBe(-1);
  });

  it('drops the PWC entries covering the page (PDE, PDPTE, PML4E) and no others', () => {
    const t = tlb({ pwc_entries: 16, pcid: true });
    const vpn = 0x12345678;
    const far = vpn + 2 ** 27; // another PML4 slot: shares no upper-level entry with vpn
    fillPwc(t, vpn, 1);
    fillPwc(t, far, 1);
    fillPwc(t, vpn, 2);
    expect(t.entries().pwc).toHaveLength(9);
    t.invalidatePage(vpn, 1);
    const left = t.entries().pwc;
    expect(left).toHaveLength(6);
    expect(left.filter((e) => e.pcid === 1).map((e) => e.prefix).sort((a, b) => a - b))
      .toEqual([PWC_PML4E, PWC_PDPTE, PWC_PDE].map((l) => pwcPrefix(l, far)).sort((a, b) => a - b));
    expect(t.pwcWalkStart(vpn, 1)).toBe(4);
    expect(t.pwcWalkStart(vpn, 2)).toBe(1);
  });

  it('is harmless for a page that is not cached', () => {
    const t = tlb({ pwc_entries: 4 });
    t.insert(1, 0, 1, FLAGS);
    t.invalidatePage(99, 0);
    expect(t.lookup(1, 0)).toBe(1);
  });
});

describe('page-walk cache', () => {
  it('pwcWalkStart: 4 references with no hit, 3 after a PML4E hit, 2 after PDPTE, 1 after PDE', () => {
    const t = tlb({ pwc_entries: 8 });
    const vpn = 0x7_1234_5678; // above 2^32: the prefixes use the high vpn bits too
    expect(t.pwcWalkStart(vpn, 0)).toBe(4);
    expect(t.lastTablePfn).toBe(-1);
    t.pwcInsert(PWC_PML4E, pwcPrefix(PWC_PML4E, vpn), 0, 111, FLAGS);
    expect(t.pwcWalkStart(vpn, 0)).toBe(3);
    expect(t.lastTablePfn).toBe(111);
    t.pwcInsert(PWC_PDPTE, pwcPrefix(PWC_PDPTE, vpn), 0, 222, FLAGS);
    expect(t.pwcWalkStart(vpn, 0)).toBe(2);
    expect(t.lastTablePfn).toBe(222);
    t.pwcInsert(PWC_PDE, pwcPrefix(PWC_PDE, vpn), 0, 333, FLAGS & ~2);
    expect(t.pwcWalkStart(vpn, 0)).toBe(1);
    expect(t.lastTablePfn).toBe(333);
    expect(t.lastFlags).toBe(FLAGS & ~2);
    // a neighbour in the same 2 MiB region shares the PDE; one in the next shares the PDPTE
    expect(t.pwcWalkStart(vpn + 1, 0)).toBe(1);
    expect(t.pwcWalkStart(vpn + 512, 0)).toBe(2);
  });

  it('pwcLookup hits and misses are counted; the key includes level and PCID', () => {
    const t = tlb({ pwc_entries: 8, pcid: true });
    t.pwcInsert(PWC_PDE, 77, 1, 900, FLAGS);
    expect(t.pwcLookup(PWC_PDE, 77, 1)).toBe(900);
    expect(t.pwcLookup(PWC_PDPTE, 77, 1)).toBe(-1);
    expect(t.pwcLookup(PWC_PDE, 77, 2)).toBe(-1);
    expect(t.stats()).toMatchObject({ pwc_hits: 1, pwc_misses: 2 });
  });

  it('is LRU with its configured capacity', () => {
    const t = tlb({ pwc_entries: 2 });
    t.pwcInsert(PWC_PDE, 1, 0, 10, FLAGS);
    t.pwcInsert(PWC_PDE, 2, 0, 20, FLAGS);
    t.pwcLookup(PWC_PDE, 1, 0);
    t.pwcInsert(PWC_PDE, 3, 0, 30, FLAGS); // evicts prefix 2
    expect(t.pwcLookup(PWC_PDE, 2, 0)).toBe(-1);
    expect(t.pwcLookup(PWC_PDE, 1, 0)).toBe(10);
    expect(t.pwcLookup(PWC_PDE, 3, 0)).toBe(30);
    expect(t.stats().pwc_evictions).toBe(1);
  });

  it('is flushed by flushPcid (that PCID only) and by flushAll', () => {
    const t = tlb({ pwc_entries: 8, pcid: true });
    fillPwc(t, 0x1000, 1);
    fillPwc(t, 0x1000, 2);
    t.flushPcid(1);
    expect(t.pwcWalkStart(0x1000, 1)).toBe(4);
    expect(t.pwcWalkStart(0x1000, 2)).toBe(1);
    t.flushAll(false);
    expect(t.pwcWalkStart(0x1000, 2)).toBe(4);
  });

  it('when off (pwc_entries 0): lookups miss uncounted, inserts are ignored, every walk costs 4', () => {
    const t = tlb();
    t.pwcInsert(PWC_PDE, 1, 0, 10, FLAGS);
    expect(t.pwcLookup(PWC_PDE, 1, 0)).toBe(-1);
    expect(t.pwcWalkStart(0x1000, 0)).toBe(4);
    expect(t.entries().pwc).toEqual([]);
    expect(t.stats().pwc_misses).toBe(0);
  });

  it('rejects bad levels, prefixes and table frames with a TypeError', () => {
    const t = tlb({ pwc_entries: 4 });
    expect(() => t.pwcLookup(1, 0, 0)).toThrow(TypeError);
    expect(() => t.pwcLookup(5, 0, 0)).toThrow(/PWC level must be 2/);
    expect(() => t.pwcInsert(PWC_PML4E, 512, 0, 1, FLAGS)).toThrow(TypeError);
    expect(() => t.pwcInsert(PWC_PDE, -1, 0, 1, FLAGS)).toThrow(TypeError);
    expect(() => t.pwcInsert(PWC_PDE, 1, 0, 2 ** 40, FLAGS)).toThrow(TypeError);
    expect(() => t.pwcInsert(PWC_PDE, 1, 0, 1, 2 ** 24)).toThrow(TypeError);
    t.pwcInsert(PWC_PDE, 1, 0, 2 ** 40 - 1, FLAGS);
    expect([t.pwcLookup(PWC_PDE, 1, 0), t.lastFlags]).toEqual([2 ** 40 - 1, FLAGS]);
  });
});
