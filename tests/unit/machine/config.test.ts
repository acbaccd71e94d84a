// SCRIPTING-API "The machine": machine_config / reset_machine / pfn_valid / constants.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';
import { newLab, expectConsistent, NX } from './helpers';

describe('machine_config() defaults', () => {
  it('a lab created without a config has the fixed defaults (ram_mb 256, pat/debug_vm/swap/dirty_cow_fix off)', () => {
    const L = createLab();
    const c = L.machine_config();
    expect(c.ram_mb).toBe(256);
    expect(c.pat).toBe(false);
    expect(c.debug_vm).toBe(false);
    expect(c.swap).toBe(false);
    expect(c.dirty_cow_fix).toBe(false);
    expect(typeof c.cpus).toBe('number');
    expect(c.cpus).toBeGreaterThanOrEqual(1);
    expect(c).toHaveProperty('seed');
    expectConsistent(L);
  });

  it('a partial config merges over the defaults', () => {
    const L = createLab({ ram_mb: 64 });
    const c = L.machine_config();
    expect(c.ram_mb).toBe(64);
    expect(c.pat).toBe(false);
    expect(c.debug_vm).toBe(false);
    expect(c.swap).toBe(false);
    expect(c.dirty_cow_fix).toBe(false);
  });

  it('each key can be set', () => {
    const L = createLab({ ram_mb: 32, cpus: 2, seed: 7, pat: true, debug_vm: true, swap: true, dirty_cow_fix: true });
    const c = L.machine_config();
    expect(c.ram_mb).toBe(32);
    expect(c.cpus).toBe(2);
    expect(c.seed).toBe(7);
    expect(c.pat).toBe(true);
    expect(c.debug_vm).toBe(true);
    expect(c.swap).toBe(true);
    expect(c.dirty_cow_fix).toBe(true);
    expectConsistent(L);
  });
});

describe('TLB sizes in the machine config', () => {
  it('changing only tlb_l1_entries keeps a fully associative L1 of that size (ways above the entries mean fully associative)', () => {
    const L = createLab({ ram_mb: 16, cpus: 1, tlb_l1_entries: 32 });
    const mm = L.mm_alloc();
    const base = L.mmap(mm, 0, 64 * L.PAGE_SIZE, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_POPULATE);
    const l1Rate = (pages: number): number | null => {
      const job = { cpu: 0, mm, workload: { kind: 'strided' as const, base, pages, stride: L.PAGE_SIZE, write_fraction: 0, accesses: pages, seed: 1 } };
      L.run_workloads([job]);
      return L.run_workloads([{ ...job, workload: { ...job.workload, accesses: 4 * pages } }]).stats.formulas['l1_tlb_hit_rate']!.value;
    };
    expect(l1Rate(32)).toBe(1);
    expect(l1Rate(33)).toBe(0);
    expect(() => createLab({ ram_mb: 16, cpus: 1, tlb_l1_entries: 96 })).toThrow(/multiple of l1_ways/); // 64-way sets of 96 entries do not exist
  });
});

describe('reset_machine(config?)', () => {
  it('merges a partial config over the defaults, not over the previous config', () => {
    // "partial configs merge over the defaults": the previous machine's ram_mb
    // is not inherited by reset_machine({ swap: true }).
    const L = newLab({ ram_mb: 32 });
    L.reset_machine({ swap: true });
    const c = L.machine_config();
    expect(c.swap).toBe(true);
    expect(c.ram_mb).toBe(256);
    L.reset_machine({ ram_mb: 32 });
    expect(L.machine_config().swap).toBe(false);
    expect(L.machine_config().ram_mb).toBe(32);
    expectConsistent(L);
  });

  it('gives a fresh, consistent machine that the same bound functions drive', () => {
    const L = newLab({ ram_mb: 32 });
    const { mm_alloc, mmap, touch, reset_machine, get_mm_counter, check_invariants, pfn_valid } = L;
    const mm = mm_alloc();
    expect(mmap(mm, 0x40000000, 4 * 4096, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(0x40000000);
    expect(touch(mm, 0x40000000, 4 * 4096, 'w')).toBe(4);
    reset_machine({ ram_mb: 16 });
    expect(check_invariants()).toEqual([]);
    expect(L.tainted()).toBe(false);
    const mm2 = mm_alloc();
    expect(mm2.map_count).toBe(0);
    expect(get_mm_counter(mm2, L.MM_ANONPAGES)).toBe(0);
    // the new RAM size is in force
    expect(pfn_valid(16 * 256 - 1)).toBe(true);
    expect(pfn_valid(16 * 256)).toBe(false);
  });

  it('clears the taint and the BUG report of the previous machine', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    expect(L.mmap(mm, 0x40000000, 4096, L.PROT_READ, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED)).toBe(0x40000000);
    // vm_insert_pfn on a vma that is neither VM_PFNMAP nor VM_MIXEDMAP: BUG_ON (§3.7 check 1)
    let err: unknown;
    try {
      L.vm_insert_pfn(L.find_vma(mm, 0x40000000)!, 0x40000000, 0xc0000);
    } catch (e) {
      err = e;
    }
    expect((err as Error).name).toBe('KernelBug');
    expect(L.tainted()).toBe(true);
    L.reset_machine({ ram_mb: 16 });
    expect(L.tainted()).toBe(false);
    expect(L.check_invariants()).toEqual([]);
  });
});

describe('§2.5 pfn_valid: RAM from pfn 0 up, MMIO has no struct page', () => {
  it('is true for every RAM pfn and false past the end of RAM', () => {
    const L = newLab({ ram_mb: 64 });
    const ramPages = 64 * 256;
    expect(L.pfn_valid(0)).toBe(true);
    expect(L.pfn_valid(1234)).toBe(true);
    expect(L.pfn_valid(ramPages - 1)).toBe(true);
    expect(L.pfn_valid(ramPages)).toBe(false);
  });

  it('is false for the default MMIO region (16 MiB at 0xC0000000, pfn 0xC0000..0xC0FFF)', () => {
    const L = newLab({ ram_mb: 64 });
    expect(L.pfn_valid(0xc0000)).toBe(false);
    expect(L.pfn_valid(0xc0000 + 4095)).toBe(false);
  });

  it('tracks ram_mb', () => {
    const L = newLab({ ram_mb: 128 });
    expect(L.pfn_valid(128 * 256 - 1)).toBe(true);
    expect(L.pfn_valid(128 * 256)).toBe(false);
  });
});

describe('constants (Linux 4.7 x86-64 values)', () => {
  it('page geometry', () => {
    const L = newLab();
    expect(L.PAGE_SIZE).toBe(4096);
    expect(L.PAGE_SHIFT).toBe(12);
  });

  it('errno values', () => {
    const L = newLab();
    expect([L.EPERM, L.EINTR, L.EIO, L.ENOMEM, L.EACCES, L.EFAULT, L.EBUSY, L.EEXIST, L.EINVAL, L.ENOSPC, L.EAGAIN, L.ENOSYS])
      .toEqual([1, 4, 5, 12, 13, 14, 16, 17, 22, 28, 11, 38]);
  });

  it('§2.2 vm_flags values', () => {
    const L = newLab();
    expect(L.VM_NONE).toBe(0);
    expect(L.VM_READ).toBe(0x1);
    expect(L.VM_WRITE).toBe(0x2);
    expect(L.VM_EXEC).toBe(0x4);
    expect(L.VM_SHARED).toBe(0x8);
    expect(L.VM_MAYREAD).toBe(0x10);
    expect(L.VM_MAYWRITE).toBe(0x20);
    expect(L.VM_MAYEXEC).toBe(0x40);
    expect(L.VM_MAYSHARE).toBe(0x80);
    expect(L.VM_GROWSDOWN).toBe(0x100);
    expect(L.VM_PFNMAP).toBe(0x400);
    expect(L.VM_DENYWRITE).toBe(0x800);
    expect(L.VM_LOCKED).toBe(0x2000);
    expect(L.VM_IO).toBe(0x4000);
    expect(L.VM_SEQ_READ).toBe(0x8000);
    expect(L.VM_RAND_READ).toBe(0x10000);
    expect(L.VM_DONTCOPY).toBe(0x20000);
    expect(L.VM_DONTEXPAND).toBe(0x40000);
    expect(L.VM_ACCOUNT).toBe(0x100000);
    expect(L.VM_NORESERVE).toBe(0x200000);
    expect(L.VM_HUGETLB).toBe(0x400000);
    expect(L.VM_PAT).toBe(0x1000000);
    expect(L.VM_DONTDUMP).toBe(0x4000000);
    expect(L.VM_MIXEDMAP).toBe(0x10000000);
  });

  it('mmap / madvise / prot constants (x86-64 uapi)', () => {
    const L = newLab();
    expect([L.PROT_NONE, L.PROT_READ, L.PROT_WRITE, L.PROT_EXEC]).toEqual([0, 1, 2, 4]);
    expect(L.MAP_SHARED).toBe(0x01);
    expect(L.MAP_PRIVATE).toBe(0x02);
    expect(L.MAP_FIXED).toBe(0x10);
    expect(L.MAP_ANONYMOUS).toBe(0x20);
    expect(L.MAP_GROWSDOWN).toBe(0x100);
    expect(L.MAP_LOCKED).toBe(0x2000);
    expect(L.MAP_POPULATE).toBe(0x8000);
    expect([L.MADV_NORMAL, L.MADV_RANDOM, L.MADV_SEQUENTIAL, L.MADV_WILLNEED, L.MADV_DONTNEED]).toEqual([0, 1, 2, 3, 4]);
    expect(L.MADV_DONTFORK).toBe(10);
    expect(L.MADV_DOFORK).toBe(11);
  });

  it('§2.3 rss counter indices', () => {
    const L = newLab();
    expect([L.MM_FILEPAGES, L.MM_ANONPAGES, L.MM_SWAPENTS, L.MM_SHMEMPAGES]).toEqual([0, 1, 2, 3]);
  });

  it('§2.1 pte flag bits 0-9', () => {
    const L = newLab();
    expect(L._PAGE_PRESENT).toBe(1 << 0);
    expect(L._PAGE_RW).toBe(1 << 1);
    expect(L._PAGE_USER).toBe(1 << 2);
    expect(L._PAGE_PWT).toBe(1 << 3);
    expect(L._PAGE_PCD).toBe(1 << 4);
    expect(L._PAGE_ACCESSED).toBe(1 << 5);
    expect(L._PAGE_DIRTY).toBe(1 << 6);
    expect(L._PAGE_PSE).toBe(1 << 7);
    expect(L._PAGE_GLOBAL).toBe(1 << 8);
    expect(L._PAGE_SPECIAL).toBe(1 << 9);
  });

  it('§2.1 user protections: PAGE_NONE = PROTNONE|ACCESSED, the others P|US|A (+RW for shared) with NX unless _EXEC', () => {
    const L = newLab();
    const v = L.pgprot_val;
    expect(v(L.PAGE_NONE)).toBe(0x120n);
    expect(v(L.PAGE_SHARED)).toBe(0x27n | NX);
    expect(v(L.PAGE_SHARED_EXEC)).toBe(0x27n);
    expect(v(L.PAGE_COPY)).toBe(0x25n | NX);
    expect(v(L.PAGE_COPY_EXEC)).toBe(0x25n);
    expect(v(L.PAGE_READONLY)).toBe(0x25n | NX);
    expect(v(L.PAGE_READONLY_EXEC)).toBe(0x25n);
  });

  it('§2.1 PAGE_KERNEL is present, writable, dirty, accessed, global, NX and not USER', () => {
    const L = newLab();
    // __PAGE_KERNEL = P|RW|DIRTY|ACCESSED|GLOBAL|NX in 4.7; __PAGE_KERNEL_IO = __PAGE_KERNEL.
    expect(L.pgprot_val(L.PAGE_KERNEL)).toBe(0x163n | NX);
    expect(L.pgprot_val(L.PAGE_KERNEL_IO)).toBe(0x163n | NX);
  });

  it('§2.1 __pgprot / pgprot_val round-trip 64-bit values, including NX at bit 63', () => {
    const L = newLab();
    expect(L.pgprot_val(L.__pgprot(0x8000000000000027n))).toBe(0x8000000000000027n);
    expect(L.pgprot_val(L.__pgprot(0x25n))).toBe(0x25n);
  });

  it('§2.1 pgprot_noncached adds PCD (x86: cachemode2protval(_PAGE_CACHE_MODE_UC_MINUS) = _PAGE_PCD)', () => {
    const L = newLab();
    // x86 pgprot_noncached -> cachemode2protval(_PAGE_CACHE_MODE_UC_MINUS) which, with the
    // default (PAT off) translation table, is _PAGE_PCD. Only check the bits it must set/keep.
    const nc = L.pgprot_val(L.pgprot_noncached(L.PAGE_SHARED));
    expect(nc & 0x10n).toBe(0x10n);
    expect(nc & (0x27n | NX)).toBe(0x27n | NX);
  });
});
