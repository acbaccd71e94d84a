// §3.13 [ver-cow]: the Dirty COW (CVE-2016-5195) window of 4.7.4's faultin_page, driven
// deterministically on one thread: the machine's gup retry hook runs MADV_DONTNEED between the
// COW fault and gup's retry, which is where the second thread of the real exploit races.
import { describe, it, expect } from 'vitest';
import { createLab, labMachine, Lab } from '../../../src-engine/lab';

const PG = 4096;

/** A read-only file mapped MAP_PRIVATE|PROT_READ by a fresh mm; returns the pieces. */
function setup(dirty_cow_fix: boolean) {
  const L = createLab({ ram_mb: 32, dirty_cow_fix });
  const f = L.file_create('passwd', PG, 'ramfs');
  L.file_write(f, 0, new TextEncoder().encode('root:x:0:0'));
  const ro = L.file_open(f, 'r');
  const mm = L.mm_alloc();
  const addr = L.mmap(mm, 0, PG, L.PROT_READ, L.MAP_PRIVATE, ro, 0);
  return { L, f, mm, addr };
}

const FOLL_WRITE = 1;

/**
 * Arrange for MADV_DONTNEED of the page to run once, in the window the exploit's second thread
 * aims for: after the COW break (when 4.7.4 has dropped FOLL_WRITE), before gup's retry.
 * With the fix FOLL_WRITE is never dropped, so the race is taken at the same point instead.
 */
function raceOnce(L: Lab, mm: ReturnType<Lab['mm_alloc']>, addr: number): () => number {
  let raced = 0, cowBroken = false;
  labMachine(L).gupRetryHook = (_vma, _address, flags) => {
    const fixed = L.machine_config().dirty_cow_fix;
    const window = fixed ? cowBroken : !(flags & FOLL_WRITE);
    cowBroken = L.lookup_pte(mm, addr) !== null && L.pte_dirty(L.lookup_pte(mm, addr)!);
    if (window && raced++ === 0) expect(L.madvise(mm, addr, PG, L.MADV_DONTNEED)).toBe(0);
  };
  return () => raced;
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('§3.13 [ver-cow] Dirty COW through /proc/pid/mem', () => {
  it('without the race, a forced write lands in a private COW copy and the file is unchanged', () => {
    const { L, f, mm, addr } = setup(false);
    expect(L.proc_mem_rw(mm, addr, new TextEncoder().encode('hack'), 4, true)).toBe(4);
    expect(text(L.file_read(f, 0, 4))).toBe('root');
    expect(text(L.user_read(mm, addr, 4))).toBe('hack');
    const pte = L.lookup_pte(mm, addr)!;
    expect(L.pte_dirty(pte)).toBe(true); // the COW copy is dirty but never writable (no VM_WRITE)
    expect(L.pte_write(pte)).toBe(false);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(L.check_invariants()).toEqual([]);
  });

  it('4.7.4: MADV_DONTNEED between the COW fault and the retry makes the write reach the page cache', () => {
    const { L, f, mm, addr } = setup(false);
    const raced = raceOnce(L, mm, addr);
    expect(L.proc_mem_rw(mm, addr, new TextEncoder().encode('hack'), 4, true)).toBe(4);
    expect(raced()).toBeGreaterThan(0);
    expect(text(L.file_read(f, 0, 10))).toBe('hack:x:0:0'); // the read-only file was written
    expect(L.check_invariants()).toEqual([]);
  });

  it('4.7.9 FOLL_COW fix: the same race leaves the file unchanged and writes a fresh COW copy', () => {
    const { L, f, mm, addr } = setup(true);
    const raced = raceOnce(L, mm, addr);
    expect(L.proc_mem_rw(mm, addr, new TextEncoder().encode('hack'), 4, true)).toBe(4);
    expect(raced()).toBeGreaterThan(0);
    expect(text(L.file_read(f, 0, 10))).toBe('root:x:0:0');
    expect(text(L.user_read(mm, addr, 4))).toBe('hack');
    expect(L.check_invariants()).toEqual([]);
  });
});
