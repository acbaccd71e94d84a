// §2.7 mmu_gather: range tracking, batching, and "unhook, flush the TLB, then free".
import { describe, it, expect } from 'vitest';
import {
  BASE, PAGE, PMD_SIZE, TLB_FLUSH_REASONS, expectInvariants, flushAndNotifierNames, flushes, makeFile, mapAnon,
  mapFile, newLab, pageAt, recordNotifier, traced, underRead, underWrite, MN_END, MN_RANGE, MN_START,
} from './helpers';

describe('§2.7 mmu_gather', () => {
  it('§2.7 a page unmapped through a gather keeps the pte\'s reference until tlb_finish_mmu', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const pg = pageAt(L, mm, addr);
    L.get_page(pg); // our own reference, so the page outlives the zap and can be observed
    expect(L.page_count(pg)).toBe(2);

    const tlb = new L.mmu_gather();
    underWrite(L, mm, () => {
      L.tlb_gather_mmu(tlb, mm, addr, addr + 4 * PAGE);
      L.unmap_vmas(tlb, vma, addr, addr + 4 * PAGE);
      expect(L.page_mapcount(pg), 'rmap is removed at zap time').toBe(0);
      expect(L.page_count(pg), 'the pte\'s reference is still queued in the gather').toBe(2);
      L.tlb_finish_mmu(tlb, addr, addr + 4 * PAGE);
    });
    expect(L.page_count(pg), 'put_page at the flush').toBe(1);
    L.put_page(pg);
    expectInvariants(L);
  });

  it('§2.7 no TLB flush happens before tlb_finish_mmu for a clean anonymous unmap', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const tlb = new L.mmu_gather();
    L.down_write(mm.mmap_sem);
    L.tlb_gather_mmu(tlb, mm, addr, addr + 4 * PAGE);
    const during = traced(L, () => L.unmap_vmas(tlb, vma, addr, addr + 4 * PAGE));
    expect(flushes(during)).toEqual([]);
    const atFinish = traced(L, () => L.tlb_finish_mmu(tlb, addr, addr + 4 * PAGE));
    L.up_write(mm.mmap_sem);
    expect(flushes(atFinish)).toHaveLength(1);
    expect(flushes(atFinish)[0]).toMatchObject({ start: addr, end: addr + 4 * PAGE, pages: 4 });
  });

  it('§2.7 a page is not freed before its flush: at ->invalidate_range (right after the arch flush) it is still allocated', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2, { touch: 'w' });
    const pg = pageAt(L, mm, addr);
    const countAtRange: number[] = [];
    recordNotifier(L, mm, (c) => {
      if (c.kind === 'range') countAtRange.push(L.page_count(pg));
    });
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, 2 * PAGE, null)));
    // ->invalidate_range runs twice: inside invalidate_range_end (4.7 calls it there too), and in
    // tlb_flush_mmu_tlbonly right after the arch flush; tlb_flush_mmu_free comes only after that.
    expect(countAtRange).toEqual([1, 1]);
    expect(L.page_count(pg), 'freed after the flush').toBe(0);
    const names = flushAndNotifierNames(ev);
    expect(names.indexOf('tlb_flush')).toBeLessThan(names.indexOf(MN_RANGE));
    expectInvariants(L);
  });

  it('§2.7 one gather over two unmap_vmas calls flushes once, over min(start)..max(end) of the cleared ptes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const a = mapAnon(L, mm, 2, { addr: BASE, touch: 'w' });
    const b = mapAnon(L, mm, 2, { addr: BASE + 10 * PAGE, touch: 'w' });
    const tlb = new L.mmu_gather();
    const ev = traced(L, () =>
      underWrite(L, mm, () => {
        L.tlb_gather_mmu(tlb, mm, BASE, BASE + 12 * PAGE);
        L.unmap_vmas(tlb, b.vma, b.addr, b.addr + 2 * PAGE); // the higher one first
        L.unmap_vmas(tlb, a.vma, a.addr, a.addr + 2 * PAGE);
        L.tlb_finish_mmu(tlb, BASE, BASE + 12 * PAGE);
      }),
    );
    const fl = flushes(ev);
    expect(fl).toHaveLength(1);
    expect(fl[0]).toMatchObject({ start: BASE, end: BASE + 12 * PAGE, pages: 12 });
    expectInvariants(L);
  });

  it('§2.7 outside fullmm, tlb_gather_mmu\'s start and end do not bound the flush: the cleared ptes do', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 4, { touch: 'w' });
    const tlb = new L.mmu_gather();
    const ev = traced(L, () =>
      underWrite(L, mm, () => {
        L.tlb_gather_mmu(tlb, mm, addr, addr + PAGE); // narrower than what gets unmapped
        L.unmap_vmas(tlb, vma, addr, addr + 4 * PAGE);
        L.tlb_finish_mmu(tlb, addr, addr + PAGE);
      }),
    );
    expect(flushes(ev)).toHaveLength(1);
    expect(flushes(ev)[0]).toMatchObject({ start: addr, end: addr + 4 * PAGE, pages: 4 });
  });

  it('§2.7 the flushed range covers only the cleared ptes, not the requested range', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 100);
    L.touch(mm, addr + 10 * PAGE, 3 * PAGE, 'w');
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, 100 * PAGE, null)));
    const fl = flushes(ev);
    expect(fl).toHaveLength(1);
    expect(fl[0]).toMatchObject({ start: addr + 10 * PAGE, end: addr + 13 * PAGE, pages: 3 });
  });

  it('§2.7 a gather that cleared no pte (end == 0) does no TLB flush and no ->invalidate_range', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 8); // never touched
    const calls = recordNotifier(L, mm);
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, 8 * PAGE, null)));
    expect(flushes(ev)).toEqual([]);
    // The only ->invalidate_range call is the one 4.7's __mmu_notifier_invalidate_range_end makes
    // before ->invalidate_range_end; mmu_notifier_invalidate_range itself (the flush's) never runs.
    expect(calls.map((c) => c.kind)).toEqual(['start', 'range', 'end']);
    expect(ev.some((e) => e.name === MN_RANGE)).toBe(false);
  });

  it.each([
    [1, 1],
    [33, 33],
    [34, -1],
    [64, -1],
  ])('§2.7 x86 flush_tlb_mm_range: a %i-page range flushes %i pages (over 33 pages is a full flush, pages -1)', (n, pages) => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, n, { touch: 'w' });
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, n * PAGE, null)));
    const fl = flushes(ev);
    expect(fl).toHaveLength(1);
    expect(fl[0].pages).toBe(pages);
    if (pages > 0) expect(fl[0]).toMatchObject({ start: addr, end: addr + n * PAGE });
  });

  it('§2.7 tlb_flush events carry one of the kernel\'s reason names; a local flush of the running mm is TLB_LOCAL_MM_SHOOTDOWN', () => {
    // One CPU, and the mm was last run on it by touch(): flush_tlb_mm_range flushes locally and
    // traces TLB_LOCAL_MM_SHOOTDOWN (arch/x86/mm/tlb.c).
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr, vma } = mapAnon(L, mm, 2, { touch: 'w' });
    const fl = flushes(traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, 2 * PAGE, null))));
    expect(fl).toHaveLength(1);
    expect(TLB_FLUSH_REASONS).toContain(fl[0].reason);
    expect(fl[0].reason).toBe('TLB_LOCAL_MM_SHOOTDOWN');
    expect(fl[0].cpu).toBe(0);
  });

  it('§2.7 a fullmm gather (start 0, end ~0UL, passed as -1) flushes the whole TLB at tlb_finish_mmu', () => {
    // As exit_mmap does: tlb_gather_mmu(0, -1) and unmap_vmas(0, -1). x86 tlb_flush() then calls
    // flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL): a full flush, pages -1, however few ptes went.
    const L = newLab();
    const mm = L.mm_alloc();
    const { vma } = mapAnon(L, mm, 2, { touch: 'w' });
    const tlb = new L.mmu_gather();
    const ev = traced(L, () =>
      underWrite(L, mm, () => {
        L.tlb_gather_mmu(tlb, mm, 0, -1);
        L.unmap_vmas(tlb, vma, 0, -1);
        L.tlb_finish_mmu(tlb, 0, -1);
      }),
    );
    expect(flushes(ev)).toHaveLength(1);
    expect(flushes(ev)[0].pages).toBe(-1);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expect(mm.hiwater_rss, 'exit_mmap does not update hiwater_rss either').toBe(0);
  });

  it('§2.7 dirty file ptes force the flush before the pte table is unlocked: one flush per table, before invalidate_range_end', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 4);
    // 4 pages straddling a 2 MiB boundary: two pte tables, two pages in each.
    const addr = BASE + PMD_SIZE - 2 * PAGE;
    const { vma } = mapFile(L, mm, f, 4, { addr, touch: 'w' });
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, 4 * PAGE, null)));
    const fl = flushes(ev);
    expect(fl).toHaveLength(2);
    expect(fl[0]).toMatchObject({ start: addr, end: addr + 2 * PAGE, pages: 2 });
    expect(fl[1]).toMatchObject({ start: addr + 2 * PAGE, end: addr + 4 * PAGE, pages: 2 });
    expect(flushAndNotifierNames(ev)).toEqual([MN_START, 'tlb_flush', MN_RANGE, 'tlb_flush', MN_RANGE, MN_END]);
    expectInvariants(L);
  });

  it('§2.7 clean file ptes are batched: a single flush at tlb_finish_mmu, after invalidate_range_end', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 4);
    const addr = BASE + PMD_SIZE - 2 * PAGE;
    const { vma } = mapFile(L, mm, f, 4, { addr, touch: 'r' });
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, 4 * PAGE, null)));
    expect(flushes(ev)).toHaveLength(1);
    expect(flushes(ev)[0]).toMatchObject({ start: addr, end: addr + 4 * PAGE, pages: 4 });
    expect(flushAndNotifierNames(ev)).toEqual([MN_START, MN_END, 'tlb_flush', MN_RANGE]);
    expectInvariants(L);
  });

  it('§2.7 the 9 698th queued page (8 local slots + 19 batches of 510) forces a flush in the middle of the zap', { timeout: 180_000 }, () => {
    const L = newLab({ ram_mb: 64 });
    const mm = L.mm_alloc();
    const n = 9699;
    const { addr, vma } = mapAnon(L, mm, n, { touch: 'w' });
    const ev = traced(L, () => underRead(L, mm, () => L.zap_page_range(vma, addr, n * PAGE, null)));
    const fl = flushes(ev);
    // __tlb_remove_page returns 0 on the 9 698th page: force_flush, flush the 9 698 pages (a full
    // flush, > 33 pages), free them, restart at the next pte. The last page goes at tlb_finish_mmu.
    expect(fl).toHaveLength(2);
    expect(fl[0].pages).toBe(-1);
    expect(fl[1]).toMatchObject({ start: addr + 9698 * PAGE, end: addr + 9699 * PAGE, pages: 1 });
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectInvariants(L);
  });
});
