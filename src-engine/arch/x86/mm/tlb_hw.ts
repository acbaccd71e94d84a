// The hardware translation caches of one simulated CPU: an L1 dTLB, an L2 dTLB (STLB) and an
// optional page-walk cache (PWC). Every bit of their state is in one SharedArrayBuffer, viewed
// as an Int32Array. The worker that runs the CPU owns it and is its only writer. The main
// thread attaches to the same buffer (TlbHierarchy.attach) to read stats and inspect entries;
// what it reads is a racy snapshot.
//
// Entries cache 4 KiB translations. A tag is (PCID if enabled, vpn), with vpn < 2^36 (48-bit
// virtual addresses), kept in two words: the vpn's low 32 bits, and a tag word holding a valid
// bit, the PCID (or a "global" mark instead of a PCID) and vpn bits 32..35. Global entries
// match every PCID. A lookup prefers the PCID-tagged entry.
//
// Hierarchy policy: non-inclusive and non-exclusive (NINE), as Intel documents for its STLB.
//   - A walk's result fills both levels (insert).
//   - An L2 hit copies the entry into L1. L1's victim is dropped, not written back to L2.
//   - Evictions at either level are silent: when L2 evicts, L1 is not back-invalidated.
//   - Invalidations (INVLPG, PCID flushes and full flushes) always hit both levels.
// Why: in a cyclic TLB-reach experiment over N pages this gives an L1 knee at exactly
// l1_entries and an L2 knee at exactly l2_entries, the sizes CPUID reports on the test machine.
// An exclusive (victim) L2 would move the L2 knee to l1_entries + l2_entries. A strictly
// inclusive one would back-invalidate hot L1 entries, because L1 hits never refresh the L2's
// replacement state. Hot pages would then miss in L1 with no capacity reason.
//
// Replacement, per set, in both TLB levels:
//   - 'lru' is true LRU. Each set keeps a circular recency list (prev/next links in the entries,
//     the set's MRU word pointing at the head; the LRU entry is the head's prev): a hit moves
//     the entry to the head and the victim is the head's prev, both O(1). Making the LRU entry
//     the MRU one only moves the head, so an LRU eviction (the victim becomes the new entry)
//     and each hit of a cyclic pattern that fits the set relink nothing.
//     Age counters give the same order, but finding the oldest of 64 ways is a 64-entry scan,
//     measured at ~100 ns here: ten times the hit budget.
//   - 'plru' is tree pseudo-LRU: ways-1 direction bits per set, one word per tree node.
//   - 'random' uses a xorshift32 seeded from geometry.seed. Its state is in the buffer, so the
//     same seed and the same accesses give the same evictions.
// A free way is always used before a victim is chosen. The PWC is always LRU.
//
// Walk cost model enabled by the PWC: a 4-level walk reads the PML4E, PDPTE, PDE and PTE, so it
// makes 4 memory references. The PWC caches upper-level entries keyed by (level, prefix of the
// virtual address, PCID): level 4 = PML4E (prefix vpn >> 27), 3 = PDPTE (vpn >> 18),
// 2 = PDE (vpn >> 9). Each entry holds the pfn of the next table and the rights gathered so far.
// A walker probes the deepest level first (pwcWalkStart). After a PDE hit 1 reference is left
// (the PTE), after a PDPTE hit 2, after a PML4E hit 3, and with no hit 4. After the walk the
// walker caches the upper-level entries it read (pwcInsert).
//
// Speed: lookup's hit path is a hash probe, two tag compares, a recency update and a counter:
// no allocation, no closure, no Map. A CPU's hot loop calls lookupRun instead, which makes the
// lookups of a run of accesses with the TLB's fields in registers and counts its L1 hits once;
// given the RAM's words it also completes the commonest TLB miss itself (walkPte: the PWC holds
// the PDE, the pte is good), so that a run of such misses never leaves the loop; a run of them
// is one loop over locals (missRun), with one hash per miss for both levels' probes and fills.
// A fill is one method (AssocCache.put). The hash index is an implementation device, not hardware:
// it makes a lookup O(1) at any associativity (a 64-way CAM cannot be scanned in 10 ns). It is
// chained (each slot heads a list through the entries' CHAIN words), so that a fill, which
// unlinks its victim and links the new entry, does O(1) work: with linear probing, finding the
// victim's slot and shifting its cluster back was a third of a TLB miss's host time. A 16-way
// STLB whose lookups scan their set's keys instead was measured too: the scan cost more than
// the probe it replaces.
// Replacement only ever picks within the set (set = vpn & (sets - 1)), so hits, misses and
// evictions are exactly those of the modelled set-associative arrays. Invalidations cost host
// time in proportion to what they drop: INVLPG is a few hash probes (tens of ns); a flush scans
// the arrays and rebuilds the index (about 8 us for a full default hierarchy on this machine),
// and returns at once from an empty one. The set-associative
// array lives in this module, not its own: on Node 20 an imported constant costs a cell load
// and a hole check at every use, which is measurable on this path.
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_GLOBAL, _PAGE_NX_HI, _PAGE_PRESENT, _PAGE_RW, _PAGE_USER, pfn_of_halves } from '../pgtable_types';
import { POLICY_NAMES, resolveTlbGeometry, type TlbGeometry } from './tlb_hw_geometry';

export { TLB_PARAMS, resolveTlbGeometry, defaultTlbGeometry, type TlbGeometry, type TlbPolicy } from './tlb_hw_geometry';

/** Entry flags. RW, USER, ACCESSED, DIRTY and GLOBAL sit at their x86 pte bit positions. */
export const TLB_RW = _PAGE_RW;
export const TLB_USER = _PAGE_USER;
export const TLB_ACCESSED = _PAGE_ACCESSED;
export const TLB_DIRTY = _PAGE_DIRTY;
export const TLB_GLOBAL = _PAGE_GLOBAL;
export const TLB_NX = 0x1000; // pte bit 63, moved to a free bit of the flags word
const PTE_FLAG_BITS = TLB_RW | TLB_USER | TLB_ACCESSED | TLB_DIRTY | TLB_GLOBAL;

/** The TLB flags of a pte given as its two 32-bit halves. */
export function tlbFlagsFromPte(lo: number, hi: number): number {
  return (lo & PTE_FLAG_BITS) | ((hi & _PAGE_NX_HI) !== 0 ? TLB_NX : 0);
}

/** lastLevel values: where the last lookup was satisfied (Hit is the same numbers, inlined by esbuild). */
const enum Hit {
  MISS = 0,
  L1 = 1,
  L2 = 2,
}
export const TLB_MISS: number = Hit.MISS;
export const TLB_HIT_L1: number = Hit.L1;
export const TLB_HIT_L2: number = Hit.L2;

/** PWC levels: the paging-structure entries it caches (Lvl is the same numbers, inlined by esbuild). */
const enum Lvl {
  PDE = 2,
  PDPTE = 3,
  PML4E = 4,
}
export const PWC_PDE: number = Lvl.PDE;
export const PWC_PDPTE: number = Lvl.PDPTE;
export const PWC_PML4E: number = Lvl.PML4E;

/** Counters, gem5 style: each with a unit and a description. Ratios are derived when read. */
export const TLB_STATS = {
  l1_hits: { unit: 'lookups', description: 'lookups that hit the L1 dTLB' },
  l2_hits: { unit: 'lookups', description: 'lookups that missed L1 and hit the L2 dTLB (the entry is copied to L1)' },
  misses: { unit: 'lookups', description: 'lookups that missed both levels (the walker must run)' },
  l1_evictions: { unit: 'entries', description: 'valid L1 entries replaced to make room' },
  l2_evictions: { unit: 'entries', description: 'valid L2 entries replaced to make room' },
  pwc_hits: { unit: 'probes', description: 'page-walk cache probes that hit' },
  pwc_misses: { unit: 'probes', description: 'page-walk cache probes that missed' },
  pwc_evictions: { unit: 'entries', description: 'valid page-walk cache entries replaced to make room' },
  invlpg: { unit: 'invalidations', description: 'single-page invalidations (INVLPG)' },
  flush_pcid: { unit: 'flushes', description: 'flushes of one PCID (its non-global entries)' },
  flush_all: { unit: 'flushes', description: 'flushes of every PCID (with or without the global entries)' },
} as const;

export const TLB_DERIVED_STATS = {
  lookups: { unit: 'lookups', description: 'l1_hits + l2_hits + misses' },
  l1_hit_rate: { unit: 'ratio', description: 'l1_hits / lookups (0 when there were none)' },
  l2_hit_rate: { unit: 'ratio', description: 'l2_hits / (l2_hits + misses): the share of L1 misses that the L2 caught' },
  miss_rate: { unit: 'ratio', description: 'misses / lookups' },
} as const;

export type TlbStats = { [K in keyof typeof TLB_STATS | keyof typeof TLB_DERIVED_STATS]: number };

/** One valid TLB entry as entries() reports it. pcid is null for a global entry. */
export interface TlbEntrySnapshot {
  set: number;
  way: number;
  vpn: number;
  pcid: number | null;
  pfn: number;
  flags: number;
  /** LRU only: 0 = most recently used in its set, 1 = next, ...; -1 under plru and random. */
  recency: number;
}

/** One valid page-walk cache entry. Its pfn is the frame of the next-level table. */
export interface PwcEntrySnapshot { way: number; level: number; prefix: number; pcid: number; pfn: number; flags: number; recency: number }

// ---------------------------------------------------------------------------------------------
// One set-associative array (a TLB level or the PWC) in a region of the shared words.
//
// Region layout, in words from the region base:
//   [0]              number of valid entries tagged global (lets lookups skip the global probe)
//   [1]              number of valid entries (lets flushes of an empty array return at once)
//   sets * SW.WORDS fill (valid ways), LRU list head (MRU), PLRU's last-touched way or LRU's
//                    victim hint, free-way hint
//   sets * ways      tree-PLRU nodes: node n (1..ways-1) of a set's tree; 0 = victim is left
//                    (present only under 'plru')
//   hash[H]          index: chained, slot h holds the first entry (offset) whose key hashes
//                    to h, each entry's CHAIN word the next one (0 ends a chain)
//   entries          Ent.WORDS each, set-major: (set, way) at entries + (set*ways + way)*8

// The layout numbers are const enums, not module constants: esbuild (the bench bundle, tsx,
// vitest, electron-vite) inlines a const enum member as a literal, while a module-level const
// becomes a variable of the module's context, which V8's optimized code on Node 20 loads and
// Smi-checks at every use. The hot paths use dozens of them per access.

/** Entry words, from the entry's offset. */
const enum E {
  KEY_LO = 0, // vpn bits 0..31 (or the PWC prefix)
  KEY_HI = 1, // tag word: Tag.VALID | PWC level | Tag.GLOBAL or PCID | vpn bits 32..35
  PFN_LO = 2, // pfn bits 0..31
  CHAIN_PREV = 3, // the previous entry of this entry's hash-index chain, or -1 - slot for the chain's first entry
  FLAGS = 4, // TLB_* flags (bits 0..23, FLAGS_LIMIT) | pfn bits 32..39 << 24 (pfns are below 2^40)
  PREV = 5, // LRU list: the next more recently used entry of the set (the head's PREV: the LRU entry)
  NEXT = 6, // LRU list: the next less recently used entry of the set (the LRU entry's NEXT: the head)
  CHAIN = 7, // the next entry of this entry's hash-index chain (0: none)
}

/** Entry size: an entry is Ent.WORDS words, (set, way)'s at entriesAt + ((set * ways + way) << Ent.SHIFT). */
const enum Ent {
  SHIFT = 3,
  WORDS = 8, // 1 << SHIFT
}

/** Per-set words: a set's state is SW.WORDS words from setsAt + set * SW.WORDS. */
const enum SW {
  FILL = 0,
  MRU = 1, // LRU: the head of the circular recency list (its PREV is the LRU entry); 0 = empty
  // PLRU: 1 + the way touched last (0: none since the tree was cleared); LRU: the entry
  // fillFullLru expects to be the set's LRU one, its "LRU hint" (checked before use)
  PLRU_LAST_OR_LRU_HINT = 2,
  HINT = 3, // no free way below this one
  WORDS = 4,
}

/** The x86 pte bits walkPte reads (checked against pgtable_types below). */
const enum Pte {
  PRESENT = 0x1,
  RW = 0x2,
  USER = 0x4,
  ACCESSED = 0x20,
  DIRTY = 0x40,
  GLOBAL = 0x100,
  TLB_NX = 0x1000, // not a pte bit: TLB_NX, set for pte bit 63 (the high word's sign bit)
}
if (Pte.PRESENT !== _PAGE_PRESENT || Pte.RW !== _PAGE_RW || Pte.USER !== _PAGE_USER || Pte.ACCESSED !== _PAGE_ACCESSED || Pte.DIRTY !== _PAGE_DIRTY
  || Pte.GLOBAL !== _PAGE_GLOBAL || Pte.TLB_NX !== TLB_NX || _PAGE_NX_HI !== 0x80000000 || tlbFlagsFromPte(0, -1) !== TLB_NX) {
  throw new Error('tlb_hw: Pte bits disagree with pgtable_types');
}

/** Tag word bits. */
const enum Tag {
  VALID = 0x40000000,
  GLOBAL = 0x10000,
  PCID_SHIFT = 4,
  PCID_BITS = 0xfff0, // 0xfff << PCID_SHIFT
  LEVEL_SHIFT = 17,
  VPN_HI_BITS = 0xf,
}

/** Policy codes: a policy's index in POLICY_NAMES (checked below). */
const enum Pol {
  LRU = 0,
  PLRU = 1,
  RANDOM = 2,
}
if (POLICY_NAMES.indexOf('lru') !== Pol.LRU || POLICY_NAMES.indexOf('plru') !== Pol.PLRU || POLICY_NAMES.indexOf('random') !== Pol.RANDOM) {
  throw new Error('tlb_hw: Pol codes disagree with POLICY_NAMES');
}

const TWO_32 = 4294967296;

/** Where one array's parts sit in the shared words, as planned by planCache. */
interface CacheRegion {
  base: number;
  sets: number;
  ways: number;
  policy: number;
  hashSize: number;
  setsAt: number;
  plruAt: number;
  hashAt: number;
  entriesAt: number;
  end: number;
}

/** Round n up to a multiple of 16 words (one 64-byte cache line). */
const alignLine = (n: number): number => (n + 15) & ~15;

/** Plan an array of `entries` entries in `ways` ways from word `base`; sets must be a power of two. */
function planCache(base: number, entries: number, ways: number, policy: number): CacheRegion {
  const sets = entries / ways;
  let hashSize = 8;
  while (hashSize < entries * 4) hashSize *= 2; // load factor <= 1/4: most slots hold 0 or 1 entry
  const setsAt = base + 2;
  const plruAt = setsAt + sets * SW.WORDS;
  const hashAt = plruAt + (policy === Pol.PLRU ? entries : 0);
  const entriesAt = alignLine(hashAt + hashSize);
  const end = alignLine(entriesAt + entries * Ent.WORDS);
  return { base, sets, ways, policy, hashSize, setsAt, plruAt, hashAt, entriesAt, end };
}

/**
 * AssocCache.find(lo, tag) over hitRun's locals (a, the hash index at `at`, home slot h): the
 * entry keyed (lo, tag) among the first three of slot h's chain; 0 when the key is absent, -1
 * when the chain goes on past three entries. `| 0` on index sums tells V8 they are int32 (entry
 * offsets are small), which drops an overflow check per array access.
 */
function probe3(a: Int32Array, at: number, h: number, lo: number, tag: number): number {
  let e = a[(at + h) | 0]!;
  if (e === 0 || (a[e] === lo && a[(e + E.KEY_HI) | 0] === tag)) return e;
  e = a[(e + E.CHAIN) | 0]!;
  if (e === 0 || (a[e] === lo && a[(e + E.KEY_HI) | 0] === tag)) return e;
  e = a[(e + E.CHAIN) | 0]!;
  if (e === 0 || (a[e] === lo && a[(e + E.KEY_HI) | 0] === tag)) return e;
  return -1;
}

/** AssocCache.lruTouch over hitRun's locals: make valid entry e the head of the recency list whose MRU word is a[s]. */
function lruTouchAt(a: Int32Array, s: number, e: number): void {
  const head = a[s]!;
  if (head === e) return;
  const tail = a[(head + E.PREV) | 0]!;
  if (tail !== e) {
    const prev = a[(e + E.PREV) | 0]!, next = a[(e + E.NEXT) | 0]!;
    a[(prev + E.NEXT) | 0] = next;
    a[(next + E.PREV) | 0] = prev;
    a[(e + E.PREV) | 0] = tail;
    a[(e + E.NEXT) | 0] = head;
    a[(tail + E.NEXT) | 0] = e;
    a[(head + E.PREV) | 0] = e;
  }
  a[s] = e;
}

/**
 * The fill of AssocCache.fillFullLru (see there) over its caller's locals: an LRU array whose
 * set (words at s) has `ways` ways, its hash index at hashAt, its count of global entries at
 * globalsAt; the key (lo, hi) with its home slot h already hashed (missRun hashes once for both
 * levels), pfnLo and flagsWord as the entry stores them. Returns false having done nothing when
 * the set has a free way (put takes that case).
 */
function fillFullLruAt(a: Int32Array, s: number, ways: number, hashAt: number, globalsAt: number, h: number, lo: number, hi: number, pfnLo: number, flagsWord: number): boolean {
  if (a[s] !== ways) return false; // SW.FILL
  const head = a[(s + SW.MRU) | 0]!;
  let e = a[(s + SW.PLRU_LAST_OR_LRU_HINT) | 0]!;
  if (e === 0 || a[(e + E.NEXT) | 0] !== head) e = a[(head + E.PREV) | 0]!;
  // unindex(e)
  const prev = a[(e + E.CHAIN_PREV) | 0]!, next = a[(e + E.CHAIN) | 0]!;
  if (prev < 0) a[(hashAt - 1 - prev) | 0] = next;
  else a[(prev + E.CHAIN) | 0] = next;
  if (next !== 0) a[(next + E.CHAIN_PREV) | 0] = prev;
  if (a[(e + E.KEY_HI) | 0]! & Tag.GLOBAL) a[globalsAt]!--;
  a[e] = lo; // E.KEY_LO
  a[(e + E.KEY_HI) | 0] = hi;
  if (hi & Tag.GLOBAL) a[globalsAt]!++;
  // index(e, lo, hi)
  const at = (hashAt + h) | 0;
  const first = a[at]!;
  a[(e + E.CHAIN) | 0] = first;
  a[(e + E.CHAIN_PREV) | 0] = -1 - h;
  if (first !== 0) a[(first + E.CHAIN_PREV) | 0] = e;
  a[at] = e;
  a[(e + E.PFN_LO) | 0] = pfnLo;
  a[(e + E.FLAGS) | 0] = flagsWord;
  a[(s + SW.MRU) | 0] = e;
  a[(s + SW.PLRU_LAST_OR_LRU_HINT) | 0] = a[(e + E.PREV) | 0]!;
  return true;
}

/** One set-associative array over shared words. The hot-path methods allocate nothing. */
class AssocCache {
  // `declare`d fields are assigned only in the constructor, so V8 first sees each one with its
  // final type (an Int32Array, small integers) and the hot path stays monomorphic.
  declare readonly sets: number;
  declare readonly ways: number;
  declare readonly setMask: number;
  /** ways - 1 when ways is a power of two (a draw mod ways is then a mask), else -1. */
  declare readonly waysMask: number;
  declare readonly policy: number;
  declare private readonly a: Int32Array;
  declare readonly globalsAt: number;
  declare private readonly validAt: number;
  declare readonly setsAt: number;
  declare private readonly plruAt: number;
  declare readonly hashAt: number;
  declare private readonly hashSize: number;
  declare readonly hashShift: number;
  declare private readonly entriesAt: number;
  declare private readonly rngAt: number;
  /** After hitRun: the entry of its last hit, -1 if it made none. */
  declare hitLast: number;
  /** After hitRun: it stopped at a page with no entry tagged as asked (see hitRun). */
  declare hitMissed: boolean;

  /** Attach to region r of a (its contents are kept); rngAt is the word holding the xorshift state. */
  constructor(a: Int32Array, r: CacheRegion, rngAt: number) {
    this.a = a;
    this.sets = r.sets;
    this.ways = r.ways;
    this.setMask = r.sets - 1;
    this.waysMask = (r.ways & (r.ways - 1)) === 0 ? r.ways - 1 : -1;
    this.policy = r.policy;
    this.globalsAt = r.base;
    this.validAt = r.base + 1;
    this.setsAt = r.setsAt;
    this.plruAt = r.plruAt;
    this.hashAt = r.hashAt;
    this.hashSize = r.hashSize;
    this.hashShift = 32 - Math.log2(r.hashSize);
    this.entriesAt = r.entriesAt;
    this.rngAt = rngAt;
    this.hitLast = -1;
    this.hitMissed = false;
  }

  /**
   * The hash-index home slot of key (lo, hi). hashShift is at least 14, so the unsigned shift is
   * below 2^31 and `| 0` keeps its value; it tells V8 the slot is an int32 (x >>> s alone is a
   * uint32 to it, which made the probe loops convert slot numbers through doubles).
   */
  private home(lo: number, hi: number): number {
    return (Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> this.hashShift) | 0;
  }

  /** The word offset of the valid entry tagged (lo, hi), or -1. No side effects. */
  find(lo: number, hi: number): number {
    const a = this.a;
    for (let e = a[this.hashAt + this.home(lo, hi)]!; e !== 0; e = a[e + E.CHAIN]!) {
      if (a[e + E.KEY_LO] === lo && a[e + E.KEY_HI] === hi) return e;
    }
    return -1;
  }

  /** The number of valid global-tagged entries (0 lets callers skip the global probe). */
  globals(): number {
    return this.a[this.globalsAt]!;
  }

  /**
   * The plain L1 hits of a run: for k = from, from + 1, ... below n, while page
   * floor(addrs[k] / 4096) is below 2^31 and has a valid entry tagged `tag` which, where
   * writes[k] is 1, holds every bit of writeFlags, marks that entry most recently used (exactly
   * as touch does). Returns the first k that does not qualify (left untouched), or n, and may
   * also stop early at an entry chained fourth or later in its hash slot (the caller's
   * general step takes it); hitLast is the entry of the last hit (-1 if none), and hitMissed
   * is true when it stopped because the array has no entry tagged `tag` for that page.
   * `noWrites` promises that writes[from..n) are all 0: the write test is then left out.
   *
   * Why it looks like this: it is the per-access cost of every workload. Written with find and
   * touch, this.a and the fields, V8's optimized code reloaded the array's backing store, its
   * length and this object's map at every step (about 100 instructions per access). Here every
   * field is a local, passed to small functions V8 inlines (probe3, lruTouchAt), and under LRU
   * the loop body makes no call and has no inner loop (find's chain walk is unrolled three
   * entries deep; at a load factor of 1/4 longer chains are rare). A read-only run has its own loop,
   * without the write test's array read: about 0.7 ns of an access here.
   */
  hitRun(addrs: Float64Array, writes: Uint8Array, from: number, n: number, tag: number, writeFlags: number, noWrites: boolean): number {
    this.hitMissed = false;
    if (this.policy !== Pol.LRU) return this.hitRunTouching(addrs, writes, from, n, tag, writeFlags);
    if (noWrites) return this.hitRunReads(addrs, from, n, tag);
    const a = this.a, at = this.hashAt, shift = this.hashShift, setMask = this.setMask, setsAt = this.setsAt;
    const tagMix = Math.imul(tag, 0x85ebca6b); // home(lo, tag)'s part that depends on the tag only
    let k = from, last = -1;
    for (; k < n; k++) {
      const t = addrs[k]! * 0.000244140625; // the page number, exactly (a power-of-two scale)
      if (!(t >= 0 && t < 2147483648)) break;
      const lo = t | 0;
      const e = probe3(a, at, (Math.imul(lo ^ tagMix, 0x9e3779b1) >>> shift) | 0, lo, tag);
      if (e <= 0) {
        this.hitMissed = e === 0;
        break;
      }
      if (writes[k] === 1 && (a[(e + E.FLAGS) | 0]! & writeFlags) !== writeFlags) break;
      lruTouchAt(a, (setsAt + (lo & setMask) * SW.WORDS + SW.MRU) | 0, e);
      last = e;
    }
    this.hitLast = last;
    return k;
  }

  /** hitRun under LRU for a run with no writes: the same loop without the write test. */
  private hitRunReads(addrs: Float64Array, from: number, n: number, tag: number): number {
    const a = this.a, at = this.hashAt, shift = this.hashShift, setMask = this.setMask, setsAt = this.setsAt;
    const tagMix = Math.imul(tag, 0x85ebca6b);
    let k = from, last = -1;
    for (; k < n; k++) {
      const t = addrs[k]! * 0.000244140625;
      if (!(t >= 0 && t < 2147483648)) break;
      const lo = t | 0;
      const e = probe3(a, at, (Math.imul(lo ^ tagMix, 0x9e3779b1) >>> shift) | 0, lo, tag);
      if (e <= 0) {
        this.hitMissed = e === 0;
        break;
      }
      lruTouchAt(a, (setsAt + (lo & setMask) * SW.WORDS + SW.MRU) | 0, e);
      last = e;
    }
    this.hitLast = last;
    return k;
  }

  /** hitRun under the PLRU and random policies: the same contract, with find and touch called. */
  private hitRunTouching(addrs: Float64Array, writes: Uint8Array, from: number, n: number, tag: number, writeFlags: number): number {
    let k = from, last = -1;
    for (; k < n; k++) {
      const t = addrs[k]! * 0.000244140625;
      if (!(t >= 0 && t < 2147483648)) break;
      const lo = t | 0;
      const e = this.find(lo, tag);
      if (e < 0) {
        this.hitMissed = true;
        break;
      }
      if (writes[k] === 1 && (this.flagsOf(e) & writeFlags) !== writeFlags) break;
      this.touch(e, lo & this.setMask);
      last = e;
    }
    this.hitLast = last;
    return k;
  }

  /** Mark valid entry e of set `set` most recently used (random keeps no recency state). */
  touch(e: number, set: number): void {
    if (this.policy === Pol.LRU) this.lruTouch(e, this.setsAt + set * SW.WORDS);
    else if (this.policy === Pol.PLRU) this.plruTouch(set, ((e - this.entriesAt) >> Ent.SHIFT) & (this.ways - 1));
  }

  // LRU recency lists are circular: the set's MRU word holds the head (0: empty list), NEXT
  // leads to less recent entries, and the LRU entry is the head's PREV (its NEXT is the head).
  // Making the LRU entry the MRU one is then a rotation of the head, with no relinking: that is
  // every LRU eviction (the victim becomes the new entry) and every hit of a cyclic pattern
  // that fits the TLB.

  /** LRU: make valid entry e, on the recency list of the set whose words start at s, its head. */
  private lruTouch(e: number, s: number): void {
    const a = this.a;
    const head = a[s + SW.MRU]!;
    if (head === e) return;
    const tail = a[head + E.PREV]!;
    if (tail !== e) {
      // e is neither head nor tail: unlink it, then link it in between the tail and the head
      const prev = a[e + E.PREV]!;
      const next = a[e + E.NEXT]!;
      a[prev + E.NEXT] = next;
      a[next + E.PREV] = prev;
      a[e + E.PREV] = tail;
      a[e + E.NEXT] = head;
      a[tail + E.NEXT] = e;
      a[head + E.PREV] = e;
    }
    a[s + SW.MRU] = e; // the tail already sits just before the head
  }

  /** LRU: take e off the recency list of the set whose words start at s. */
  private listUnlink(e: number, s: number): void {
    const a = this.a;
    const next = a[e + E.NEXT]!;
    if (next === e) {
      a[s + SW.MRU] = 0; // it was the only entry
      return;
    }
    const prev = a[e + E.PREV]!;
    a[prev + E.NEXT] = next;
    a[next + E.PREV] = prev;
    if (a[s + SW.MRU] === e) a[s + SW.MRU] = next;
  }

  /** LRU: put e, which is on no list, at the head of the recency list of the set whose words start at s. */
  private listPushMru(e: number, s: number): void {
    const a = this.a;
    const head = a[s + SW.MRU]!;
    if (head === 0) {
      a[e + E.PREV] = e;
      a[e + E.NEXT] = e;
    } else {
      const tail = a[head + E.PREV]!;
      a[e + E.PREV] = tail;
      a[e + E.NEXT] = head;
      a[tail + E.NEXT] = e;
      a[head + E.PREV] = e;
    }
    a[s + SW.MRU] = e;
  }

  /**
   * Tree-PLRU: point every node on the path to `way` away from it. Touching the way touched last
   * would write the bits already there (only touches and clear() change the tree, and clear()
   * zeroes the set's PLRU_LAST_OR_LRU_HINT word with it), so it returns at once: a run of hits to one page
   * costs one compare, as LRU's hits to its head do.
   */
  private plruTouch(set: number, way: number): void {
    const a = this.a;
    const last = this.setsAt + set * SW.WORDS + SW.PLRU_LAST_OR_LRU_HINT;
    if (a[last] === way + 1) return;
    a[last] = way + 1;
    const nodes = this.plruAt + set * this.ways;
    for (let n = way + this.ways; n > 1; n >>= 1) a[nodes + (n >> 1)] = (n & 1) ^ 1;
  }

  /**
   * Map key (lo, hi) of set `set` (lo & setMask) to (pfn, flags) and make it the set's most
   * recently used entry: in place when the key is present; else in a free way if the set has
   * one, else in place of the policy's victim. Returns 1 when a valid entry was evicted, else 0.
   * One method instead of a chain of them (find, allocate, write, touch), so that V8 inlines
   * the steps of this path, which runs twice per TLB miss, into one unit. `absent` says the
   * caller knows the key is not in the array (its probe is then skipped).
   */
  put(lo: number, hi: number, set: number, pfn: number, flags: number, absent: boolean): number {
    const a = this.a;
    const s = this.setsAt + set * SW.WORDS;
    if (absent && this.fillFullLru(lo, hi, pfn, flags) !== 0) return 1;
    let e = absent ? -1 : this.find(lo, hi);
    let evicted = 0;
    if (e < 0) {
      if (a[s + SW.FILL]! < this.ways) {
        e = this.takeFreeWay(set);
        if (this.policy === Pol.LRU) this.listPushMru(e, s);
      } else {
        // the victim; under LRU the tail (the head's PREV), picked here so the common case needs no call
        e = this.policy === Pol.LRU ? a[a[s + SW.MRU]! + E.PREV]! : this.victim(set);
        this.unindex(e);
        evicted = 1;
      }
      a[e + E.KEY_LO] = lo;
      a[e + E.KEY_HI] = hi;
      if (hi & Tag.GLOBAL) a[this.globalsAt]!++;
      this.index(e, lo, hi);
    }
    a[e + E.PFN_LO] = pfn | 0;
    a[e + E.FLAGS] = flags | (((pfn * 2.3283064365386963e-10) | 0) << 24); // pfn / 2^32 (< 2^8): 2.3283064365386963e-10 is 2^-32, and scaling by a power of two is exact
    this.touch(e, set);
    return evicted;
  }

  /**
   * put(lo, hi, lo & setMask, pfn, flags, true) in its commonest case, a TLB miss's fill under
   * LRU into a full set (the key is absent, the caller knows): the set's LRU entry (the head's
   * PREV) becomes the new entry and, by a rotation of the circular list, its most recently used
   * one, with no relinking and no touch. Returns 1 (an eviction) having done it, or 0 having
   * done nothing when it is not that case (another policy, or a free way: put takes those).
   * unindex and index are written out here, with no call: this runs twice per TLB miss.
   * The LRU entry is looked for first where the set's LRU hint says (the set's LRU entry
   * after the last such fill): in a full set every entry is on the circular list, so the one
   * whose NEXT is the head is the head's PREV. That reads the victim's words, which the fill
   * reads anyway, and not the head's too (on a TLB miss, a host cache miss of its own).
   */
  fillFullLru(lo: number, hi: number, pfn: number, flags: number): number {
    if (this.policy !== Pol.LRU) return 0;
    const h = this.home(lo, hi);
    const s = (this.setsAt + (lo & this.setMask) * SW.WORDS) | 0;
    return fillFullLruAt(this.a, s, this.ways, this.hashAt, this.globalsAt, h, lo, hi, pfn | 0, flags | (((pfn * 2.3283064365386963e-10) | 0) << 24)) ? 1 : 0;
  }

  /** Claim the lowest free way of set (the caller knows there is one): counts it, moves the hint. */
  private takeFreeWay(set: number): number {
    const a = this.a;
    const s = this.setsAt + set * SW.WORDS;
    let way = a[s + SW.HINT]!;
    let e = this.entryAt(set, way);
    while (a[e + E.KEY_HI] !== 0) {
      way++;
      e += Ent.WORDS;
    }
    a[s + SW.HINT] = way + 1;
    a[s + SW.FILL]!++;
    a[this.validAt]!++;
    return e;
  }

  /** The entry to replace in full set `set`: the LRU end, the tree's choice, or a xorshift draw. */
  private victim(set: number): number {
    const a = this.a;
    if (this.policy === Pol.LRU) return a[a[this.setsAt + set * SW.WORDS + SW.MRU]! + E.PREV]!; // the tail
    if (this.policy === Pol.PLRU) {
      const nodes = this.plruAt + set * this.ways;
      let n = 1;
      while (n < this.ways) n = 2 * n + a[nodes + n]!;
      return this.entryAt(set, n - this.ways);
    }
    let x = a[this.rngAt]!;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[this.rngAt] = x;
    const m = this.waysMask; // (x >>> 0) % ways, without a division when ways is a power of two
    return this.entryAt(set, m >= 0 ? x & m : (x >>> 0) % this.ways);
  }

  /** Add entry e with key (lo, hi) to the hash index: first of its slot's chain. */
  private index(e: number, lo: number, hi: number): void {
    const a = this.a;
    const h = this.home(lo, hi);
    const at = (this.hashAt + h) | 0;
    const first = a[at]!;
    a[(e + E.CHAIN) | 0] = first;
    a[(e + E.CHAIN_PREV) | 0] = -1 - h;
    if (first !== 0) a[(first + E.CHAIN_PREV) | 0] = e;
    a[at] = e;
  }

  /**
   * Remove valid entry e from the hash index and from the global count, in O(1). The chain is
   * doubly linked so that this reads only e's own words: its slot's word, elsewhere in memory,
   * is written, not read (on a TLB miss, reading the victim's slot was a cache miss of its own).
   */
  private unindex(e: number): void {
    const a = this.a;
    const prev = a[(e + E.CHAIN_PREV) | 0]!, next = a[(e + E.CHAIN) | 0]!;
    if (prev < 0) a[(this.hashAt - 1 - prev) | 0] = next;
    else a[(prev + E.CHAIN) | 0] = next;
    if (next !== 0) a[(next + E.CHAIN_PREV) | 0] = prev;
    if (a[(e + E.KEY_HI) | 0]! & Tag.GLOBAL) a[this.globalsAt]!--;
  }

  /** Invalidate valid entry e of set `set`. */
  remove(e: number, set: number): void {
    this.unindex(e);
    this.freeEntry(e, set);
  }

  /**
   * Free valid entry e of set `set` (already unindexed): off the LRU list, tag zeroed, counted,
   * hinted. An invalid entry is just one whose tag word is 0: its other words are dead (a
   * free way gets every word rewritten when it is taken), so nothing else is cleared.
   */
  private freeEntry(e: number, set: number): void {
    const a = this.a;
    const s = this.setsAt + set * SW.WORDS;
    if (this.policy === Pol.LRU) this.listUnlink(e, s);
    a[e + E.KEY_HI] = 0;
    a[e + E.KEY_LO] = 0;
    a[s + SW.FILL]!--;
    a[this.validAt]!--;
    const way = (e - this.entryAt(set, 0)) >> Ent.SHIFT;
    if (way < a[s + SW.HINT]!) a[s + SW.HINT] = way;
  }

  /**
   * Invalidate every valid entry whose tag word satisfies (tag & mask) === value; returns how
   * many were dropped. Unless the caller expects most entries to match (`most`), they are
   * counted first, and a few (under 1/8 of the valid entries) are removed one by one. Otherwise
   * they are dropped in bulk and the index is rebuilt from the survivors. O(entries + index).
   */
  removeWhere(mask: number, value: number, most: boolean): number {
    const a = this.a;
    const valid = a[this.validAt]!;
    if (valid === 0) return 0;
    const n = most ? valid : this.countWhere(mask, value);
    if (n === 0) return 0;
    if (n * 8 < valid) {
      this.removeEach(mask, value);
      return n;
    }
    let dropped = 0;
    for (let set = 0; set < this.sets; set++) dropped += this.dropInSet(set, mask, value);
    a[this.validAt]! -= dropped;
    this.reindex();
    return dropped;
  }

  /** How many valid entries have (tag & mask) === value. */
  private countWhere(mask: number, value: number): number {
    const a = this.a;
    const end = this.entryAt(this.sets, 0);
    let n = 0;
    for (let e = this.entriesAt; e < end; e += Ent.WORDS) {
      const tag = a[e + E.KEY_HI]!;
      if (tag !== 0 && (tag & mask) === value) n++;
    }
    return n;
  }

  /** removeWhere for a few entries: remove() each match (index and recency list kept up to date). */
  private removeEach(mask: number, value: number): void {
    for (let set = 0; set < this.sets; set++) {
      for (let way = 0, e = this.entryAt(set, 0); way < this.ways; way++, e += Ent.WORDS) {
        const tag = this.a[e + E.KEY_HI]!;
        if (tag !== 0 && (tag & mask) === value) this.remove(e, set);
      }
    }
  }

  /** removeWhere for one set, leaving the index alone: fill, hint and recency list rebuilt from the survivors. */
  private dropInSet(set: number, mask: number, value: number): number {
    const a = this.a;
    const s = this.setsAt + set * SW.WORDS;
    let dropped = 0;
    let firstFree = -1;
    for (let way = 0, e = this.entryAt(set, 0); way < this.ways; way++, e += Ent.WORDS) {
      const tag = a[e + E.KEY_HI]!;
      if (tag !== 0 && (tag & mask) !== value) continue;
      if (tag !== 0) {
        a[e + E.KEY_HI] = 0;
        a[e + E.KEY_LO] = 0;
        dropped++;
      }
      if (firstFree < 0) firstFree = way;
    }
    if (dropped === 0) return 0;
    const fill = (a[s + SW.FILL]! -= dropped);
    a[s + SW.HINT] = firstFree;
    if (this.policy === Pol.LRU && fill === 0) a[s + SW.MRU] = 0;
    else if (this.policy === Pol.LRU) this.relistSurvivors(s);
    return dropped;
  }

  /**
   * LRU: unlink the now-invalid entries (tag word 0) from the recency list of the set at s,
   * keeping the survivors' order; there is at least one survivor. The dropped entries' links are
   * intact until here, so the old circle is walked once, from its head.
   */
  private relistSurvivors(s: number): void {
    const a = this.a;
    const head = a[s + SW.MRU]!;
    let first = 0, last = 0, x = head;
    do {
      const next = a[x + E.NEXT]!;
      if (a[x + E.KEY_HI] !== 0) {
        if (last === 0) first = x;
        else {
          a[last + E.NEXT] = x;
          a[x + E.PREV] = last;
        }
        last = x;
      }
      x = next;
    } while (x !== head);
    a[last + E.NEXT] = first;
    a[first + E.PREV] = last;
    a[s + SW.MRU] = first;
  }

  /** Rebuild the hash index and the global count from the valid entries. */
  private reindex(): void {
    const a = this.a;
    a.fill(0, this.hashAt, this.hashAt + this.hashSize);
    a[this.globalsAt] = 0;
    if (a[this.validAt] === 0) return;
    const end = this.entryAt(this.sets, 0);
    for (let e = this.entriesAt; e < end; e += Ent.WORDS) {
      const hi = a[e + E.KEY_HI]!;
      if (hi === 0) continue;
      if (hi & Tag.GLOBAL) a[this.globalsAt]!++;
      this.index(e, a[e + E.KEY_LO]!, hi);
    }
  }

  /** Invalidate everything and reset all replacement state (the rng word is not this array's). */
  clear(): void {
    const a = this.a;
    a.fill(0, this.globalsAt, this.hashAt + this.hashSize); // counts, sets, plru, index
    a.fill(0, this.entriesAt, this.entryAt(this.sets, 0));
  }

  /** The word offset of (set, way)'s entry, valid or not. */
  entryAt(set: number, way: number): number {
    return this.entriesAt + (set * this.ways + way) * Ent.WORDS;
  }

  /** The pfn held by entry e (two words: exact up to 2^53). */
  pfnOf(e: number): number {
    const hi = this.a[e + E.FLAGS]! >>> 24;
    const lo = this.a[e + E.PFN_LO]!;
    return hi === 0 && lo >= 0 ? lo : (lo >>> 0) + hi * 4294967296;
  }

  /** The TLB_* flags of entry e. */
  flagsOf(e: number): number {
    return this.a[e + E.FLAGS]! & 0xffffff; // FLAGS_LIMIT - 1
  }

  /** The tag word of entry e (0 when invalid). */
  tagOf(e: number): number {
    return this.a[e + E.KEY_HI]!;
  }

  /** The key's low word of entry e (vpn bits 0..31, or the PWC prefix). */
  keyLoOf(e: number): number {
    return this.a[e + E.KEY_LO]!;
  }

  /** LRU: e's position in its set's recency list (0 = MRU); -1 under other policies. */
  recencyOf(e: number, set: number): number {
    if (this.policy !== Pol.LRU) return -1;
    const head = this.a[this.setsAt + set * SW.WORDS + SW.MRU]!;
    let rank = 0;
    for (let x = head; x !== e && x !== 0; rank++) {
      x = this.a[x + E.NEXT]!;
      if (x === head) return rank + 1; // e is not on the list: its length, as a walk to the end gives
    }
    return rank;
  }
}

// ---------------------------------------------------------------------------------------------
// The hierarchy: header, counters and the three arrays in one buffer.

// Shared header (word offsets). Counters are 64-bit: low word, then high word.
const MAGIC = 0x544c4248; // 'TLBH'
const LAYOUT_VERSION = 5; // 5: LRU sets' LRU hint word (4: a doubly chained hash index, pfn bits 32..39 in the flags word; 3: linear probing; circular LRU lists)
const H_MAGIC = 0;
const H_VERSION = 1;
const H_GEOMETRY = 2; // 8 words, in GEOMETRY_KEYS order
const H_RNG = 10;
const STATS_AT = 16;
const STAT_NAMES = Object.keys(TLB_STATS) as (keyof typeof TLB_STATS)[];
const GEOMETRY_KEYS = ['l1_entries', 'l1_ways', 'l2_entries', 'l2_ways', 'policy', 'pcid', 'pwc_entries', 'seed'] as const;
const statWord = (name: keyof typeof TLB_STATS): number => STATS_AT + 2 * STAT_NAMES.indexOf(name);
/** Counter words (low word; the high word follows): STATS_AT + 2 * the stat's index in TLB_STATS, checked below. */
const enum W {
  L1_HITS = 16,
  L2_HITS = 18,
  MISSES = 20,
  L1_EVICTIONS = 22,
  L2_EVICTIONS = 24,
  PWC_HITS = 26,
  PWC_MISSES = 28,
  PWC_EVICTIONS = 30,
  INVLPG = 32,
  FLUSH_PCID = 34,
  FLUSH_ALL = 36,
}
const W_CHECK: [keyof typeof TLB_STATS, W][] = [['l1_hits', W.L1_HITS], ['l2_hits', W.L2_HITS], ['misses', W.MISSES],
  ['l1_evictions', W.L1_EVICTIONS], ['l2_evictions', W.L2_EVICTIONS], ['pwc_hits', W.PWC_HITS], ['pwc_misses', W.PWC_MISSES],
  ['pwc_evictions', W.PWC_EVICTIONS], ['invlpg', W.INVLPG], ['flush_pcid', W.FLUSH_PCID], ['flush_all', W.FLUSH_ALL]];
if (W_CHECK.length !== STAT_NAMES.length || W_CHECK.some(([name, w]) => statWord(name) !== w)) throw new Error('tlb_hw: W words disagree with TLB_STATS');
const STATS_END = STATS_AT + 2 * STAT_NAMES.length;

const VPN_LIMIT = 2 ** 36;
const PFN_LIMIT = 2 ** 40;
/** Entry flags are below 2^24: the flags word's top byte holds pfn bits 32..39. */
const FLAGS_LIMIT = 2 ** 24;

interface Layout { l1: CacheRegion; l2: CacheRegion; pwc: CacheRegion | null; words: number }

/** Where each array of geometry g sits in the shared words, and the total size. */
function planLayout(g: TlbGeometry): Layout {
  const policy = POLICY_NAMES.indexOf(g.policy);
  const l1 = planCache(alignLine(STATS_END), g.l1_entries, g.l1_ways, policy);
  const l2 = planCache(l1.end, g.l2_entries, g.l2_ways, policy);
  const pwc = g.pwc_entries > 0 ? planCache(l2.end, g.pwc_entries, g.pwc_entries, Pol.LRU) : null;
  return { l1, l2, pwc, words: pwc ? pwc.end : l2.end };
}

/** The geometry as the header stores it: GEOMETRY_KEYS order, policy as its code, pcid as 0/1. */
function encodeGeometry(g: TlbGeometry): number[] {
  return GEOMETRY_KEYS.map((k) => (k === 'policy' ? POLICY_NAMES.indexOf(g.policy) : k === 'pcid' ? Number(g.pcid) : g[k]));
}

/** The xorshift32 start state for a seed: never 0 (xorshift's fixed point). */
function seedState(seed: number): number {
  const s = Math.imul((seed + 0x6d2b79f5) | 0, 0x9e3779b1);
  return s === 0 ? 1 : s;
}

/** Throw a TypeError unless buffer is a SharedArrayBuffer of at least `words` 32-bit words. */
function checkBuffer(buffer: unknown, words: number): void {
  if (!(buffer instanceof SharedArrayBuffer)) throw new TypeError('a TlbHierarchy buffer must be a SharedArrayBuffer');
  if (buffer.byteLength < words * 4) throw new TypeError(`buffer of ${buffer.byteLength} bytes is too small for this geometry (${words * 4} bytes needed)`);
}

/** Throw a TypeError unless words a start with a TlbHierarchy header of this layout version. */
function checkMagic(a: Int32Array): void {
  if (a[H_MAGIC] !== MAGIC || a[H_VERSION] !== LAYOUT_VERSION) {
    throw new TypeError('this SharedArrayBuffer does not hold a TlbHierarchy (bad magic or layout version)');
  }
}

/** A 64-bit counter at word w of a, read with Atomics (the writer may be another thread). */
const readCounter = (a: Int32Array, w: number): number => (Atomics.load(a, w) >>> 0) + Atomics.load(a, w + 1) * TWO_32;

/** The tag word of vpn's entry for (already masked) pcid; lo is vpn | 0 (equal to vpn below 2^31: no division). */
const tlbTag = (vpn: number, lo: number, pcid: number): number =>
  Tag.VALID | (pcid << Tag.PCID_SHIFT) | (lo === vpn ? 0 : (vpn * 2.3283064365386963e-10) | 0); // vpn / 2^32, exactly (2^-32)

/** The tag word of the global entry of the page whose PCID tag word is hi. */
const globalTag = (hi: number): number => (hi & ~Tag.PCID_BITS) | Tag.GLOBAL;

/** The PWC tag word of (level, already masked pcid). */
const pwcTag = (level: number, pcid: number): number => Tag.VALID | (level << Tag.LEVEL_SHIFT) | (pcid << Tag.PCID_SHIFT);

/** The PWC key of the level-`level` entry (PWC_PDE..PWC_PML4E) covering vpn: vpn >> 9*(level-1). */
export function pwcPrefix(level: number, vpn: number): number {
  return Math.floor(vpn * PWC_SCALE[level]!);
}
/** 1 / 2^(9 * (level - 1)) per level: scaling by a power of two is exact, and cheaper than dividing. */
const PWC_SCALE: readonly number[] = [1, 1, 2 ** -9, 2 ** -18, 2 ** -27];

export class TlbHierarchy {
  // Set in the constructor and `declare`d, like AssocCache's fields.
  declare readonly geometry: Readonly<TlbGeometry>;
  declare readonly buffer: SharedArrayBuffer;
  /** Flags of the entry behind the last lookup hit or pwcLookup hit (0 after a lookup miss). */
  declare lastFlags: number;
  /** TLB_HIT_L1, TLB_HIT_L2 or TLB_MISS for the last lookup. */
  declare lastLevel: number;
  /** After lookupRun stopped before its end: the result (pfn or -1) of the lookup it stopped at. */
  declare lastPfn: number;
  /** After pwcWalkStart: the frame of the table the walk reads next (-1: start from CR3). */
  declare lastTablePfn: number;
  /** After lookupRun: how many of its accesses missed both levels and were walked by walkPte. */
  declare runWalks: number;
  /** After missRun: the L1 and L2 evictions of its walks. */
  declare private runEv1: number;
  declare private runEv2: number;
  /** After lookupRun: how many of its accesses hit L2 and needed nothing more (only given `ram`). */
  declare runL2Hits: number;
  declare private readonly a: Int32Array;
  declare private readonly l1: AssocCache;
  declare private readonly l2: AssocCache;
  declare private readonly pwc: AssocCache | null;
  declare private readonly pcidMask: number;
  /** The hierarchy has a page-walk cache (pwc_entries > 0): without one a walker need not call pwcWalkStart or pwcInsert. */
  declare readonly hasPwc: boolean;
  /** missWalk may run: a PWC, and LRU in both TLB levels. */
  declare private readonly fused: boolean;
  // Copies of the arrays' region numbers for missWalk (one field load each, not two).
  declare private readonly h1At: number;
  declare private readonly h1Shift: number;
  declare private readonly s1At: number;
  declare private readonly m1: number;
  declare private readonly w1: number;
  declare private readonly g1At: number;
  declare private readonly h2At: number;
  declare private readonly h2Shift: number;
  declare private readonly s2At: number;
  declare private readonly m2: number;
  declare private readonly w2: number;
  declare private readonly g2At: number;
  declare private readonly hpAt: number;
  declare private readonly hpShift: number;
  declare private readonly spAt: number;

  /**
   * A TLB hierarchy of the given geometry (partial, merged over the defaults; TypeError if
   * invalid). Without a buffer it allocates a fresh, empty one. With a buffer it attaches and
   * keeps the contents; TypeError unless the buffer holds a hierarchy of exactly this geometry.
   */
  constructor(geometry: Partial<TlbGeometry> = {}, buffer?: SharedArrayBuffer) {
    this.geometry = resolveTlbGeometry(geometry);
    const layout = planLayout(this.geometry);
    if (buffer !== undefined) checkBuffer(buffer, layout.words);
    this.buffer = buffer ?? new SharedArrayBuffer(layout.words * 4);
    this.a = new Int32Array(this.buffer, 0, layout.words);
    if (buffer !== undefined) this.checkHeader();
    else this.initHeader();
    this.l1 = new AssocCache(this.a, layout.l1, H_RNG);
    this.l2 = new AssocCache(this.a, layout.l2, H_RNG);
    this.pwc = layout.pwc ? new AssocCache(this.a, layout.pwc, H_RNG) : null;
    this.hasPwc = this.pwc !== null;
    const l1 = this.l1, l2 = this.l2, pwc = this.pwc;
    this.fused = pwc !== null && l1.policy === Pol.LRU && l2.policy === Pol.LRU;
    this.h1At = l1.hashAt;
    this.h1Shift = l1.hashShift;
    this.s1At = l1.setsAt;
    this.m1 = l1.setMask;
    this.w1 = l1.ways;
    this.g1At = l1.globalsAt;
    this.h2At = l2.hashAt;
    this.h2Shift = l2.hashShift;
    this.s2At = l2.setsAt;
    this.m2 = l2.setMask;
    this.w2 = l2.ways;
    this.g2At = l2.globalsAt;
    this.hpAt = pwc ? pwc.hashAt : 0;
    this.hpShift = pwc ? pwc.hashShift : 0;
    this.spAt = pwc ? pwc.setsAt : 0;
    this.pcidMask = this.geometry.pcid ? 0xfff : 0;
    this.lastFlags = 0;
    this.lastLevel = Hit.MISS;
    this.lastPfn = -1;
    this.lastTablePfn = -1;
    this.runWalks = 0;
    this.runL2Hits = 0;
    this.runEv1 = 0;
    this.runEv2 = 0;
  }

  /** Attach to the buffer of another TlbHierarchy (made on any thread); the geometry comes from its header. */
  static attach(buffer: SharedArrayBuffer): TlbHierarchy {
    checkBuffer(buffer, STATS_END);
    const a = new Int32Array(buffer, 0, STATS_END);
    checkMagic(a);
    const g: Record<string, unknown> = {};
    GEOMETRY_KEYS.forEach((k, i) => { g[k] = a[H_GEOMETRY + i]; });
    g['policy'] = POLICY_NAMES[a[H_GEOMETRY + GEOMETRY_KEYS.indexOf('policy')]!];
    g['pcid'] = a[H_GEOMETRY + GEOMETRY_KEYS.indexOf('pcid')] === 1;
    return new TlbHierarchy(g as Partial<TlbGeometry>, buffer);
  }

  /** Bytes of shared memory a hierarchy of this geometry needs (TypeError if the geometry is invalid). */
  static bytesFor(geometry: Partial<TlbGeometry> = {}): number {
    return planLayout(resolveTlbGeometry(geometry)).words * 4;
  }

  /** Write magic, version, geometry and rng state into a fresh (zeroed) buffer. */
  private initHeader(): void {
    const a = this.a;
    a[H_MAGIC] = MAGIC;
    a[H_VERSION] = LAYOUT_VERSION;
    encodeGeometry(this.geometry).forEach((v, i) => { a[H_GEOMETRY + i] = v; });
    a[H_RNG] = seedState(this.geometry.seed);
  }

  /** Throw a TypeError unless the attached buffer's header holds this geometry's hierarchy. */
  private checkHeader(): void {
    const a = this.a;
    checkMagic(a);
    const want = encodeGeometry(this.geometry);
    const have = want.map((_, i) => a[H_GEOMETRY + i]);
    if (want.some((v, i) => v !== have[i])) {
      throw new TypeError(`buffer holds a TLB of geometry [${have.join(', ')}], not [${want.join(', ')}] (${GEOMETRY_KEYS.join(', ')})`);
    }
  }

  /** Add 1 to the 64-bit counter at word w (single writer: plain loads and stores). */
  private count(w: number): void {
    const a = this.a;
    const v = (a[w]! + 1) | 0;
    a[w] = v;
    if (v === 0) a[w + 1]!++;
  }

  /** Add n (0 <= n < 2^32) to the 64-bit counter at word w, as n count(w) calls would. */
  private countN(w: number, n: number): void {
    const a = this.a;
    const v = (a[w]! >>> 0) + n;
    a[w] = v | 0;
    if (v > 0xffffffff) a[w + 1]!++;
  }

  /**
   * Translate vpn for pcid: the pfn, or -1 on a miss (the caller walks, then calls insert).
   * Sets lastLevel and lastFlags and counts the outcome. An L2 hit also fills L1.
   * vpn must be an integer in [0, 2^36); it is not checked here (the hot path).
   */
  lookup(vpn: number, pcid: number): number {
    const lo = vpn | 0;
    // tlbTag(vpn, lo, pcid & pcidMask), written out: this is the hottest path
    const hi = Tag.VALID | ((pcid & this.pcidMask) << Tag.PCID_SHIFT) | (lo === vpn ? 0 : (vpn * 2.3283064365386963e-10) | 0);
    const l1 = this.l1;
    const e = l1.find(lo, hi);
    if (e < 0) return this.lookupBelowL1(lo, hi);
    l1.touch(e, lo & l1.setMask);
    this.count(W.L1_HITS);
    this.lastLevel = Hit.L1;
    this.lastFlags = l1.flagsOf(e);
    return l1.pfnOf(e);
  }

  /**
   * A CPU's hot loop over a run of accesses: for k = from, from + 1, ... below n (from <= n),
   * the lookup(Math.floor(addrs[k] / 4096), pcid) of byte address addrs[k], for as long as it is
   * an L1 hit and, where writes[k] is 1, the entry's flags hold every bit of writeFlags. Returns
   * the index of the first access that does not qualify, whose lookup is made too and its result
   * left in lastPfn (lastLevel and lastFlags as lookup leaves them), or n. Counters, replacement
   * state and last* end exactly as those lookup() calls leave them; the L1 hits of the run are
   * added to their counter at its end, not one by one. `noWrites` promises that writes[from..n)
   * are all 0 (a faster loop then makes the hits).
   *
   * Given `ram` (the words of physical memory, on a machine whose CPUs run on one thread), the
   * run also goes on through two more kinds of access, which the caller must then charge as
   * translate does: an L2 hit that needs nothing more (a read, or a write through an entry with
   * every bit of writeFlags), counted in runL2Hits; and a miss in both levels that walkPte can
   * complete (its PDE in the PWC, its pte present and permitting the access), counted in
   * runWalks, each a lookup miss, a PWC hit, a one-reference walk and a fill, exactly as the
   * general walker would have made them. Without `ram`, both are 0.
   */
  lookupRun(addrs: Float64Array, writes: Uint8Array, from: number, n: number, pcid: number, writeFlags: number, noWrites = false, ram: Int32Array | null = null): number {
    const l1 = this.l1;
    const tag = Tag.VALID | ((pcid & this.pcidMask) << Tag.PCID_SHIFT);
    let k = from, hits = 0, walks = 0, l2Hits = 0;
    let last = -1; // the entry of the run's last lookup when that was a PCID-tagged L1 hit, else -1
    // The access before this one was a miss walkPte completed: this one is looked up by the
    // general step below, not hitRun (a run of misses, such as a chase over more pages than the
    // STLB holds, would otherwise pay hitRun's entry for each miss; the general step makes the
    // same lookup). After an L2 hit, measured, this gained nothing.
    let walked = false;
    const fused = ram !== null && this.fused;
    let missWalks = 0, ev1 = 0, ev2 = 0; // missWalk's walks and evictions, counted at the end
    while (k < n) {
      if (!walked) {
        const j = l1.hitRun(addrs, writes, k, n, tag, writeFlags, noWrites); // the common case: plain L1 hits
        if (j > k) {
          hits += j - k;
          last = l1.hitLast;
          k = j;
          if (k === n) break;
        }
      }
      if (fused && (walked || l1.hitMissed)) {
        const j = this.missRun(ram!, addrs, writes, k, n, tag, walked);
        if (j > k) {
          walks += j - k;
          missWalks += j - k;
          ev1 += this.runEv1;
          ev2 += this.runEv2;
          last = -1;
          k = j;
          walked = true;
          if (k === n) break;
        }
      }
      // The access hitRun stopped at (or the one after a walk), as lookup makes it: vpn = Math.floor(addr / 4096), lo and hi.
      const vpn = Math.floor(addrs[k]! * 0.000244140625);
      const lo = vpn | 0;
      const hi = lo === vpn ? tag : tag | ((vpn * 2.3283064365386963e-10) | 0);
      const e = !walked && l1.hitMissed ? -1 : l1.find(lo, hi); // hitRun's probe of this very key missed: no second probe
      walked = false;
      if (e < 0) {
        // lookup's slow half (it sets last* and counts); an L1 hit on the global entry that
        // needs nothing more continues the run
        last = -1;
        const pfn = this.lookupBelowL1(lo, hi);
        if (pfn >= 0 && this.lastLevel === Hit.L1 && (writes[k] !== 1 || (this.lastFlags & writeFlags) === writeFlags)) {
          k++;
          continue;
        }
        if (pfn >= 0 && ram !== null && (writes[k] !== 1 || (this.lastFlags & writeFlags) === writeFlags)) {
          l2Hits++; // an L2 hit (copied into L1 already) that needs nothing more
          k++;
          continue;
        }
        if (pfn < 0 && ram !== null && this.walkPte(ram, vpn, lo, hi, writes[k] === 1)) {
          walks++;
          k++;
          walked = true;
          continue;
        }
        this.lastPfn = pfn;
        break;
      }
      l1.touch(e, lo & l1.setMask);
      hits++;
      last = e;
      if (writes[k] === 1 && (l1.flagsOf(e) & writeFlags) !== writeFlags) {
        this.lastPfn = l1.pfnOf(e);
        break;
      }
      k++; // a PCID-tagged hit with vpn >= 2^31, which hitRun leaves to this step
    }
    if (hits !== 0) this.countN(W.L1_HITS, hits);
    if (missWalks !== 0) {
      this.countN(W.MISSES, missWalks);
      this.countN(W.PWC_HITS, missWalks);
      if (ev1 !== 0) this.countN(W.L1_EVICTIONS, ev1);
      if (ev2 !== 0) this.countN(W.L2_EVICTIONS, ev2);
    }
    this.runWalks = walks;
    this.runL2Hits = l2Hits;
    if (last >= 0) {
      this.lastLevel = Hit.L1;
      this.lastFlags = l1.flagsOf(last);
    }
    return k;
  }

  /**
   * The page walk of a TLB miss in its commonest case, made by the TLB itself: lookup(vpn, pcid)
   * has just missed both levels (lo = vpn | 0, hi its tag word), the PWC holds vpn's PDE (so the pte is the one
   * reference left), and that pte, in the words `ram` of physical memory, is present and, with
   * the rights the PDE entry gathered, allows a user access (a write too when `write`). Then,
   * exactly as fault.ts hw_walk followed by insertWalked would: the PWC hit is counted and its
   * entry touched, ACCESSED (and DIRTY for a write) are set in the pte by a plain store, both
   * levels are filled, and it returns true. Otherwise it returns false having changed nothing,
   * and the general walker takes the access. Plain loads and stores: only for a machine whose
   * CPUs all run on this thread (nothing else writes a pte meanwhile).
   */
  private walkPte(ram: Int32Array, vpn: number, lo: number, hi: number, write: boolean): boolean {
    const pwc = this.pwc;
    if (pwc === null) return false;
    const pde = pwc.find(Math.floor(vpn * 0.001953125), Tag.VALID | (Lvl.PDE << Tag.LEVEL_SHIFT) | (hi & Tag.PCID_BITS));
    if (pde < 0) return false;
    const w = (pwc.pfnOf(pde) * 4096 + (vpn & 511) * 8) >>> 2; // the pte's low word (pa / 4), as hw_walk computes it
    const pte = ram[w]!;
    const perm = pwc.flagsOf(pde) & pte & (Pte.RW | Pte.USER);
    if (!(pte & Pte.PRESENT) || !(perm & Pte.USER) || (write && !(perm & Pte.RW))) return false;
    pwc.touch(pde, 0);
    this.count(W.PWC_HITS);
    this.lastFlags = pwc.flagsOf(pde);
    const ad = write ? Pte.ACCESSED | Pte.DIRTY : Pte.ACCESSED;
    if ((pte & ad) !== ad) ram[w] = pte | ad;
    const pteHi = ram[w + 1]!;
    const pfn = pfn_of_halves(pte, pteHi);
    const flags = tlbFlagsFromPte((pte & ~(Pte.RW | Pte.USER)) | perm | (write ? Pte.DIRTY : 0), pteHi);
    // insertWalked(vpn, pcid, pfn, flags), with the tag lookupRun made
    const tag = flags & TLB_GLOBAL ? globalTag(hi) : hi;
    const l1 = this.l1, l2 = this.l2;
    if (l2.fillFullLru(lo, tag, pfn, flags) !== 0 || l2.put(lo, tag, lo & l2.setMask, pfn, flags, true) !== 0) this.count(W.L2_EVICTIONS);
    if (l1.fillFullLru(lo, tag, pfn, flags) !== 0 || l1.put(lo, tag, lo & l1.setMask, pfn, flags, true) !== 0) this.count(W.L1_EVICTIONS);
    return true;
  }

  /**
   * lookupBelowL1 then walkPte, for each access of addrs[from..n) while it is a miss in both
   * levels that walkPte completes (tag as lookupRun makes it; the first access's L1 probe is
   * skipped unless probeFirst, the caller's having missed). Written as one loop over locals,
   * with one hash of (lo, hi) for both levels' probes and fills: a run of TLB misses (a chase
   * over more pages than the STLB holds) spent most of its host time in the calls and field
   * loads of those steps. Only when `fused` and neither level holds a global entry. Returns the
   * first access it did not walk (left untouched, as its predecessors are by lookupBelowL1 and
   * walkPte), with entries, PWC, ptes, lastLevel and lastFlags as they leave them; the caller
   * counts the misses and PWC hits (one each per walk) and the evictions left in runEv1 and runEv2.
   */
  private missRun(ram: Int32Array, addrs: Float64Array, writes: Uint8Array, from: number, n: number, tag: number, probeFirst: boolean): number {
    const a = this.a;
    this.runEv1 = 0;
    this.runEv2 = 0;
    if (a[this.g1At] !== 0 || a[this.g2At] !== 0) return from; // a global entry: findEither's second probe
    const h1At = this.h1At, h1Shift = this.h1Shift, h2At = this.h2At, h2Shift = this.h2Shift;
    const hpAt = this.hpAt, hpShift = this.hpShift, pMru = (this.spAt + SW.MRU) | 0;
    const s1At = this.s1At, m1 = this.m1, w1 = this.w1, g1At = this.g1At, s2At = this.s2At, m2 = this.m2, w2 = this.w2, g2At = this.g2At;
    let k = from, ev1 = 0, ev2 = 0, lastFlags = -1;
    for (; k < n; k++) {
      const vpn = Math.floor(addrs[k]! * 0.000244140625);
      const lo = vpn | 0;
      const hi = lo === vpn ? tag : tag | ((vpn * 2.3283064365386963e-10) | 0);
      const mix = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1); // home(lo, hi) before its shift
      const h1 = (mix >>> h1Shift) | 0, h2 = (mix >>> h2Shift) | 0;
      if (k !== from || probeFirst) {
        let e = a[(h1At + h1) | 0]!;
        while (e !== 0 && (a[e] !== lo || a[(e + E.KEY_HI) | 0] !== hi)) e = a[(e + E.CHAIN) | 0]!;
        if (e !== 0) break;
      }
      let e2 = a[(h2At + h2) | 0]!;
      while (e2 !== 0 && (a[e2] !== lo || a[(e2 + E.KEY_HI) | 0] !== hi)) e2 = a[(e2 + E.CHAIN) | 0]!;
      if (e2 !== 0) break;
      // walkPte: the PDE's PWC entry (pwc.find), the pte, its rights
      const pre = Math.floor(vpn * 0.001953125);
      const ptag = Tag.VALID | (Lvl.PDE << Tag.LEVEL_SHIFT) | (hi & Tag.PCID_BITS);
      let pde = a[(hpAt + ((Math.imul(pre ^ Math.imul(ptag, 0x85ebca6b), 0x9e3779b1) >>> hpShift) | 0)) | 0]!;
      while (pde !== 0 && (a[pde] !== pre || a[(pde + E.KEY_HI) | 0] !== ptag)) pde = a[(pde + E.CHAIN) | 0]!;
      if (pde === 0) break;
      const pf = a[(pde + E.FLAGS) | 0]!, plo = a[(pde + E.PFN_LO) | 0]!;
      const table = pf >>> 24 === 0 && plo >= 0 ? plo : (plo >>> 0) + (pf >>> 24) * TWO_32; // pwc.pfnOf(pde)
      const w = (table * 4096 + (vpn & 511) * 8) >>> 2;
      const pte = ram[w]!;
      const pflags = pf & 0xffffff;
      const perm = pflags & pte & (Pte.RW | Pte.USER);
      const write = writes[k] === 1;
      if (!(pte & Pte.PRESENT) || !(perm & Pte.USER) || (write && !(perm & Pte.RW))) break;
      // pwc.touch(pde, 0): lruTouchAt, written out. V8 does not inline a call from this loop:
      // the two inlined fills (394 bytes of bytecode each) leave no room in its budget (920) for
      // lruTouchAt (156), which was then a JS call per miss. Both fills through one call site
      // make room, but that loop measured ~8 ns slower per miss (24 A/B pairs), so this copy.
      const head = a[pMru]!;
      if (head !== pde) {
        const tail = a[(head + E.PREV) | 0]!;
        if (tail !== pde) {
          const prev = a[(pde + E.PREV) | 0]!, next = a[(pde + E.NEXT) | 0]!;
          a[(prev + E.NEXT) | 0] = next;
          a[(next + E.PREV) | 0] = prev;
          a[(pde + E.PREV) | 0] = tail;
          a[(pde + E.NEXT) | 0] = head;
          a[(tail + E.NEXT) | 0] = pde;
          a[(head + E.PREV) | 0] = pde;
        }
        a[pMru] = pde;
      }
      lastFlags = pflags;
      const ad = write ? Pte.ACCESSED | Pte.DIRTY : Pte.ACCESSED;
      if ((pte & ad) !== ad) ram[w] = pte | ad;
      const pteHi = ram[w + 1]!;
      const pfn = pfn_of_halves(pte, pteHi);
      // tlbFlagsFromPte((pte & ~(Pte.RW | Pte.USER)) | perm | (write ? Pte.DIRTY : 0), pteHi), with its constants inlined
      const flags = (pte & (Pte.ACCESSED | Pte.DIRTY | Pte.GLOBAL)) | perm | (write ? Pte.DIRTY : 0) | (pteHi < 0 ? Pte.TLB_NX : 0);
      if (flags & Pte.GLOBAL) {
        // a global entry (hashed elsewhere, and counted): the general fills, and the run ends
        const gt = globalTag(hi), l1 = this.l1, l2 = this.l2;
        if (l2.fillFullLru(lo, gt, pfn, flags) !== 0 || l2.put(lo, gt, lo & m2, pfn, flags, true) !== 0) ev2++;
        if (l1.fillFullLru(lo, gt, pfn, flags) !== 0 || l1.put(lo, gt, lo & m1, pfn, flags, true) !== 0) ev1++;
        k++;
        break;
      }
      const pfnLo = pfn | 0, flagsWord = flags | (((pfn * 2.3283064365386963e-10) | 0) << 24);
      if (fillFullLruAt(a, (s2At + (lo & m2) * SW.WORDS) | 0, w2, h2At, g2At, h2, lo, hi, pfnLo, flagsWord) || this.l2.put(lo, hi, lo & m2, pfn, flags, true) !== 0) ev2++;
      if (fillFullLruAt(a, (s1At + (lo & m1) * SW.WORDS) | 0, w1, h1At, g1At, h1, lo, hi, pfnLo, flagsWord) || this.l1.put(lo, hi, lo & m1, pfn, flags, true) !== 0) ev1++;
    }
    if (lastFlags >= 0) {
      this.lastLevel = Hit.MISS;
      this.lastFlags = lastFlags;
    }
    this.runEv1 = ev1;
    this.runEv2 = ev2;
    return k;
  }

  /** lookup's slow half: L1's global entry, then L2 (copying a hit into L1), else a miss. */
  private lookupBelowL1(lo: number, hi: number): number {
    const l1 = this.l1;
    const g = l1.globals() !== 0 ? l1.find(lo, globalTag(hi)) : -1;
    if (g >= 0) {
      l1.touch(g, lo & l1.setMask);
      this.count(W.L1_HITS);
      this.lastLevel = Hit.L1;
      this.lastFlags = l1.flagsOf(g);
      return l1.pfnOf(g);
    }
    const l2 = this.l2;
    const e = this.findEither(l2, lo, hi);
    if (e < 0) {
      this.count(W.MISSES);
      this.lastLevel = Hit.MISS;
      this.lastFlags = 0;
      return -1;
    }
    l2.touch(e, lo & l2.setMask);
    this.count(W.L2_HITS);
    const pfn = l2.pfnOf(e);
    const flags = l2.flagsOf(e);
    this.fill(l1, lo, l2.tagOf(e), pfn, flags, W.L1_EVICTIONS);
    this.lastLevel = Hit.L2;
    this.lastFlags = flags;
    return pfn;
  }

  /** c's entry tagged hi for vpn-low lo, else the page's global entry, else -1. */
  private findEither(c: AssocCache, lo: number, hi: number): number {
    const e = c.find(lo, hi);
    if (e >= 0 || c.globals() === 0) return e;
    return c.find(lo, globalTag(hi));
  }

  /**
   * Put (lo, tag) -> (pfn, flags) in c, updating an existing entry in place (`absent`: the
   * caller knows there is none); counts an eviction at word w.
   */
  private fill(c: AssocCache, lo: number, tag: number, pfn: number, flags: number, w: number, absent = false): void {
    if (c.put(lo, tag, lo & c.setMask, pfn, flags, absent) !== 0) this.count(w);
  }

  /** Invalidate c's entry tagged (lo, tag), if there is one. */
  private removeKey(c: AssocCache, lo: number, tag: number): void {
    const e = c.find(lo, tag);
    if (e >= 0) c.remove(e, lo & c.setMask);
  }

  /**
   * Cache a walk's result in both levels (NINE, see the file comment); flags are TLB_* bits.
   * TLB_GLOBAL makes the entry match every PCID and drops the page's entry tagged with pcid.
   * An entry with the same tag is updated in place. TypeError unless vpn is an integer in
   * [0, 2^36), pcid in [0, 4096), pfn an integer in [0, 2^40) and flags one in [0, 2^24).
   * `afterMiss` is the walker's promise that its own lookup(vpn, pcid) just missed and nothing
   * was inserted since: neither
   * level then holds the page under its PCID tag or the global one, and the probes that look
   * for an entry to update are skipped (two of the five hash probes of a TLB miss).
   */
  insert(vpn: number, pcid: number, pfn: number, flags: number, afterMiss = false): void {
    if (!(Number.isInteger(vpn) && vpn >= 0 && vpn < VPN_LIMIT && Number.isInteger(pfn) && pfn >= 0 && pfn < PFN_LIMIT
      && pcid >= 0 && pcid < 4096 && Number.isInteger(flags) && flags >= 0 && flags < FLAGS_LIMIT)) {
      throw new TypeError(`TlbHierarchy.insert: vpn ${vpn} (< 2^36), pcid ${pcid} (< 4096), pfn ${pfn} (< 2^40) or flags ${flags} (< 2^24) out of range`);
    }
    const lo = vpn | 0;
    const hi = tlbTag(vpn, lo, pcid & this.pcidMask);
    const absent = afterMiss;
    let tag = hi;
    if (flags & TLB_GLOBAL) {
      tag = globalTag(hi);
      if (!absent) {
        this.removeKey(this.l2, lo, hi);
        this.removeKey(this.l1, lo, hi);
      }
    }
    this.fill(this.l2, lo, tag, pfn, flags, W.L2_EVICTIONS, absent);
    this.fill(this.l1, lo, tag, pfn, flags, W.L1_EVICTIONS, absent);
  }

  /**
   * insert(vpn, pcid, pfn, flags, true) for the walker, unchecked: its lookup(vpn, pcid) just
   * missed and nothing was inserted since, vpn came from that lookup and pfn from a pte (so
   * both are in range by construction). The fill that ends every TLB miss.
   */
  insertWalked(vpn: number, pcid: number, pfn: number, flags: number): void {
    const lo = vpn | 0;
    const hi = tlbTag(vpn, lo, pcid & this.pcidMask);
    const tag = flags & TLB_GLOBAL ? globalTag(hi) : hi;
    const l1 = this.l1, l2 = this.l2;
    if (l2.put(lo, tag, lo & l2.setMask, pfn, flags, true) !== 0) this.count(W.L2_EVICTIONS);
    if (l1.put(lo, tag, lo & l1.setMask, pfn, flags, true) !== 0) this.count(W.L1_EVICTIONS);
  }

  /**
   * INVLPG: drop vpn's entry for pcid and its global entry from both levels, and the PWC's PDE,
   * PDPTE and PML4E entries covering vpn for pcid. (The SDM allows INVLPG to drop every PWC
   * entry of the PCID; this model drops only the covering ones, the minimum it must.)
   * `afterMiss`, as for insert: the caller's own lookup(vpn, pcid) just missed and nothing was
   * inserted since, so neither TLB level has an entry to drop (only the PWC is probed).
   */
  invalidatePage(vpn: number, pcid: number, afterMiss = false): void {
    const p = pcid & this.pcidMask;
    const lo = vpn | 0;
    const hi = tlbTag(vpn, lo, p);
    if (!afterMiss) {
      this.removeKey(this.l1, lo, hi);
      if (this.l1.globals() !== 0) this.removeKey(this.l1, lo, globalTag(hi));
      this.removeKey(this.l2, lo, hi);
      if (this.l2.globals() !== 0) this.removeKey(this.l2, lo, globalTag(hi));
    }
    const pwc = this.pwc;
    if (pwc !== null) {
      let prefix = vpn;
      for (let level = Lvl.PDE; level <= Lvl.PML4E; level++) {
        prefix = Math.floor(prefix * 0.001953125); // pwcPrefix(level, vpn), one level at a time (as pwcWalkStart)
        this.removeKey(pwc, prefix, pwcTag(level, p));
      }
    }
    this.count(W.INVLPG);
  }

  /**
   * Drop every non-global entry of pcid from both levels and from the PWC (a CR3 write, or
   * INVPCID single-context). With PCID off every entry has PCID 0, so any pcid flushes all
   * non-global entries.
   */
  flushPcid(pcid: number): void {
    const value = Tag.VALID | ((pcid & this.pcidMask) << Tag.PCID_SHIFT);
    const most = this.pcidMask === 0; // without PCIDs every non-global entry matches
    this.l1.removeWhere(Tag.VALID | Tag.GLOBAL | Tag.PCID_BITS, value, most);
    this.l2.removeWhere(Tag.VALID | Tag.GLOBAL | Tag.PCID_BITS, value, most);
    this.pwc?.removeWhere(Tag.VALID | Tag.PCID_BITS, value, most);
    this.count(W.FLUSH_PCID);
  }

  /** Drop the entries of every PCID and the whole PWC; the global TLB entries too if includeGlobal. */
  flushAll(includeGlobal: boolean): void {
    if (includeGlobal) {
      this.l1.clear();
      this.l2.clear();
    } else {
      this.l1.removeWhere(Tag.VALID | Tag.GLOBAL, Tag.VALID, true);
      this.l2.removeWhere(Tag.VALID | Tag.GLOBAL, Tag.VALID, true);
    }
    this.pwc?.clear();
    this.count(W.FLUSH_ALL);
  }

  /**
   * The PWC's level-`level` entry (PWC_PDE, PWC_PDPTE or PWC_PML4E) for (prefix, pcid): the pfn
   * of the next-level table, or -1. Always -1, and uncounted, when the PWC is off. Sets
   * lastFlags on a hit. TypeError for any other level.
   */
  pwcLookup(level: number, prefix: number, pcid: number): number {
    const pwc = this.pwc;
    if (pwc === null) return -1;
    if (!(level >= PWC_PDE && level <= PWC_PML4E)) throw new TypeError(`PWC level must be 2 (PDE), 3 (PDPTE) or 4 (PML4E), got ${level}`);
    return this.pwcProbe(pwc, prefix, pwcTag(level, pcid & this.pcidMask));
  }

  /** pwcLookup's body, for a checked level and a tag word made by pwcTag. */
  private pwcProbe(pwc: AssocCache, prefix: number, tag: number): number {
    const e = pwc.find(prefix, tag);
    if (e < 0) {
      this.count(W.PWC_MISSES);
      return -1;
    }
    pwc.touch(e, 0);
    this.count(W.PWC_HITS);
    this.lastFlags = pwc.flagsOf(e);
    return pwc.pfnOf(e);
  }

  /**
   * Cache an upper-level entry: the level-`level` entry for (prefix, pcid) points at table
   * tablePfn with the rights in flags. No-op when the PWC is off. TypeError for a level outside
   * 2..4, a prefix outside [0, 2^(36 - 9*(level-1))), a table pfn outside [0, 2^40) or flags
   * outside [0, 2^24).
   */
  pwcInsert(level: number, prefix: number, pcid: number, tablePfn: number, flags: number): void {
    const pwc = this.pwc;
    if (pwc === null) return;
    // 2 ** (36 - 9 * (level - 1)), without Math.pow for the levels there are
    const span = level === Lvl.PDE ? 134217728 : level === Lvl.PDPTE ? 262144 : level === Lvl.PML4E ? 512 : 2 ** (36 - 9 * (level - 1));
    if (!(level >= PWC_PDE && level <= PWC_PML4E && Number.isInteger(prefix) && prefix >= 0 && prefix < span
      && Number.isInteger(tablePfn) && tablePfn >= 0 && tablePfn < PFN_LIMIT && Number.isInteger(flags) && flags >= 0 && flags < FLAGS_LIMIT)) {
      throw new TypeError(`TlbHierarchy.pwcInsert: level ${level} (2..4), prefix ${prefix}, table pfn ${tablePfn} or flags ${flags} (< 2^24) out of range`);
    }
    this.fill(pwc, prefix, pwcTag(level, pcid & this.pcidMask), tablePfn, flags, W.PWC_EVICTIONS);
  }

  /**
   * pwcInsert for the walker, of a level whose entry pwcWalkStart has just missed for this walk
   * (so the PWC has no entry to update, and its probe is skipped) with a prefix and table pfn
   * the walk read from the tables (in range by construction, so unchecked). No-op without a PWC.
   */
  pwcInsertWalked(level: number, prefix: number, pcid: number, tablePfn: number, flags: number): void {
    const pwc = this.pwc;
    if (pwc !== null) this.fill(pwc, prefix, pwcTag(level, pcid & this.pcidMask), tablePfn, flags, W.PWC_EVICTIONS, true);
  }

  /**
   * Probe the PWC for vpn, deepest level first. Returns the memory references the walk still
   * needs (1 after a PDE hit, 2 after a PDPTE hit, 3 after a PML4E hit, 4 with no hit or no
   * PWC) and leaves the frame of the table to read next in lastTablePfn (-1: start at CR3).
   */
  pwcWalkStart(vpn: number, pcid: number): number {
    const pwc = this.pwc;
    if (pwc !== null) {
      // pwcLookup(level, pwcPrefix(level, vpn), pcid) for PDE, PDPTE, PML4E. Each prefix is the
      // one below scaled by 2^-9 (exact) and floored, which is pwcPrefix's floor(vpn / 2^(9*(level-1))).
      const p = (pcid & this.pcidMask) << Tag.PCID_SHIFT;
      let prefix = vpn;
      for (let level = Lvl.PDE; level <= Lvl.PML4E; level++) {
        prefix = Math.floor(prefix * 0.001953125);
        const pfn = this.pwcProbe(pwc, prefix, Tag.VALID | (level << Tag.LEVEL_SHIFT) | p);
        if (pfn >= 0) {
          this.lastTablePfn = pfn;
          return level - 1;
        }
      }
    }
    this.lastTablePfn = -1;
    return 4;
  }

  /** Where vpn is cached for pcid, with no side effects: bit 0 = L1, bit 1 = L2. */
  holds(vpn: number, pcid: number): number {
    const lo = vpn | 0;
    const hi = tlbTag(vpn, lo, pcid & this.pcidMask);
    return (this.findEither(this.l1, lo, hi) >= 0 ? 1 : 0) | (this.findEither(this.l2, lo, hi) >= 0 ? 2 : 0);
  }

  /** The counters and the ratios derived from them, as a plain object. */
  stats(): TlbStats {
    const out: Record<string, number> = {};
    for (const name of STAT_NAMES) out[name] = readCounter(this.a, statWord(name));
    const lookups = out['l1_hits']! + out['l2_hits']! + out['misses']!;
    const belowL1 = out['l2_hits']! + out['misses']!;
    out['lookups'] = lookups;
    out['l1_hit_rate'] = lookups ? out['l1_hits']! / lookups : 0;
    out['l2_hit_rate'] = belowL1 ? out['l2_hits']! / belowL1 : 0;
    out['miss_rate'] = lookups ? out['misses']! / lookups : 0;
    return out as TlbStats;
  }

  /** Zero every counter; entries and replacement state are kept. */
  resetStats(): void {
    for (let w = STATS_AT; w < STATS_END; w++) Atomics.store(this.a, w, 0);
  }

  /** A snapshot of every valid entry of each array, in set/way order (for an explorer or a test). */
  entries(): { l1: TlbEntrySnapshot[]; l2: TlbEntrySnapshot[]; pwc: PwcEntrySnapshot[] } {
    return { l1: tlbEntries(this.l1), l2: tlbEntries(this.l2), pwc: this.pwc ? pwcEntries(this.pwc) : [] };
  }
}

/** The valid entries of TLB level c, decoded. */
function tlbEntries(c: AssocCache): TlbEntrySnapshot[] {
  const out: TlbEntrySnapshot[] = [];
  for (let set = 0; set < c.sets; set++) {
    for (let way = 0; way < c.ways; way++) {
      const e = c.entryAt(set, way);
      const tag = c.tagOf(e);
      if (tag === 0) continue;
      const vpn = (c.keyLoOf(e) >>> 0) + (tag & Tag.VPN_HI_BITS) * TWO_32;
      const pcid = tag & Tag.GLOBAL ? null : (tag & Tag.PCID_BITS) >>> Tag.PCID_SHIFT;
      out.push({ set, way, vpn, pcid, pfn: c.pfnOf(e), flags: c.flagsOf(e), recency: c.recencyOf(e, set) });
    }
  }
  return out;
}

/** The valid entries of the page-walk cache c, decoded. */
function pwcEntries(c: AssocCache): PwcEntrySnapshot[] {
  const out: PwcEntrySnapshot[] = [];
  for (let way = 0; way < c.ways; way++) {
    const e = c.entryAt(0, way);
    const tag = c.tagOf(e);
    if (tag === 0) continue;
    const level = (tag >>> Tag.LEVEL_SHIFT) & 7;
    const pcid = (tag & Tag.PCID_BITS) >>> Tag.PCID_SHIFT;
    out.push({ way, level, prefix: c.keyLoOf(e), pcid, pfn: c.pfnOf(e), flags: c.flagsOf(e), recency: c.recencyOf(e, 0) });
  }
  return out;
}
