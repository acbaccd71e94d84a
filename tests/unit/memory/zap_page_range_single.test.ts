// §3.3 zap_page_range_single: like zap_page_range, but for one vma only.
import { describe, it, expect } from 'vitest';
import {
  BASE, PAGE, expectInvariants, flushes, makeFile, mapAnon, mapFile, must, newLab, presentMap, recordNotifier, rss,
  traced, underRead,
} from './helpers';

describe('§3.3 zap_page_range_single', () => {
  it('§3.3 zaps only the given vma even when the range runs on into the next one', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const a = mapAnon(L, mm, 2, { addr: BASE, touch: 'w' });
    const b = mapAnon(L, mm, 2, { addr: BASE + 4 * PAGE, touch: 'w' });
    underRead(L, mm, () => L.zap_page_range_single(a.vma, BASE, 6 * PAGE, null));
    expect(presentMap(L, mm, a.addr, 2)).toEqual([false, false]);
    expect(presentMap(L, mm, b.addr, 2)).toEqual([true, true]);
    expect(rss(L, mm).anon).toBe(2);
    expectInvariants(L);
  });

  it('§3.3 a range starting below vm_start is clamped to the vma (nothing checks "must fit into one VMA")', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const a = mapAnon(L, mm, 2, { addr: BASE, touch: 'w' });
    const b = mapAnon(L, mm, 2, { addr: BASE + 4 * PAGE, touch: 'w' });
    underRead(L, mm, () => L.zap_page_range_single(b.vma, BASE, 5 * PAGE, null));
    expect(presentMap(L, mm, a.addr, 2)).toEqual([true, true]);
    expect(presentMap(L, mm, b.addr, 2)).toEqual([false, true]);
    expectInvariants(L);
  });

  it('§3.3 invalidate_range_start/end bracket the unclamped (address, address + size)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2, { touch: 'w' });
    const calls = recordNotifier(L, mm);
    const start = addr - 4 * PAGE;
    const end = addr + 10 * PAGE;
    underRead(L, mm, () => L.zap_page_range_single(vma, start, end - start, null));
    expect(calls.filter((c) => c.kind !== 'range')).toEqual([
      { kind: 'start', start, end },
      { kind: 'end', start, end },
    ]);
    expect(calls[calls.length - 1]).toEqual({ kind: 'range', start: addr, end: addr + 2 * PAGE });
  });

  it('§3.3/§6 update_hiwater_rss runs before the zap', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 5, { touch: 'w' });
    underRead(L, mm, () => L.zap_page_range_single(vma, addr, 5 * PAGE, null));
    expect(rss(L, mm).anon).toBe(0);
    expect(mm.hiwater_rss).toBeGreaterThanOrEqual(5);
  });

  it('§3.3 its own gather: one flush of the cleared range, and the pages are freed before it returns', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 3, { touch: 'w' });
    const pfn = L.pte_pfn(must(L.lookup_pte(mm, addr), 'pte'));
    const pg = must(L.pfn_to_page(pfn), 'page');
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range_single(vma, addr, 3 * PAGE, null)));
    expect(flushes(ev)).toHaveLength(1);
    expect(flushes(ev)[0]).toMatchObject({ start: addr, end: addr + 3 * PAGE, pages: 3 });
    expect(L.page_count(pg)).toBe(0);
    expectInvariants(L);
  });

  it('§3.3 details.check_mapping filters as in zap_page_range', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const other = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 2, { touch: 'r' });
    underRead(L, mm, () => L.zap_page_range_single(vma, addr, 2 * PAGE, { check_mapping: other.f_mapping }));
    expect(presentMap(L, mm, addr, 2)).toEqual([true, true]);
    underRead(L, mm, () => L.zap_page_range_single(vma, addr, 2 * PAGE, { check_mapping: f.f_mapping }));
    expect(presentMap(L, mm, addr, 2)).toEqual([false, false]);
    expect(f.f_mapping.nrpages).toBe(2);
    expectInvariants(L);
  });

  it('§3.3 page tables stay', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2, { touch: 'w' });
    const nr = mm.nr_ptes;
    underRead(L, mm, () => L.zap_page_range_single(vma, addr, 2 * PAGE, null));
    expect(mm.nr_ptes).toBe(nr);
    expect(L.lookup_pte(mm, addr)).not.toBeNull();
  });
});
