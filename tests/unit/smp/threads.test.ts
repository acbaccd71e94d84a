// run_threads: kernel-call loops on CPUs interleaved by simulated time, with the others
// catching up at gup's retry (the kernel's cond_resched): Dirty COW raced on two CPUs.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';

const PG = 4096;
const bytes = (t: string): Uint8Array => Uint8Array.from(t, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => String.fromCharCode(...b);

/** A read-only file mapped private and read-only, and the Dirty COW threads racing on it. */
function race(dirty_cow_fix: boolean, madviseThink: number, seed = 1) {
  const L = createLab({ ram_mb: 32, cpus: 2, seed, dirty_cow_fix });
  const f = L.file_create('passwd', PG, 'ramfs');
  L.file_write(f, 0, bytes('root:x:0:0'));
  const mm = L.mm_alloc();
  const addr = L.mmap(mm, 0, PG, L.PROT_READ, L.MAP_PRIVATE, L.file_open(f, 'r'), 0);
  const written = () => text(L.file_read(f, 0, 4)) === 'hack';
  L.trace_start(['thread_run']);
  const r = L.run_threads([
    { cpu: 0, run: () => L.proc_mem_rw(mm, addr, bytes('hack'), 4, true) },
    { cpu: 1, run: () => L.madvise(mm, addr, PG, L.MADV_DONTNEED), think_cycles: madviseThink },
  ], { until: written, max_iterations: 300 });
  const events = L.trace_stop();
  return { L, r, written: written(), events, invariants: L.check_invariants(), mine: text(L.user_read(mm, addr, 4)) };
}

describe('run_threads', () => {
  it('4.7.4: a madvise that lands between the COW break and the retry makes the forced write reach the file', () => {
    const { r, written, events, invariants } = race(false, 8000);
    expect(written).toBe(true);
    expect(r.stopped).toBe(true);
    expect(r.preemptions).toBeGreaterThan(0);
    expect(events.some((e) => e['cpu'] === 1 && e['inside'] === 0)).toBe(true); // CPU 1 ran inside CPU 0's write
    expect(invariants).toEqual([]);
  });

  it('with dirty_cow_fix the same race never writes the file; the writes land in COW copies', () => {
    const { r, written, mine, invariants } = race(true, 8000);
    expect(written).toBe(false);
    expect(r.stopped).toBe(false);
    expect(r.threads.map((t) => t.iterations)).toEqual([300, 300]);
    expect(mine).toBe('hack');
    expect(invariants).toEqual([]);
  });

  it('a madvise loop faster than the COW fault always zaps the fresh copy first, so the window is never reached', () => {
    expect(race(false, 1000).written).toBe(false);
  });

  it('is reproducible: the same seed gives the same interleaving', () => {
    const a = race(false, 12000, 7), b = race(false, 12000, 7);
    expect(a.r).toEqual(b.r);
    expect(a.events.map((e) => [e['cpu'], e['i'], e['inside'], e['t']])).toEqual(b.events.map((e) => [e['cpu'], e['i'], e['inside'], e['t']]));
  });

  it('rejects bad threads with a TypeError and runs nothing', () => {
    const L = createLab({ ram_mb: 16, cpus: 2 });
    let calls = 0;
    const run = () => { calls++; };
    expect(() => L.run_threads([])).toThrow(TypeError);
    expect(() => L.run_threads([{ cpu: 2, run }])).toThrow(/cpu 2 does not exist/);
    expect(() => L.run_threads([{ cpu: 0, run }, { cpu: 0, run }])).toThrow(/two threads/);
    expect(() => L.run_threads([{ cpu: 0, run, think_cycles: 0 }])).toThrow(/think_cycles/);
    expect(() => L.run_threads([{ cpu: 0, run: 5 as unknown as () => void }])).toThrow(/must be a function/);
    expect(calls).toBe(0);
    expect(L.run_threads([{ cpu: 0, run, iterations: 3 }, { cpu: 1, run, iterations: 2 }]).threads.map((t) => t.iterations)).toEqual([3, 2]);
    expect(calls).toBe(5);
  });
});
