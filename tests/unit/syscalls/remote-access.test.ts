// §3.13 / §4 remote access: proc_mem_rw (/proc/pid/mem: access_remote_vm with FOLL_FORCE, 0 bytes
// -> -EIO) versus process_vm_readv (its own pinning path, no FOLL_FORCE, -EFAULT).
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, expectSignal, mapAnon, mapFile, pteAt, pfnAt, fileWithPages, pattern, expectBytes, isZero,
  rss, BASE, PG, pg, forkOk,
} from '../machine/helpers';

describe('proc_mem_rw (the /proc/pid/mem path)', () => {
  it('reads and writes ordinary memory, returning the byte count', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.user_write(mm, BASE, pattern(2 * PG, 1));
    const buf = new Uint8Array(300);
    expect(L.proc_mem_rw(mm, PG - 100 + BASE, buf, 300, 0)).toBe(300);
    expectBytes(buf, pattern(2 * PG, 1).subarray(PG - 100, PG + 200));
    expect(L.proc_mem_rw(mm, BASE + 10, new Uint8Array([1, 2, 3]), 3, 1)).toBe(3);
    expect(Array.from(L.user_read(mm, BASE + 10, 3))).toEqual([1, 2, 3]);
    expectConsistent(L);
  });

  it('0 bytes moved becomes -EIO (a hole at addr); len 0 is 0', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.proc_mem_rw(mm, BASE, new Uint8Array(8), 8, 0)).toBe(-L.EIO);
    expect(L.proc_mem_rw(mm, BASE, new Uint8Array(8), 8, 1)).toBe(-L.EIO);
    mapAnon(L, mm, BASE, PG);
    expect(L.proc_mem_rw(mm, BASE, new Uint8Array(0), 0, 0)).toBe(0);
    expectConsistent(L);
  });

  it('stops at the first hole and returns the short count', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    mapAnon(L, mm, pg(2), PG);
    const buf = new Uint8Array(200);
    expect(L.proc_mem_rw(mm, BASE + PG - 50, buf, 200, 0)).toBe(50);
    expectConsistent(L);
  });

  it('FOLL_FORCE reads PROT_NONE private memory (populated or not)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.user_write(mm, BASE, pattern(64, 4));
    expect(L.mprotect(mm, BASE, 2 * PG, L.PROT_NONE)).toBe(0);
    expectSignal(() => L.user_read(mm, BASE, 1), 'SIGSEGV', BASE);
    const buf = new Uint8Array(64);
    expect(L.proc_mem_rw(mm, BASE, buf, 64, 0)).toBe(64);
    expectBytes(buf, pattern(64, 4));
    const buf2 = new Uint8Array(16).fill(0xff);
    expect(L.proc_mem_rw(mm, pg(1), buf2, 16, 0)).toBe(16);
    expect(isZero(buf2)).toBe(true);
    expectConsistent(L);
  });

  it('a forced write to a read-only private file mapping goes to a COW copy; the file is unchanged', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_PRIVATE, f);
    expect(L.proc_mem_rw(mm, BASE + 4, new Uint8Array([0xde, 0xad]), 2, 1)).toBe(2);
    expect(Array.from(L.user_read(mm, BASE + 4, 2))).toEqual([0xde, 0xad]);
    expectBytes(L.file_read(f, 0, PG), pattern(PG, 1), 'file');
    // do_cow_fault + do_wp_page reuse: an anon page, DIRTY but not RW (maybe_mkwrite without VM_WRITE)
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_write(pte)).toBe(false);
    expect(L.pte_dirty(pte)).toBe(true);
    expect(rss(L, mm).anon).toBe(1);
    expect(rss(L, mm).file).toBe(0);
    expectSignal(() => L.user_write(mm, BASE, new Uint8Array([1])), 'SIGSEGV', BASE);
    expectConsistent(L);
  });

  it('the same with the file page already mapped read-only: wp_page_copy, FILE -1 ANON +1', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_PRIVATE, f);
    L.touch(mm, BASE, PG, 'r');
    expect(rss(L, mm).file).toBe(1);
    expect(L.proc_mem_rw(mm, BASE, new Uint8Array([0x55]), 1, 1)).toBe(1);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(0x55);
    expect(L.file_read(f, 0, 1)[0]).toBe(pattern(PG, 1)[0]);
    expect(rss(L, mm)).toEqual({ file: 0, anon: 1, swap: 0, shmem: 0 });
    expectConsistent(L);
  });

  it('a forced write to a read-only anonymous page it alone maps reuses that page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const pfn = pfnAt(L, mm, BASE);
    expect(L.mprotect(mm, BASE, PG, L.PROT_READ)).toBe(0);
    expect(L.proc_mem_rw(mm, BASE, new Uint8Array([2]), 1, 1)).toBe(1);
    expect(pfnAt(L, mm, BASE)).toBe(pfn);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(2);
    expectConsistent(L);
  });

  it('a forced write into a COW-shared page of a child does not leak into the parent', () => {
    const L = newLab();
    const parent = L.mm_alloc();
    mapAnon(L, parent, BASE, PG, L.PROT_READ | L.PROT_WRITE);
    L.user_write(parent, BASE, new Uint8Array([1]));
    const child = forkOk(L, parent);
    expect(L.mprotect(child, BASE, PG, L.PROT_READ)).toBe(0);
    expect(L.proc_mem_rw(child, BASE, new Uint8Array([9]), 1, 1)).toBe(1);
    expect(L.user_read(child, BASE, 1)[0]).toBe(9);
    expect(L.user_read(parent, BASE, 1)[0]).toBe(1);
    expectConsistent(L);
  });

  it('forced writes to shared read-only mappings are refused (not COW): -EIO', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_SHARED, f); // VM_SHARED without VM_WRITE
    mapFile(L, mm, pg(4), PG, L.PROT_READ, L.MAP_SHARED, L.file_open(f, 'r')); // neither shared nor COW
    expect(L.proc_mem_rw(mm, BASE, new Uint8Array([1]), 1, 1)).toBe(-L.EIO);
    expect(L.proc_mem_rw(mm, pg(4), new Uint8Array([1]), 1, 1)).toBe(-L.EIO);
    expectBytes(L.file_read(f, 0, PG), pattern(PG, 1));
    // reads are fine
    const b = new Uint8Array(1);
    expect(L.proc_mem_rw(mm, pg(4), b, 1, 0)).toBe(1);
    expect(b[0]).toBe(pattern(PG, 1)[0]);
    expectConsistent(L);
  });

  it('a VM_PFNMAP mapping is read through vm_ops.access (generic_access_phys) when gup fails', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const page = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
    L.page_write(page, 0, pattern(32, 8));
    const pfn = L.page_to_pfn(page);
    const dev = L.device_create('phys', {
      mmap(_file, vma) {
        vma.vm_ops = { access: L.generic_access_phys };
        return L.remap_pfn_range(vma, vma.vm_start, pfn, PG, vma.vm_page_prot);
      },
    });
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    const buf = new Uint8Array(32);
    expect(L.proc_mem_rw(mm, BASE, buf, 32, 0)).toBe(32);
    expectBytes(buf, pattern(32, 8));
    expect(L.process_vm_readv(mm, BASE, 32)).toBe(-L.EFAULT); // VM_IO|VM_PFNMAP: gup refuses, no ->access fallback
    L.mmput(mm);
    L.__free_page(page);
    expectConsistent(L);
  });
});

describe('process_vm_readv (no FOLL_FORCE)', () => {
  it('returns a Uint8Array of the bytes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.user_write(mm, BASE, pattern(2 * PG, 2));
    const r = L.process_vm_readv(mm, BASE + 100, PG);
    expect(r).toBeInstanceOf(Uint8Array);
    expectBytes(r as Uint8Array, pattern(2 * PG, 2).subarray(100, 100 + PG));
    expectConsistent(L);
  });

  it('never-touched readable anonymous memory reads as zeros via the zero page (no rss)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    const r = L.process_vm_readv(mm, BASE, 64);
    expect(r).toBeInstanceOf(Uint8Array);
    expect(isZero(r as Uint8Array)).toBe(true);
    expect(rss(L, mm).anon).toBe(0);
    expectConsistent(L);
  });

  it('-EFAULT for PROT_NONE memory, even populated, where proc_mem_rw succeeds', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([3]));
    expect(L.mprotect(mm, BASE, PG, L.PROT_NONE)).toBe(0);
    expect(L.process_vm_readv(mm, BASE, 1)).toBe(-L.EFAULT);
    const b = new Uint8Array(1);
    expect(L.proc_mem_rw(mm, BASE, b, 1, 0)).toBe(1);
    expect(b[0]).toBe(3);
    expectConsistent(L);
  });

  it('-EFAULT for an unmapped address', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.process_vm_readv(mm, BASE, 16)).toBe(-L.EFAULT);
    expectConsistent(L);
  });

  it('SIGBUS territory (past EOF) is -EFAULT, not a signal', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ, L.MAP_SHARED, f);
    expect(L.process_vm_readv(mm, pg(1), 8)).toBe(-L.EFAULT);
    expect(L.proc_mem_rw(mm, pg(1), new Uint8Array(8), 8, 0)).toBe(-L.EIO);
    expectConsistent(L);
  });
});
