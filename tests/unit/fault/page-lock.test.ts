// The page lock (PG_locked as a bit lock, mm/filemap.ts): taking, trying and releasing it on
// a real machine, and the DeadlockError a thread gets when it would wait for a page it holds.
import { describe, it, expect } from 'vitest';
import { Machine } from '../../../src-engine/machine';
import { lock_page, trylock_page, unlock_page } from '../../../src-engine/mm/filemap';
import { alloc_pages, put_page } from '../../../src-engine/mm/mm';
import { GFP_HIGHUSER_MOVABLE } from '../../../src-engine/mm/page_alloc';
import { PG_locked } from '../../../src-engine/mm/page';
import { DeadlockError, lockWaits } from '../../../src-engine/kernel/locking';

/** A fresh 16 MiB machine and one page of it. */
function machineWithPage(): { m: Machine; pfn: number } {
  const m = new Machine({ ram_mb: 16 });
  const pfn = alloc_pages(m, GFP_HIGHUSER_MOVABLE, 0);
  if (pfn === null) throw new Error('no page');
  return { m, pfn };
}

describe('lock_page / trylock_page / unlock_page', () => {
  it('lock sets PG_locked, trylock fails while it is held, unlock releases it', () => {
    const { m, pfn } = machineWithPage();
    lock_page(m, pfn);
    expect(m.mem.test(pfn, PG_locked)).toBe(true);
    expect(trylock_page(m, pfn)).toBe(false);
    unlock_page(m, pfn);
    expect(m.mem.test(pfn, PG_locked)).toBe(false);
    expect(trylock_page(m, pfn)).toBe(true);
    unlock_page(m, pfn);
    put_page(m, pfn);
  });

  it('on one thread, locking a page already locked is a DeadlockError, and the lock stays held', () => {
    const { m, pfn } = machineWithPage();
    lock_page(m, pfn);
    expect(() => lock_page(m, pfn)).toThrow(DeadlockError);
    expect(m.mem.test(pfn, PG_locked)).toBe(true);
    unlock_page(m, pfn);
    put_page(m, pfn);
  });

  it('when waits may block (CPUs on workers), a thread waiting for a page it holds itself still gets a DeadlockError at once', () => {
    const { m, pfn } = machineWithPage();
    const was = lockWaits.blocking;
    lockWaits.blocking = true;
    try {
      lock_page(m, pfn);
      expect(() => lock_page(m, pfn)).toThrow(/locked by this same thread/);
      unlock_page(m, pfn);
      lock_page(m, pfn); // released and tracked as released: taking it again works
      unlock_page(m, pfn);
    } finally { lockWaits.blocking = was; }
    put_page(m, pfn);
  });
});
