// §2.2 vm_flags set by do_mmap / mmap_region, vm_pgoff, errno rules, placement, MAP_FIXED
// replacement, MAP_POPULATE / MAP_LOCKED population.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, expectSignal, mapAnon, mapFile, pteAt, pteNone, vmaAt, fileWithPages, isZero, rss,
  BASE, PG, pg,
} from '../machine/helpers';

describe('§2.2 vm_flags from mmap', () => {
  it('anonymous MAP_PRIVATE RW: READ|WRITE|MAY*, not SHARED/MAYSHARE, VM_ACCOUNT; vm_pgoff = addr >> 12; no vm_ops, no file', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    const v = vmaAt(L, mm, BASE);
    expect(v.vm_flags & (L.VM_READ | L.VM_WRITE | L.VM_EXEC)).toBe(L.VM_READ | L.VM_WRITE);
    const may = L.VM_MAYREAD | L.VM_MAYWRITE | L.VM_MAYEXEC;
    expect(v.vm_flags & may).toBe(may);
    expect(v.vm_flags & (L.VM_SHARED | L.VM_MAYSHARE)).toBe(0);
    // accountable_mapping(): private writable mappings are charged (VM_ACCOUNT)
    expect(v.vm_flags & L.VM_ACCOUNT).toBe(L.VM_ACCOUNT);
    expect(v.vm_pgoff).toBe(BASE / PG);
    expect(v.vm_ops).toBeFalsy(); // vma_is_anonymous
    expect(v.vm_file).toBeFalsy();
    expect(v.anon_vma).toBeNull();
    expect(v.vm_mm).toBe(mm);
    expect([v.vm_start, v.vm_end]).toEqual([BASE, pg(4)]);
    expect(mm.map_count).toBe(1);
    expect(mm.total_vm).toBe(4);
    expectConsistent(L);
  });

  it('anonymous MAP_PRIVATE read-only: no VM_WRITE, no VM_ACCOUNT, still VM_MAYWRITE (a COW mapping)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG, L.PROT_READ);
    const v = vmaAt(L, mm, BASE);
    expect(v.vm_flags & L.VM_WRITE).toBe(0);
    expect(v.vm_flags & L.VM_ACCOUNT).toBe(0);
    expect(v.vm_flags & L.VM_MAYWRITE).toBe(L.VM_MAYWRITE);
    expectConsistent(L);
  });

  it('anonymous MAP_SHARED: SHARED|MAYSHARE, pgoff 0, shmem vm_ops', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.mmap(mm, pg(8), 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(pg(8));
    const v = vmaAt(L, mm, pg(8));
    expect(v.vm_flags & (L.VM_SHARED | L.VM_MAYSHARE)).toBe(L.VM_SHARED | L.VM_MAYSHARE);
    expect(v.vm_pgoff).toBe(0);
    expect(v.vm_ops).toBeTruthy();
    expect(v.vm_flags & L.VM_ACCOUNT).toBe(0);
    expectConsistent(L);
  });

  it('file MAP_PRIVATE: vm_file and vm_pgoff as given; MAYSHARE clear', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 8);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_EXEC, L.MAP_PRIVATE, f, 5);
    const v = vmaAt(L, mm, BASE);
    expect(v.vm_pgoff).toBe(5);
    expect(v.vm_file).toBeTruthy();
    expect(v.vm_file!.f_mapping).toBe(f.f_mapping);
    expect(v.vm_ops).toBeTruthy();
    expect(v.vm_flags & (L.VM_READ | L.VM_WRITE | L.VM_EXEC)).toBe(L.VM_READ | L.VM_EXEC);
    expect(v.vm_flags & (L.VM_SHARED | L.VM_MAYSHARE)).toBe(0);
    expect(v.vm_flags & L.VM_MAYWRITE).toBe(L.VM_MAYWRITE);
    expectConsistent(L);
  });

  it('file MAP_SHARED of a writable file: SHARED|MAYSHARE|MAYWRITE', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, L.file_open(f, 'rw'));
    const v = vmaAt(L, mm, BASE);
    const want = L.VM_SHARED | L.VM_MAYSHARE | L.VM_MAYWRITE | L.VM_READ | L.VM_WRITE;
    expect(v.vm_flags & want).toBe(want);
    expect(v.vm_flags & L.VM_ACCOUNT).toBe(0);
    expectConsistent(L);
  });

  it("MAP_SHARED of an O_RDONLY file (file_open(f, 'r')): MAYSHARE only, VM_SHARED and VM_MAYWRITE cleared", () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    const ro = L.file_open(f, 'r');
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ, L.MAP_SHARED, ro);
    const v = vmaAt(L, mm, BASE);
    expect(v.vm_flags & L.VM_MAYSHARE).toBe(L.VM_MAYSHARE);
    expect(v.vm_flags & L.VM_SHARED).toBe(0);
    expect(v.vm_flags & L.VM_MAYWRITE).toBe(0);
    expect(L.pgprot_val(v.vm_page_prot)).toBe(0x25n | (1n << 63n));
    // it still maps the page cache: file writes are visible
    L.touch(mm, BASE, PG, 'r');
    L.file_write(f, 0, new Uint8Array([0x31]));
    expect(L.user_read(mm, BASE, 1)[0]).toBe(0x31);
    expectSignal(() => L.user_write(mm, BASE, new Uint8Array([1])), 'SIGSEGV', BASE);
    expectConsistent(L);
  });

  it("MAP_SHARED|PROT_WRITE of an O_RDONLY file is -EACCES; MAP_PRIVATE|PROT_WRITE of it is allowed and COWs", () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    const ro = L.file_open(f, 'r');
    expect(L.mmap(mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | L.MAP_FIXED, ro, 0)).toBe(-L.EACCES);
    expect(mm.map_count).toBe(0);
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, ro);
    L.user_write(mm, BASE, new Uint8Array([0x42]));
    expect(L.file_read(f, 0, 1)[0]).not.toBe(0x42);
    expect(rss(L, mm).anon).toBe(1);
    expectConsistent(L);
  });
});

describe('mmap errno rules (do_mmap)', () => {
  it('len 0, no MAP_SHARED/MAP_PRIVATE, an unaligned MAP_FIXED address: -EINVAL', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const rw = L.PROT_READ | L.PROT_WRITE;
    expect(L.mmap(mm, BASE, 0, rw, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(-L.EINVAL);
    expect(L.mmap(mm, BASE, PG, rw, L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(-L.EINVAL);
    expect(L.mmap(mm, BASE + 1, PG, rw, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(-L.EINVAL);
    expect(mm.map_count).toBe(0);
    expectConsistent(L);
  });

  it('MAP_FIXED beyond TASK_SIZE is -ENOMEM', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const top = 2 ** 47 - PG;
    expect(L.mmap(mm, top, 2 * PG, L.PROT_READ, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(-L.ENOMEM);
    expect(mm.map_count).toBe(0);
  });

  it('an unaligned length is rounded up', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.mmap(mm, BASE, PG + 1, L.PROT_READ, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(BASE);
    expect(vmaAt(L, mm, BASE).vm_end).toBe(pg(2));
    expectConsistent(L);
  });
});

describe('mmap placement', () => {
  it('without MAP_FIXED: page-aligned, top-down, adjacent anonymous mappings merge', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const rw = L.PROT_READ | L.PROT_WRITE;
    const a = L.mmap(mm, 0, 4 * PG, rw, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
    const b = L.mmap(mm, 0, 2 * PG, rw, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
    expect(a).toBeGreaterThan(0);
    expect(a % PG).toBe(0);
    expect(a + 4 * PG).toBeLessThanOrEqual(2 ** 47 - PG);
    expect(b).toBe(a - 2 * PG); // arch_get_unmapped_area_topdown: the highest gap below
    expect(mm.map_count).toBe(1); // vma_merge: same flags, no anon_vma, linear pgoff
    const v = vmaAt(L, mm, b);
    expect([v.vm_start, v.vm_end]).toEqual([b, a + 4 * PG]);
    expect(v.vm_pgoff).toBe(b / PG);
    L.user_write(mm, b, new Uint8Array([1]));
    L.user_write(mm, a, new Uint8Array([2]));
    expectConsistent(L);
  });

  it('a free hint address is used as given', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.mmap(mm, pg(32), PG, L.PROT_READ, L.MAP_PRIVATE | L.MAP_ANONYMOUS)).toBe(pg(32));
    expectConsistent(L);
  });
});

describe('MAP_FIXED replaces what was there', () => {
  it('the old pages are unmapped and freed; the new mapping starts empty', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.touch(mm, BASE, 4 * PG, 'w');
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, pg(1), 2 * PG, L.PROT_READ, L.MAP_SHARED, f);
    expect(mm.map_count).toBe(3);
    expect(rss(L, mm).anon).toBe(2);
    expect(pteNone(L, mm, pg(1))).toBe(true);
    expect(L.user_read(mm, pg(1), 1)[0]).toBe(L.file_read(f, 0, 1)[0]);
    mapAnon(L, mm, pg(1), 2 * PG);
    expect(isZero(L.user_read(mm, pg(1), 2 * PG))).toBe(true);
    expect(rss(L, mm).file).toBe(0);
    expectConsistent(L);
  });
});

describe('MAP_POPULATE / MAP_LOCKED', () => {
  it('MAP_POPULATE on a private writable mapping write-faults every page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG, undefined, L.MAP_POPULATE);
    expect(rss(L, mm).anon).toBe(4);
    expect(L.pte_write(pteAt(L, mm, pg(3)))).toBe(true);
    expect(L.touch(mm, BASE, 4 * PG, 'w')).toBe(0);
    expectConsistent(L);
  });

  it('MAP_POPULATE on a read-only private mapping maps the zero page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG, L.PROT_READ, L.MAP_POPULATE);
    expect(rss(L, mm).anon).toBe(0);
    expect(L.pte_special(pteAt(L, mm, BASE))).toBe(true);
    expectConsistent(L);
  });

  it('MAP_POPULATE on a shared file mapping read-faults (no dirtying)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2, 'diskfs');
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | L.MAP_POPULATE, f);
    expect(rss(L, mm).file).toBe(2);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(false); // write-notify: not written yet
    expect(L.pte_dirty(pteAt(L, mm, BASE))).toBe(false);
    expectConsistent(L);
  });

  it('MAP_LOCKED sets VM_LOCKED and populates', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 3 * PG, undefined, L.MAP_LOCKED);
    expect(vmaAt(L, mm, BASE).vm_flags & L.VM_LOCKED).toBe(L.VM_LOCKED);
    expect(rss(L, mm).anon).toBe(3);
    expectConsistent(L);
  });
});
