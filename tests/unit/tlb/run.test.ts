// lookupRun: the lookups of a CPU's run of accesses (run_accesses' hit loop) must leave the TLB
// exactly as lookup() called access by access does, stop where that loop stops, and report the
// lookup it stopped at.
import { describe, it, expect } from 'vitest';
import { TlbHierarchy, TLB_HIT_L1, TLB_HIT_L2, TLB_MISS, TLB_GLOBAL, TLB_DIRTY, TLB_RW, tlbFlagsFromPte } from '../../../src-engine/arch/x86/mm/tlb_hw';
import { FLAGS, BASE_VPN, tlb } from './helpers';

const NEED = TLB_RW | TLB_DIRTY;
const DIRTY = FLAGS | TLB_DIRTY;

/** A run of accesses: byte addresses (vpn * 4096 + offset) and write flags. */
function run(vpns: number[], writes: number[] = [], offset = 8): { addrs: Float64Array; writes: Uint8Array } {
  return { addrs: Float64Array.from(vpns, (v) => v * 4096 + offset), writes: Uint8Array.from(vpns, (_, i) => writes[i] ?? 0) };
}

/** The loop lookupRun replaces (fault.ts l1_hits before it): index where it stops, and that lookup's pfn. */
function byLookups(t: TlbHierarchy, addrs: Float64Array, writes: Uint8Array, k: number, n: number, pcid: number): [number, number] {
  for (; k < n; k++) {
    const pfn = t.lookup(Math.floor(addrs[k]! / 4096), pcid);
    if (pfn < 0 || t.lastLevel !== TLB_HIT_L1 || (writes[k] === 1 && (t.lastFlags & NEED) !== NEED)) return [k, pfn];
  }
  return [n, -1];
}

describe('lookupRun', () => {
  it('runs through L1 hits, counting them, and stops at a miss with the miss counted', () => {
    const t = tlb({ pcid: true });
    for (let v = 0; v < 4; v++) t.insert(BASE_VPN + v, 1, 100 + v, DIRTY);
    t.resetStats();
    const r = run([BASE_VPN, BASE_VPN + 3, BASE_VPN + 1, BASE_VPN + 9, BASE_VPN + 2]);
    expect(t.lookupRun(r.addrs, r.writes, 0, 5, 1, NEED)).toBe(3);
    expect([t.lastPfn, t.lastLevel, t.lastFlags]).toEqual([-1, TLB_MISS, 0]);
    expect(t.stats()).toMatchObject({ l1_hits: 3, misses: 1, l2_hits: 0 });
  });

  it('stops at an L2 hit, which it has copied into L1', () => {
    const t = tlb({ l1_entries: 2, l1_ways: 2, pcid: true });
    for (let v = 0; v < 3; v++) t.insert(BASE_VPN + v, 1, 100 + v, DIRTY); // L1 keeps +1 and +2
    const r = run([BASE_VPN + 2, BASE_VPN]);
    expect(t.lookupRun(r.addrs, r.writes, 0, 2, 1, NEED)).toBe(1);
    expect([t.lastPfn, t.lastLevel, t.lastFlags]).toEqual([100, TLB_HIT_L2, DIRTY]);
    expect(t.holds(BASE_VPN, 1)).toBe(3);
  });

  it('stops at a write through an entry without RW or DIRTY, an L1 hit already counted', () => {
    const t = tlb({ pcid: true });
    t.insert(BASE_VPN, 1, 100, DIRTY);
    t.insert(BASE_VPN + 1, 1, 101, FLAGS); // clean: a write must re-walk to set DIRTY
    const r = run([BASE_VPN, BASE_VPN + 1, BASE_VPN + 1, BASE_VPN], [1, 0, 1, 0]);
    expect(t.lookupRun(r.addrs, r.writes, 0, 4, 1, NEED)).toBe(2);
    expect([t.lastPfn, t.lastLevel, t.lastFlags]).toEqual([101, TLB_HIT_L1, FLAGS]);
    expect(t.stats().l1_hits).toBe(3);
  });

  it('runs through L1 hits on global entries', () => {
    const t = tlb({ pcid: true });
    t.insert(BASE_VPN, 1, 100, DIRTY | TLB_GLOBAL);
    t.insert(BASE_VPN + 1, 2, 101, DIRTY);
    const r = run([BASE_VPN, BASE_VPN + 1, BASE_VPN], [1, 0, 0]);
    expect(t.lookupRun(r.addrs, r.writes, 0, 3, 2, NEED)).toBe(3);
    expect([t.lastLevel, t.lastFlags]).toEqual([TLB_HIT_L1, DIRTY | TLB_GLOBAL]);
    expect(t.stats().l1_hits).toBe(3);
  });

  it('finds pages above 2^31 and 2^32 (addresses at and above 2^43 and 2^44) and never confuses them', () => {
    const t = tlb({ pcid: true });
    const vpns = [2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 35 - 1, 5];
    vpns.forEach((v, i) => t.insert(v, 1, 1000 + i, DIRTY));
    const r = run(vpns, [], 4095);
    expect(t.lookupRun(r.addrs, r.writes, 0, vpns.length, 1, NEED)).toBe(vpns.length);
    const stray = run([2 ** 33 + 5]); // its low 32 bits are those of cached vpns 5 and 2^32 + 5
    expect(t.lookupRun(stray.addrs, stray.writes, 0, 1, 1, NEED)).toBe(0);
    expect([t.lastPfn, t.lastLevel]).toEqual([-1, TLB_MISS]);
  });

  it('from === n makes no lookup and changes nothing', () => {
    const t = tlb();
    t.insert(BASE_VPN, 0, 100, DIRTY);
    t.lookup(BASE_VPN + 7, 0);
    const before = JSON.stringify([t.stats(), t.entries(), t.lastLevel, t.lastFlags]);
    const r = run([BASE_VPN]);
    expect(t.lookupRun(r.addrs, r.writes, 1, 1, 0, NEED)).toBe(1);
    expect(JSON.stringify([t.stats(), t.entries(), t.lastLevel, t.lastFlags])).toBe(before);
  });

  it('carries its bulk hit count into the counter\'s high word', () => {
    const t = tlb();
    t.insert(BASE_VPN, 0, 100, DIRTY);
    t.resetStats();
    const words = new Int32Array(t.buffer);
    words[16] = -3; // l1_hits low word = 2^32 - 3 (word 16: the first counter)
    const r = run(Array(5).fill(BASE_VPN));
    expect(t.lookupRun(r.addrs, r.writes, 0, 5, 0, NEED)).toBe(5);
    expect(t.stats().l1_hits).toBe(2 ** 32 + 2);
  });

  it.each(['lru', 'plru', 'random'] as const)('%s: leaves the TLB as lookup() access by access does', (policy) => {
    const g = { l1_entries: 16, l1_ways: 16, l2_entries: 64, l2_ways: 4, policy, pcid: true, seed: 5 };
    const a = new TlbHierarchy(g), b = new TlbHierarchy(g);
    let x = 1;
    const rnd = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
    for (let i = 0; i < 3000; i++) {
      const n = 1 + rnd(64);
      const r = run(Array.from({ length: n }, () => BASE_VPN + rnd(i % 2 ? 12 : 80)), Array.from({ length: n }, () => (rnd(5) === 0 ? 1 : 0)), rnd(4096));
      const from = rnd(2);
      const [ka, pfn] = byLookups(a, r.addrs, r.writes, from, n, 1);
      const kb = b.lookupRun(r.addrs, r.writes, from, n, 1, NEED);
      expect([kb, kb < n ? b.lastPfn : -1, b.lastLevel, b.lastFlags], `run ${i}`).toEqual([ka, ka < n ? pfn : -1, a.lastLevel, a.lastFlags]);
      if (ka < n && pfn < 0) {
        const vpn = Math.floor(r.addrs[ka]! / 4096), fl = rnd(3) === 0 ? FLAGS : DIRTY;
        a.insert(vpn, 1, vpn & 0xfff, fl);
        b.insert(vpn, 1, vpn & 0xfff, fl);
      }
    }
    expect(b.stats()).toEqual(a.stats());
    expect(b.entries()).toEqual(a.entries());
  });
  it.each(['lru', 'plru', 'random'] as const)('%s: a read-only run with noWrites leaves the TLB, counters and stop exactly as without it', (policy) => {
    const make = (): TlbHierarchy => {
      const t = tlb({ policy, pcid: true, l1_entries: 16, l1_ways: 4 });
      for (let v = 0; v < 24; v++) t.insert(BASE_VPN + ((v * 7) % 40), 1, 200 + v, DIRTY);
      return t;
    };
    const vpns = Array.from({ length: 300 }, (_, i) => BASE_VPN + ((i * 13) % 40));
    const r = run(vpns);
    const a = make(), b = make();
    for (let k = 0, j = 0; k < vpns.length; k = j + 1) {
      j = a.lookupRun(r.addrs, r.writes, k, vpns.length, 1, NEED);
      expect(b.lookupRun(r.addrs, r.writes, k, vpns.length, 1, NEED, true)).toBe(j);
      if (j < vpns.length) {
        expect([b.lastPfn, b.lastLevel, b.lastFlags]).toEqual([a.lastPfn, a.lastLevel, a.lastFlags]);
        if (a.lastPfn < 0) for (const t of [a, b]) t.insert(vpns[j]!, 1, 300 + j, DIRTY);
      }
    }
    expect(b.entries()).toEqual(a.entries());
    expect(b.stats()).toEqual(a.stats());
  });
});

// lookupRun given the words of RAM completes a miss whose PDE the PWC holds by reading the pte
// itself (TlbHierarchy.walkPte): the outcome must be what the general walker makes of it, and
// any pte it cannot take must leave everything as a plain miss does.
describe('lookupRun with ram (walkPte)', () => {
  const TABLE = 5; // the frame of the page table the PWC's PDE entry points at
  const PTE_P = 0x1, PTE_RW = 0x2, PTE_U = 0x4, PTE_A = 0x20, PTE_D = 0x40;

  /** A PWC-equipped TLB whose PDE entry for BASE_VPN's table grants `rights`, and RAM with ptes lo[i] for BASE_VPN + i. */
  function setup(ptes: number[], rights = TLB_RW | 0x4): { t: TlbHierarchy; ram: Int32Array } {
    const t = tlb({ pcid: true, pwc_entries: 8 });
    t.pwcInsert(2, Math.floor(BASE_VPN / 512), 1, TABLE, rights);
    const ram = new Int32Array(8 * 1024);
    ptes.forEach((lo, i) => {
      const w = (TABLE * 4096 + ((BASE_VPN + i) & 511) * 8) / 4;
      ram[w] = lo;
      ram[w + 1] = 0;
    });
    t.resetStats();
    return { t, ram };
  }
  const pteWord = (i: number): number => (TABLE * 4096 + ((BASE_VPN + i) & 511) * 8) / 4;

  it('walks present user ptes, sets A (and D for a write), fills both levels and counts as a miss plus a PWC hit', () => {
    const { t, ram } = setup([(200 << 12) | PTE_P | PTE_U | PTE_RW, (201 << 12) | PTE_P | PTE_U | PTE_RW | PTE_A]);
    const r = run([BASE_VPN, BASE_VPN + 1, BASE_VPN], [0, 1, 0]);
    expect(t.lookupRun(r.addrs, r.writes, 0, 3, 1, NEED, false, ram)).toBe(3);
    expect(t.runWalks).toBe(2);
    expect(t.stats()).toMatchObject({ l1_hits: 1, misses: 2, pwc_hits: 1 + 1, pwc_misses: 0 });
    expect(ram[pteWord(0)]! & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(ram[pteWord(1)]! & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    const l1 = t.entries().l1.map((e) => [e.vpn, e.pfn, e.flags & (TLB_RW | TLB_DIRTY)]);
    expect(l1).toEqual(expect.arrayContaining([[BASE_VPN, 200, TLB_RW], [BASE_VPN + 1, 201, TLB_RW | TLB_DIRTY]]));
    expect(t.holds(BASE_VPN + 1, 1)).toBe(3);
  });

  it('leaves a pte it cannot take (not present, a write to a read-only page or through a read-only PDE) as a plain miss', () => {
    for (const [lo, write, rights] of [[0, 0, TLB_RW | 0x4], [(7 << 12) | PTE_P | PTE_U, 1, TLB_RW | 0x4], [(7 << 12) | PTE_P | PTE_U | PTE_RW, 1, 0x4], [(7 << 12) | PTE_P | PTE_RW, 0, TLB_RW | 0x4]] as const) {
      const { t, ram } = setup([lo], rights);
      const before = t.entries();
      const r = run([BASE_VPN], [write]);
      expect(t.lookupRun(r.addrs, r.writes, 0, 1, 1, NEED, false, ram)).toBe(0);
      expect([t.runWalks, t.lastPfn, t.lastLevel]).toEqual([0, -1, TLB_MISS]);
      expect(t.stats()).toMatchObject({ misses: 1, pwc_hits: 0, pwc_misses: 0 });
      expect(t.entries()).toEqual(before);
      expect(ram[pteWord(0)]).toBe(lo);
    }
  });

  it('goes on through an L2 hit that needs nothing more (counted in runL2Hits), and stops at one a write needs to walk for', () => {
    const ram = new Int32Array(1024); // never read: no access here walks
    const small = tlb({ l1_entries: 2, l1_ways: 2, pcid: true });
    for (let v = 0; v < 3; v++) small.insert(BASE_VPN + v, 1, 100 + v, v === 0 ? FLAGS : DIRTY); // L1 keeps +1 and +2; +0 is clean
    small.resetStats();
    const r = run([BASE_VPN + 2, BASE_VPN, BASE_VPN + 1, BASE_VPN], [0, 0, 0, 1]);
    // +2 hits L1; +0 and then +1 hit L2 (each copy evicting L1's LRU entry); the write to +0, clean, stops the run
    expect(small.lookupRun(r.addrs, r.writes, 0, 4, 1, NEED, false, ram)).toBe(3);
    expect([small.runL2Hits, small.runWalks, small.lastPfn]).toEqual([2, 0, 100]);
    expect(small.stats()).toMatchObject({ l1_hits: 2, l2_hits: 2, misses: 0 });
  });

  it('makes a run of walks, full sets, global ptes and pages past 2^31 as lookup, pwcLookup and insertWalked do', () => {
    // small sets fill and evict (missRun's own fills and put's); a global pte ends its run and
    // the walks after it take lookupBelowL1 and walkPte; vpns above 2^31 have a tag word of their own
    for (const base of [BASE_VPN, 2 ** 31 + 4096]) {
      const geo = { l1_entries: 4, l1_ways: 2, l2_entries: 8, l2_ways: 2, pcid: true, pwc_entries: 8 };
      const ptes = Array.from({ length: 24 }, (_, i) => ((300 + i) << 12) | PTE_P | PTE_U | (i % 3 === 0 ? PTE_RW : 0) | (i % 4 === 0 ? PTE_A : 0) | (i === 17 ? 0x100 : 0));
      const fast = tlb(geo), slow = tlb(geo);
      const ramFast = new Int32Array(8 * 1024), ramSlow = new Int32Array(8 * 1024);
      const word = (i: number): number => (TABLE * 4096 + ((base + i) & 511) * 8) / 4;
      for (const [t, ram] of [[fast, ramFast], [slow, ramSlow]] as const) {
        t.pwcInsert(2, Math.floor(base / 512), 1, TABLE, TLB_RW | 0x4);
        ptes.forEach((lo, i) => { ram[word(i)] = lo; });
        t.resetStats();
      }
      const order = [...Array.from({ length: 200 }, (_, k) => (k * 7 + (k >> 3)) % 24), 17]; // the global pte last, so that it is still held at the end
      const r = run(order.map((i) => base + i));
      expect(fast.lookupRun(r.addrs, r.writes, 0, r.addrs.length, 1, NEED, false, ramFast)).toBe(r.addrs.length);
      let walks = 0;
      for (const i of order) {
        if (slow.lookup(base + i, 1) >= 0) continue;
        walks++;
        expect(slow.pwcLookup(2, Math.floor((base + i) / 512), 1)).toBeGreaterThanOrEqual(0);
        const pte = ramSlow[word(i)]! | PTE_A;
        ramSlow[word(i)] = pte;
        slow.insertWalked(base + i, 1, pte >>> 12, tlbFlagsFromPte(pte & ~(PTE_RW | PTE_U) | (pte & (PTE_RW | PTE_U)), 0));
      }
      expect(fast.runWalks).toBe(walks);
      expect(fast.stats()).toEqual(slow.stats());
      expect(fast.entries()).toEqual(slow.entries());
      expect(ramFast).toEqual(ramSlow);
      expect(fast.entries().l1.some((e) => e.pcid === null)).toBe(true); // the global pte was walked
    }
  });

  it('leaves a miss whose PDE the PWC does not hold to the general walker', () => {
    const { t, ram } = setup([(200 << 12) | PTE_P | PTE_U]);
    const r = run([BASE_VPN + 512 * 3]);
    expect(t.lookupRun(r.addrs, r.writes, 0, 1, 1, NEED, false, ram)).toBe(0);
    expect(t.runWalks).toBe(0);
    expect(t.stats()).toMatchObject({ misses: 1, pwc_hits: 0, pwc_misses: 0 });
  });
});
