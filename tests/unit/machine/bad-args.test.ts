// SCRIPTING-API "Conventions": bad arguments that C could not even express throw a TypeError,
// change nothing and never corrupt the machine.
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, expectTypeError, mapAnon, pfnAt, BASE, PG, type Vma, type Mm, type Page } from './helpers';

function setup() {
  const L = newLab();
  const mm = L.mm_alloc();
  mapAnon(L, mm, BASE, 4 * PG);
  L.user_write(mm, BASE, new Uint8Array([42]));
  const before = { map_count: mm.map_count, anon: L.get_mm_counter(mm, L.MM_ANONPAGES), pfn: pfnAt(L, mm, BASE) };
  const unchanged = () => {
    expect(mm.map_count).toBe(before.map_count);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(before.anon);
    expect(pfnAt(L, mm, BASE)).toBe(before.pfn);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(42);
    expectConsistent(L);
  };
  return { L, mm, unchanged };
}

describe('TypeError for a string where a kernel object belongs', () => {
  it('a string as vma', () => {
    const { L, unchanged } = setup();
    expectTypeError(() => L.zap_page_range('vma' as unknown as Vma, BASE, PG, null));
    expectTypeError(() => L.zap_vma_ptes('vma' as unknown as Vma, BASE, PG));
    expectTypeError(() => L.vm_insert_pfn('vma' as unknown as Vma, BASE, 0xc0000));
    unchanged();
  });

  it('a string as mm', () => {
    const { L, unchanged } = setup();
    expectTypeError(() => L.mmap('mm' as unknown as Mm, BASE + 8 * PG, PG, L.PROT_READ, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED));
    expectTypeError(() => L.munmap('mm' as unknown as Mm, BASE, PG));
    expectTypeError(() => L.user_read('mm' as unknown as Mm, BASE, 1));
    expectTypeError(() => L.find_vma('mm' as unknown as Mm, BASE));
    unchanged();
  });

  it('a string as page', () => {
    const { L, unchanged } = setup();
    expectTypeError(() => L.get_page('page' as unknown as Page));
    expectTypeError(() => L.page_count('page' as unknown as Page));
    unchanged();
  });
});

describe('TypeError for a negative length', () => {
  it('mmap / munmap / mprotect / madvise / mlock', () => {
    const { L, mm, unchanged } = setup();
    expectTypeError(() => L.mmap(mm, BASE, -PG, L.PROT_READ, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED));
    expectTypeError(() => L.munmap(mm, BASE, -PG));
    expectTypeError(() => L.mprotect(mm, BASE, -PG, L.PROT_READ));
    expectTypeError(() => L.madvise(mm, BASE, -1, L.MADV_DONTNEED));
    expectTypeError(() => L.mlock(mm, BASE, -PG));
    unchanged();
  });

  it('user_read / touch / process_vm_readv / zap_page_range', () => {
    const { L, mm, unchanged } = setup();
    expectTypeError(() => L.user_read(mm, BASE, -1));
    expectTypeError(() => L.touch(mm, BASE, -PG, 'r'));
    expectTypeError(() => L.process_vm_readv(mm, BASE, -1));
    const vma = L.find_vma(mm, BASE)!;
    expectTypeError(() => L.zap_page_range(vma, BASE, -PG, null));
    unchanged();
  });

  it('a fractional address is not an address', () => {
    const { L, mm, unchanged } = setup();
    expectTypeError(() => L.munmap(mm, BASE + 0.5, PG));
    expectTypeError(() => L.user_read(mm, Number.NaN, 1));
    unchanged();
  });

  it('an unknown touch mode', () => {
    const { L, mm, unchanged } = setup();
    expectTypeError(() => L.touch(mm, BASE, PG, 'x' as unknown as 'r'));
    unchanged();
  });
});

describe('TypeError for an object from another machine', () => {
  it('an mm from another createLab instance', () => {
    const A = setup();
    const B = setup();
    expectTypeError(() => A.L.mmap(B.mm, BASE + 8 * PG, PG, A.L.PROT_READ, A.L.MAP_PRIVATE | A.L.MAP_ANONYMOUS | A.L.MAP_FIXED));
    expectTypeError(() => A.L.user_write(B.mm, BASE, new Uint8Array([1])));
    expectTypeError(() => A.L.munmap(B.mm, BASE, PG));
    expectTypeError(() => A.L.fork(B.mm));
    expectTypeError(() => A.L.mmput(B.mm));
    expectTypeError(() => A.L.lookup_pte(B.mm, BASE));
    A.unchanged();
    B.unchanged();
  });

  it('a vma and a page from another createLab instance', () => {
    const A = setup();
    const B = setup();
    const vmaB = B.L.find_vma(B.mm, BASE)!;
    expectTypeError(() => A.L.zap_page_range(vmaB, BASE, PG, null));
    const pageB = B.L.pfn_to_page(pfnAt(B.L, B.mm, BASE))!;
    expectTypeError(() => A.L.get_page(pageB));
    expectTypeError(() => A.L.put_page(pageB));
    A.unchanged();
    B.unchanged();
  });

  it('an mm of the machine that reset_machine replaced', () => {
    // reset_machine gives a fresh machine; the old mm belongs to the previous one.
    const L = newLab();
    const old = L.mm_alloc();
    L.reset_machine({ ram_mb: 16 });
    expectTypeError(() => L.mmap(old, BASE, PG, L.PROT_READ, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED));
    expectConsistent(L);
  });
});
