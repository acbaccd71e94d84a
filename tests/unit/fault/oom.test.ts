// §4 VM_FAULT_OOM on a user access, through fail_next('page_alloc' | 'pte_alloc').
//
// The faithful outcome: on x86 4.7, mm_fault_error() with VM_FAULT_OOM for a user-mode fault
// releases mmap_sem and calls pagefault_out_of_memory(), which runs the OOM killer, and then
// returns to user space, where the faulting instruction is simply retried. The task never gets
// SIGSEGV or SIGBUS for it. So:
//   - one failed allocation: the access completes on the retry (two #PF exceptions are taken)
//     and the OOM killer has said so in dmesg;
//   - an allocation that keeps failing: the OOM killer's victim is killed (SIGKILL); the lab
//     throws for the access. We require only that it is not reported as SIGSEGV, SIGBUS or a
//     KernelBug, and that nothing was half-done.
// In both cases the failed attempt must leave the pte none and every counter unchanged.
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, caught, mapAnon, pteNone, pteAt, pfnAt, pageAt, forkOk, BASE, PG, pg, type Lab } from '../machine/helpers';

function expectOomKill(fn: () => unknown): void {
  const err = caught(fn);
  expect(err, 'an allocation that keeps failing must end the access').toBeInstanceOf(Error);
  expect(['SIGSEGV', 'SIGBUS', 'KernelBug']).not.toContain(err!.name);
}

/** Let any injected page_alloc failures that are still pending be used up. */
function drainPageAllocFailures(L: Lab): void {
  for (let i = 0; i < 1000; i++) {
    const p = L.alloc_page();
    if (p) {
      L.__free_page(p);
      return;
    }
  }
  throw new Error('page_alloc kept failing');
}

const oomInDmesg = (L: Lab): boolean => L.dmesg().some((l) => /oom/i.test(l));

describe('§4 do_anonymous_page: page allocation failure -> VM_FAULT_OOM', () => {
  it('one failure: the OOM killer runs and the retried access completes (2 faults)', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.user_write(mm, BASE, new Uint8Array([1])); // page table and anon_vma exist now
    const nr = mm.nr_ptes;
    L.fail_next('page_alloc');
    expect(L.touch(mm, pg(1), PG, 'w')).toBe(2);
    expect(oomInDmesg(L)).toBe(true);
    expect(L.tainted()).toBe(false);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(2);
    expect(mm.nr_ptes).toBe(nr);
    L.user_write(mm, pg(1), new Uint8Array([2]));
    expect(L.user_read(mm, pg(1), 1)[0]).toBe(2);
    expectConsistent(L);
  });

  it('a persistent failure kills the access; the pte stays none, rss unchanged; later accesses work', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.user_write(mm, BASE, new Uint8Array([1]));
    L.fail_next('page_alloc', 100);
    expectOomKill(() => L.user_write(mm, pg(1), new Uint8Array([2])));
    expect(L.tainted()).toBe(false);
    expect(pteNone(L, mm, pg(1))).toBe(true);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expect(L.user_read(mm, BASE, 1)[0]).toBe(1);
    expectConsistent(L);
    drainPageAllocFailures(L);
    L.user_write(mm, pg(1), new Uint8Array([2]));
    expect(L.user_read(mm, pg(1), 1)[0]).toBe(2);
    expectConsistent(L);
  });

  it('the zero-page read path needs no allocation', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.touch(mm, BASE, PG, 'w');
    L.fail_next('page_alloc', 100);
    expect(L.touch(mm, pg(1), 3 * PG, 'r')).toBe(3);
    expect(L.pte_special(pteAt(L, mm, pg(1)))).toBe(true);
    drainPageAllocFailures(L);
    expectConsistent(L);
  });

  it('a persistently failing zero-page COW keeps the zero-page pte', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.touch(mm, pg(1), PG, 'w');
    L.touch(mm, BASE, PG, 'r');
    const zpfn = L.pte_pfn(pteAt(L, mm, BASE));
    L.fail_next('page_alloc', 100);
    expectOomKill(() => L.touch(mm, BASE, PG, 'w'));
    const pte = pteAt(L, mm, BASE);
    expect(L.pte_special(pte)).toBe(true);
    expect(L.pte_pfn(pte)).toBe(zpfn);
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(1);
    expectConsistent(L);
    drainPageAllocFailures(L);
  });
});

describe('§4 wp_page_copy: page allocation failure -> VM_FAULT_OOM', () => {
  it('a persistently failing COW copy leaves the shared page mapped read-only in both processes', () => {
    const L = newLab();
    const parent = L.mm_alloc();
    mapAnon(L, parent, BASE, PG);
    L.user_write(parent, BASE, new Uint8Array([1]));
    const child = forkOk(L, parent);
    const p = pageAt(L, parent, BASE);
    L.fail_next('page_alloc', 100);
    expectOomKill(() => L.user_write(parent, BASE, new Uint8Array([2])));
    expect(L.tainted()).toBe(false);
    expect(pfnAt(L, parent, BASE)).toBe(L.page_to_pfn(p));
    expect(L.pte_write(pteAt(L, parent, BASE))).toBe(false);
    expect(L.page_mapcount(p)).toBe(2);
    expect(L.page_count(p)).toBe(2); // do_wp_page's extra reference was dropped again
    expect(L.user_read(child, BASE, 1)[0]).toBe(1);
    expect(L.user_read(parent, BASE, 1)[0]).toBe(1);
    expectConsistent(L);
    drainPageAllocFailures(L);
    L.user_write(parent, BASE, new Uint8Array([2]));
    expect(L.user_read(child, BASE, 1)[0]).toBe(1);
    expect(L.user_read(parent, BASE, 1)[0]).toBe(2);
    expectConsistent(L);
  });

  it('one failure: the retry makes the copy', () => {
    const L = newLab();
    const parent = L.mm_alloc();
    mapAnon(L, parent, BASE, PG);
    L.user_write(parent, BASE, new Uint8Array([1]));
    const child = forkOk(L, parent);
    const old = pfnAt(L, parent, BASE);
    L.fail_next('page_alloc');
    expect(L.touch(parent, BASE, PG, 'w')).toBe(2);
    expect(pfnAt(L, parent, BASE)).not.toBe(old);
    expect(pfnAt(L, child, BASE)).toBe(old);
    expectConsistent(L);
  });
});

describe("§4 __handle_mm_fault: pte table allocation failure (fail_next('pte_alloc')) -> VM_FAULT_OOM", () => {
  it('one failure: the retry allocates the table', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.fail_next('pte_alloc');
    expect(L.touch(mm, BASE, PG, 'w')).toBe(2);
    expect(mm.nr_ptes).toBe(1);
    expectConsistent(L);
  });

  it('a persistent failure: no table is left behind and nr_ptes is unchanged', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, PG);
    L.fail_next('pte_alloc', 100);
    expectOomKill(() => L.touch(mm, BASE, PG, 'w'));
    expect(mm.nr_ptes).toBe(0);
    expect(L.lookup_pte(mm, BASE)).toBeNull();
    expect(L.get_mm_counter(mm, L.MM_ANONPAGES)).toBe(0);
    expectConsistent(L);
  });
});

describe('§3.13 gup turns VM_FAULT_OOM into -ENOMEM: proc_mem_rw moves 0 bytes -> -EIO', () => {
  it('a forced write to a fresh anonymous page whose allocation fails', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 2 * PG);
    L.touch(mm, BASE, PG, 'w');
    L.fail_next('page_alloc');
    expect(L.proc_mem_rw(mm, pg(1), new Uint8Array([1, 2]), 2, 1)).toBe(-L.EIO);
    expect(pteNone(L, mm, pg(1))).toBe(true);
    expectConsistent(L);
  });
});
