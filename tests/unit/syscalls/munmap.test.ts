// §4 munmap / do_munmap: errno rules, vma splitting, unmap_region, free_pgtables,
// remove_vma_list (vm_ops.close), accounting.
import { describe, it, expect } from 'vitest';
import {
  newLab, expectConsistent, expectSignal, mapAnon, mapFile, pteNone, pageAt, vmaAt, fileWithPages,
  pattern, expectBytes, rss, BASE, PG, pg,
} from '../machine/helpers';

const TASK_SIZE = 2 ** 47 - 4096;

describe('§4 munmap errno rules', () => {
  it('-EINVAL: unaligned start, zero length, start > TASK_SIZE, len > TASK_SIZE - start', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.munmap(mm, BASE + 1, PG)).toBe(-L.EINVAL);
    expect(L.munmap(mm, BASE, 0)).toBe(-L.EINVAL);
    expect(L.munmap(mm, TASK_SIZE + PG, PG)).toBe(-L.EINVAL);
    expect(L.munmap(mm, BASE, TASK_SIZE - BASE + PG)).toBe(-L.EINVAL);
    expect(mm.map_count).toBe(1);
    expectConsistent(L);
  });

  it('0 when nothing overlaps; an unaligned length is rounded up', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.munmap(mm, BASE, PG)).toBe(0);
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.munmap(mm, pg(8), PG)).toBe(0);
    expect(mm.map_count).toBe(1);
    expect(L.munmap(mm, pg(3), 1)).toBe(0);
    expect(vmaAt(L, mm, BASE).vm_end).toBe(pg(3));
    expectConsistent(L);
  });
});

describe('§4 munmap splits vmas', () => {
  it('a hole in the middle: two vmas, find_vma before/after, map_count, pgoff of the tail, contents kept', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 8 * PG);
    L.user_write(mm, BASE, pattern(8 * PG, 5));
    expect(mm.total_vm).toBe(8);
    expect(L.munmap(mm, pg(2), 2 * PG)).toBe(0);
    expect(mm.map_count).toBe(2);
    expect(mm.total_vm).toBe(6);
    const head = vmaAt(L, mm, BASE);
    expect([head.vm_start, head.vm_end]).toEqual([pg(0), pg(2)]);
    const tail = vmaAt(L, mm, pg(2)); // the first vma with vm_end > addr lies above the hole
    expect([tail.vm_start, tail.vm_end]).toEqual([pg(4), pg(8)]);
    expect(tail.vm_pgoff).toBe(pg(4) / PG);
    expect(L.find_vma(mm, pg(3))!.vm_start).toBe(pg(4));
    expect(L.find_vma(mm, pg(8))).toBeNull();
    expect(rss(L, mm).anon).toBe(6);
    expect(pteNone(L, mm, pg(2)) && pteNone(L, mm, pg(3))).toBe(true);
    expectSignal(() => L.user_read(mm, pg(2), 1), 'SIGSEGV', pg(2));
    const all = pattern(8 * PG, 5);
    expectBytes(L.user_read(mm, BASE, 2 * PG), all.subarray(0, 2 * PG), 'head');
    expectBytes(L.user_read(mm, pg(4), 4 * PG), all.subarray(4 * PG), 'tail');
    expectConsistent(L);
  });

  it('head and tail trims keep one vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 8 * PG);
    expect(L.munmap(mm, BASE, PG)).toBe(0);
    expect(L.munmap(mm, pg(7), PG)).toBe(0);
    expect(mm.map_count).toBe(1);
    const v = vmaAt(L, mm, BASE);
    expect([v.vm_start, v.vm_end, v.vm_pgoff]).toEqual([pg(1), pg(7), pg(1) / PG]);
    expectConsistent(L);
  });

  it('a file vma split keeps the linear file offset in the tail', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 'f', 8);
    mapFile(L, mm, BASE, 8 * PG, L.PROT_READ, L.MAP_PRIVATE, f, 0);
    expect(L.munmap(mm, pg(1), 2 * PG)).toBe(0);
    expect(vmaAt(L, mm, pg(1)).vm_pgoff).toBe(3);
    expectBytes(L.user_read(mm, pg(5), PG), pattern(PG, 1 + 5));
    expectConsistent(L);
  });

  it('one call spanning several vmas and holes removes them all', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, pg(0), 2 * PG);
    mapAnon(L, mm, pg(4), 2 * PG, L.PROT_READ);
    mapAnon(L, mm, pg(8), 2 * PG);
    L.touch(mm, pg(0), 2 * PG, 'w');
    L.touch(mm, pg(8), 2 * PG, 'w');
    expect(mm.map_count).toBe(3);
    expect(L.munmap(mm, pg(1), 8 * PG)).toBe(0);
    expect(mm.map_count).toBe(2);
    expect(vmaAt(L, mm, 0).vm_end).toBe(pg(1));
    expect(vmaAt(L, mm, pg(1)).vm_start).toBe(pg(9));
    expect(rss(L, mm).anon).toBe(2);
    expectConsistent(L);
  });
});

describe('§4 unmap_region frees pages after the flush', () => {
  it('anonymous pages are freed; a pinned page keeps only the pin; file pages stay in the cache', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const anon = pageAt(L, mm, BASE);
    L.get_page(anon);
    const f = fileWithPages(L, 'f', 1);
    mapFile(L, mm, pg(10), PG, L.PROT_READ, L.MAP_SHARED, f);
    L.touch(mm, pg(10), PG, 'r');
    const cache = pageAt(L, mm, pg(10));
    expect(L.munmap(mm, BASE, 11 * PG)).toBe(0);
    expect(L.page_count(anon)).toBe(1);
    expect(L.page_mapcount(anon)).toBe(0);
    expect(L.page_count(cache)).toBe(1);
    expect(L.page_mapcount(cache)).toBe(0);
    expect(f.f_mapping.nrpages).toBe(1);
    expect(rss(L, mm)).toEqual({ file: 0, anon: 0, swap: 0, shmem: 0 });
    L.put_page(anon);
    expectConsistent(L);
  });

  it('the unmap is flushed from other CPUs', () => {
    const L = newLab({ ram_mb: 64, cpus: 2 });
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([1]), 1);
    expect(L.munmap(mm, BASE, PG)).toBe(0);
    expectSignal(() => L.user_read(mm, BASE, 1, 1), 'SIGSEGV', BASE);
    expectConsistent(L);
  });
});

describe('§4 free_pgtables', () => {
  it('mm.nr_ptes drops after munmap of a whole 2 MiB-aligned region', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 << 20);
    L.touch(mm, BASE, PG, 'w');
    L.touch(mm, BASE + (1 << 20), PG, 'w');
    expect(mm.nr_ptes).toBe(1);
    expect(L.munmap(mm, BASE, 2 << 20)).toBe(0);
    expect(mm.nr_ptes).toBe(0);
    expect(L.lookup_pte(mm, BASE)).toBeNull();
    expectConsistent(L);
  });

  it('a pte table still spanned by another vma (floor/ceiling) is kept', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    mapAnon(L, mm, BASE + (1 << 20), PG, L.PROT_READ);
    L.touch(mm, BASE, PG, 'w');
    L.touch(mm, BASE + (1 << 20), PG, 'r');
    expect(mm.nr_ptes).toBe(1);
    expect(L.munmap(mm, BASE, PG)).toBe(0);
    expect(mm.nr_ptes).toBe(1);
    expect(L.munmap(mm, BASE + (1 << 20), PG)).toBe(0);
    expect(mm.nr_ptes).toBe(0);
    expectConsistent(L);
  });

  it('a partial munmap inside one vma keeps the table', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.touch(mm, BASE, 4 * PG, 'w');
    expect(L.munmap(mm, pg(1), PG)).toBe(0);
    expect(mm.nr_ptes).toBe(1);
    expectConsistent(L);
  });
});

describe('§4 remove_vma_list: vm_ops.close', () => {
  function closeDev(L: ReturnType<typeof newLab>, log: string[]) {
    const page = L.alloc_page(L.GFP_KERNEL | L.__GFP_ZERO)!;
    const dev = L.device_create('closedev', {
      mmap(_file, vma) {
        vma.vm_ops = {
          fault(_v, vmf) {
            L.get_page(page);
            vmf.page = page;
            return 0;
          },
          open: (v) => {
            log.push(`open ${v.vm_start.toString(16)}-${v.vm_end.toString(16)}`);
          },
          close: (v) => {
            log.push(`close ${v.vm_start.toString(16)}-${v.vm_end.toString(16)}`);
          },
        };
        return 0;
      },
    });
    return { dev, page };
  }

  it('munmap of the whole vma calls close once, with the vma', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const log: string[] = [];
    const { dev, page } = closeDev(L, log);
    mapFile(L, mm, BASE, 2 * PG, L.PROT_READ, L.MAP_SHARED, dev);
    L.touch(mm, BASE, PG, 'r');
    expect(log).toEqual([]); // mmap itself calls f_op->mmap, not vm_ops->open
    expect(L.munmap(mm, BASE, 2 * PG)).toBe(0);
    expect(log).toEqual([`close ${BASE.toString(16)}-${pg(2).toString(16)}`]);
    expect(L.page_count(page)).toBe(1);
    L.__free_page(page);
    expectConsistent(L);
  });

  it('a split opens the new part (__split_vma), and only the removed part is closed', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const log: string[] = [];
    const { dev, page } = closeDev(L, log);
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ, L.MAP_SHARED, dev);
    expect(L.munmap(mm, pg(1), PG)).toBe(0);
    expect(log.filter((l) => l.startsWith('close'))).toEqual([`close ${pg(1).toString(16)}-${pg(2).toString(16)}`]);
    expect(log.filter((l) => l.startsWith('open')).length).toBe(2); // two splits, each opens its new vma
    expect(mm.map_count).toBe(2);
    L.mmput(mm);
    expect(log.filter((l) => l.startsWith('close')).length).toBe(3);
    L.__free_page(page);
    expectConsistent(L);
  });
});
