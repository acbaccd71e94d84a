// Shared helpers for the TlbHierarchy tests: a driver that plays the walker (lookup, then
// insert on a miss) and a plain reference model of the LRU hierarchy the tests compare against.
import { TlbHierarchy, TLB_ACCESSED, TLB_RW, TLB_USER, type TlbGeometry } from '../../../src-engine/arch/x86/mm/tlb_hw';

export const FLAGS = TLB_RW | TLB_USER | TLB_ACCESSED;
/** The vpn of the lab tests' usual base address 0x4000_0000. */
export const BASE_VPN = 0x4_0000;

/** The pfn the fake walker maps vpn to (any injective function will do). */
export const pfnFor = (vpn: number): number => (vpn % 0x100000) + 0x1000;

/** One access as a CPU makes it: lookup, and on a miss "walk" and insert. Returns the pfn. */
export function access(t: TlbHierarchy, vpn: number, pcid = 0, flags = FLAGS): number {
  const pfn = t.lookup(vpn, pcid);
  if (pfn >= 0) return pfn;
  t.insert(vpn, pcid, pfnFor(vpn), flags);
  return pfnFor(vpn);
}

/**
 * Access pages [base, base + n) cyclically: `warm` passes, then counters reset, then `passes`
 * measured passes. Returns the stats of the measured passes.
 */
export function cyclic(t: TlbHierarchy, n: number, passes = 3, warm = 2, base = BASE_VPN): ReturnType<TlbHierarchy['stats']> {
  for (let p = 0; p < warm; p++) for (let i = 0; i < n; i++) access(t, base + i);
  t.resetStats();
  for (let p = 0; p < passes; p++) for (let i = 0; i < n; i++) access(t, base + i);
  return t.stats();
}

/** A fresh hierarchy; tests pass the geometry they need over the defaults. */
export const tlb = (g: Partial<TlbGeometry> = {}): TlbHierarchy => new TlbHierarchy(g);

/** The vpns held by one level, sorted (for membership comparisons). */
export const vpnsOf = (entries: { vpn: number }[]): number[] => entries.map((e) => e.vpn).sort((a, b) => a - b);

// ---- Reference model: a NINE two-level hierarchy with ways, for every policy, written the obvious way ----

interface RefEntry { key: string; vpn: number; pcid: number | null; pfn: number; flags: number }

const keyOf = (vpn: number, pcid: number | null): string => (pcid === null ? `g:${vpn}` : `${pcid}:${vpn}`);

// Placement as the TLB documents it: the lowest free way of the set, else the policy's victim.
// LRU: the least recently used entry. Tree-PLRU: ways-1 direction bits per set (node n's
// children are 2n and 2n+1, leaves ways..2*ways-1; 0 = the victim is on the left); a touch
// points the path away from the way, a full flush (flushAll(true)) clears the bits. Random: a
// xorshift32 seeded as the TLB seeds it, one generator for both levels, advanced once per victim.

export type RefPolicy = 'lru' | 'plru' | 'random';

/** The xorshift32 start state TlbHierarchy derives from a seed (never 0). */
export function refSeedState(seed: number): number {
  const s = Math.imul((seed + 0x6d2b79f5) | 0, 0x9e3779b1);
  return s === 0 ? 1 : s;
}

interface WayEntry extends RefEntry { way: number }

/** One level with way placement. */
class RefWayLevel {
  readonly slots: (WayEntry | null)[][];
  readonly recency: WayEntry[][]; // LRU: most recently used first
  readonly tree: number[][]; // PLRU: tree[set][n] for n in 1..ways-1
  evictions = 0;
  constructor(readonly nsets: number, readonly ways: number, readonly policy: RefPolicy, readonly rng: { x: number }) {
    this.slots = Array.from({ length: nsets }, () => Array<WayEntry | null>(ways).fill(null));
    this.recency = Array.from({ length: nsets }, () => []);
    this.tree = Array.from({ length: nsets }, () => Array<number>(ways).fill(0));
  }
  setOf(vpn: number): number { return vpn % this.nsets; }
  find(vpn: number, key: string): WayEntry | undefined {
    return this.slots[this.setOf(vpn)]!.find((e) => e !== null && e.key === key) ?? undefined;
  }
  touch(e: WayEntry): void {
    const set = this.setOf(e.vpn);
    if (this.policy === 'lru') {
      const r = this.recency[set]!;
      r.splice(r.indexOf(e), 1);
      r.unshift(e);
    } else if (this.policy === 'plru') {
      for (let n = e.way + this.ways; n > 1; n >>= 1) this.tree[set]![n >> 1] = (n & 1) ^ 1;
    }
  }
  victimWay(set: number): number {
    if (this.policy === 'lru') return this.recency[set]![this.recency[set]!.length - 1]!.way;
    if (this.policy === 'plru') {
      let n = 1;
      while (n < this.ways) n = 2 * n + this.tree[set]![n]!;
      return n - this.ways;
    }
    let x = this.rng.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng.x = x;
    return (x >>> 0) % this.ways;
  }
  /** Insert or update e's key and touch it; returns nothing, counts an eviction when a valid entry is replaced. */
  fill(src: RefEntry): void {
    const set = this.setOf(src.vpn);
    const old = this.find(src.vpn, src.key);
    if (old) {
      old.pfn = src.pfn;
      old.flags = src.flags;
      this.touch(old);
      return;
    }
    const row = this.slots[set]!;
    let way = row.indexOf(null);
    if (way < 0) {
      way = this.victimWay(set);
      this.drop(row[way]!);
      this.evictions++;
    }
    const e: WayEntry = { key: src.key, vpn: src.vpn, pcid: src.pcid, pfn: src.pfn, flags: src.flags, way };
    row[way] = e;
    if (this.policy === 'lru') this.recency[set]!.unshift(e);
    this.touch(e);
  }
  drop(e: WayEntry): void {
    const set = this.setOf(e.vpn);
    this.slots[set]![e.way] = null;
    const r = this.recency[set]!;
    const i = r.indexOf(e);
    if (i >= 0) r.splice(i, 1);
  }
  removeIf(pred: (e: WayEntry) => boolean): void {
    for (const row of this.slots) for (const e of row) if (e !== null && pred(e)) this.drop(e);
  }
  clear(): void {
    this.removeIf(() => true);
    for (const t of this.tree) t.fill(0);
  }
  /** [set, way, vpn, pcid (-1 global), pfn, flags, LRU rank or -1], in set/way order like entries(). */
  rows(): number[][] {
    const out: number[][] = [];
    this.slots.forEach((row, set) => row.forEach((e) => {
      if (e) out.push([set, e.way, e.vpn, e.pcid ?? -1, e.pfn, e.flags, this.policy === 'lru' ? this.recency[set]!.indexOf(e) : -1]);
    }));
    return out;
  }
}

/** The reference hierarchy (PCIDs on) for any policy, with hit/miss/eviction counters. */
export class RefTlbWays {
  readonly l1: RefWayLevel;
  readonly l2: RefWayLevel;
  readonly stats = { l1_hits: 0, l2_hits: 0, misses: 0 };
  constructor(g: { l1_entries: number; l1_ways: number; l2_entries: number; l2_ways: number }, policy: RefPolicy, seed: number) {
    const rng = { x: refSeedState(seed) };
    this.l1 = new RefWayLevel(g.l1_entries / g.l1_ways, g.l1_ways, policy, rng);
    this.l2 = new RefWayLevel(g.l2_entries / g.l2_ways, g.l2_ways, policy, rng);
  }
  private findEither(level: RefWayLevel, vpn: number, pcid: number): WayEntry | undefined {
    return level.find(vpn, keyOf(vpn, pcid)) ?? level.find(vpn, keyOf(vpn, null));
  }
  /** As TlbHierarchy.lookup: pfn or -1, the level that answered (TLB_MISS/L1/L2) and the flags (0 on a miss). */
  lookup(vpn: number, pcid: number): { pfn: number; level: number; flags: number } {
    const e1 = this.findEither(this.l1, vpn, pcid);
    if (e1) {
      this.l1.touch(e1);
      this.stats.l1_hits++;
      return { pfn: e1.pfn, level: 1, flags: e1.flags };
    }
    const e2 = this.findEither(this.l2, vpn, pcid);
    if (!e2) {
      this.stats.misses++;
      return { pfn: -1, level: 0, flags: 0 };
    }
    this.l2.touch(e2);
    this.stats.l2_hits++;
    this.l1.fill(e2);
    return { pfn: e2.pfn, level: 2, flags: e2.flags };
  }
  /** As TlbHierarchy.insert; `global` is flags & TLB_GLOBAL. */
  insert(vpn: number, pcid: number, pfn: number, flags: number, global: boolean): void {
    if (global) {
      const k = keyOf(vpn, pcid);
      this.l2.removeIf((e) => e.key === k);
      this.l1.removeIf((e) => e.key === k);
    }
    const e = { key: keyOf(vpn, global ? null : pcid), vpn, pcid: global ? null : pcid, pfn, flags };
    this.l2.fill(e);
    this.l1.fill(e);
  }
  invalidatePage(vpn: number, pcid: number): void {
    const ks = [keyOf(vpn, pcid), keyOf(vpn, null)];
    this.l1.removeIf((e) => ks.includes(e.key));
    this.l2.removeIf((e) => ks.includes(e.key));
  }
  flushPcid(pcid: number): void {
    this.l1.removeIf((e) => e.pcid === pcid);
    this.l2.removeIf((e) => e.pcid === pcid);
  }
  flushAll(includeGlobal: boolean): void {
    if (includeGlobal) {
      this.l1.clear();
      this.l2.clear();
    } else {
      this.l1.removeIf((e) => e.pcid !== null);
      this.l2.removeIf((e) => e.pcid !== null);
    }
  }
}

/** TlbHierarchy entries as RefWayLevel.rows rows. */
export function wayRowsOf(entries: { set: number; way: number; vpn: number; pcid: number | null; pfn: number; flags: number; recency: number }[]): number[][] {
  return entries.map((e) => [e.set, e.way, e.vpn, e.pcid ?? -1, e.pfn, e.flags, e.recency]);
}
