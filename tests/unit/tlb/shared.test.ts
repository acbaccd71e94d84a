// All state lives in the SharedArrayBuffer: a second TlbHierarchy attached to the same buffer
// (on this thread or on a worker) sees the same entries, replacement state and counters.
import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { TlbHierarchy, TLB_HIT_L1 } from '../../../src-engine/arch/x86/mm/tlb_hw';
import { FLAGS, access, cyclic, tlb } from './helpers';

/** Runs tlb-worker.ts on a worker thread (TypeScript through tsx) and resolves with its message. */
function runWorker(buffer: SharedArrayBuffer, pages: number): Promise<{ hits: number }> {
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./tlb-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)}))`;
  const w = new Worker(boot, { eval: true, workerData: { buffer, pages } });
  return new Promise((resolve, reject) => {
    w.once('message', (msg: { hits: number }) => void w.terminate().then(() => resolve(msg)));
    w.once('error', reject);
  });
}

describe('a hierarchy attached to the same buffer', () => {
  it('sees the same entries and counters, and its changes are seen by the first', () => {
    const a = tlb({ pcid: true, pwc_entries: 8, policy: 'plru' });
    for (let v = 0; v < 100; v++) access(a, v, 1);
    const b = TlbHierarchy.attach(a.buffer);
    expect(b.geometry).toEqual(a.geometry);
    expect(b.entries()).toEqual(a.entries());
    expect(b.stats()).toEqual(a.stats());
    expect(b.lookup(99, 1)).toBe(a.entries().l1.find((e) => e.vpn === 99)!.pfn);
    expect(b.lastLevel).toBe(TLB_HIT_L1);
    b.invalidatePage(99, 1);
    b.insert(500, 1, 5, FLAGS);
    expect(a.holds(99, 1)).toBe(0);
    expect(a.lookup(500, 1)).toBe(5);
    expect(a.stats()).toEqual(b.stats());
  });

  it('the constructor attaches too, given the same geometry', () => {
    const a = tlb({ l2_ways: 8 });
    for (let v = 0; v < 10; v++) access(a, v);
    const b = new TlbHierarchy({ l2_ways: 8 }, a.buffer);
    expect(b.entries()).toEqual(a.entries());
  });

  it('continues the random policy\'s sequence from the shared rng state', () => {
    const g = { l1_entries: 4, l1_ways: 4, l2_entries: 8, l2_ways: 8, policy: 'random' as const, seed: 7 };
    const one = tlb(g);
    const two = tlb(g);
    for (let i = 0; i < 50; i++) { access(one, i % 13); access(two, i % 13); }
    const attached = TlbHierarchy.attach(one.buffer);
    for (let i = 0; i < 50; i++) { access(attached, i % 17); access(two, i % 17); }
    expect(one.entries()).toEqual(two.entries());
  });

  it('rejects a buffer of another geometry, a too small one, and a non-shared one', () => {
    const a = tlb();
    expect(() => new TlbHierarchy({ policy: 'random' }, a.buffer)).toThrow(/buffer holds a TLB of geometry/);
    expect(() => new TlbHierarchy({ l2_entries: 4096 }, a.buffer)).toThrow(/too small/);
    expect(() => TlbHierarchy.attach(new SharedArrayBuffer(4096))).toThrow(/does not hold a TlbHierarchy/);
    expect(() => TlbHierarchy.attach(new ArrayBuffer(1 << 16) as unknown as SharedArrayBuffer)).toThrow(TypeError);
  });

  it('a worker thread owns the TLB; the main thread reads its stats and entries', async () => {
    const t = tlb();
    const { hits } = await runWorker(t.buffer, 48);
    const s = t.stats();
    expect(s.l1_hits).toBe(hits);
    expect(s).toMatchObject({ misses: 48, l1_hits: 48 * 9, l1_hit_rate: 0.9 });
    expect(t.entries().l1).toHaveLength(48);
  });
});

describe('counters', () => {
  it('resetStats zeroes the counters and keeps the entries', () => {
    const t = tlb();
    cyclic(t, 10);
    t.resetStats();
    expect(Object.values(t.stats()).every((v) => v === 0)).toBe(true);
    expect(t.lookup(0x4_0000, 0)).toBeGreaterThanOrEqual(0);
  });

  it('are 64-bit: the low word carries into the high word', () => {
    const t = tlb();
    access(t, 1);
    const words = new Int32Array(t.buffer);
    const before = Int32Array.from(words);
    t.lookup(1, 0); // one L1 hit on the MRU entry changes only the l1_hits counter
    const changed = words.findIndex((w, i) => w !== before[i]);
    expect(words[changed]).toBe(1);
    words[changed] = -1; // 2^32 - 1 hits
    t.lookup(1, 0);
    expect(t.stats().l1_hits).toBe(2 ** 32);
    t.lookup(1, 0);
    expect(t.stats().l1_hits).toBe(2 ** 32 + 1);
  });

  it('each counter has a unit and a description; the ratios are derived', async () => {
    const { TLB_STATS, TLB_DERIVED_STATS } = await import('../../../src-engine/arch/x86/mm/tlb_hw');
    const keys = Object.keys(tlb().stats()).sort();
    expect(keys).toEqual([...Object.keys(TLB_STATS), ...Object.keys(TLB_DERIVED_STATS)].sort());
    for (const spec of [...Object.values(TLB_STATS), ...Object.values(TLB_DERIVED_STATS)]) {
      expect(spec.unit.length).toBeGreaterThan(0);
      expect(spec.description.length).toBeGreaterThan(10);
    }
  });
});
