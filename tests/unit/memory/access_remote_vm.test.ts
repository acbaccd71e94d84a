// §3.13 access_remote_vm: forced gup one page at a time, the ->access fallback, and a byte count
// that is never negative. Also the single-threaded side of the [ver-cow] Dirty COW window.
import { describe, it, expect } from 'vitest';
import {
  BASE, PAGE, expectInvariants, expectSignal, has, makeFile, mapAnon, mapDevice, mapFile, must, newLab, newPage,
  pageAt, pattern, recordNotifier, rss, type Lab, type Mm,
} from './helpers';

function read(L: Lab, mm: Mm, addr: number, len: number): { n: number; buf: Uint8Array } {
  const buf = new Uint8Array(len);
  const n = L.access_remote_vm(mm, addr, buf, len, 0);
  return { n, buf };
}

function write(L: Lab, mm: Mm, addr: number, data: Uint8Array): number {
  return L.access_remote_vm(mm, addr, data, data.length, 1);
}

describe('§3.13 access_remote_vm: ordinary memory', () => {
  it('§3.13 reads what the process wrote, across a page boundary', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 2, { touch: 'w' });
    L.user_write(mm, addr + 4000, pattern(200, 3));
    const { n, buf } = read(L, mm, addr + 4000, 200);
    expect(n).toBe(200);
    expect(buf).toEqual(pattern(200, 3));
  });

  it('§3.13 an access runs on across adjacent vmas', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, 2, { addr: BASE, touch: 'w' });
    mapAnon(L, mm, 2, { addr: BASE + 2 * PAGE, prot: L.PROT_READ }); // other flags: not merged
    expect(L.find_vma(mm, BASE)?.vm_end).toBe(BASE + 2 * PAGE);
    L.user_write(mm, BASE + 2 * PAGE - 4, pattern(4, 9));
    const { n, buf } = read(L, mm, BASE + 2 * PAGE - 4, 8);
    expect(n).toBe(8);
    expect(buf).toEqual(new Uint8Array([...pattern(4, 9), 0, 0, 0, 0]));
  });

  it('§3.13 a negative len is a precondition violation: TypeError, nothing happens', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1);
    expect(() => L.access_remote_vm(mm, addr, new Uint8Array(8), -1, 1)).toThrow(TypeError);
    expect(rss(L, mm).anon).toBe(0);
    expect(L.tainted()).toBe(false);
  });

  it('§3.13 len 0 returns 0', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { touch: 'w' });
    expect(L.access_remote_vm(mm, addr, new Uint8Array(0), 0, 0)).toBe(0);
  });

  it('§3.13 writes land where the process reads them', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 2, { touch: 'w' });
    expect(write(L, mm, addr + 4090, pattern(20, 8))).toBe(20);
    expect(L.user_read(mm, addr + 4090, 20)).toEqual(pattern(20, 8));
    expectInvariants(L);
  });

  it('§3.13 reading untouched anonymous memory faults in the zero page: zeros, no rss', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 2);
    const { n, buf } = read(L, mm, addr, 2 * PAGE);
    expect(n).toBe(2 * PAGE);
    expect(buf.every((b) => b === 0)).toBe(true);
    expect(rss(L, mm).anon).toBe(0);
    expectInvariants(L);
  });

  it('§3.13 writing untouched anonymous memory allocates the page (MM_ANONPAGES +1)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 2);
    expect(write(L, mm, addr + PAGE, new Uint8Array([4, 5]))).toBe(2);
    expect(rss(L, mm).anon).toBe(1);
    expect(L.user_read(mm, addr + PAGE, 2)).toEqual(new Uint8Array([4, 5]));
    expectInvariants(L);
  });

  it('§3.13 writing through a shared writable file mapping changes the file', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr } = mapFile(L, mm, f, 1);
    expect(write(L, mm, addr + 7, new Uint8Array([9, 9]))).toBe(2);
    expect(L.file_read(f, 7, 2)).toEqual(new Uint8Array([9, 9]));
  });

  it('§3.13 takes mmap_sem itself and releases it: a writer can take it afterwards', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { touch: 'w' });
    expect(read(L, mm, addr, 8).n).toBe(8);
    L.down_write(mm.mmap_sem);
    L.up_write(mm.mmap_sem);
  });
});

describe('§3.13 access_remote_vm: holes and stacks', () => {
  it('§3.13 stops at the first hole and returns the bytes done so far', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, 2, { addr: BASE, touch: 'w' });
    mapAnon(L, mm, 2, { addr: BASE + 3 * PAGE, touch: 'w' }); // hole at page 2
    expect(read(L, mm, BASE, 5 * PAGE).n).toBe(2 * PAGE);
    expect(read(L, mm, BASE + PAGE + 100, 2 * PAGE).n).toBe(PAGE - 100);
  });

  it('§3.13 starting in a hole returns 0, never a negative errno', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, 1, { addr: BASE + 4 * PAGE, touch: 'w' });
    expect(read(L, mm, BASE, 16).n).toBe(0);
    expect(write(L, mm, BASE, new Uint8Array(16))).toBe(0);
    expect(read(L, mm, BASE + 64 * PAGE, 16).n, 'above every vma').toBe(0);
  });

  it('§3.13 an address below a VM_GROWSDOWN vma grows the stack (find_extend_vma)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { vma } = mapAnon(L, mm, 1, { addr: BASE, flags: L.MAP_GROWSDOWN, touch: 'w' });
    expect(has(vma.vm_flags, L.VM_GROWSDOWN)).toBe(true);
    const { n, buf } = read(L, mm, BASE - 2 * PAGE, 16);
    expect(n).toBe(16);
    expect(buf.every((b) => b === 0)).toBe(true);
    const grown = must(L.find_vma(mm, BASE - 2 * PAGE), 'the stack vma');
    // expand_stack grows vm_start to BASE - 2 pages; the fault gup then takes there is at the new
    // vm_start, so do_anonymous_page's check_stack_guard_page expands one more (guard) page.
    expect(grown.vm_start).toBe(BASE - 3 * PAGE);
    expect(grown.vm_end).toBe(BASE + PAGE);
  });

  it('§3.13 an address below an ordinary vma does not grow it: 0 bytes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { vma } = mapAnon(L, mm, 1, { addr: BASE, touch: 'w' });
    expect(read(L, mm, BASE - PAGE, 16).n).toBe(0);
    expect(vma.vm_start).toBe(BASE);
  });

  it('§5 proc_mem_rw turns 0 bytes into -EIO', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { touch: 'w' });
    expect(L.proc_mem_rw(mm, addr, new Uint8Array(16), 16, 0)).toBe(16);
    expect(L.proc_mem_rw(mm, addr + 8 * PAGE, new Uint8Array(16), 16, 0)).toBe(-L.EIO);
  });
});

describe('§3.13 access_remote_vm: FOLL_FORCE and permissions', () => {
  it('§3.13 force reads PROT_NONE private memory (VM_MAYREAD)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { touch: 'w' });
    L.user_write(mm, addr, pattern(32, 1));
    expect(L.mprotect(mm, addr, PAGE, L.PROT_NONE)).toBe(0);
    const { n, buf } = read(L, mm, addr, 32);
    expect(n).toBe(32);
    expect(buf).toEqual(pattern(32, 1));
  });

  it('§5 process_vm_readv does not go through access_remote_vm: no force, so PROT_NONE is -EFAULT', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { touch: 'w' });
    expect(L.mprotect(mm, addr, PAGE, L.PROT_NONE)).toBe(0);
    expect(L.process_vm_readv(mm, addr, 32)).toBe(-L.EFAULT);
  });

  it('§3.13/§6 a forced write to read-only private anonymous memory leaves a dirty, read-only pte', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { prot: L.PROT_READ });
    expect(write(L, mm, addr + 3, new Uint8Array([7, 7, 7]))).toBe(3);
    const pte = must(L.lookup_pte(mm, addr), 'pte');
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.pte_write(pte)).toBe(false);
    expect(L.PageAnon(pageAt(L, mm, addr))).toBe(true);
    expect(rss(L, mm).anon).toBe(1);
    expect(L.user_read(mm, addr + 3, 3)).toEqual(new Uint8Array([7, 7, 7]));
    expectInvariants(L);
  });

  it('§3.13/§6 a forced write to a read-only private file page (pte none) goes into a COW copy; the file is unchanged', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const { addr } = mapFile(L, mm, f, 2, { share: 'private', prot: L.PROT_READ });
    expect(write(L, mm, addr + PAGE + 5, new Uint8Array([1, 2, 3]))).toBe(3);
    expect(L.file_read(f, PAGE + 5, 3)).toEqual(pattern(PAGE, 2).subarray(5, 8));
    expect(L.user_read(mm, addr + PAGE + 5, 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(L.user_read(mm, addr + PAGE + 8, 100), 'the rest of the copy is the file\'s data').toEqual(pattern(PAGE, 2).subarray(8, 108));
    const pte = must(L.lookup_pte(mm, addr + PAGE), 'pte');
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.pte_write(pte)).toBe(false);
    expect(L.PageAnon(pageAt(L, mm, addr + PAGE))).toBe(true);
    // do_cow_fault never maps the page-cache page.
    expect(rss(L, mm)).toMatchObject({ anon: 1, file: 0 });
    expectInvariants(L);
  });

  it('§3.13 a forced write over a present read-only file pte copies it (wp_page_copy): file -1, anon +1', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr } = mapFile(L, mm, f, 1, { share: 'private', prot: L.PROT_READ, touch: 'r' });
    expect(rss(L, mm)).toMatchObject({ anon: 0, file: 1 });
    expect(write(L, mm, addr, new Uint8Array([0xaa]))).toBe(1);
    expect(rss(L, mm)).toMatchObject({ anon: 1, file: 0 });
    expect(L.file_read(f, 0, 1)).toEqual(pattern(1, 1));
    expect(L.user_read(mm, addr, 1)).toEqual(new Uint8Array([0xaa]));
    expect(L.pte_write(must(L.lookup_pte(mm, addr), 'pte'))).toBe(false);
    expectInvariants(L);
  });

  it('§3.13 after a forced write the process itself still cannot write there (SIGSEGV)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr } = mapFile(L, mm, f, 1, { share: 'private', prot: L.PROT_READ });
    expect(write(L, mm, addr, new Uint8Array([1]))).toBe(1);
    const err = expectSignal(() => L.user_write(mm, addr, new Uint8Array([2])), 'SIGSEGV');
    expect(err.address).toBe(addr);
  });

  it('§3.13 force does not write a read-only MAP_SHARED mapping: 0 bytes, file unchanged; reads still work', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 1, { prot: L.PROT_READ });
    expect(has(vma.vm_flags, L.VM_SHARED)).toBe(true);
    expect(write(L, mm, addr, new Uint8Array([1, 2]))).toBe(0);
    expect(L.file_read(f, 0, 2)).toEqual(pattern(2, 1));
    expect(read(L, mm, addr, 2)).toEqual({ n: 2, buf: pattern(2, 1) });
  });

  it('§3.13/§6 MAP_SHARED of an O_RDONLY fd is neither shared nor COW: a forced write is refused (0), a read works', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr, vma } = mapFile(L, mm, f, 1, { prot: L.PROT_READ, fd: L.file_open(f, 'r') });
    expect(has(vma.vm_flags, L.VM_SHARED)).toBe(false);
    expect(has(vma.vm_flags, L.VM_MAYWRITE)).toBe(false);
    expect(write(L, mm, addr, new Uint8Array([1]))).toBe(0);
    expect(rss(L, mm).anon).toBe(0);
    expect(read(L, mm, addr, 4)).toEqual({ n: 4, buf: pattern(4, 1) });
  });

  it.each([[false], [true]])('§3.13 [ver-cow] single-threaded (dirty_cow_fix: %s): forced write, MADV_DONTNEED, forced write again, the file never changes', (fix) => {
    // The race itself (MADV_DONTNEED between the COW fault and the retry) is tested elsewhere;
    // without it, both 4.7.4 and the FOLL_COW fix write only into the private copy.
    const L = newLab({ dirty_cow_fix: fix });
    const mm = L.mm_alloc();
    const f = makeFile(L, 1);
    const { addr } = mapFile(L, mm, f, 1, { share: 'private', prot: L.PROT_READ });
    expect(write(L, mm, addr, new Uint8Array([0x41, 0x42]))).toBe(2);
    expect(L.file_read(f, 0, 2)).toEqual(pattern(2, 1));
    expect(L.madvise(mm, addr, PAGE, L.MADV_DONTNEED)).toBe(0);
    expect(L.user_read(mm, addr, 2), 'the COW data is gone; the file page comes back').toEqual(pattern(2, 1));
    expect(write(L, mm, addr, new Uint8Array([0x43]))).toBe(1);
    expect(L.file_read(f, 0, 2)).toEqual(pattern(2, 1));
    expect(L.user_read(mm, addr, 2)).toEqual(new Uint8Array([0x43, pattern(2, 1)[1]!]));
    expectInvariants(L);
  });
});

describe('§3.13 access_remote_vm: VM_IO / VM_PFNMAP and the ->access fallback', () => {
  it('§3.13 a VM_PFNMAP vma without ->access gives 0 bytes', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => L.remap_pfn_range(vma, vma.vm_start, L.page_to_pfn(pg), PAGE, vma.vm_page_prot));
    expect(d.ret).toBe(d.addr);
    expect(read(L, mm, d.addr, 8).n).toBe(0);
  });

  it('§3.13 gup refuses VM_IO even when a normal page is mapped: 0 bytes without ->access', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_flags = vma.vm_flags | L.VM_IO;
      return L.vm_insert_page(vma, vma.vm_start, pg);
    });
    expect(d.ret).toBe(d.addr);
    expect(read(L, mm, d.addr, 8).n).toBe(0);
  });

  it('§3.13 ->access is the fallback only: on a VM_MIXEDMAP vma gup returns the inserted page and ->access is not called', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    L.page_write(pg, 0, pattern(16, 4));
    let accessCalls = 0;
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_ops = {
        access: () => {
          accessCalls++;
          return -L.EIO;
        },
      };
      return L.vm_insert_page(vma, vma.vm_start, pg);
    });
    expect(d.ret).toBe(d.addr);
    expect(read(L, mm, d.addr, 16)).toEqual({ n: 16, buf: pattern(16, 4) });
    expect(L.PageReferenced(pg), 'FOLL_TOUCH: mark_page_accessed').toBe(true);
    expect(write(L, mm, d.addr, new Uint8Array([5]))).toBe(1);
    expect(L.PageDirty(pg), 'set_page_dirty_lock after a write').toBe(true);
    expect(L.page_read(pg, 0, 1)).toEqual(new Uint8Array([5]));
    expect(accessCalls).toBe(0);
    expect(L.page_count(pg), 'gup\'s reference was put').toBe(2);
  });

  it('§3.13 generic_access_phys copies len bytes from phys + offset, ignoring page boundaries (and the next pte)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pair = must(L.alloc_pages(L.GFP_KERNEL, 1), 'an order-1 block'); // pfns a and a + 1
    const a = L.page_to_pfn(pair);
    const next = must(L.pfn_to_page(a + 1), 'page a + 1');
    const other = newPage(L);
    L.page_write(pair, 0, pattern(PAGE, 11));
    L.page_write(next, 0, pattern(PAGE, 22));
    L.page_write(other, 0, pattern(PAGE, 33));
    const calls: { addr: number; len: number }[] = [];
    const d = mapDevice(L, mm, 2, (vma) => {
      vma.vm_ops = {
        access: (v, addr, buf, len, wr) => {
          calls.push({ addr, len });
          return L.generic_access_phys(v, addr, buf, len, wr);
        },
      };
      // page 0 -> pfn a, page 1 -> an unrelated pfn
      const r = L.remap_pfn_range(vma, vma.vm_start, a, PAGE, vma.vm_page_prot);
      return r || L.remap_pfn_range(vma, vma.vm_start + PAGE, L.page_to_pfn(other), PAGE, vma.vm_page_prot);
    });
    expect(d.ret).toBe(d.addr);
    const { n, buf } = read(L, mm, d.addr + 100, 6000);
    expect(n).toBe(6000);
    expect(calls).toEqual([{ addr: d.addr + 100, len: 6000 }]);
    expect(buf.subarray(0, PAGE - 100)).toEqual(pattern(PAGE, 11).subarray(100));
    expect(buf.subarray(PAGE - 100), 'physically contiguous: pfn a + 1, not the page mapped there').toEqual(pattern(PAGE, 22).subarray(0, 6000 - (PAGE - 100)));
    expect(L.user_read(mm, d.addr + PAGE, 16), 'the CPU sees the mapped page').toEqual(pattern(16, 33));
  });

  it('§3.13 generic_access_phys writes through a writable pte into the physical page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_ops = { access: L.generic_access_phys };
      return L.remap_pfn_range(vma, vma.vm_start, L.page_to_pfn(pg), PAGE, vma.vm_page_prot);
    });
    expect(d.ret).toBe(d.addr);
    expect(write(L, mm, d.addr + 10, pattern(8, 6))).toBe(8);
    expect(L.page_read(pg, 10, 8)).toEqual(pattern(8, 6));
    expect(read(L, mm, d.addr + 10, 8)).toEqual({ n: 8, buf: pattern(8, 6) });
  });

  it('§3.13 a write through generic_access_phys to a pte without RW: follow_phys -EINVAL, so 0 bytes and nothing written', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    L.page_write(pg, 0, pattern(8, 2));
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_ops = { access: L.generic_access_phys };
      return L.remap_pfn_range(vma, vma.vm_start, L.page_to_pfn(pg), PAGE, vma.vm_page_prot);
    }, { prot: L.PROT_READ });
    expect(d.ret).toBe(d.addr);
    expect(L.pte_write(must(L.lookup_pte(mm, d.addr), 'pte'))).toBe(false);
    expect(write(L, mm, d.addr, new Uint8Array([0xff]))).toBe(0);
    expect(L.page_read(pg, 0, 8)).toEqual(pattern(8, 2));
    expect(read(L, mm, d.addr, 8), 'reads are fine').toEqual({ n: 8, buf: pattern(8, 2) });
  });

  it('§3.13 a short ->access return is advanced past and ->access is called again for the rest', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const lens: number[] = [];
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_ops = {
        access: (_v, _addr, buf, len) => {
          lens.push(len);
          const n = Math.min(len, 10);
          buf.fill(0xab, 0, n);
          return n;
        },
      };
      return L.remap_pfn_range(vma, vma.vm_start, L.page_to_pfn(newPage(L)), PAGE, vma.vm_page_prot);
    });
    expect(d.ret).toBe(d.addr);
    const { n, buf } = read(L, mm, d.addr, 25);
    expect(n).toBe(25);
    expect(lens).toEqual([25, 15, 5]);
    expect(buf.every((b) => b === 0xab)).toBe(true);
  });

  it.each([
    ['a negative errno', -5],
    ['0', 0],
  ])('§3.13 ->access returning %s stops the loop; the result is the bytes done (0), never negative', (_label, ret) => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 1, (vma) => {
      vma.vm_ops = { access: () => ret };
      return L.remap_pfn_range(vma, vma.vm_start, L.page_to_pfn(newPage(L)), PAGE, vma.vm_page_prot);
    });
    expect(d.ret).toBe(d.addr);
    expect(read(L, mm, d.addr, 64).n).toBe(0);
  });

  it('§3.13 remote access fires no mmu notifier for a read of present memory', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const { addr } = mapAnon(L, mm, 1, { touch: 'w' });
    const calls = recordNotifier(L, mm);
    expect(read(L, mm, addr, 64).n).toBe(64);
    expect(calls).toEqual([]);
  });
});
