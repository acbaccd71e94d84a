// File I/O through the page cache: file_create / file_write / file_read / find_get_page /
// file_open, and how mappings see it.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, mapFile, pageAt, fileWithPages, pattern, expectBytes, isZero, BASE, PG, pg,
} from '../machine/helpers';

describe('file_write / file_read', () => {
  for (const fs of ['ramfs', 'tmpfs', 'diskfs'] as const) {
    it(`${fs}: round-trips data at any offset, across page boundaries`, () => {
      const L = newLab();
      const f = L.file_create(`f-${fs}`, 4 * PG, fs);
      const data = pattern(PG + 500, 3);
      L.file_write(f, PG - 200, data);
      expectBytes(L.file_read(f, PG - 200, data.length), data);
      expect(isZero(L.file_read(f, 0, PG - 200))).toBe(true); // a hole reads as zeros
      expectConsistent(L);
    });
  }

  it('reads stop at EOF; a read at or past EOF is empty', () => {
    const L = newLab();
    const f = L.file_create('f', PG + 10);
    expect(L.file_read(f, 0, 3 * PG).length).toBe(PG + 10);
    expect(L.file_read(f, PG, 100).length).toBe(10);
    expect(L.file_read(f, PG + 10, 1).length).toBe(0);
    expect(L.file_read(f, 5 * PG, 1).length).toBe(0);
  });

  it('a write past EOF extends the file', () => {
    const L = newLab();
    const f = L.file_create('f', 0);
    L.file_write(f, 2 * PG + 5, new Uint8Array([1, 2]));
    expect(L.file_read(f, 0, 10 * PG).length).toBe(2 * PG + 7);
    expect(Array.from(L.file_read(f, 2 * PG + 5, 2))).toEqual([1, 2]);
    expect(isZero(L.file_read(f, 0, 2 * PG + 5))).toBe(true);
    expectConsistent(L);
  });

  it('nrpages counts the cached pages', () => {
    const L = newLab();
    const f = L.file_create('f', 8 * PG);
    const before = f.f_mapping.nrpages;
    L.file_write(f, 0, pattern(3 * PG, 1));
    expect(f.f_mapping.nrpages).toBeGreaterThanOrEqual(3);
    expect(f.f_mapping.nrpages).toBeGreaterThanOrEqual(before);
    expect(f.f_mapping.nrpages).toBeLessThanOrEqual(8);
  });
});

describe('find_get_page', () => {
  it('returns the cache page with a reference taken (page_count +1), null where nothing is cached', () => {
    const L = newLab();
    const f = fileWithPages(L, 'f', 2);
    const p = L.find_get_page(f.f_mapping, 1)!;
    expect(p).not.toBeNull();
    expect(p.index).toBe(1);
    expect(p.mapping).toBe(f.f_mapping);
    expect(L.PageAnon(p)).toBe(false);
    expect(L.page_count(p)).toBe(2); // the cache's + ours
    const again = L.find_get_page(f.f_mapping, 1)!;
    expect(L.page_to_pfn(again)).toBe(L.page_to_pfn(p));
    expect(L.page_count(p)).toBe(3);
    expectBytes(L.page_read(p, 0, PG), pattern(PG, 2));
    L.put_page(again);
    L.put_page(p);
    expect(L.page_count(p)).toBe(1);
    expect(L.find_get_page(f.f_mapping, 2)).toBeNull(); // past EOF
    expectConsistent(L);
  });

  it('a page_write through the cache page is what file_read and a shared mapping see', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_SHARED, f);
    L.touch(mm, BASE, PG, 'r');
    const p = L.find_get_page(f.f_mapping, 0)!;
    expect(L.page_to_pfn(p)).toBe(L.page_to_pfn(pageAt(L, mm, BASE)));
    L.page_write(p, 10, new Uint8Array([0xfe]));
    expect(L.file_read(f, 10, 1)[0]).toBe(0xfe);
    expect(L.user_read(mm, BASE + 10, 1)[0]).toBe(0xfe);
    L.put_page(p);
    expectConsistent(L);
  });
});

describe('mappings and file writes', () => {
  it('a shared mapping sees file_write at once, and file_read sees writes through the mapping', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    L.touch(mm, BASE, 2 * PG, 'r');
    L.file_write(f, PG + 1, new Uint8Array([0xaa, 0xbb]));
    expect(Array.from(L.user_read(mm, pg(1) + 1, 2))).toEqual([0xaa, 0xbb]);
    L.user_write(mm, BASE + 3, new Uint8Array([0xcc]));
    expect(L.file_read(f, 3, 1)[0]).toBe(0xcc);
    expectConsistent(L);
  });

  it('a private mapping sees file writes until its own write copies the page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    L.file_write(f, 0, new Uint8Array([1]));
    expect(L.user_read(mm, BASE, 1)[0]).toBe(1);
    L.file_write(f, 0, new Uint8Array([2]));
    expect(L.user_read(mm, BASE, 1)[0]).toBe(2);
    L.user_write(mm, BASE + 1, new Uint8Array([9]));
    L.file_write(f, 0, new Uint8Array([3]));
    expect(L.user_read(mm, BASE, 2)).toEqual(new Uint8Array([2, 9]));
    expect(L.file_read(f, 0, 2)).toEqual(new Uint8Array([3, pattern(PG, 1)[1]!]));
    expectConsistent(L);
  });
});

describe('file_open', () => {
  it("'rw' and 'r' open the same file: all mappings share the page cache", () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    const rw = L.file_open(f, 'rw');
    const ro = L.file_open(f, 'r');
    expect(rw.f_mapping).toBe(f.f_mapping);
    expect(ro.f_mapping).toBe(f.f_mapping);
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, rw);
    mapFile(L, mm, pg(16), PG, L.PROT_READ, L.MAP_SHARED, ro);
    L.user_write(mm, BASE, new Uint8Array([0x7e]));
    expect(L.user_read(mm, pg(16), 1)[0]).toBe(0x7e);
    expect(L.page_to_pfn(pageAt(L, mm, pg(16)))).toBe(L.page_to_pfn(pageAt(L, mm, BASE)));
    expectConsistent(L);
  });
});
