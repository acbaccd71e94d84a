// §4 do_fault: do_read_fault with fault-around, do_cow_fault, do_shared_fault (diskfs
// page_mkwrite path, tmpfs), a device's vm_ops.fault returning vmf.page, SIGBUS without ->fault.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, expectSignal, mapFile, pteAt, pteNone, pageAt, pfnAt, fileWithPages,
  cachedIndices, pattern, expectBytes, BASE, PG, pg,
} from '../machine/helpers';

describe('§4 do_read_fault: 16-page fault-around (do_fault_around + filemap_map_pages)', () => {
  it('maps the 16-page-aligned block around the fault; each mapped neighbour adds rss', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 32);
    mapFile(L, mm, BASE, 32 * PG, L.PROT_READ, L.MAP_PRIVATE, f);
    expect(L.touch(mm, pg(5), PG, 'r')).toBe(1);
    for (let i = 0; i < 16; i++) {
      const pte = pteAt(L, mm, pg(i));
      expect(L.pte_present(pte), `page ${i}`).toBe(true);
      expect(L.pte_write(pte)).toBe(false);
      expect(L.pte_special(pte)).toBe(false);
      const p = pageAt(L, mm, pg(i));
      expect(p.index).toBe(i);
      expect(L.page_mapcount(p)).toBe(1);
      expect(L.page_count(p)).toBe(2); // the cache's reference + the pte's
    }
    for (let i = 16; i < 32; i++) expect(pteNone(L, mm, pg(i)), `page ${i}`).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(16);
    // the whole block is now present: no more faults; the next block costs one fault
    expect(L.touch(mm, BASE, 16 * PG, 'r')).toBe(0);
    expect(L.touch(mm, pg(16), 16 * PG, 'r')).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(32);
    for (let i = 0; i < 32; i += 7) expectBytes(L.user_read(mm, pg(i), PG), pattern(PG, 1 + i), `page ${i}`);
    expectConsistent(L);
  });

  it('is clipped to the vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 32);
    mapFile(L, mm, BASE, 5 * PG, L.PROT_READ, L.MAP_SHARED, f, 0);
    expect(L.touch(mm, pg(2), PG, 'r')).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(5);
    const p5 = L.find_get_page(f.f_mapping, 5)!;
    expect(L.page_mapcount(p5)).toBe(0);
    L.put_page(p5);
    expectConsistent(L);
  });

  it('is clipped to EOF (round_up(i_size)), and past EOF is SIGBUS', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 10);
    L.file_write(f, 10 * PG, pattern(100, 77)); // i_size = 10 pages + 100 bytes -> 11 pages
    mapFile(L, mm, BASE, 16 * PG, L.PROT_READ, L.MAP_PRIVATE, f);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(11);
    expect(L.pte_present(pteAt(L, mm, pg(10)))).toBe(true);
    expect(pteNone(L, mm, pg(11))).toBe(true);
    const last = L.user_read(mm, pg(10), PG);
    expectBytes(last.subarray(0, 100), pattern(100, 77));
    expectSignal(() => L.touch(mm, pg(11), PG, 'r'), 'SIGBUS', pg(11));
    expectConsistent(L);
  });

  it('maps only neighbours present in the page cache (plus the faulting page, read in by ->fault)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = L.file_create('sparse', 16 * PG, 'ramfs');
    for (const i of [0, 3, 9, 15]) L.file_write(f, i * PG, pattern(PG, 100 + i));
    const cached = cachedIndices(L, f.f_mapping, 16);
    mapFile(L, mm, BASE, 16 * PG, L.PROT_READ, L.MAP_SHARED, f);
    expect(L.touch(mm, pg(6), PG, 'r')).toBe(1);
    const expected = new Set([...cached, 6]);
    for (let i = 0; i < 16; i++) expect(!pteNone(L, mm, pg(i)), `page ${i}`).toBe(expected.has(i));
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(expected.size);
    // the faulting page is now in the cache (a ramfs hole reads as zeros)
    const p6 = L.find_get_page(f.f_mapping, 6);
    expect(p6).not.toBeNull();
    L.put_page(p6!);
    expect(L.user_read(mm, pg(6), PG).every((b) => b === 0)).toBe(true);
    expectConsistent(L);
  });

  it('starts at max(aligned block, vm_start) and spans 16 pages from there (4.7 max_pgoff = start pgoff + 15)', () => {
    // do_fault_around: start_addr = max(address & mask, vm_start); max_pgoff is the minimum of
    // the pte-table end, the vma end and start pgoff + nr_pages - 1. With vm_start 3 pages into
    // a 16-page block the window is [vm_start, vm_start + 16 pages), not the aligned block.
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 32);
    mapFile(L, mm, pg(3), 20 * PG, L.PROT_READ, L.MAP_PRIVATE, f, 3);
    expect(L.touch(mm, pg(5), PG, 'r')).toBe(1);
    for (let i = 3; i <= 18; i++) expect(L.pte_present(pteAt(L, mm, pg(i))), `page ${i}`).toBe(true);
    expect(pteNone(L, mm, pg(19))).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(16);
    expect(pageAt(L, mm, pg(18)).index).toBe(18);
    expectConsistent(L);
  });

  it('does not happen for a write fault (do_cow_fault maps only the faulting page)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 16);
    mapFile(L, mm, BASE, 16 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    expect(L.touch(mm, pg(4), PG, 'w')).toBe(1);
    for (let i = 0; i < 16; i++) expect(pteNone(L, mm, pg(i)), `page ${i}`).toBe(i !== 4);
    expectConsistent(L);
  });
});

describe('§4 do_cow_fault: write fault on a private file page with no pte', () => {
  it('copies the cache page into a new anon page; the cache page is never mapped', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 4);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    const cache = L.find_get_page(f.f_mapping, 1)!;
    const cacheCount = L.page_count(cache); // cache ref + ours
    L.user_write(mm, pg(1) + 8, new Uint8Array([0xee]));
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(0);
    const pte = pteAt(L, mm, pg(1));
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    const anon = pageAt(L, mm, pg(1));
    expect(L.page_to_pfn(anon)).not.toBe(L.page_to_pfn(cache));
    expect(L.PageAnon(anon)).toBe(true);
    expect(L.page_mapcount(anon)).toBe(1);
    expect(L.page_count(anon)).toBe(1);
    expect(anon.index).toBe(1); // linear_page_index: vm_pgoff 0 + 1
    expect(L.page_mapcount(cache)).toBe(0);
    expect(L.page_count(cache)).toBe(cacheCount);
    const want = pattern(PG, 2);
    want[8] = 0xee;
    expectBytes(L.user_read(mm, pg(1), PG), want);
    expectBytes(L.file_read(f, PG, PG), pattern(PG, 2), 'file unchanged');
    L.put_page(cache);
    expectConsistent(L);
  });

  it('the anon copy index is linear_page_index = vm_pgoff + (addr - vm_start) >> 12', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 8);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f, 3);
    L.user_write(mm, pg(2), new Uint8Array([1]));
    expect(pageAt(L, mm, pg(2)).index).toBe(5);
    expectBytes(L.user_read(mm, pg(2) + 1, 100), pattern(PG, 1 + 5).subarray(1, 101));
    expectConsistent(L);
  });
});

describe('§4 do_wp_page on a private file page: wp_page_copy counters', () => {
  it('read then write: FILE -1, ANON +1, the cache page loses its mapping', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    const cache = pageAt(L, mm, BASE);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(1);
    expect(L.page_count(cache)).toBe(2);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(0);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(L.page_mapcount(cache)).toBe(0);
    expect(L.page_count(cache)).toBe(1);
    expect(pfnAt(L, mm, BASE)).not.toBe(L.page_to_pfn(cache));
    expect(L.PageAnon(pageAt(L, mm, BASE))).toBe(true);
    expectBytes(L.user_read(mm, BASE, PG), pattern(PG, 1));
    expectConsistent(L);
  });

  it('once copied, later file writes are not seen; before, they are', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    L.touch(mm, BASE, 2 * PG, 'r');
    L.file_write(f, 0, new Uint8Array([0x11]));
    expect(L.user_read(mm, BASE, 1)[0]).toBe(0x11);
    L.user_write(mm, pg(1), new Uint8Array([0x22]));
    L.file_write(f, PG, new Uint8Array([0x33, 0x44]));
    const got = L.user_read(mm, pg(1), 2);
    expect(Array.from(got)).toEqual([0x22, pattern(PG, 2)[1]]);
    expectConsistent(L);
  });
});

describe('§4 do_shared_fault', () => {
  it('diskfs: a first write runs page_mkwrite and maps RW|DIRTY; FILE +1; the page is dirty; the file sees it', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'd', 4, 'diskfs');
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    expect(L.touch(mm, pg(1), PG, 'w')).toBe(1);
    const pte = pteAt(L, mm, pg(1));
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(1);
    const p = pageAt(L, mm, pg(1));
    expect(L.PageDirty(p)).toBe(true);
    expect(p.mapping).toBe(f.f_mapping);
    expect(L.page_count(p)).toBe(2);
    L.user_write(mm, pg(1) + 5, new Uint8Array([9, 8, 7]));
    expect(Array.from(L.file_read(f, PG + 5, 3))).toEqual([9, 8, 7]);
    expectConsistent(L);
  });

  it('diskfs: a read maps read-only (write-notify); the first write is a write-protect fault, then no more', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'd', 4, 'diskfs');
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    expect(L.touch(mm, BASE, 4 * PG, 'r')).toBe(1); // fault-around maps all 4, read-only
    for (let i = 0; i < 4; i++) {
      expect(L.pte_write(pteAt(L, mm, pg(i)))).toBe(false);
      expect(L.pte_dirty(pteAt(L, mm, pg(i)))).toBe(false);
    }
    const pfn = pfnAt(L, mm, pg(2));
    expect(L.touch(mm, pg(2), PG, 'w')).toBe(1); // do_wp_page -> wp_page_shared -> page_mkwrite -> reuse
    expect(pfnAt(L, mm, pg(2))).toBe(pfn);
    expect(L.pte_write(pteAt(L, mm, pg(2)))).toBe(true);
    expect(L.pte_dirty(pteAt(L, mm, pg(2)))).toBe(true);
    expect(L.PageDirty(pageAt(L, mm, pg(2)))).toBe(true);
    expect(L.touch(mm, pg(2), PG, 'w')).toBe(0);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(4);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectConsistent(L);
  });

  it('tmpfs: the read fault already maps RW (no write-notify), so the write takes no fault', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 't', 1, 'tmpfs');
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(true);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(0);
    expect(L.get_mm_counter(mm, L.MM_SHMEMPAGES)).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(0);
    expectConsistent(L);
  });

  it('two processes sharing a file mapping see each other\'s writes through the same page', () => {
    const L = newLab();
    const a = L.mm_alloc();
    const b = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1, 'ramfs');
    mapFile(L, a, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    mapFile(L, b, pg(100), PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    L.user_write(a, BASE + 1, new Uint8Array([0xab]));
    expect(L.user_read(b, pg(100) + 1, 1)[0]).toBe(0xab);
    expect(pfnAt(L, a, BASE)).toBe(pfnAt(L, b, pg(100)));
    expect(L.page_mapcount(pageAt(L, a, BASE))).toBe(2);
    expectConsistent(L);
  });
});

describe('§4 do_fault with a device vm_ops', () => {
  it('vm_ops.fault returning a page via vmf.page: mapped as a file page (FILE +1), vmf carries pgoff/address', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const page = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
    L.page_write(page, 0, pattern(64, 5));
    const seen: { pgoff: number; address: number }[] = [];
    const dev = L.device_create('pagedev', {
      mmap(_file, vma) {
        vma.vm_ops = {
          fault(_vma, vmf) {
            seen.push({ pgoff: vmf.pgoff, address: vmf.address });
            L.get_page(page); // ->fault returns the page with a reference the pte will own
            vmf.page = page;
            return 0;
          },
        };
        return 0;
      },
    });
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev, 7);
    expectBytes(L.user_read(mm, pg(2) + 0, 64), pattern(64, 5));
    expect(seen.length).toBe(1); // no map_pages: no fault-around
    expect(seen[0]!.pgoff).toBe(9);
    expect(seen[0]!.address).toBe(pg(2)); // vmf->virtual_address is page-aligned
    expect(pfnAt(L, mm, pg(2))).toBe(L.page_to_pfn(page));
    expect(L.pte_special(pteAt(L, mm, pg(2)))).toBe(false);
    expect(L.get_mm_counter(mm, L.MM_FILEPAGES)).toBe(1);
    expect(L.page_mapcount(page)).toBe(1);
    expect(L.page_count(page)).toBe(2);
    // a write to the shared RW device mapping goes to the same page
    L.user_write(mm, pg(2) + 1, new Uint8Array([0x77]));
    expect(L.page_read(page, 1, 1)[0]).toBe(0x77);
    expectConsistent(L);
    expect(L.munmap(mm, BASE, 4 * PG)).toBe(0);
    expect(L.page_count(page)).toBe(1);
    expect(L.page_mapcount(page)).toBe(0);
    L.__free_page(page);
    expectConsistent(L);
  });

  it('a write fault into a private device mapping copies the page (do_cow_fault)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const page = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
    L.page_write(page, 0, new Uint8Array([1, 2, 3]));
    const dev = L.device_create('cowdev', {
      mmap(_file, vma) {
        vma.vm_ops = {
          fault(_vma, vmf) {
            L.get_page(page);
            vmf.page = page;
            return 0;
          },
        };
        return 0;
      },
    });
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, dev);
    L.user_write(mm, BASE, new Uint8Array([9]));
    expect(Array.from(L.user_read(mm, BASE, 3))).toEqual([9, 2, 3]);
    expect(L.page_read(page, 0, 1)[0]).toBe(1);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(L.page_count(page)).toBe(1);
    L.mmput(mm);
    L.__free_page(page);
    expectConsistent(L);
  });

  it('no vm_ops.fault: SIGBUS for reads and writes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const dev = L.device_create('nofault', {
      mmap(_file, vma) {
        vma.vm_ops = {};
        return 0;
      },
    });
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    expectSignal(() => L.user_read(mm, BASE + 4, 1), 'SIGBUS', BASE + 4);
    expectSignal(() => L.user_write(mm, pg(1), new Uint8Array([1])), 'SIGBUS', pg(1));
    expect(pteNone(L, mm, BASE)).toBe(true);
    expectConsistent(L);
  });

  it('a fault handler returning VM_FAULT_SIGBUS (0x2) kills the access with SIGBUS', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const dev = L.device_create('busdev', {
      mmap(_file, vma) {
        vma.vm_ops = { fault: () => 0x0002 /* VM_FAULT_SIGBUS in 4.7 */ };
        return 0;
      },
    });
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_SHARED, dev);
    expectSignal(() => L.touch(mm, BASE, PG, 'r'), 'SIGBUS', BASE);
    expectConsistent(L);
  });

  it('a shared device vma left with vm_ops NULL is "anonymous" to the fault path: do_anonymous_page SIGBUSes on VM_SHARED', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const dev = L.device_create('noops', { mmap: () => 0 });
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    expect(L.find_vma(mm, BASE)!.vm_ops).toBeFalsy();
    expectSignal(() => L.touch(mm, BASE, PG, 'w'), 'SIGBUS', BASE);
    expectConsistent(L);
  });
});
