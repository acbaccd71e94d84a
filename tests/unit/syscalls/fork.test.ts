// §4 fork: dup_mmap + copy_page_range / copy_one_pte, then COW in parent and child.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, mapAnon, mapFile, pteAt, pteNone, pageAt, pfnAt, vmaAt, fileWithPages,
  pattern, expectBytes, isZero, rss, BASE, PG, pg, forkOk,
} from '../machine/helpers';

describe('§4 fork: dup_mmap', () => {
  it('the child has the same vmas (map_count, ranges, flags, pgoff), total_vm', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(0), 2 * PG);
    mapAnon(L, mm, pg(4), 2 * PG, L.PROT_READ);
    const f = fileWithPages(L, 'f', 4);
    mapFile(L, mm, pg(8), 3 * PG, L.PROT_READ, L.MAP_SHARED, f, 1);
    const child = forkOk(L, mm);
    expect(child.map_count).toBe(mm.map_count);
    expect(child.total_vm).toBe(mm.total_vm);
    for (const a of [pg(0), pg(4), pg(8)]) {
      const p = vmaAt(L, mm, a);
      const c = vmaAt(L, child, a);
      expect([c.vm_start, c.vm_end, c.vm_flags, c.vm_pgoff]).toEqual([p.vm_start, p.vm_end, p.vm_flags, p.vm_pgoff]);
      expect(c.vm_mm).toBe(child);
      expect(L.pgprot_val(c.vm_page_prot)).toBe(L.pgprot_val(p.vm_page_prot));
    }
    expectConsistent(L);
  });

  it('VM_DONTCOPY (MADV_DONTFORK) vmas are skipped', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(0), PG);
    mapAnon(L, mm, pg(4), PG);
    L.touch(mm, pg(4), PG, 'w');
    expect(L.madvise(mm, pg(4), PG, L.MADV_DONTFORK)).toBe(0);
    const child = forkOk(L, mm);
    expect(child.map_count).toBe(mm.map_count - 1);
    expect(L.find_vma(child, pg(1))).toBeNull();
    expect(rss(L, child).anon).toBe(0);
    expect(L.page_mapcount(pageAt(L, mm, pg(4)))).toBe(1);
    expectConsistent(L);
  });

  it('the child vma has VM_LOCKED cleared; the parent keeps it', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG, undefined, L.MAP_LOCKED);
    const child = forkOk(L, mm);
    expect(vmaAt(L, mm, BASE).vm_flags & L.VM_LOCKED).toBe(L.VM_LOCKED);
    expect(vmaAt(L, child, BASE).vm_flags & L.VM_LOCKED).toBe(0);
    // the pages were copied (the vma had an anon_vma) and may be dropped in the child
    expect(rss(L, child).anon).toBe(2);
    expect(L.madvise(child, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(0);
    expect(L.madvise(mm, BASE, 2 * PG, L.MADV_DONTNEED)).toBe(-L.EINVAL);
    expectConsistent(L);
  });

  it('vm_ops.open is called for the child copy of a driver vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    let opens = 0;
    const dev = L.device_create('o', {
      mmap(_file, vma) {
        vma.vm_ops = { open: () => { opens++; }, fault: () => 2 };
        return 0;
      },
    });
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_SHARED, dev);
    forkOk(L, mm);
    expect(opens).toBe(1);
    expectConsistent(L);
  });
});

describe('§4 copy_page_range: what is copied', () => {
  it('no ptes are copied for a vma without anon_vma: shared file mapping and never-written anon', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 2);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    L.user_write(mm, BASE, new Uint8Array([0x42]));
    mapAnon(L, mm, pg(16), 2 * PG);
    L.touch(mm, pg(16), 2 * PG, 'r'); // zero-page ptes, still no anon_vma
    expect(vmaAt(L, mm, BASE).anon_vma).toBeNull();
    expect(vmaAt(L, mm, pg(16)).anon_vma).toBeNull();
    const child = forkOk(L, mm);
    for (const a of [BASE, pg(1), pg(16), pg(17)]) expect(pteNone(L, child, a), `0x${a.toString(16)}`).toBe(true);
    expect(rss(L, child)).toEqual({ file: 0, anon: 0, swap: 0, shmem: 0 });
    // the child refaults: it sees the shared data and zeros
    expect(L.user_read(child, BASE, 1)[0]).toBe(0x42);
    expect(isZero(L.user_read(child, pg(16), PG))).toBe(true);
    expect(rss(L, child).file).toBe(2); // fault-around
    expectConsistent(L);
  });

  it('COW vma: RW cleared in parent and child, child pte old (parent stays young), dirty kept, mapcount +1, child rss', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.user_write(mm, BASE, pattern(2 * PG, 6));
    const p0 = pageAt(L, mm, BASE);
    const child = forkOk(L, mm);
    for (const a of [BASE, pg(1)]) {
      const pp = pteAt(L, mm, a);
      const cp = pteAt(L, child, a);
      expect(L.pte_write(pp)).toBe(false);
      expect(L.pte_write(cp)).toBe(false);
      expect(L.pte_young(pp)).toBe(true);
      expect(L.pte_young(cp)).toBe(false);
      expect(L.pte_dirty(pp)).toBe(true);
      expect(L.pte_dirty(cp)).toBe(true); // only shared mappings are made clean
      expect(L.pte_pfn(cp)).toBe(L.pte_pfn(pp));
    }
    expect(L.page_mapcount(p0)).toBe(2);
    expect(L.page_count(p0)).toBe(2);
    expect(rss(L, child).anon).toBe(2);
    expect(rss(L, mm).anon).toBe(2);
    expect(pteNone(L, child, pg(2))).toBe(true);
    expectConsistent(L);
  });

  it('zero-page ptes in a vma with an anon_vma are copied without references', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.touch(mm, BASE, PG, 'w'); // creates the anon_vma
    L.touch(mm, pg(1), PG, 'r'); // zero page
    const zpfn = pfnAt(L, mm, pg(1));
    const zc = L.pfn_valid(zpfn) ? L.page_count(L.pfn_to_page(zpfn)!) : -1;
    const child = forkOk(L, mm);
    const cp = pteAt(L, child, pg(1));
    expect(L.pte_present(cp)).toBe(true);
    expect(L.pte_special(cp)).toBe(true);
    expect(L.pte_pfn(cp)).toBe(zpfn);
    expect(rss(L, child).anon).toBe(1);
    if (zc >= 0) expect(L.page_count(L.pfn_to_page(zpfn)!)).toBe(zc);
    expectConsistent(L);
  });

  it('a private file vma with an anon_vma: file ptes and COW copies are both copied', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 4);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    L.touch(mm, BASE, PG, 'r'); // fault-around maps 4 cache pages
    L.user_write(mm, pg(1), new Uint8Array([0x99])); // COW page 1
    expect(rss(L, mm)).toEqual({ file: 3, anon: 1, swap: 0, shmem: 0 });
    const child = forkOk(L, mm);
    expect(rss(L, child)).toEqual({ file: 3, anon: 1, swap: 0, shmem: 0 });
    const cache0 = pageAt(L, mm, BASE);
    expect(L.page_mapcount(cache0)).toBe(2);
    expect(L.page_count(cache0)).toBe(3);
    expect(L.user_read(child, pg(1), 1)[0]).toBe(0x99);
    expectBytes(L.user_read(child, pg(2), PG), pattern(PG, 3));
    expectConsistent(L);
  });

  it('VM_PFNMAP vmas are copied: special ptes, same pfn, old, no counters', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const dev = L.device_create('mmio', {
      mmap(_file, vma) {
        return L.remap_pfn_range(vma, vma.vm_start, 0xc0000, vma.vm_end - vma.vm_start, vma.vm_page_prot);
      },
    });
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    const child = forkOk(L, mm);
    for (let i = 0; i < 2; i++) {
      const cp = pteAt(L, child, pg(i));
      expect(L.pte_present(cp)).toBe(true);
      expect(L.pte_special(cp)).toBe(true);
      expect(L.pte_pfn(cp)).toBe(0xc0000 + i);
      expect(L.pte_young(cp)).toBe(false);
      expect(L.pte_write(cp)).toBe(L.pte_write(pteAt(L, mm, pg(i)))); // shared: not write-protected
    }
    expect(rss(L, child)).toEqual({ file: 0, anon: 0, swap: 0, shmem: 0 });
    expectConsistent(L);
  });

  it('VM_MIXEDMAP shared vma: the child copy is clean and old, the page gains a mapping and a FILE count', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const page = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
    const dev = L.device_create('mixed', {
      mmap(_file, vma) {
        return L.vm_insert_page(vma, vma.vm_start, page);
      },
    });
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    L.user_write(mm, BASE, new Uint8Array([1])); // RW pte: the MMU sets DIRTY
    expect(L.pte_dirty(pteAt(L, mm, BASE))).toBe(true);
    const child = forkOk(L, mm);
    const cp = pteAt(L, child, BASE);
    expect(L.pte_pfn(cp)).toBe(L.page_to_pfn(page));
    expect(L.pte_dirty(cp)).toBe(false);
    expect(L.pte_young(cp)).toBe(false);
    expect(L.pte_write(cp)).toBe(true);
    expect(L.pte_dirty(pteAt(L, mm, BASE))).toBe(true);
    expect(L.page_mapcount(page)).toBe(2);
    expect(L.page_count(page)).toBe(3);
    expect(rss(L, child).file).toBe(1);
    L.user_write(child, BASE, new Uint8Array([2]));
    expect(L.user_read(mm, BASE, 1)[0]).toBe(2); // really shared
    L.mmput(child);
    L.mmput(mm);
    expect(L.page_count(page)).toBe(1);
    L.__free_page(page);
    expectConsistent(L);
  });
});

describe('§4 COW after fork', () => {
  it('child write breaks COW in the child; the parent then reuses its page (mapcount 1)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, pattern(PG, 2));
    const child = forkOk(L, mm);
    const orig = pfnAt(L, mm, BASE);
    L.user_write(child, BASE, new Uint8Array([0xc1]));
    expect(pfnAt(L, child, BASE)).not.toBe(orig);
    expect(pfnAt(L, mm, BASE)).toBe(orig);
    expect(L.pte_write(pteAt(L, mm, BASE))).toBe(false);
    expect(L.page_mapcount(pageAt(L, mm, BASE))).toBe(1);
    expect(L.touch(mm, BASE, PG, 'w')).toBe(1);
    expect(pfnAt(L, mm, BASE)).toBe(orig);
    L.user_write(mm, BASE, new Uint8Array([0xa0]));
    const want = pattern(PG, 2);
    want[0] = 0xc1;
    expectBytes(L.user_read(child, BASE, PG), want, 'child');
    want[0] = 0xa0;
    expectBytes(L.user_read(mm, BASE, PG), want, 'parent');
    expect(rss(L, mm).anon).toBe(1);
    expect(rss(L, child).anon).toBe(1);
    expectConsistent(L);
  });

  it('parent write breaks COW in the parent; the child keeps the original', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const child = forkOk(L, mm);
    const orig = pfnAt(L, child, BASE);
    L.user_write(mm, BASE, new Uint8Array([2]));
    expect(pfnAt(L, mm, BASE)).not.toBe(orig);
    expect(pfnAt(L, child, BASE)).toBe(orig);
    expect(L.user_read(child, BASE, 1)[0]).toBe(1);
    expectConsistent(L);
  });

  it('reuse when the other side unmapped: no copy, same pfn', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const child = forkOk(L, mm);
    const orig = pfnAt(L, mm, BASE);
    expect(L.munmap(mm, BASE, 2 * PG)).toBe(0);
    expect(L.touch(child, BASE, PG, 'w')).toBe(1);
    expect(pfnAt(L, child, BASE)).toBe(orig);
    expect(L.user_read(child, BASE, 1)[0]).toBe(1);
    expectConsistent(L);
  });

  it("fork flushes the parent's TLB: a write right after fork (translation cached RW before) still COWs", () => {
    const L = newLab({ ram_mb: 64, cpus: 2 });
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]), 0);
    L.user_write(mm, BASE, new Uint8Array([1]), 1);
    const child = forkOk(L, mm);
    L.user_write(mm, BASE, new Uint8Array([2]), 1);
    L.user_write(mm, BASE + 1, new Uint8Array([3]), 0);
    expect(L.user_read(child, BASE, 2)).toEqual(new Uint8Array([1, 0]));
    expect(L.user_read(mm, BASE, 2, 0)).toEqual(new Uint8Array([2, 3]));
    expect(L.user_read(mm, BASE, 2, 1)).toEqual(new Uint8Array([2, 3]));
    expectConsistent(L);
  });

  it('grandchildren: a page shared three ways is copied until one mapper is left', () => {
    const L = newLab();
    const a = L.mm_alloc();
    mapAnon(L, a, BASE, PG);
    L.user_write(a, BASE, new Uint8Array([1]));
    const b = forkOk(L, a);
    const c = forkOk(L, b);
    const orig = pfnAt(L, a, BASE);
    expect(L.page_mapcount(pageAt(L, a, BASE))).toBe(3);
    L.user_write(b, BASE, new Uint8Array([2]));
    expect(pfnAt(L, b, BASE)).not.toBe(orig);
    L.user_write(c, BASE, new Uint8Array([3]));
    expect(pfnAt(L, c, BASE)).not.toBe(orig);
    L.user_write(a, BASE, new Uint8Array([4]));
    expect(pfnAt(L, a, BASE)).toBe(orig);
    expect([a, b, c].map((m) => L.user_read(m, BASE, 1)[0])).toEqual([4, 2, 3]);
    L.mmput(b);
    L.mmput(c);
    expectConsistent(L);
  });

  it('private file COW pages after fork: the child keeps the parent copy, both stay private from the file', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    L.user_write(mm, BASE, new Uint8Array([0x10]));
    const child = forkOk(L, mm);
    L.user_write(child, BASE + 1, new Uint8Array([0x20]));
    L.file_write(f, 0, new Uint8Array([0x30, 0x30, 0x30]));
    expect(Array.from(L.user_read(mm, BASE, 3))).toEqual([0x10, pattern(PG, 1)[1], pattern(PG, 1)[2]]);
    expect(Array.from(L.user_read(child, BASE, 3))).toEqual([0x10, 0x20, pattern(PG, 1)[2]]);
    expectConsistent(L);
  });
});
