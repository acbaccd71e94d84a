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

// ---- Reference model: a NINE two-level hierarchy with true LRU, written the obvious way ----

interface RefEntry { key: string; vpn: number; pcid: number | null; pfn: number; flags: number }

/** One level: `sets` arrays of entries, each ordered most to least recently used. */
class RefLevel {
  readonly sets: RefEntry[][];
  constructor(readonly nsets: number, readonly ways: number) {
    this.sets = Array.from({ length: nsets }, () => []);
  }
  /** The set of vpn. */
  set(vpn: number): RefEntry[] { return this.sets[vpn % this.nsets]!; }
  /** The entry of key in vpn's set, or undefined. */
  find(vpn: number, key: string): RefEntry | undefined { return this.set(vpn).find((e) => e.key === key); }
  /** Make e the most recently used of its set. */
  touch(e: RefEntry): void { const s = this.set(e.vpn); s.splice(s.indexOf(e), 1); s.unshift(e); }
  /** Insert or update e's key, at the MRU end; drop the LRU entry when the set overflows. */
  fill(e: RefEntry): void {
    const s = this.set(e.vpn);
    const old = s.findIndex((x) => x.key === e.key);
    if (old >= 0) s.splice(old, 1);
    s.unshift({ ...e });
    if (s.length > this.ways) s.pop();
  }
  /** Drop the entries that match. */
  removeIf(pred: (e: RefEntry) => boolean): void {
    for (const s of this.sets) for (let i = s.length - 1; i >= 0; i--) if (pred(s[i]!)) s.splice(i, 1);
  }
}

const keyOf = (vpn: number, pcid: number | null): string => (pcid === null ? `g:${vpn}` : `${pcid}:${vpn}`);

/** The reference hierarchy (PCIDs on; LRU in both levels). */
export class RefTlb {
  readonly l1: RefLevel;
  readonly l2: RefLevel;
  constructor(g: { l1_entries: number; l1_ways: number; l2_entries: number; l2_ways: number }) {
    this.l1 = new RefLevel(g.l1_entries / g.l1_ways, g.l1_ways);
    this.l2 = new RefLevel(g.l2_entries / g.l2_ways, g.l2_ways);
  }
  /** The entry of (vpn, pcid) in level, else the page's global entry. */
  private findEither(level: RefLevel, vpn: number, pcid: number): RefEntry | undefined {
    return level.find(vpn, keyOf(vpn, pcid)) ?? level.find(vpn, keyOf(vpn, null));
  }
  /** As TlbHierarchy.lookup: pfn or -1, with the level that answered. */
  lookup(vpn: number, pcid: number): { pfn: number; level: number } {
    const e1 = this.findEither(this.l1, vpn, pcid);
    if (e1) { this.l1.touch(e1); return { pfn: e1.pfn, level: 1 }; }
    const e2 = this.findEither(this.l2, vpn, pcid);
    if (!e2) return { pfn: -1, level: 0 };
    this.l2.touch(e2);
    this.l1.fill(e2);
    return { pfn: e2.pfn, level: 2 };
  }
  /** As TlbHierarchy.insert (global flag given separately). */
  insert(vpn: number, pcid: number, pfn: number, flags: number, global: boolean): void {
    if (global) {
      const k = keyOf(vpn, pcid);
      this.l1.removeIf((e) => e.key === k);
      this.l2.removeIf((e) => e.key === k);
    }
    const e = { key: keyOf(vpn, global ? null : pcid), vpn, pcid: global ? null : pcid, pfn, flags };
    this.l2.fill(e);
    this.l1.fill(e);
  }
  /** As invalidatePage. */
  invalidatePage(vpn: number, pcid: number): void {
    const ks = [keyOf(vpn, pcid), keyOf(vpn, null)];
    this.l1.removeIf((e) => ks.includes(e.key));
    this.l2.removeIf((e) => ks.includes(e.key));
  }
  /** As flushPcid. */
  flushPcid(pcid: number): void {
    this.l1.removeIf((e) => e.pcid === pcid);
    this.l2.removeIf((e) => e.pcid === pcid);
  }
  /** As flushAll. */
  flushAll(includeGlobal: boolean): void {
    this.l1.removeIf((e) => includeGlobal || e.pcid !== null);
    this.l2.removeIf((e) => includeGlobal || e.pcid !== null);
  }
  /** Each level's entries as [set, recency, vpn, pcid, pfn] rows, sorted. */
  rows(level: RefLevel): number[][] {
    const out: number[][] = [];
    level.sets.forEach((s, set) => s.forEach((e, r) => out.push([set, r, e.vpn, e.pcid ?? -1, e.pfn])));
    return out.sort(cmpRows);
  }
}

/** Lexicographic order of number rows. */
export function cmpRows(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** TlbHierarchy entries as the same rows as RefTlb.rows. */
export function rowsOf(entries: { set: number; recency: number; vpn: number; pcid: number | null; pfn: number }[]): number[][] {
  return entries.map((e) => [e.set, e.recency, e.vpn, e.pcid ?? -1, e.pfn]).sort(cmpRows);
}
