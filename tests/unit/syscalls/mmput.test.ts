// §4 exit_mmap via mmput: every page and page table released, vm_ops.close called,
// check_invariants clean, pinned pages keep only the pin.
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, mapAnon, mapFile, pageAt, fileWithPages, pattern, BASE, PG, pg, forkOk, } from '../machine/helpers';

describe('§4 mmput / exit_mmap', () => {
  it('releases anonymous, file, shmem and zero-page mappings; invariants clean', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 8 * PG);
    L.touch(mm, BASE, 4 * PG, 'w');
    L.touch(mm, pg(4), 4 * PG, 'r');
    const f = fileWithPages(L, 'f', 4);
    mapFile(L, mm, pg(512), 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    L.touch(mm, pg(512), 4 * PG, 'r');
    L.touch(mm, pg(513), PG, 'w');
    const t = fileWithPages(L, 't', 2, 'tmpfs');
    mapFile(L, mm, pg(1024), 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, t);
    L.touch(mm, pg(1024), 2 * PG, 'w');
    expect(L.mmap(mm, pg(2048), 2 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(pg(2048));
    L.touch(mm, pg(2048), 2 * PG, 'w');
    const cache0 = pageAt(L, mm, pg(512));
    expectConsistent(L);
    L.mmput(mm);
    expect(L.page_mapcount(cache0)).toBe(0);
    expect(L.page_count(cache0)).toBe(1);
    expect(f.f_mapping.nrpages).toBe(4);
    expectConsistent(L);
  });

  it('a get_page-pinned anonymous page keeps refcount 1 after mmput and is freed by put_page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, pattern(16, 3));
    const p = pageAt(L, mm, BASE);
    L.get_page(p);
    expect(L.page_count(p)).toBe(2);
    L.mmput(mm);
    expect(L.page_count(p)).toBe(1);
    expect(L.page_mapcount(p)).toBe(0);
    expect(Array.from(L.page_read(p, 0, 16))).toEqual(Array.from(pattern(16, 3)));
    expectConsistent(L);
    L.put_page(p);
    expect(L.page_count(p)).toBe(0);
    expectConsistent(L);
  });

  it('calls vm_ops.close for every vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    let closes = 0;
    const dev = L.device_create('c', {
      mmap(_file, vma) {
        vma.vm_ops = { close: () => { closes++; } };
        return 0;
      },
    });
    mapFile(L, mm, BASE, PG, L.PROT_READ, L.MAP_SHARED, dev);
    mapFile(L, mm, pg(10), PG, L.PROT_READ, L.MAP_SHARED, dev);
    L.mmput(mm);
    expect(closes).toBe(2);
    expectConsistent(L);
  });

  it('the parent exiting first leaves the child with intact COW pages', () => {
    const L = newLab();
    const parent = L.mm_alloc();
    mapAnon(L, parent, BASE, 2 * PG);
    L.user_write(parent, BASE, pattern(2 * PG, 8));
    const child = forkOk(L, parent);
    L.mmput(parent);
    expectConsistent(L);
    expect(Array.from(L.user_read(child, BASE, 8))).toEqual(Array.from(pattern(8, 8)));
    const p = pageAt(L, child, BASE);
    expect(L.page_mapcount(p)).toBe(1);
    expect(L.touch(child, BASE, PG, 'w')).toBe(1);
    expect(pageAt(L, child, BASE).index).toBe(p.index);
    L.mmput(child);
    expectConsistent(L);
  });

  it('a big mapping (more pages than one mmu_gather batch) is released completely', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2048 * PG);
    expect(L.touch(mm, BASE, 2048 * PG, 'w')).toBe(2048);
    L.mmput(mm);
    expectConsistent(L);
    // the memory is really back: a second process can take as much again
    const mm2 = L.mm_alloc();
    mapAnon(L, mm2, BASE, 2048 * PG);
    expect(L.touch(mm2, BASE, 2048 * PG, 'w')).toBe(2048);
    L.mmput(mm2);
    expectConsistent(L);
  });
});
