// cycles_to_ns / CPU_GHZ: scripts turn simulated cycles into simulated nanoseconds at the
// modelled clock, the same conversion the page_fault tracepoint's sim_ns uses.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';

describe('cycles_to_ns', () => {
  it('converts at the modelled clock (CPU_GHZ, the test machine\'s 2.445 GHz TSC)', () => {
    const L = createLab({ ram_mb: 8, cpus: 1 });
    expect(L.CPU_GHZ).toBe(2.445);
    expect(L.cycles_to_ns(2445)).toBeCloseTo(1000, 9);
    expect(L.cycles_to_ns(0)).toBe(0);
  });

  it('agrees with the sim_ns of a traced fault', () => {
    const L = createLab({ ram_mb: 8, cpus: 1 });
    const mm = L.mm_alloc();
    const a = L.mmap(mm, 0, L.PAGE_SIZE, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
    L.trace_start(['page_fault']);
    L.touch(mm, a, L.PAGE_SIZE, 'w');
    const [ev] = L.trace_stop() as unknown as { cycles: number; sim_ns: number }[];
    expect(ev!.cycles).toBeGreaterThan(0);
    expect(L.cycles_to_ns(ev!.cycles)).toBe(ev!.sim_ns);
  });

  it('refuses what is not a finite number', () => {
    const L = createLab({ ram_mb: 8, cpus: 1 });
    expect(() => L.cycles_to_ns('12' as never)).toThrow(TypeError);
    expect(() => L.cycles_to_ns(NaN)).toThrow(/finite number/);
  });
});
