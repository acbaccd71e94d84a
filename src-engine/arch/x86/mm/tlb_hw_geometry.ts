// Geometry of one CPU's hardware translation caches (L1 dTLB, L2 STLB, page-walk cache), gem5
// style: every parameter declared once with its type, default, unit and description, and a
// partial geometry is merged over the defaults and validated before any buffer is allocated.
// Defaults model the test machine (shared/baselines/RESULTS.md: AMD Zen 3, CPUID 0x80000005/6).

export type TlbPolicy = 'lru' | 'plru' | 'random';

export interface TlbGeometry {
  l1_entries: number;
  l1_ways: number;
  l2_entries: number;
  l2_ways: number;
  policy: TlbPolicy;
  pcid: boolean;
  pwc_entries: number;
  seed: number;
}

interface TlbParamSpec<T> {
  default: T;
  unit: string;
  description: string;
  check: (v: T) => string | null;
}

/** The replacement policies; a policy's index here is its code in the shared header. */
export const POLICY_NAMES: readonly TlbPolicy[] = ['lru', 'plru', 'random'];

/** A check for an integer in [min, max]; returns what is wanted, or null when v fits. */
const int = (min: number, max: number) => (v: number): string | null =>
  Number.isInteger(v) && v >= min && v <= max ? null : `an integer from ${min} to ${max}`;

export const TLB_PARAMS: { [K in keyof TlbGeometry]: TlbParamSpec<TlbGeometry[K]> } = {
  l1_entries: { default: 64, unit: 'entries', description: 'L1 dTLB capacity (4 KiB translations)', check: int(1, 4096) },
  l1_ways: { default: 64, unit: 'ways', description: 'L1 dTLB associativity (= l1_entries: fully associative, as CPUID reports)', check: int(1, 4096) },
  l2_entries: { default: 2048, unit: 'entries', description: 'L2 dTLB (STLB) capacity', check: int(1, 65536) },
  l2_ways: { default: 16, unit: 'ways', description: 'L2 dTLB associativity (RESULTS.md gives only the size; 16 ways is an assumption)', check: int(1, 65536) },
  policy: { default: 'lru', unit: '', description: "replacement in both TLB levels: 'lru' (true LRU), 'plru' (tree pseudo-LRU) or 'random' (seeded xorshift)", check: (v) => (POLICY_NAMES.includes(v) ? null : "'lru', 'plru' or 'random'") },
  pcid: { default: false, unit: '', description: 'tag entries with a 12-bit PCID (Linux 4.7 does not use PCIDs, so off by default)', check: (v) => (typeof v === 'boolean' ? null : 'true or false') },
  pwc_entries: { default: 0, unit: 'entries', description: 'page-walk cache of PML4E/PDPTE/PDE entries, fully associative, LRU; 0 = off', check: int(0, 4096) },
  seed: { default: 1, unit: '', description: "seed of the 'random' policy's xorshift generator", check: int(0, 2 ** 31 - 1) },
};

/** The default geometry (the test machine's TLBs). */
export function defaultTlbGeometry(): TlbGeometry {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(TLB_PARAMS)) out[k] = spec.default;
  return out as unknown as TlbGeometry;
}

/** True when n is a positive power of two. */
export const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

/** The first cross-field problem of one TLB level (entries vs ways vs policy), or null. */
function levelProblem(level: 'l1' | 'l2', entries: number, ways: number, policy: TlbPolicy): string | null {
  if (entries % ways !== 0) return `${level}_entries (${entries}) must be a multiple of ${level}_ways (${ways})`;
  const sets = entries / ways;
  if (!isPow2(sets)) return `${level} sets (${level}_entries / ${level}_ways = ${sets}) must be a power of two`;
  if (policy === 'plru' && !isPow2(ways)) return `${level}_ways (${ways}) must be a power of two for the tree-PLRU policy`;
  return null;
}

/**
 * Merge a partial geometry over the defaults. Throws a TypeError naming the bad key or value
 * (unknown key, wrong type or range, entries not a multiple of ways, sets not a power of two,
 * PLRU with non-power-of-two ways); returns a fresh, frozen, valid geometry otherwise.
 */
export function resolveTlbGeometry(partial: unknown = {}): Readonly<TlbGeometry> {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new TypeError('TLB geometry must be an object, e.g. { l1_entries: 64, l1_ways: 64 }');
  }
  const g = defaultTlbGeometry() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(partial as Record<string, unknown>)) {
    const spec = (TLB_PARAMS as Record<string, TlbParamSpec<unknown>>)[k];
    if (!spec) throw new TypeError(`unknown TLB parameter '${k}' (known: ${Object.keys(TLB_PARAMS).join(', ')})`);
    if (v === undefined) continue;
    const bad = spec.check(v);
    if (bad) throw new TypeError(`TLB parameter ${k} must be ${bad}, got ${JSON.stringify(v)}`);
    g[k] = v;
  }
  const geo = g as unknown as TlbGeometry;
  const bad = levelProblem('l1', geo.l1_entries, geo.l1_ways, geo.policy)
    ?? levelProblem('l2', geo.l2_entries, geo.l2_ways, geo.policy);
  if (bad) throw new TypeError(`TLB geometry: ${bad}`);
  return Object.freeze(geo);
}
