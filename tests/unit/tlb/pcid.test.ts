// PCID tagging, global entries and the flushes that do and do not drop them.
import { describe, it, expect } from 'vitest';
import { TLB_GLOBAL, TLB_HIT_L1 } from '../../../src-engine/arch/x86/mm/tlb_hw';
import { FLAGS, tlb, vpnsOf } from './helpers';

describe('PCIDs on', () => {
  it('isolates address spaces: the same vpn under two PCIDs is two entries', () => {
    const t = tlb({ pcid: true });
    t.insert(100, 1, 11, FLAGS);
    t.insert(100, 2, 22, FLAGS);
    expect(t.lookup(100, 1)).toBe(11);
    expect(t.lookup(100, 2)).toBe(22);
    expect(t.lookup(100, 3)).toBe(-1);
    expect(t.entries().l1.map((e) => e.pcid).sort()).toEqual([1, 2]);
  });

  it('flushPcid drops that PCID\'s entries in both levels and keeps the others', () => {
    const t = tlb({ pcid: true });
    for (let v = 0; v < 100; v++) { t.insert(v, 1, v, FLAGS); t.insert(v, 2, v + 1000, FLAGS); }
    t.flushPcid(1);
    expect(t.lookup(5, 1)).toBe(-1);
    expect(t.lookup(5, 2)).toBe(1005);
    expect(t.entries().l2.every((e) => e.pcid === 2)).toBe(true);
    expect(t.entries().l2).toHaveLength(100);
    expect(t.stats().flush_pcid).toBe(1);
  });

  it('global entries match every PCID and survive flushPcid', () => {
    const t = tlb({ pcid: true });
    t.insert(0x7000, 1, 77, FLAGS | TLB_GLOBAL);
    t.insert(0x7001, 1, 78, FLAGS);
    expect(t.lookup(0x7000, 9)).toBe(77);
    expect(t.lastLevel).toBe(TLB_HIT_L1);
    expect(t.lastFlags & TLB_GLOBAL).toBe(TLB_GLOBAL);
    t.flushPcid(1);
    t.flushPcid(9);
    expect(t.lookup(0x7000, 1)).toBe(77);
    expect(t.lookup(0x7001, 1)).toBe(-1);
    expect(t.entries().l1.find((e) => e.vpn === 0x7000)?.pcid).toBeNull();
  });

  it('a global entry found only in L2 is copied to L1 and still matches every PCID', () => {
    const t = tlb({ pcid: true, l1_entries: 2, l1_ways: 2 });
    t.insert(5, 1, 55, FLAGS | TLB_GLOBAL);
    t.insert(6, 1, 66, FLAGS);
    t.insert(7, 1, 77, FLAGS); // L1 drops 5
    expect(t.holds(5, 3)).toBe(2);
    expect(t.lookup(5, 3)).toBe(55);
    expect(t.holds(5, 4)).toBe(3);
  });

  it('inserting a page as global replaces its entry tagged with the PCID', () => {
    const t = tlb({ pcid: true });
    t.insert(9, 1, 90, FLAGS);
    t.insert(9, 1, 91, FLAGS | TLB_GLOBAL);
    expect(t.lookup(9, 1)).toBe(91);
    expect(t.entries().l1).toHaveLength(1);
    expect(t.entries().l2).toHaveLength(1);
  });

  it('flushAll(false) drops every PCID but keeps globals; flushAll(true) drops globals too', () => {
    const t = tlb({ pcid: true });
    t.insert(1, 1, 10, FLAGS);
    t.insert(2, 2, 20, FLAGS);
    t.insert(3, 1, 30, FLAGS | TLB_GLOBAL);
    t.flushAll(false);
    expect(vpnsOf(t.entries().l1)).toEqual([3]);
    expect(vpnsOf(t.entries().l2)).toEqual([3]);
    expect(t.lookup(3, 2)).toBe(30);
    t.flushAll(true);
    expect(t.entries().l1).toHaveLength(0);
    expect(t.entries().l2).toHaveLength(0);
    expect(t.lookup(3, 2)).toBe(-1);
    expect(t.stats().flush_all).toBe(2);
  });

  it('the hierarchy works normally after flushes (indexes and replacement state rebuilt)', () => {
    const t = tlb({ pcid: true, l1_entries: 4, l1_ways: 4, l2_entries: 8, l2_ways: 2 });
    for (let round = 0; round < 5; round++) {
      for (let v = 0; v < 20; v++) t.insert(v, round % 3, v + 100, FLAGS | (v % 7 === 0 ? TLB_GLOBAL : 0));
      if (round % 2) t.flushPcid(round % 3);
      else t.flushAll(round === 4);
      for (let v = 40; v < 44; v++) t.insert(v, 0, v, FLAGS);
      for (let v = 40; v < 44; v++) expect(t.lookup(v, 0)).toBe(v);
    }
  });
});

describe('PCIDs off (Linux 4.7)', () => {
  it('ignores the pcid argument: every entry is tagged PCID 0', () => {
    const t = tlb({ pcid: false });
    t.insert(100, 5, 11, FLAGS);
    expect(t.lookup(100, 6)).toBe(11);
    expect(t.entries().l1[0]?.pcid).toBe(0);
  });

  it('flushPcid of any PCID is a CR3 write: drops every non-global entry', () => {
    const t = tlb({ pcid: false });
    t.insert(1, 0, 10, FLAGS);
    t.insert(2, 0, 20, FLAGS | TLB_GLOBAL);
    t.flushPcid(3);
    expect(vpnsOf(t.entries().l2)).toEqual([2]);
  });
});
