// §4 swap (machine config swap: true): swap_out, swap ptes, MM_SWAPENTS, do_swap_page,
// fork copying swap entries, munmap / madvise / exit freeing them.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, mapAnon, mapFile, pteAt, pfnAt, fileWithPages, pattern, expectBytes, isZero, rss, BASE, PG, pg, forkOk,
} from '../machine/helpers';

function swapLab() {
  const L = newLab({ ram_mb: 64, swap: true });
  const mm = L.mm_alloc();
  mapAnon(L, mm, BASE, 4 * PG);
  L.user_write(mm, BASE, pattern(PG, 11));
  L.user_write(mm, pg(1), pattern(PG, 12));
  return { L, mm };
}

describe('§4 swap_out / is_swap_pte', () => {
  it('replaces the pte by a swap entry: not none, not present; ANON -1, SWAPENTS +1', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    const pte = pteAt(L, mm, BASE);
    expect(L.is_swap_pte(pte)).toBe(true);
    expect(L.pte_none(pte)).toBe(false);
    expect(L.pte_present(pte)).toBe(false);
    expect(L.is_swap_pte(pteAt(L, mm, pg(1)))).toBe(false);
    expect(rss(L, mm)).toEqual({ file: 0, anon: 1, swap: 1, shmem: 0 });
    expectConsistent(L);
  });

  it('fails (negative errno) where no anonymous page is mapped', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, pg(2))).toBeLessThan(0); // pte none
    expect(L.swap_out(mm, pg(100))).toBeLessThan(0); // no vma
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, pg(200), PG, L.PROT_READ, L.MAP_SHARED, f);
    L.touch(mm, pg(200), PG, 'r');
    expect(L.swap_out(mm, pg(200))).toBeLessThan(0); // a file page
    expect(rss(L, mm).swap).toBe(0);
    expectConsistent(L);
  });
});

describe('§4 do_swap_page', () => {
  it('a read brings the same contents back: read-only pte, SWAPENTS -1, ANON +1', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_write(pte)).toBe(false);
    expectBytes(L.user_read(mm, BASE, PG), pattern(PG, 11));
    expect(rss(L, mm)).toEqual({ file: 0, anon: 2, swap: 0, shmem: 0 });
    expectConsistent(L);
    // the only mapper: the write after a read swap-in reuses the page (reuse_swap_page)
    const pfn = pfnAt(L, mm, BASE);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    expect(pfnAt(L, mm, BASE)).toBe(pfn);
    expectConsistent(L);
  });

  it('a write fault on a swap pte maps the page writable and dirty at once', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, pg(1))).toBe(0);
    L.user_write(mm, pg(1) + 3, new Uint8Array([0xaa]));
    const pte = pteAt(L, mm, pg(1));
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    const want = pattern(PG, 12);
    want[3] = 0xaa;
    expectBytes(L.user_read(mm, pg(1), PG), want);
    expect(rss(L, mm).swap).toBe(0);
    expectConsistent(L);
  });

  it('repeated swap out / in (with writes in between) keeps the contents', () => {
    const { L, mm } = swapLab();
    const want = pattern(PG, 11);
    for (let i = 0; i < 3; i++) {
      expect(L.swap_out(mm, BASE)).toBe(0);
      expectBytes(L.user_read(mm, BASE, PG), want, `round ${i}`);
      L.user_write(mm, BASE + i, new Uint8Array([0xf0 + i]));
      want[i] = 0xf0 + i;
      expectConsistent(L);
    }
  });

  it('a page still in the swap cache after a read swap-in can be pushed out again', () => {
    // Reclaim of a clean swap-cache page just unmaps it again (try_to_unmap puts the existing
    // swap entry back into the pte); nothing pins it beyond the swap cache's own reference.
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    expectBytes(L.user_read(mm, BASE, PG), pattern(PG, 11), 'first swap-in');
    expect(L.swap_out(mm, BASE)).toBe(0);
    expect(L.is_swap_pte(pteAt(L, mm, BASE))).toBe(true);
    expectBytes(L.user_read(mm, BASE, PG), pattern(PG, 11), 'second swap-in');
    expectConsistent(L);
  });
});

describe('§4 fork copies swap entries (copy_one_pte: swap_duplicate, child MM_SWAPENTS +1)', () => {
  it('both processes get the contents back; their later writes are private', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    const child = forkOk(L, mm);
    expect(L.is_swap_pte(pteAt(L, child, BASE))).toBe(true);
    expect(rss(L, child).swap).toBe(1);
    expect(rss(L, mm).swap).toBe(1);
    expectConsistent(L);
    expectBytes(L.user_read(child, BASE, PG), pattern(PG, 11), 'child');
    expectBytes(L.user_read(mm, BASE, PG), pattern(PG, 11), 'parent');
    expectConsistent(L);
    L.user_write(child, BASE, new Uint8Array([1]));
    L.user_write(mm, BASE, new Uint8Array([2]));
    expect(L.user_read(child, BASE, 1)[0]).toBe(1);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(2);
    expect(pfnAt(L, mm, BASE)).not.toBe(pfnAt(L, child, BASE));
    expectConsistent(L);
  });

  it('the child can exit while the entry is shared', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    const child = forkOk(L, mm);
    L.mmput(child);
    expect(rss(L, mm).swap).toBe(1);
    expectConsistent(L);
    expectBytes(L.user_read(mm, BASE, PG), pattern(PG, 11));
    expectConsistent(L);
  });
});

describe('§3.2 zaps free swap entries (details == NULL)', () => {
  it('munmap frees them: SWAPENTS back to 0', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    expect(L.swap_out(mm, pg(1))).toBe(0);
    expect(rss(L, mm).swap).toBe(2);
    expect(L.munmap(mm, BASE, 4 * PG)).toBe(0);
    expect(rss(L, mm)).toEqual({ file: 0, anon: 0, swap: 0, shmem: 0 });
    expectConsistent(L);
  });

  it('madvise(DONTNEED) frees them and the page reads back as zeros', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    expect(L.madvise(mm, BASE, PG, L.MADV_DONTNEED)).toBe(0);
    expect(rss(L, mm).swap).toBe(0);
    expect(L.pte_none(pteAt(L, mm, BASE))).toBe(true);
    expect(isZero(L.user_read(mm, BASE, PG))).toBe(true);
    expectConsistent(L);
  });

  it('mmput (exit_mmap) frees them', () => {
    const { L, mm } = swapLab();
    expect(L.swap_out(mm, BASE)).toBe(0);
    const child = forkOk(L, mm);
    L.mmput(mm);
    expectConsistent(L);
    L.mmput(child);
    expectConsistent(L);
  });
});
