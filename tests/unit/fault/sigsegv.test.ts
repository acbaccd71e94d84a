// §4 x86 __do_page_fault: bad_area / access_error SIGSEGV cases, SIGBUS, and stack growth
// (expand_stack + 4.7's check_stack_guard_page).
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, expectSignal, mapAnon, mapFile, vmaAt, pteNone, fileWithPages, BASE, PG, pg,
} from '../machine/helpers';

describe('§4 __do_page_fault: no vma / a hole -> SIGSEGV with .address', () => {
  it('an empty address space', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expectSignal(() => L.user_read(mm, BASE + 5, 1), 'SIGSEGV', BASE + 5);
    expectSignal(() => L.user_write(mm, BASE, new Uint8Array([1])), 'SIGSEGV', BASE);
    expectSignal(() => L.touch(mm, BASE, PG, 'r'), 'SIGSEGV', BASE);
    expectConsistent(L);
  });

  it('above the last vma and in a hole below a (non-growsdown) vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(4), 4 * PG);
    expectSignal(() => L.user_read(mm, pg(8), 1), 'SIGSEGV', pg(8));
    expectSignal(() => L.user_read(mm, pg(3) + 4095, 1), 'SIGSEGV', pg(3) + 4095);
    expect(vmaAt(L, mm, pg(3)).vm_start).toBe(pg(4)); // did not grow
    expectConsistent(L);
  });

  it('an access that runs off the end of a vma faults at the first byte of the unmapped page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    expectSignal(() => L.user_read(mm, BASE + PG - 10, 20), 'SIGSEGV', BASE + PG);
    expectSignal(() => L.touch(mm, BASE, 2 * PG, 'w'), 'SIGSEGV', BASE + PG);
    expectConsistent(L);
  });

  it('after munmap the address faults again (the TLB entry is gone too)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    expect(L.user_read(mm, BASE, 1)[0]).toBe(1);
    expect(L.munmap(mm, BASE, PG)).toBe(0);
    expectSignal(() => L.user_read(mm, BASE, 1), 'SIGSEGV', BASE);
    expectConsistent(L);
  });
});

describe('§4 access_error', () => {
  it('a write to a vma without VM_WRITE', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG, L.PROT_READ);
    expectSignal(() => L.user_write(mm, BASE + 8, new Uint8Array([1])), 'SIGSEGV', BASE + 8);
    // also once the zero page is mapped (a protection fault on a present pte)
    expect(L.touch(mm, BASE, PG, 'r')).toBe(1);
    expectSignal(() => L.touch(mm, BASE, PG, 'w'), 'SIGSEGV', BASE);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectConsistent(L);
  });

  it('a read or write of a PROT_NONE vma (no R, W or X), before and after the page exists', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG, L.PROT_NONE);
    expectSignal(() => L.user_read(mm, BASE, 1), 'SIGSEGV', BASE);
    expectSignal(() => L.user_write(mm, BASE, new Uint8Array([1])), 'SIGSEGV', BASE);
    expect(pteNone(L, mm, BASE)).toBe(true);
    // a populated page made PROT_NONE: the PROTNONE pte is not accessible either
    expect(L.mprotect(mm, pg(1), PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    L.user_write(mm, pg(1), new Uint8Array([9]));
    expect(L.mprotect(mm, pg(1), PG, L.PROT_NONE)).toBe(0);
    expectSignal(() => L.user_read(mm, pg(1), 1), 'SIGSEGV', pg(1));
    expectSignal(() => L.user_write(mm, pg(1), new Uint8Array([1])), 'SIGSEGV', pg(1));
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expectConsistent(L);
  });

  it('PROT_WRITE alone implies read on x86 (access_error only checks R|W|X for reads)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG, L.PROT_WRITE);
    L.user_write(mm, BASE, new Uint8Array([3]));
    expect(L.user_read(mm, BASE, 1)[0]).toBe(3);
    expectConsistent(L);
  });

  it('PROT_EXEC alone allows a data read fault (VM_EXEC satisfies access_error)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG, L.PROT_EXEC);
    // The fault is allowed; the zero page is mapped with PAGE_READONLY_EXEC, which x86
    // cannot make non-readable, so the read completes.
    expect(L.user_read(mm, BASE, 4)).toEqual(new Uint8Array(4));
    expectConsistent(L);
  });
});

describe('§4 SIGBUS', () => {
  it('a file mapping past EOF (filemap_fault: offset >= i_size)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    expect(L.user_read(mm, pg(1), 1).length).toBe(1);
    expectSignal(() => L.user_read(mm, pg(2) + 3, 1), 'SIGBUS', pg(2) + 3);
    expectSignal(() => L.user_write(mm, pg(3), new Uint8Array([1])), 'SIGBUS', pg(3));
    expect(pteNone(L, mm, pg(2))).toBe(true);
    expectConsistent(L);
  });

  it('a private file mapping past EOF: read and write (do_cow_fault -> ->fault) both SIGBUS', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1, 'tmpfs');
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    expectSignal(() => L.user_read(mm, pg(1), 1), 'SIGBUS', pg(1));
    expectSignal(() => L.user_write(mm, pg(1), new Uint8Array([1])), 'SIGBUS', pg(1));
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectConsistent(L);
  });

  it('access_error comes first: PROT_NONE past EOF is SIGSEGV, not SIGBUS', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_NONE, L.MAP_SHARED, f);
    expectSignal(() => L.user_read(mm, pg(1), 1), 'SIGSEGV', pg(1));
    expectConsistent(L);
  });
});

describe('§4 stack growth (VM_GROWSDOWN)', () => {
  const TOP = 0x7000_0000_0000; // page-aligned, far from other mappings

  it('a fault just below a growsdown vma expands it (expand_stack) and then one guard page more', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const start = TOP - 4 * PG;
    mapAnon(L, mm, start, 4 * PG, undefined, L.MAP_GROWSDOWN);
    const vma0 = vmaAt(L, mm, start);
    expect(vma0.vm_flags & L.VM_GROWSDOWN).toBe(L.VM_GROWSDOWN);
    expect(vma0.vm_pgoff).toBe(start / PG);
    expect(mm.map_count).toBe(1);

    L.user_write(mm, start - PG + 16, new Uint8Array([0x5a]));
    // __do_page_fault: expand_stack(vma, addr) -> vm_start = start - PG. Then do_anonymous_page's
    // check_stack_guard_page sees address == vm_start with nothing abutting below and
    // expands one more page (4.7 has no stack_guard_gap yet).
    const vma = vmaAt(L, mm, start - PG);
    expect(vma.vm_start).toBe(start - 2 * PG);
    expect(vma.vm_end).toBe(TOP);
    expect(vma.vm_pgoff).toBe(vma.vm_start / PG); // vm_pgoff -= grow keeps the anon linear index
    expect(mm.map_count).toBe(1);
    expect(L.user_read(mm, start - PG + 16, 1)[0]).toBe(0x5a);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(pteNone(L, mm, start - 2 * PG)).toBe(true); // the guard page is in the vma, not populated
    expect(mm.total_vm).toBe(6);
    expectConsistent(L);
  });

  it('a fault at vm_start of a growsdown vma grows it by one page (check_stack_guard_page)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const start = TOP - 4 * PG;
    mapAnon(L, mm, start, 4 * PG, undefined, L.MAP_GROWSDOWN);
    expect(L.touch(mm, start, PG, 'r')).toBe(1);
    expect(vmaAt(L, mm, start).vm_start).toBe(start - PG);
    expectConsistent(L);
  });

  it('a non-growsdown vma abutting below makes the lowest stack page SIGSEGV (guard page rule)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const start = TOP - 4 * PG;
    mapAnon(L, mm, start - PG, PG, L.PROT_READ); // different flags: no merge
    mapAnon(L, mm, start, 4 * PG, undefined, L.MAP_GROWSDOWN);
    expect(mm.map_count).toBe(2);
    expectSignal(() => L.touch(mm, start, PG, 'w'), 'SIGSEGV', start);
    // the pages above vm_start are fine
    L.user_write(mm, start + PG, new Uint8Array([1]));
    expect(vmaAt(L, mm, start).vm_start).toBe(start);
    expectConsistent(L);
  });

  it('a MAP_GROWSDOWN request on a file or a shared anonymous mapping is -EINVAL', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    expect(L.mmap(mm, BASE, PG, L.PROT_READ, L.MAP_PRIVATE | L.MAP_GROWSDOWN | L.MAP_FIXED, f, 0)).toBe(-L.EINVAL);
    expect(L.mmap(mm, BASE, PG, L.PROT_READ, L.MAP_SHARED | L.MAP_ANONYMOUS | L.MAP_GROWSDOWN | L.MAP_FIXED)).toBe(-L.EINVAL);
    expect(mm.map_count).toBe(0);
    expectConsistent(L);
  });
});
