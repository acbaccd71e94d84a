// §4 truncate (ftruncate -> truncate_setsize -> truncate_pagecache): unmap_mapping_range with
// even_cows = 1 before and after truncate_inode_pages, SIGBUS beyond the new EOF, partial-page
// zeroing, extension.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, expectSignal, mapFile, pteAt, pteNone, pageAt, fileWithPages,
  pattern, expectBytes, isZero, rss, BASE, PG, pg, type Lab, forkOk,
} from '../machine/helpers';

const SH = BASE; // shared mapping of the file
const PR = BASE + (2 << 20); // private mapping of the same file

/** An 8-page file mapped shared at SH and private at PR; PR has COW copies of pages 1 and 6. */
function setup(fs: 'ramfs' | 'tmpfs' | 'diskfs') {
  const L = newLab();
  const mm = L.mm_alloc();
  const f = fileWithPages(L, 'f', 8, fs);
  mapFile(L, mm, SH, 8 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
  mapFile(L, mm, PR, 8 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
  L.user_write(mm, pg(6, PR), new Uint8Array([0x66])); // do_cow_fault
  L.user_write(mm, pg(1, PR), new Uint8Array([0x11])); // do_cow_fault
  L.touch(mm, pg(7, PR), PG, 'r'); // fault-around maps the 6 other cache pages read-only
  L.touch(mm, SH, 8 * PG, 'r'); // fault-around maps all 8
  return { L, mm, f };
}

function fileCounter(L: Lab, fs: string): number {
  return fs === 'tmpfs' ? L.MM_SHMEMPAGES : L.MM_FILEPAGES;
}

describe.each(['ramfs', 'tmpfs', 'diskfs'] as const)('§4 truncate (%s)', (fs) => {
  it('shrinking unmaps shared and private (even_cows = 1) ptes beyond the new EOF; they SIGBUS', () => {
    const { L, mm, f } = setup(fs);
    expect(L.get_mm_counter(mm, fileCounter(L, fs))).toBe(8 + 6);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(2);
    expect(L.ftruncate(f, 4 * PG)).toBe(0);
    for (let i = 4; i < 8; i++) {
      expect(pteNone(L, mm, pg(i, SH)), `shared page ${i}`).toBe(true);
      expect(pteNone(L, mm, pg(i, PR)), `private page ${i}`).toBe(true);
    }
    for (let i = 0; i < 4; i++) {
      expect(L.pte_present(pteAt(L, mm, pg(i, SH)))).toBe(true);
      expect(L.pte_present(pteAt(L, mm, pg(i, PR)))).toBe(true);
    }
    // the COW copy of page 6 is gone, the one of page 1 (below EOF) stays
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(L.get_mm_counter(mm, fileCounter(L, fs))).toBe(4 + 3);
    expect(L.user_read(mm, pg(1, PR), 1)[0]).toBe(0x11);
    expectSignal(() => L.user_read(mm, pg(6, PR), 1), 'SIGBUS', pg(6, PR));
    expectSignal(() => L.user_read(mm, pg(4, SH) + 9, 1), 'SIGBUS', pg(4, SH) + 9);
    expectSignal(() => L.user_write(mm, pg(7, SH), new Uint8Array([1])), 'SIGBUS', pg(7, SH));
    expectSignal(() => L.user_write(mm, pg(5, PR), new Uint8Array([1])), 'SIGBUS', pg(5, PR));
    expect(f.f_mapping.nrpages).toBe(4);
    expectConsistent(L);
  });

  it('pages beyond EOF leave the page cache; a pinned one keeps only the pin', () => {
    const { L, mm, f } = setup(fs);
    const p5 = pageAt(L, mm, pg(5, SH));
    L.get_page(p5);
    expect(L.ftruncate(f, 4 * PG)).toBe(0);
    expect(L.find_get_page(f.f_mapping, 5)).toBeNull();
    expect(L.page_mapcount(p5)).toBe(0);
    expect(L.page_count(p5)).toBe(1);
    expect(p5.mapping).toBeNull();
    L.put_page(p5);
    expectConsistent(L);
  });

  it('the data below EOF is untouched', () => {
    const { L, mm, f } = setup(fs);
    expect(L.ftruncate(f, 3 * PG)).toBe(0);
    for (let i = 0; i < 3; i++) expectBytes(L.user_read(mm, pg(i, SH), PG), pattern(PG, 1 + i), `page ${i}`);
    expectBytes(L.file_read(f, 0, 3 * PG), (() => {
      const all = new Uint8Array(3 * PG);
      for (let i = 0; i < 3; i++) all.set(pattern(PG, 1 + i), i * PG);
      return all;
    })());
    expect(L.file_read(f, 3 * PG, PG).length).toBe(0);
    expectConsistent(L);
  });

  it('a partial last page keeps its pte; the tail beyond the new size reads as zeros', () => {
    const { L, mm, f } = setup(fs);
    expect(L.ftruncate(f, 2 * PG + 100)).toBe(0);
    expect(L.pte_present(pteAt(L, mm, pg(2, SH)))).toBe(true);
    expect(pteNone(L, mm, pg(3, SH))).toBe(true);
    const page2 = L.user_read(mm, pg(2, SH), PG);
    expectBytes(page2.subarray(0, 100), pattern(PG, 3).subarray(0, 100));
    expect(isZero(page2.subarray(100))).toBe(true);
    // the private COW copy of page 1 is below the unmap start and keeps its data
    expect(L.user_read(mm, pg(1, PR), 1)[0]).toBe(0x11);
    expectSignal(() => L.user_read(mm, pg(3, SH), 1), 'SIGBUS', pg(3, SH));
    expectConsistent(L);
  });

  it('extending again: the old pages do not come back, the new range reads zeros', () => {
    const { L, mm, f } = setup(fs);
    expect(L.ftruncate(f, 4 * PG)).toBe(0);
    expect(L.ftruncate(f, 8 * PG)).toBe(0);
    expect(isZero(L.user_read(mm, pg(5, SH), PG))).toBe(true);
    expect(isZero(L.user_read(mm, pg(6, PR), PG))).toBe(true); // the private COW data was lost
    expect(isZero(L.file_read(f, 4 * PG, 4 * PG))).toBe(true);
    expectConsistent(L);
  });
});

describe('§4 truncate: other cases', () => {
  it('truncate to 0 removes every page and every file pte; anonymous memory of other vmas is untouched', () => {
    const { L, mm, f } = setup('ramfs');
    expect(L.ftruncate(f, 0)).toBe(0);
    expect(f.f_mapping.nrpages).toBe(0);
    expect(rss(L, mm)).toEqual({ file: 0, anon: 0, swap: 0, shmem: 0 });
    expectSignal(() => L.user_read(mm, SH, 1), 'SIGBUS', SH);
    expectConsistent(L);
  });

  it('growing a file makes a mapping beyond the old EOF accessible', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'g', 1);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    expectSignal(() => L.user_read(mm, pg(2), 1), 'SIGBUS', pg(2));
    expect(L.ftruncate(f, 4 * PG)).toBe(0);
    expect(isZero(L.user_read(mm, pg(2), PG))).toBe(true);
    L.user_write(mm, pg(3), new Uint8Array([7]));
    expect(L.file_read(f, 3 * PG, 1)[0]).toBe(7);
    expectConsistent(L);
  });

  it('a negative length is -EINVAL (do_sys_ftruncate; loff_t is signed, so C can pass it)', () => {
    const L = newLab();
    const f = fileWithPages(L, 'n', 1);
    expect(L.ftruncate(f, -1)).toBe(-L.EINVAL);
    expect(L.file_read(f, 0, PG).length).toBe(PG);
    expectConsistent(L);
  });

  it('truncation is seen by other processes and by a forked child (all vmas in i_mmap)', () => {
    const L = newLab();
    const a = L.mm_alloc();
    const f = fileWithPages(L, 'x', 4);
    mapFile(L, a, BASE, 4 * PG, L.PROT_READ, L.MAP_PRIVATE, f);
    L.touch(a, BASE, 4 * PG, 'r');
    const b = forkOk(L, a); // no anon_vma: nothing copied, b refaults
    L.touch(b, BASE, 4 * PG, 'r');
    expect(L.ftruncate(f, PG)).toBe(0);
    for (const m of [a, b]) {
      expectSignal(() => L.user_read(m, pg(1), 1), 'SIGBUS', pg(1));
      expectBytes(L.user_read(m, BASE, PG), pattern(PG, 1));
    }
    expectConsistent(L);
  });
});
