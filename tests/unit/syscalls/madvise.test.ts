// §4 madvise(MADV_DONTNEED): errno rules, holes, VM_LOCKED / VM_PFNMAP, what a later access sees.
// Also MADV_DONTFORK / MADV_DOFORK flag effects (fork behaviour is in fork.test.ts).
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, mapAnon, mapFile, pteAt, pteNone, pageAt, vmaAt, fileWithPages,
  pattern, expectBytes, isZero, rss, BASE, PG, pg,
} from '../machine/helpers';

describe('§4 madvise errno rules', () => {
  it('-EINVAL for an unknown advice and for an unaligned start; 0 for len 0', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.touch(mm, BASE, 4 * PG, 'w');
    expect(L.madvise(mm, BASE, PG, 9999)).toBe(-L.EINVAL);
    expect(L.madvise(mm, BASE + 1, PG, L.MADV_DONTNEED)).toBe(-L.EINVAL);
    expect(L.madvise(mm, BASE, 0, L.MADV_DONTNEED)).toBe(0);
    expect(rss(L, mm).anon).toBe(4);
    expectConsistent(L);
  });

  it('an unaligned len is rounded up to whole pages', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.touch(mm, BASE, 4 * PG, 'w');
    expect(L.madvise(mm, BASE, PG + 1, L.MADV_DONTNEED)).toBe(0);
    expect(pteNone(L, mm, pg(0))).toBe(true);
    expect(pteNone(L, mm, pg(1))).toBe(true);
    expect(pteNone(L, mm, pg(2))).toBe(false);
    expect(rss(L, mm).anon).toBe(2);
    expectConsistent(L);
  });

  it('a range wholly in a hole is -ENOMEM', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.madvise(mm, BASE, PG, L.MADV_DONTNEED)).toBe(-L.ENOMEM);
    mapAnon(L, mm, pg(10), PG);
    expect(L.madvise(mm, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(-L.ENOMEM);
    expectConsistent(L);
  });

  it('holes: the mapped parts are still zapped, then -ENOMEM', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(1), 2 * PG);
    mapAnon(L, mm, pg(5), 2 * PG);
    L.touch(mm, pg(1), 2 * PG, 'w');
    L.touch(mm, pg(5), 2 * PG, 'w');
    expect(rss(L, mm).anon).toBe(4);
    // hole at [0,1), [3,5) and [7,8)
    expect(L.madvise(mm, BASE, 8 * PG, L.MADV_DONTNEED)).toBe(-L.ENOMEM);
    for (const i of [1, 2, 5, 6]) expect(pteNone(L, mm, pg(i)), `page ${i}`).toBe(true);
    expect(rss(L, mm).anon).toBe(0);
    expect(mm.map_count).toBe(2);
    expectConsistent(L);
  });

  it('VM_LOCKED -> -EINVAL; vmas before it in the range were already zapped', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(0), 2 * PG, L.PROT_READ | L.PROT_WRITE);
    mapAnon(L, mm, pg(2), 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_LOCKED);
    L.touch(mm, pg(0), 2 * PG, 'w');
    expect(vmaAt(L, mm, pg(2)).vm_flags & L.VM_LOCKED).toBe(L.VM_LOCKED);
    expect(rss(L, mm).anon).toBe(4); // MAP_LOCKED populated its two pages
    expect(L.madvise(mm, pg(0), 4 * PG, L.MADV_DONTNEED)).toBe(-L.EINVAL);
    expect(pteNone(L, mm, pg(0))).toBe(true);
    expect(pteNone(L, mm, pg(1))).toBe(true);
    expect(pteNone(L, mm, pg(2))).toBe(false);
    expect(pteNone(L, mm, pg(3))).toBe(false);
    expect(rss(L, mm).anon).toBe(2);
    expect(L.madvise(mm, pg(2), PG, L.MADV_DONTNEED)).toBe(-L.EINVAL);
    expectConsistent(L);
  });

  it('VM_PFNMAP -> -EINVAL and the pfn ptes stay', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const dev = L.device_create('mmio', {
      mmap(_file, vma) {
        return L.remap_pfn_range(vma, vma.vm_start, 0xc0000, vma.vm_end - vma.vm_start, vma.vm_page_prot);
      },
    });
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    expect(vmaAt(L, mm, BASE).vm_flags & L.VM_PFNMAP).toBe(L.VM_PFNMAP);
    expect(L.madvise(mm, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(-L.EINVAL);
    const pte = pteAt(L, mm, pg(1));
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_pfn(pte)).toBe(0xc0001);
    expectConsistent(L);
  });

  it('VM_MIXEDMAP is allowed: a vm_insert_page page loses its pte and its reference', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const page = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
    const dev = L.device_create('mixed', {
      mmap(_file, vma) {
        return L.vm_insert_page(vma, vma.vm_start, page);
      },
    });
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    expect(vmaAt(L, mm, BASE).vm_flags & L.VM_MIXEDMAP).toBe(L.VM_MIXEDMAP);
    expect(L.page_count(page)).toBe(2);
    expect(L.madvise(mm, BASE, PG, L.MADV_DONTNEED)).toBe(0);
    expect(pteNone(L, mm, BASE)).toBe(true);
    expect(L.page_count(page)).toBe(1);
    expect(L.page_mapcount(page)).toBe(0);
    expect(rss(L, mm).file).toBe(0);
    L.mmput(mm);
    L.__free_page(page);
    expectConsistent(L);
  });
});

describe('§4 madvise(MADV_DONTNEED): what a later access sees', () => {
  it('anonymous memory comes back zero; the old pages are freed', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.user_write(mm, BASE, pattern(2 * PG, 4));
    const p = pageAt(L, mm, BASE);
    L.get_page(p);
    expect(L.madvise(mm, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(0);
    expect(L.page_count(p)).toBe(1); // only our pin is left
    expect(L.page_mapcount(p)).toBe(0);
    expect(rss(L, mm).anon).toBe(0);
    expect(isZero(L.user_read(mm, BASE, 2 * PG))).toBe(true);
    L.put_page(p);
    expectConsistent(L);
  });

  it('a private file page refaults the file contents: the COW data is lost', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    L.user_write(mm, BASE, pattern(PG, 99));
    expect(rss(L, mm).anon).toBe(1);
    expect(L.madvise(mm, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(0);
    expect(rss(L, mm).anon).toBe(0);
    expectBytes(L.user_read(mm, BASE, PG), pattern(PG, 1));
    expect(L.PageAnon(pageAt(L, mm, BASE))).toBe(false);
    expectConsistent(L);
  });

  it('a shared file mapping keeps its data (the page cache is not touched); nrpages unchanged', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    L.user_write(mm, BASE, new Uint8Array([0x5e]));
    const nr = f.f_mapping.nrpages;
    expect(L.madvise(mm, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(0);
    expect(rss(L, mm).file).toBe(0);
    expect(f.f_mapping.nrpages).toBe(nr);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(0x5e);
    expect(L.file_read(f, 0, 1)[0]).toBe(0x5e);
    expectConsistent(L);
  });

  it('zero-page ptes are cleared without touching any counter', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.touch(mm, BASE, 2 * PG, 'r');
    expect(L.madvise(mm, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(0);
    expect(pteNone(L, mm, BASE)).toBe(true);
    expect(rss(L, mm).anon).toBe(0);
    expectConsistent(L);
  });

  it('vm_flags are unchanged and a later write faults a fresh page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.touch(mm, BASE, PG, 'w');
    const flags = vmaAt(L, mm, BASE).vm_flags;
    expect(L.madvise(mm, BASE, PG, L.MADV_DONTNEED)).toBe(0);
    expect(vmaAt(L, mm, BASE).vm_flags).toBe(flags);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    expect(rss(L, mm).anon).toBe(1);
    expectConsistent(L);
  });

  it('the zap is flushed from every CPU: a stale TLB entry cannot read the old page', () => {
    const L = newLab({ ram_mb: 64, cpus: 2 });
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([7]), 0);
    expect(L.user_read(mm, BASE, 1, 1)[0]).toBe(7);
    expect(L.madvise(mm, BASE, PG, L.MADV_DONTNEED)).toBe(0);
    expect(L.user_read(mm, BASE, 1, 1)[0]).toBe(0);
    expect(L.user_read(mm, BASE, 1, 0)[0]).toBe(0);
    expectConsistent(L);
  });
});

describe('madvise(MADV_DONTFORK / MADV_DOFORK)', () => {
  it('sets and clears VM_DONTCOPY, splitting the vma as needed', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.madvise(mm, pg(1), PG, L.MADV_DONTFORK)).toBe(0);
    expect(vmaAt(L, mm, pg(1)).vm_flags & L.VM_DONTCOPY).toBe(L.VM_DONTCOPY);
    expect(vmaAt(L, mm, pg(0)).vm_flags & L.VM_DONTCOPY).toBe(0);
    expect(mm.map_count).toBe(3);
    expect(L.madvise(mm, pg(1), PG, L.MADV_DOFORK)).toBe(0);
    expect(vmaAt(L, mm, pg(1)).vm_flags & L.VM_DONTCOPY).toBe(0);
    expect(mm.map_count).toBe(1); // merged back
    expectConsistent(L);
  });
});
