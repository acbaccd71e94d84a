// Every policy against a reference model that also places ways (helpers.ts: RefTlbWays): the
// same results, levels, flags, hit/miss/eviction counts, and the same entries in the same ways
// (with the same LRU ranks), over long seeded mixes of operations. Lookups go through lookup()
// and through lookupRun(), the CPU hot loop's entry point, whose runs the model replays one
// lookup at a time.
import { describe, it, expect } from 'vitest';
import { TLB_GLOBAL, TLB_DIRTY, type TlbHierarchy } from '../../../src-engine/arch/x86/mm/tlb_hw';
import { FLAGS, tlb, RefTlbWays, wayRowsOf, type RefPolicy } from './helpers';

type Geometry = { l1_entries: number; l1_ways: number; l2_entries: number; l2_ways: number };

const GEOMETRIES: [string, Geometry, RefPolicy[]][] = [
  ['fully associative L1 over a set-associative L2', { l1_entries: 8, l1_ways: 8, l2_entries: 32, l2_ways: 4 }, ['lru', 'plru', 'random']],
  ['set-associative at both levels', { l1_entries: 8, l1_ways: 2, l2_entries: 64, l2_ways: 8 }, ['lru', 'plru', 'random']],
  ['direct-mapped L1', { l1_entries: 4, l1_ways: 1, l2_entries: 16, l2_ways: 16 }, ['lru', 'plru', 'random']],
  ['ways that are not a power of two', { l1_entries: 12, l1_ways: 3, l2_entries: 40, l2_ways: 5 }, ['lru', 'random']],
  ['the default shape, scaled down (64-way L1, 16-way L2)', { l1_entries: 64, l1_ways: 64, l2_entries: 256, l2_ways: 16 }, ['lru', 'plru', 'random']],
];

const NEED = FLAGS | TLB_DIRTY; // what a run's writes need, as run_accesses asks for RW | DIRTY

/** Compare TlbHierarchy with RefTlbWays over `ops` seeded operations. */
function compare(g: Geometry, policy: RefPolicy, seed: number, ops: number): void {
  const t: TlbHierarchy = tlb({ ...g, policy, seed, pcid: true });
  const ref = new RefTlbWays(g, policy, seed);
  let x = seed * 7919 + 1;
  const rnd = (n: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % n; };
  const span = g.l2_entries * 2;
  const vpnOf = (): number => rnd(span) + [0, 0, 2 ** 31 - 9, 2 ** 33][rnd(4)]!;
  const flagsOf = (): number => FLAGS | (rnd(2) === 0 ? TLB_DIRTY : 0);
  /** The model's lookup, then its walker's insert on a miss (as access() in helpers does). */
  const refAccess = (vpn: number, pcid: number, fl: number, global: boolean): number => {
    const want = ref.lookup(vpn, pcid);
    if (want.pfn < 0) ref.insert(vpn, pcid, vpn % 997, fl, global);
    return want.pfn;
  };
  /** The walker's fill after its lookup of (vpn, pcid) missed, by each of the three ways a caller may make it. */
  const fillAfterMiss = (vpn: number, pcid: number, pfn: number, fl: number): void => {
    const how = rnd(3);
    if (how === 0) t.insert(vpn, pcid, pfn, fl);
    else if (how === 1) t.insert(vpn, pcid, pfn, fl, true);
    else t.insertWalked(vpn, pcid, pfn, fl);
  };
  for (let i = 0; i < ops; i++) {
    const op = rnd(100);
    const pcid = rnd(5);
    if (op < 45) {
      const vpn = vpnOf();
      const want = ref.lookup(vpn, pcid);
      expect([t.lookup(vpn, pcid), t.lastLevel, t.lastFlags], `op ${i}`).toEqual([want.pfn, want.level, want.flags]);
      if (want.pfn < 0) {
        const global = rnd(25) === 0;
        const fl = flagsOf() | (global ? TLB_GLOBAL : 0);
        fillAfterMiss(vpn, pcid, vpn % 997, fl);
        ref.insert(vpn, pcid, vpn % 997, fl, global);
      }
    } else if (op < 75) {
      // a run of accesses, mostly to a few hot pages; the model makes the same lookups one by one
      const n = 1 + rnd(40);
      const addrs = new Float64Array(n), writes = new Uint8Array(n);
      const hot = vpnOf();
      for (let j = 0; j < n; j++) {
        addrs[j] = (rnd(4) === 0 ? vpnOf() : hot + rnd(3)) * 4096 + rnd(4096);
        writes[j] = rnd(4) === 0 ? 1 : 0;
      }
      const k = t.lookupRun(addrs, writes, 0, n, pcid, NEED);
      let j = 0, stopped: { pfn: number; level: number; flags: number } | null = null;
      for (; j < n; j++) {
        const r = ref.lookup(Math.floor(addrs[j]! / 4096), pcid);
        if (r.pfn < 0 || r.level !== 1 || (writes[j] === 1 && (r.flags & NEED) !== NEED)) { stopped = r; break; }
      }
      expect(k, `op ${i}`).toBe(j);
      if (stopped) {
        expect([t.lastPfn, t.lastLevel, t.lastFlags], `op ${i}`).toEqual([stopped.pfn, stopped.level, stopped.flags]);
        if (stopped.pfn < 0) { // the walker's insert, as run_accesses' slow path makes it
          const vpn = Math.floor(addrs[j]! / 4096);
          fillAfterMiss(vpn, pcid, vpn % 997, NEED);
          ref.insert(vpn, pcid, vpn % 997, NEED, false);
        }
      }
    } else if (op < 85) {
      const vpn = vpnOf();
      const global = rnd(25) === 0;
      const fl = flagsOf() | (global ? TLB_GLOBAL : 0);
      if (rnd(2) === 0) { // insert over whatever is there (an in-place update when present)
        t.insert(vpn, pcid, vpn % 991, fl);
        ref.insert(vpn, pcid, vpn % 991, fl, global);
      } else {
        const pfn = t.lookup(vpn, pcid);
        if (pfn < 0) t.insert(vpn, pcid, vpn % 997, fl);
        expect(pfn, `op ${i}`).toBe(refAccess(vpn, pcid, fl, global));
      }
    } else if (op < 93) {
      const vpn = vpnOf();
      t.invalidatePage(vpn, pcid);
      ref.invalidatePage(vpn, pcid);
    } else if (op < 98) {
      t.flushPcid(pcid);
      ref.flushPcid(pcid);
    } else {
      const all = rnd(2) === 0;
      t.flushAll(all);
      ref.flushAll(all);
    }
    if (i % 200 === 0 || i === ops - 1) {
      const { l1, l2 } = t.entries();
      expect(wayRowsOf(l1), `op ${i}`).toEqual(ref.l1.rows());
      expect(wayRowsOf(l2), `op ${i}`).toEqual(ref.l2.rows());
      const s = t.stats();
      expect([s.l1_hits, s.l2_hits, s.misses, s.l1_evictions, s.l2_evictions], `op ${i}`)
        .toEqual([ref.stats.l1_hits, ref.stats.l2_hits, ref.stats.misses, ref.l1.evictions, ref.l2.evictions]);
    }
  }
}

describe('every policy against the reference model with ways', () => {
  for (const [name, g, policies] of GEOMETRIES) {
    it.each(policies)(`${name}: %s`, (policy) => {
      compare(g, policy, 17, 6000);
      compare(g, policy, 4242, 6000);
    });
  }
});
