// §2.1 Paging on x86-64: protection_map -> vm_page_prot for every prot/flags combination,
// write-notify, pte bits and predicates as seen through lookup_pte, page-table accounting.
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, mapAnon, mapFile, pteAt, pteNone, vmaAt, fileWithPages, NX, BASE, PG, pg } from './helpers';

const P_READONLY = 0x25n | NX; // P|US|A|NX   (PAGE_READONLY == PAGE_COPY)
const P_READONLY_X = 0x25n; // P|US|A
const P_SHARED = 0x27n | NX; // P|RW|US|A|NX
const P_SHARED_X = 0x27n;
const P_NONE = 0x120n; // PROTNONE|ACCESSED

// protection_map indexed by prot (r=1, w=2, x=4): __P000..__P111 and __S000..__S111.
const PRIVATE_MAP = [P_NONE, P_READONLY, P_READONLY, P_READONLY, P_READONLY_X, P_READONLY_X, P_READONLY_X, P_READONLY_X];
const SHARED_MAP = [P_NONE, P_READONLY, P_SHARED, P_SHARED, P_READONLY_X, P_READONLY_X, P_SHARED_X, P_SHARED_X];

describe('§2.1 protection_map: vm_page_prot of anonymous mappings', () => {
  for (let prot = 0; prot < 8; prot++) {
    it(`MAP_PRIVATE prot=${prot}: ${PRIVATE_MAP[prot]!.toString(16)} (a private mapping never has RW)`, () => {
      const L = newLab();
      const mm = L.mm_alloc();
      mapAnon(L, mm, BASE, 4 * PG, prot);
      const v = L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot);
      expect(v).toBe(PRIVATE_MAP[prot]);
      expect(v & 2n).toBe(0n);
      expectConsistent(L);
    });
    it(`MAP_SHARED prot=${prot}: ${SHARED_MAP[prot]!.toString(16)} (shmem: no write-notify)`, () => {
      const L = newLab();
      const mm = L.mm_alloc();
      const a = L.mmap(mm, BASE, 4 * PG, prot, L.MAP_SHARED | L.MAP_ANONYMOUS | L.MAP_FIXED);
      expect(a).toBe(BASE);
      expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(SHARED_MAP[prot]);
      expectConsistent(L);
    });
  }
});

describe('§2.1 protection_map: vm_page_prot of file mappings', () => {
  for (const prot of [1, 3, 5, 7]) {
    it(`tmpfs MAP_SHARED prot=${prot} keeps RW (shmem has no page_mkwrite, no dirty accounting)`, () => {
      const L = newLab();
      const mm = L.mm_alloc();
      const f = L.file_create('t', 4 * PG, 'tmpfs');
      mapFile(L, mm, BASE, 4 * PG, prot, L.MAP_SHARED, f);
      expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(SHARED_MAP[prot]);
      expectConsistent(L);
    });
    it(`MAP_PRIVATE file prot=${prot} is the private entry`, () => {
      const L = newLab();
      const mm = L.mm_alloc();
      const f = L.file_create('r', 4 * PG, 'ramfs');
      mapFile(L, mm, BASE, 4 * PG, prot, L.MAP_PRIVATE, f);
      expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(PRIVATE_MAP[prot]);
      expectConsistent(L);
    });
  }
});

describe('§2.1 write-notify (vma_wants_writenotify / vma_set_page_prot)', () => {
  it('diskfs MAP_SHARED|PROT_WRITE: RW removed from vm_page_prot, VM_SHARED|VM_WRITE kept', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = L.file_create('d', 4 * PG, 'diskfs');
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    const vma = vmaAt(L, mm, BASE);
    expect(L.pgprot_val(vma.vm_page_prot)).toBe(P_READONLY);
    expect(vma.vm_flags & (L.VM_SHARED | L.VM_WRITE)).toBe(L.VM_SHARED | L.VM_WRITE);
    expectConsistent(L);
  });

  it('diskfs MAP_SHARED|PROT_WRITE|PROT_EXEC: the exec variant without RW', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = L.file_create('d', 4 * PG, 'diskfs');
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE | L.PROT_EXEC, L.MAP_SHARED, f);
    expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(P_READONLY_X);
    expectConsistent(L);
  });

  it('diskfs read-only shared and private mappings are not affected', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = L.file_create('d', 8 * PG, 'diskfs');
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ, L.MAP_SHARED, f);
    mapFile(L, mm, pg(16), 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE, f);
    expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(P_READONLY);
    expect(L.pgprot_val(vmaAt(L, mm, pg(16)).vm_page_prot)).toBe(P_READONLY);
    expectConsistent(L);
  });

  it('mprotect(PROT_READ|PROT_WRITE) of a diskfs shared mapping is write-notified too', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = L.file_create('d', 4 * PG, 'diskfs');
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ, L.MAP_SHARED, f);
    expect(L.mprotect(mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE)).toBe(0);
    expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(P_READONLY);
    expectConsistent(L);
  });

  it('a driver vma whose vm_ops has page_mkwrite is write-notified', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const dev = L.device_create('wn', {
      mmap(_file, vma) {
        vma.vm_ops = {
          fault: () => 2 /* VM_FAULT_SIGBUS */,
          page_mkwrite: () => 0,
        };
        return 0;
      },
    });
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, dev);
    expect(L.pgprot_val(vmaAt(L, mm, BASE).vm_page_prot)).toBe(P_READONLY);
    expectConsistent(L);
  });
});

describe('§2.1 pte bits and predicates through lookup_pte', () => {
  it('lookup_pte is null where no page table exists and changes nothing', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    expect(L.lookup_pte(mm, BASE)).toBeNull();
    expect(mm.nr_ptes).toBe(0);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectConsistent(L);
  });

  it('a write-faulted anonymous pte: P|RW|US|A|D, NX, not special, pfn = its page', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_none(pte)).toBe(false);
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(true);
    expect(L.pte_young(pte)).toBe(true);
    expect(L.pte_special(pte)).toBe(false);
    expect(L.pte_nx(pte)).toBe(true);
    const flags = L.pte_flags(pte);
    const want = L._PAGE_PRESENT | L._PAGE_RW | L._PAGE_USER | L._PAGE_ACCESSED | L._PAGE_DIRTY;
    // bits 0-9 only: bit 11 is SOFT_DIRTY, which pte_mkdirty also sets when the build has
    // CONFIG_MEM_SOFT_DIRTY (the semantics table lists it), so it is not pinned here.
    expect(flags & 0x3ff).toBe(want);
    const val = L.pte_val(pte);
    expect(val >> 63n).toBe(1n);
    expect(Number((val >> 12n) & ((1n << 34n) - 1n))).toBe(L.pte_pfn(pte));
    expect(L.pfn_valid(L.pte_pfn(pte))).toBe(true);
    // the neighbour pte in the same table is none
    const other = pteAt(L, mm, BASE + PG);
    expect(L.pte_none(other)).toBe(true);
    expect(L.pte_present(other)).toBe(false);
    expectConsistent(L);
  });

  it('an exec mapping gives ptes without NX', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG, L.PROT_READ | L.PROT_WRITE | L.PROT_EXEC);
    L.user_write(mm, BASE, new Uint8Array([1]));
    expect(L.pte_nx(pteAt(L, mm, BASE))).toBe(false);
    expectConsistent(L);
  });

  it('a PROT_NONE pte (PROTNONE, PRESENT clear) still counts as pte_present', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.user_write(mm, BASE, new Uint8Array([7]));
    expect(L.mprotect(mm, BASE, PG, L.PROT_NONE)).toBe(0);
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_flags(pte) & L._PAGE_PRESENT).toBe(0);
    expect(L.pte_flags(pte) & L._PAGE_GLOBAL).toBe(L._PAGE_GLOBAL); // bit 8 = PROTNONE here
    expect(L.pte_present(pte)).toBe(true);
    expect(L.pte_none(pte)).toBe(false);
    expectConsistent(L);
  });
});

describe('§2.1 page tables exist only where used; nr_ptes accounting', () => {
  it('one pte table per touched 2 MiB region', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 << 20); // two 2 MiB regions
    expect(mm.nr_ptes).toBe(0);
    L.touch(mm, BASE, PG, 'w');
    expect(mm.nr_ptes).toBe(1);
    L.touch(mm, BASE + 100 * PG, PG, 'r');
    expect(mm.nr_ptes).toBe(1);
    L.touch(mm, BASE + (2 << 20), PG, 'w');
    expect(mm.nr_ptes).toBe(2);
    expect(pteNone(L, mm, BASE + (3 << 20))).toBe(true);
    expectConsistent(L);
  });

  it('a zap never frees page tables (madvise DONTNEED keeps nr_ptes)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 << 20);
    L.touch(mm, BASE, 8 * PG, 'w');
    expect(mm.nr_ptes).toBe(1);
    expect(L.madvise(mm, BASE, 2 << 20, L.MADV_DONTNEED)).toBe(0);
    expect(mm.nr_ptes).toBe(1);
    expect(L.lookup_pte(mm, BASE)).not.toBeNull();
    expect(L.pte_none(pteAt(L, mm, BASE))).toBe(true);
    expectConsistent(L);
  });

  it('ptes of file pages reflect vm_page_prot: a read fault of a shared tmpfs mapping is RW but clean', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    const f = fileWithPages(L, 't', 4, 'tmpfs');
    mapFile(L, mm, BASE, 4 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_SHARED, f);
    L.touch(mm, BASE, PG, 'r');
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_write(pte)).toBe(true);
    expect(L.pte_dirty(pte)).toBe(false);
    expect(L.pte_young(pte)).toBe(true);
    expectConsistent(L);
  });
});
