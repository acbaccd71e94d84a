// §3.10 unmap_mapping_range: page rounding, holelen 0 = to EOF, every vma of the file, even_cows.
import { describe, it, expect } from 'vitest';
import {
  BASE, MMIO_PFN, PAGE, expectInvariants, expectSignal, has, makeFile, mapAnon, mapDevice, mapFile, must, newLab,
  newPage, pattern, presentMap, recordNotifier, rss, type Lab,
} from './helpers';

/** An 8-page ramfs file mapped shared at BASE, every page read-faulted in. */
function sharedFile(L: Lab) {
  const mm = L.mm_alloc();
  const f = makeFile(L, 8);
  const m = mapFile(L, mm, f, 8, { touch: 'r' });
  expect(rss(L, mm).file).toBe(8);
  return { ...m, f };
}

const T = true;
const F = false;

describe('§3.10 unmap_mapping_range: which file pages', () => {
  it('§3.10 holebegin 100 + holelen 4000 covers page 0 only (start rounds down, length rounds up, separately)', () => {
    const L = newLab();
    const { mm, addr, f } = sharedFile(L);
    L.unmap_mapping_range(f.f_mapping, 100, 4000, 0);
    expect(presentMap(L, mm, addr, 8)).toEqual([F, T, T, T, T, T, T, T]);
    expect(rss(L, mm).file).toBe(7);
    expectInvariants(L);
  });

  it('§3.10 holebegin 4095 + holelen 2 touches bytes of pages 0 and 1 but covers page 0 only', () => {
    const L = newLab();
    const { mm, addr, f } = sharedFile(L);
    L.unmap_mapping_range(f.f_mapping, 4095, 2, 0);
    expect(presentMap(L, mm, addr, 8)).toEqual([F, T, T, T, T, T, T, T]);
  });

  it('§3.10 holelen 0 means to the end of the file', () => {
    const L = newLab();
    const { mm, addr, f } = sharedFile(L);
    L.unmap_mapping_range(f.f_mapping, 3 * PAGE, 0, 0);
    expect(presentMap(L, mm, addr, 8)).toEqual([T, T, T, F, F, F, F, F]);
    expect(rss(L, mm).file).toBe(3);
    expectInvariants(L);
  });

  it('§3.10 a hole in the middle: holebegin 2 pages, holelen 3 pages', () => {
    const L = newLab();
    const { mm, addr, f } = sharedFile(L);
    L.unmap_mapping_range(f.f_mapping, 2 * PAGE, 3 * PAGE, 0);
    expect(presentMap(L, mm, addr, 8)).toEqual([T, T, F, F, F, T, T, T]);
  });

  it('§3.10 file offsets go through vm_pgoff: a vma of file pages 2..5 loses exactly the overlap', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 8);
    const { addr } = mapFile(L, mm, f, 4, { pgoff: 2, touch: 'r' });
    L.unmap_mapping_range(f.f_mapping, 3 * PAGE, 2 * PAGE, 0); // file pages 3 and 4
    expect(presentMap(L, mm, addr, 4)).toEqual([T, F, F, T]);
    expectInvariants(L);
  });

  it('§3.10 a hole no vma maps does nothing: no notifier call, no pte change', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 8);
    const { addr } = mapFile(L, mm, f, 4, { touch: 'r' }); // file pages 0..3
    const calls = recordNotifier(L, mm);
    L.unmap_mapping_range(f.f_mapping, 4 * PAGE, 0, 1);
    expect(calls).toEqual([]);
    expect(presentMap(L, mm, addr, 4)).toEqual([T, T, T, T]);
  });
});

describe('§3.10 unmap_mapping_range: which vmas and ptes', () => {
  it('§3.10 every vma mapping the file, in every mm, shared and private', () => {
    const L = newLab();
    const f = makeFile(L, 2);
    const a = mapFile(L, L.mm_alloc(), f, 2, { touch: 'r' });
    const b = mapFile(L, L.mm_alloc(), f, 2, { share: 'private', touch: 'r' });
    const c = mapFile(L, a.mm, f, 2, { addr: BASE + 16 * PAGE, share: 'private', touch: 'r' });
    L.unmap_mapping_range(f.f_mapping, 0, 0, 0);
    expect(presentMap(L, a.mm, a.addr, 2)).toEqual([F, F]);
    expect(presentMap(L, b.mm, b.addr, 2)).toEqual([F, F]);
    expect(presentMap(L, c.mm, c.addr, 2)).toEqual([F, F]);
    expect(rss(L, a.mm).file).toBe(0);
    expect(rss(L, b.mm).file).toBe(0);
    expectInvariants(L);
  });

  it('§3.10/§6 even_cows = 0 keeps private COW pages (check_mapping = mapping); even_cows = 1 removes them', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const { addr } = mapFile(L, mm, f, 2, { share: 'private', touch: 'r' });
    L.user_write(mm, addr + PAGE, new Uint8Array([0xee])); // COW page 1
    expect(rss(L, mm)).toMatchObject({ file: 1, anon: 1 });
    L.unmap_mapping_range(f.f_mapping, 0, 0, 0);
    expect(presentMap(L, mm, addr, 2)).toEqual([F, T]);
    expect(rss(L, mm)).toMatchObject({ file: 0, anon: 1 });
    expect(L.user_read(mm, addr + PAGE, 1)).toEqual(new Uint8Array([0xee]));
    L.unmap_mapping_range(f.f_mapping, 0, 0, 1);
    expect(presentMap(L, mm, addr, 2)).toEqual([F, F]);
    expect(rss(L, mm)).toMatchObject({ file: 0, anon: 0 });
    expectInvariants(L);
  });

  it('§3.10 the page cache is untouched', () => {
    const L = newLab();
    const { f } = sharedFile(L);
    L.unmap_mapping_range(f.f_mapping, 0, 0, 1);
    expect(f.f_mapping.nrpages).toBe(8);
    expect(L.file_read(f, 5 * PAGE, PAGE)).toEqual(pattern(PAGE, 6));
    const pg = must(L.find_get_page(f.f_mapping, 5), 'cached page 5');
    expect(L.page_mapcount(pg)).toBe(0);
    L.put_page(pg);
    expectInvariants(L);
  });

  it('§3.10/§6 swap ptes survive, even with even_cows = 1 [ver-zap]', () => {
    const L = newLab({ swap: true });
    const mm = L.mm_alloc();
    const f = makeFile(L, 2);
    const { addr } = mapFile(L, mm, f, 2, { share: 'private', touch: 'r' });
    L.user_write(mm, addr, new Uint8Array([0x5a])); // COW page 0 ...
    expect(L.swap_out(mm, addr)).toBe(0); // ... and push it out to swap
    expect(L.is_swap_pte(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
    L.unmap_mapping_range(f.f_mapping, 0, 0, 1);
    expect(L.is_swap_pte(must(L.lookup_pte(mm, addr), 'pte'))).toBe(true);
    expect(rss(L, mm)).toMatchObject({ swap: 1, file: 0 });
    expect(presentMap(L, mm, addr + PAGE, 1)).toEqual([F]);
    expect(L.user_read(mm, addr, 1), 'the private data comes back from swap').toEqual(new Uint8Array([0x5a]));
    expectInvariants(L);
  });

  it('§3.10/§6 special (pfn) ptes are removed even with even_cows = 0', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const d = mapDevice(L, mm, 2, (vma) => L.remap_pfn_range(vma, vma.vm_start, MMIO_PFN, 2 * PAGE, vma.vm_page_prot));
    expect(d.ret).toBe(d.addr);
    L.unmap_mapping_range(d.dev.f_mapping, 0, 0, 0);
    expect(presentMap(L, mm, d.addr, 2)).toEqual([F, F]);
    expect(has(d.vma.vm_flags, L.VM_PAT), 'the zap untracked the whole-vma reservation').toBe(false);
  });

  it('§3.10/§6 driver pages whose mapping is not the file\'s survive even_cows = 0 and go with even_cows = 1', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const pg = newPage(L);
    const d = mapDevice(L, mm, 1, (vma) => L.vm_insert_page(vma, vma.vm_start, pg));
    expect(d.ret).toBe(d.addr);
    L.unmap_mapping_range(d.dev.f_mapping, 0, 0, 0);
    expect(presentMap(L, mm, d.addr, 1)).toEqual([T]);
    L.unmap_mapping_range(d.dev.f_mapping, 0, 0, 1);
    expect(presentMap(L, mm, d.addr, 1)).toEqual([F]);
    expect(L.page_count(pg)).toBe(1);
    expect(rss(L, mm).file).toBe(0);
    expectInvariants(L);
  });

  it('§3.10 anonymous vmas are never touched', () => {
    const L = newLab();
    const { mm, f } = sharedFile(L);
    const anon = mapAnon(L, mm, 2, { addr: BASE + 32 * PAGE, touch: 'w' });
    L.unmap_mapping_range(f.f_mapping, 0, 0, 1);
    expect(presentMap(L, mm, anon.addr, 2)).toEqual([T, T]);
    expect(rss(L, mm)).toMatchObject({ anon: 2, file: 0 });
  });

  it('§3.10 goes through zap_page_range_single: notifiers bracket the vma\'s clamped range, hiwater_rss is updated', () => {
    const L = newLab();
    const { mm, addr, f } = sharedFile(L);
    const calls = recordNotifier(L, mm);
    L.unmap_mapping_range(f.f_mapping, 2 * PAGE, 3 * PAGE, 0);
    expect(calls.filter((c) => c.kind !== 'range')).toEqual([
      { kind: 'start', start: addr + 2 * PAGE, end: addr + 5 * PAGE },
      { kind: 'end', start: addr + 2 * PAGE, end: addr + 5 * PAGE },
    ]);
    expect(mm.hiwater_rss).toBeGreaterThanOrEqual(8);
  });
});

describe('§5 truncate uses unmap_mapping_range with even_cows = 1', () => {
  it('§5 ftruncate removes private COW pages past the new EOF; a later access there is SIGBUS', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = makeFile(L, 4);
    const { addr } = mapFile(L, mm, f, 4, { share: 'private', touch: 'r' });
    L.user_write(mm, addr + 3 * PAGE, new Uint8Array([1])); // COW page 3
    expect(rss(L, mm)).toMatchObject({ file: 3, anon: 1 });
    L.ftruncate(f, 2 * PAGE);
    expect(presentMap(L, mm, addr, 4)).toEqual([T, T, F, F]);
    expect(rss(L, mm)).toMatchObject({ file: 2, anon: 0 });
    expect(f.f_mapping.nrpages).toBe(2);
    expectSignal(() => L.user_read(mm, addr + 3 * PAGE, 1), 'SIGBUS');
    expectInvariants(L);
  });
});
