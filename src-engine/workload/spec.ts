// The workload spec: plain JSON that names an access pattern over a page-aligned region, so it
// can cross to a CPU worker by postMessage. resolveWorkload() validates a spec once, fills in the
// defaults and throws a TypeError naming the bad field; the generators trust what it returns.

import { PAGE_SIZE, TASK_SIZE } from '../arch/x86/pgtable_types';

export const WORKLOAD_KINDS = ['sequential', 'strided', 'random', 'zipf', 'pointer_chase', 'hot_cold', 'trace'] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** An access pattern over the region [base, base + pages * 4096). */
export interface Workload {
  kind: WorkloadKind;
  base: number;
  pages: number;
  stride?: number;
  theta?: number;
  hot_fraction?: number;
  hot_probability?: number;
  write_fraction: number;
  accesses: number;
  seed: number;
  trace?: number[];
  loop?: boolean;
}

interface FieldSpec {
  kinds: readonly WorkloadKind[] | 'all';
  unit: string;
  description: string;
  default?: number | boolean;
  check: (v: unknown, w: Record<string, unknown>) => string | null;
}

/** Patterns that build a per-page table (zipf's alias table, pointer chase's cycle) are capped. */
export const MAX_TABLE_PAGES = 1 << 22;
/** The most pages any pattern may span: nextBelow() draws from at most 2^32 values. */
export const MAX_PAGES = 2 ** 32;

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const intIn = (min: number, max: number) => (v: unknown): string | null =>
  isInt(v) && v >= min && v <= max ? null : `an integer from ${min} to ${max}`;
const numIn = (min: number, max: number, openMin = false) => (v: unknown): string | null =>
  typeof v === 'number' && (openMin ? v > min : v >= min) && v <= max ? null : `a number in ${openMin ? '(' : '['}${min}, ${max}]`;
const span = (w: Record<string, unknown>): number => (w['pages'] as number) * PAGE_SIZE;

/** Every field, declared once with the kinds it applies to, its unit, default and check. Checks
 *  run in this order, so a check may rely on the fields above it (pages on base, trace on pages). */
export const WORKLOAD_FIELDS: Record<keyof Workload, FieldSpec> = {
  kind: { kinds: 'all', unit: '', description: 'the access pattern', check: (v) => (WORKLOAD_KINDS.includes(v as WorkloadKind) ? null : `one of ${WORKLOAD_KINDS.join(', ')}`) },
  base: { kinds: 'all', unit: 'bytes', description: 'first virtual address of the region (page-aligned)', check: checkBase },
  pages: { kinds: 'all', unit: 'pages', description: 'size of the region in 4 KiB pages', check: checkPages },
  stride: { kinds: ['strided'], unit: 'bytes', description: 'distance between accesses; a pass restarts at base when it reaches the end', check: (v, w) => intIn(1, span(w))(v) },
  theta: { kinds: ['zipf'], unit: '', default: 0.99, description: 'Zipf skew: page of rank k is drawn with probability ∝ 1/k^theta (0 = uniform)', check: numIn(0, 10) },
  hot_fraction: { kinds: ['hot_cold'], unit: '', default: 0.2, description: 'share of the pages, from the start of the region, that form the hot set', check: numIn(0, 1, true) },
  hot_probability: { kinds: ['hot_cold'], unit: '', default: 0.8, description: 'probability that an access goes to the hot set', check: numIn(0, 1) },
  write_fraction: { kinds: 'all', unit: '', description: 'probability that an access is a write', check: numIn(0, 1) },
  accesses: { kinds: 'all', unit: 'accesses', description: 'length of the stream', check: intIn(0, Number.MAX_SAFE_INTEGER) },
  seed: { kinds: 'all', unit: '', description: 'seed of the stream\'s random numbers', check: intIn(0, Number.MAX_SAFE_INTEGER) },
  trace: { kinds: ['trace'], unit: 'bytes', description: 'addresses to replay, each inside the region', check: checkTrace },
  loop: { kinds: ['trace'], unit: '', default: false, description: 'replay the trace again from its start until `accesses` are made', check: (v) => (typeof v === 'boolean' ? null : 'true or false') },
};

const REQUIRED: ReadonlyArray<keyof Workload> = ['kind', 'base', 'pages', 'write_fraction', 'accesses', 'seed'];
const REQUIRED_BY_KIND: Partial<Record<WorkloadKind, keyof Workload>> = { strided: 'stride', trace: 'trace' };

/** Check of `base`: a page-aligned user address. */
function checkBase(v: unknown): string | null {
  return isInt(v) && v >= 0 && v % PAGE_SIZE === 0 && v < TASK_SIZE ? null : 'a page-aligned address below TASK_SIZE (2^47 - 4096)';
}

/** Check of `pages`: the region must end by TASK_SIZE, and table patterns are capped. */
function checkPages(v: unknown, w: Record<string, unknown>): string | null {
  const max = w['kind'] === 'zipf' || w['kind'] === 'pointer_chase' ? MAX_TABLE_PAGES : MAX_PAGES;
  if (!isInt(v) || v < 1 || v > max) return `an integer from 1 to ${max}${max === MAX_TABLE_PAGES ? ` for kind '${String(w['kind'])}'` : ''}`;
  return (w['base'] as number) + v * PAGE_SIZE <= TASK_SIZE ? null : 'small enough that base + pages * 4096 ≤ TASK_SIZE';
}

/** Check of `trace`: a non-empty array of addresses inside [base, base + pages * 4096). */
function checkTrace(v: unknown, w: Record<string, unknown>): string | null {
  const lo = w['base'] as number;
  const hi = lo + span(w);
  if (!Array.isArray(v) || v.length === 0) return 'a non-empty array of addresses';
  const bad = v.findIndex((a) => !isInt(a) || a < lo || a >= hi);
  return bad < 0 ? null : `addresses inside [0x${lo.toString(16)}, 0x${hi.toString(16)}); trace[${bad}] is ${JSON.stringify(v[bad])}`;
}

/** Throws TypeError `workload.<key> must be <what>, got <value>`. */
function fail(key: string, what: string, v: unknown): never {
  const shown = Array.isArray(v) && v.length > 8 ? `an array of ${v.length}` : JSON.stringify(v);
  throw new TypeError(`workload.${key} must be ${what}, got ${shown}`);
}

/** Rejects unknown keys, keys that do not apply to the kind, and missing required keys. */
function checkKeys(w: Record<string, unknown>, kind: WorkloadKind): void {
  for (const [k, v] of Object.entries(w)) {
    const f = (WORKLOAD_FIELDS as Record<string, FieldSpec | undefined>)[k];
    if (!f) throw new TypeError(`workload has unknown field '${k}' (known: ${Object.keys(WORKLOAD_FIELDS).join(', ')})`);
    if (v !== undefined && f.kinds !== 'all' && !f.kinds.includes(kind)) {
      throw new TypeError(`workload.${k} applies only to kind ${f.kinds.map((x) => `'${x}'`).join(', ')}, not '${kind}'`);
    }
  }
  const required = [...REQUIRED, ...(REQUIRED_BY_KIND[kind] ? [REQUIRED_BY_KIND[kind]] : [])];
  for (const k of required) if (w[k] === undefined) throw new TypeError(`workload.${k} is required for kind '${kind}'`);
}

/** Validates a spec and returns a new one with the defaults of its kind filled in; TypeError
 *  naming the first bad field otherwise. The trace array is shared, not copied. */
export function resolveWorkload(spec: unknown): Workload {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new TypeError("workload must be an object, e.g. { kind: 'random', base: 0x10000000, pages: 1024, write_fraction: 0.3, accesses: 1e6, seed: 1 }");
  }
  const w = spec as Record<string, unknown>;
  const kindBad = WORKLOAD_FIELDS.kind.check(w['kind'], w);
  if (kindBad) fail('kind', kindBad, w['kind']);
  const kind = w['kind'] as WorkloadKind;
  checkKeys(w, kind);
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(WORKLOAD_FIELDS)) {
    if (f.kinds !== 'all' && !f.kinds.includes(kind)) continue;
    const v = w[k] === undefined ? f.default : w[k];
    if (v === undefined) continue;
    const bad = f.check(v, w);
    if (bad) fail(k, bad, v);
    out[k] = v;
  }
  return out as unknown as Workload;
}
