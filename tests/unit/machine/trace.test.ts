// SCRIPTING-API trace_start / trace_stop: the page_fault tracepoint
// ({ name: 'page_fault', cpu, mm, address, write, type, cycles, ns }).
import { describe, it, expect } from 'vitest';
import { newLab, expectConsistent, mapAnon, BASE, PG, pg } from './helpers';

type Ev = { name: string; [k: string]: unknown };

function faults(events: readonly unknown[]): Ev[] {
  return (events as Ev[]).filter((e) => e.name === 'page_fault');
}

describe('trace events: page_fault', () => {
  it('one event per fault, with cpu, mm, the exact faulting address, write, type, cycles and ns', () => {
    const L = newLab({ ram_mb: 64, cpus: 2 });
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.trace_start(['page_fault']);
    L.user_write(mm, BASE + 100, new Uint8Array([1]));
    L.user_read(mm, pg(1) + 7, 1, 1);
    const evs = L.trace_stop() as unknown as Ev[];
    expect(evs.every((e) => e.name === 'page_fault')).toBe(true);
    expect(evs.length).toBe(2);
    const [w, r] = evs as [Ev, Ev];
    // x86 reports cr2, the exact byte address (trace_page_fault_user)
    expect(w.address).toBe(BASE + 100);
    expect(Boolean(w.write)).toBe(true);
    expect(w.cpu).toBe(0);
    expect(r.address).toBe(pg(1) + 7);
    expect(Boolean(r.write)).toBe(false);
    expect(r.cpu).toBe(1);
    for (const e of evs) {
      expect(e.mm).toBeDefined();
      expect(e.type).toBeDefined();
      expect(typeof e.cycles).toBe('number');
      expect(typeof e.ns).toBe('number');
      expect(e.cycles as number).toBeGreaterThanOrEqual(0);
      expect(e.ns as number).toBeGreaterThanOrEqual(0);
    }
    expect(w.mm).toEqual(r.mm);
    expectConsistent(L);
  });

  it('distinguishes the mm of each process', () => {
    const L = newLab();
    const a = L.mm_alloc();
    const b = L.mm_alloc();
    mapAnon(L, a, BASE, PG);
    mapAnon(L, b, BASE, PG);
    L.trace_start(['page_fault']);
    L.touch(a, BASE, PG, 'w');
    L.touch(b, BASE, PG, 'w');
    const [ea, eb] = faults(L.trace_stop()) as [Ev, Ev];
    expect(ea.mm).not.toEqual(eb.mm);
  });

  it('no event for an access that hits a present pte, one per page that faults', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.touch(mm, BASE, PG, 'w');
    L.trace_start(['page_fault']);
    expect(L.touch(mm, BASE, 4 * PG, 'w')).toBe(3);
    const evs = faults(L.trace_stop());
    expect(evs.map((e) => e.address)).toEqual([pg(1), pg(2), pg(3)]);
  });

  it('a SIGSEGV access still records its fault', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    L.trace_start(['page_fault']);
    expect(() => L.user_read(mm, BASE, 1)).toThrow();
    const evs = faults(L.trace_stop());
    expect(evs.length).toBe(1);
    expect(evs[0]!.address).toBe(BASE);
    expectConsistent(L);
  });

  it('trace_start(names) filters; trace_stop ends recording', () => {
    const L = newLab();
    const mm = L.mm_alloc();
    mapAnon(L, mm, BASE, 4 * PG);
    L.trace_start(['page_fault']);
    L.touch(mm, BASE, PG, 'w');
    expect(L.madvise(mm, BASE, PG, L.MADV_DONTNEED)).toBe(0); // would emit tlb_flush / notifier events
    const evs = L.trace_stop() as unknown as Ev[];
    expect(evs.length).toBeGreaterThan(0);
    expect(evs.every((e) => e.name === 'page_fault')).toBe(true);
    // after trace_stop nothing is recorded into the returned array
    L.touch(mm, pg(1), PG, 'w');
    expect(evs.length).toBe(1);
    L.trace_start();
    L.touch(mm, pg(2), PG, 'w');
    const all = L.trace_stop() as unknown as Ev[];
    expect(faults(all).length).toBe(1);
  });
});
