// §2.5 struct page + the buddy allocator API: alloc_page / alloc_pages / __free_page(s) /
// split_page / __GFP_ZERO / get_page / put_page / page_read / page_write / fail_next.
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, pattern, expectBytes, isZero, PG } from './helpers';

describe('alloc_page / __free_page', () => {
  it('returns a RAM page with refcount 1, mapcount 0, not anonymous', () => {
    const L = newLab();
    const p = L.alloc_page()!;
    expect(p).not.toBeNull();
    const pfn = L.page_to_pfn(p);
    expect(L.pfn_valid(pfn)).toBe(true);
    expect(L.page_count(p)).toBe(1);
    expect(L.page_mapcount(p)).toBe(0);
    expect(L.PageAnon(p)).toBe(false);
    expect(L.page_to_pfn(L.pfn_to_page(pfn)!)).toBe(pfn);
    expectConsistent(L);
    L.__free_page(p);
    expectConsistent(L);
  });

  it('distinct live allocations have distinct pfns', () => {
    const L = newLab();
    const pages = Array.from({ length: 64 }, () => L.alloc_page(L.GFP_KERNEL)!);
    const pfns = new Set(pages.map((p) => L.page_to_pfn(p)));
    expect(pfns.size).toBe(64);
    for (const p of pages) L.__free_page(p);
    expectConsistent(L);
  });
});

describe('alloc_pages / __free_pages (buddy orders)', () => {
  it('an order-n block is naturally aligned; the head has refcount 1, the tails 0 (not compound)', () => {
    const L = newLab();
    for (const order of [0, 1, 2, 3, 5]) {
      const p = L.alloc_pages(L.GFP_KERNEL, order)!;
      expect(p).not.toBeNull();
      const pfn = L.page_to_pfn(p);
      expect(pfn % (1 << order)).toBe(0);
      expect(L.page_count(p)).toBe(1);
      for (let i = 1; i < 1 << order; i++) expect(L.page_count(L.pfn_to_page(pfn + i)!)).toBe(0);
      expectConsistent(L);
      L.__free_pages(p, order);
      expectConsistent(L);
    }
  });

  it('__GFP_COMP gives a compound block that __free_pages releases whole', () => {
    const L = newLab();
    const p = L.alloc_pages(L.GFP_KERNEL | L.__GFP_COMP, 2)!;
    expect(p).not.toBeNull();
    expect(L.page_count(p)).toBe(1);
    expectConsistent(L);
    L.__free_pages(p, 2);
    expectConsistent(L);
  });

  it('order >= MAX_ORDER (11) fails with NULL and a WARNING (4.7 __alloc_pages_slowpath WARN_ON_ONCE)', () => {
    const L = newLab();
    expect(L.alloc_pages(L.GFP_KERNEL, 11)).toBeNull();
    expect(L.dmesg().some((l) => l.includes('WARNING'))).toBe(true);
    expect(L.check_invariants()).toEqual([]);
  });

  it('freed memory is reusable: allocate everything order-10 can give, free it, allocate again', () => {
    const L = newLab({ ram_mb: 16 });
    const grab = (): number[] => {
      const got: number[] = [];
      for (;;) {
        const p = L.alloc_pages(L.GFP_KERNEL, 10);
        if (!p) break;
        got.push(L.page_to_pfn(p));
      }
      return got;
    };
    const first = grab();
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(4); // 16 MiB = 4 order-10 blocks at most
    for (const pfn of first) L.__free_pages(L.pfn_to_page(pfn)!, 10);
    expectConsistent(L);
    const second = grab();
    expect(second.length).toBe(first.length);
    for (const pfn of second) L.__free_pages(L.pfn_to_page(pfn)!, 10);
    expectConsistent(L);
  });
});

describe('split_page', () => {
  it('turns an order-n block into 2^n independent pages of refcount 1, freed one by one', () => {
    const L = newLab();
    const p = L.alloc_pages(L.GFP_KERNEL, 2)!;
    const pfn = L.page_to_pfn(p);
    L.split_page(p, 2);
    for (let i = 0; i < 4; i++) expect(L.page_count(L.pfn_to_page(pfn + i)!)).toBe(1);
    expectConsistent(L);
    for (let i = 0; i < 4; i++) L.__free_page(L.pfn_to_page(pfn + i)!);
    expectConsistent(L);
  });
});

describe('__GFP_ZERO', () => {
  it('alloc_page(__GFP_ZERO) reads back zeros even when the frame was dirtied before being freed', () => {
    const L = newLab();
    // dirty a batch of frames, free them, then allocate zeroed pages: whichever frames come
    // back (buddy LIFO makes it likely to be the same ones) must read as zeros.
    const dirty = Array.from({ length: 8 }, (_, i) => {
      const p = L.alloc_page()!;
      L.page_write(p, 0, pattern(PG, i + 1));
      return p;
    });
    for (const p of dirty) L.__free_page(p);
    for (let i = 0; i < 8; i++) {
      const z = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
      expect(isZero(L.page_read(z, 0, PG))).toBe(true);
      L.__free_page(z);
    }
    expectConsistent(L);
  });

  // clear_page skips its memcmp when a glance at 8 words (every 512 bytes) finds one written:
  // a frame written only elsewhere, or only with a -0.0 bit pattern there, must still be zeroed.
  it.each([[4095, [1]], [700, [0xff]], [8, [1]], [0, [0, 0, 0, 0, 0, 0, 0, 0x80]], [512 + 7, [0x80]]])(
    'alloc_page(__GFP_ZERO) zeroes a freed frame whose only write was at byte %d', (off, bytes) => {
      const L = newLab();
      const p = L.alloc_page()!;
      L.page_write(p, off, Uint8Array.from(bytes));
      const pfn = L.page_to_pfn(p);
      L.__free_page(p);
      const z = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
      expect(L.page_to_pfn(z)).toBe(pfn); // the same frame back (buddy LIFO), so it was cleared, not fresh
      expect(isZero(L.page_read(z, 0, PG))).toBe(true);
      L.__free_page(z);
    });

  it('alloc_pages(__GFP_ZERO, order) zeroes every page of the block', () => {
    const L = newLab();
    const d = L.alloc_pages(L.GFP_KERNEL, 2)!;
    const dpfn = L.page_to_pfn(d);
    for (let i = 0; i < 4; i++) L.page_write(L.pfn_to_page(dpfn + i)!, 0, pattern(PG, 40 + i));
    L.__free_pages(d, 2);
    const z = L.alloc_pages(L.GFP_HIGHUSER_MOVABLE | L.__GFP_ZERO, 2)!;
    const zpfn = L.page_to_pfn(z);
    for (let i = 0; i < 4; i++) expect(isZero(L.page_read(L.pfn_to_page(zpfn + i)!, 0, PG))).toBe(true);
    L.__free_pages(z, 2);
    expectConsistent(L);
  });
});

describe('get_page / put_page', () => {
  it('count +1 / -1; the last put frees the page', () => {
    const L = newLab();
    const p = L.alloc_page()!;
    L.get_page(p);
    expect(L.page_count(p)).toBe(2);
    L.get_page(p);
    expect(L.page_count(p)).toBe(3);
    L.put_page(p);
    L.put_page(p);
    expect(L.page_count(p)).toBe(1);
    expectConsistent(L);
    L.put_page(p);
    expect(L.page_count(p)).toBe(0);
    expectConsistent(L);
  });
});

describe('page_read / page_write (kmap-style access)', () => {
  it('round-trips data at an offset and leaves the rest of the page alone', () => {
    const L = newLab();
    const p = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
    const data = pattern(100, 9);
    L.page_write(p, 1000, data);
    expectBytes(L.page_read(p, 1000, 100), data);
    expect(isZero(L.page_read(p, 0, 1000))).toBe(true);
    expect(isZero(L.page_read(p, 1100, PG - 1100))).toBe(true);
    expect(L.page_read(p, 4000, 96).length).toBe(96);
    L.__free_page(p);
    expectConsistent(L);
  });
});

describe("fail_next('page_alloc')", () => {
  it('makes exactly the next `count` allocations fail', () => {
    const L = newLab();
    L.fail_next('page_alloc');
    expect(L.alloc_page()).toBeNull();
    const ok = L.alloc_page();
    expect(ok).not.toBeNull();
    L.fail_next('page_alloc', 2);
    expect(L.alloc_pages(L.GFP_KERNEL, 1)).toBeNull();
    expect(L.alloc_page()).toBeNull();
    const ok2 = L.alloc_page();
    expect(ok2).not.toBeNull();
    L.__free_page(ok!);
    L.__free_page(ok2!);
    expectConsistent(L);
  });
});
