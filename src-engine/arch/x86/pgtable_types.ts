// x86-64 page-table entry layout: the one place that knows raw bit positions.
// A pte is 64 bits; JS numbers cannot hold that exactly, so entries are kept as two
// unsigned 32-bit halves (lo = bits 0..31, hi = bits 32..63). Generic mm code only uses
// the accessors exported here.

export const _PAGE_BIT_PRESENT = 0;
export const _PAGE_PRESENT = 0x001;
export const _PAGE_RW = 0x002;
export const _PAGE_USER = 0x004;
export const _PAGE_PWT = 0x008;
export const _PAGE_PCD = 0x010;
export const _PAGE_ACCESSED = 0x020;
export const _PAGE_DIRTY = 0x040;
export const _PAGE_PSE = 0x080; // also the PAT bit on 4 KiB ptes
export const _PAGE_PAT = 0x080;
export const _PAGE_GLOBAL = 0x100;
export const _PAGE_PROTNONE = 0x100; // shares GLOBAL's bit; meaningful only when !PRESENT
export const _PAGE_SPECIAL = 0x200; // SOFTW1
export const _PAGE_SOFT_DIRTY = 0x800;
export const _PAGE_NX_HI = 0x80000000; // bit 63, in the high half
export const _PAGE_CACHE_MASK = _PAGE_PWT | _PAGE_PCD | _PAGE_PAT;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = -4096; // ~(PAGE_SIZE-1) as a JS number: addr & PAGE_MASK is not safe past 2^31, use page_align helpers
export const PTRS_PER_TABLE = 512;
export const PGDIR_SHIFT = 39;
export const PUD_SHIFT = 30;
export const PMD_SHIFT = 21;
export const PGDIR_SIZE = 2 ** PGDIR_SHIFT;
export const PUD_SIZE = 2 ** PUD_SHIFT;
export const PMD_SIZE = 2 ** PMD_SHIFT;
export const TASK_SIZE = 2 ** 47 - PAGE_SIZE;
export const __PHYSICAL_MASK_SHIFT = 46;
const PFN_HI_MASK = (1 << (__PHYSICAL_MASK_SHIFT - 32)) - 1; // bits 32..45 hold pfn bits 20..33
const TWO_20 = 2 ** 20;
const TWO_32 = 2 ** 32;

/** A 64-bit page-table entry value (a snapshot; immutable). */
export class pte_t {
  constructor(readonly lo: number, readonly hi: number) {}
}

/** A 64-bit page protection value (immutable). */
export class pgprot_t {
  constructor(readonly lo: number, readonly hi: number) {}
}

export const NONE_PTE = new pte_t(0, 0);

/** Make a pte from raw halves; both are normalised to unsigned 32 bits. */
export function __pte(lo: number, hi: number): pte_t {
  return new pte_t(lo >>> 0, hi >>> 0);
}

/** Make a pgprot from raw halves. */
export function __pgprot_raw(lo: number, hi: number): pgprot_t {
  return new pgprot_t(lo >>> 0, hi >>> 0);
}

/** Make a pgprot from a 64-bit bigint; the pfn bits are not part of a protection and are dropped. */
export function __pgprot(bits: bigint): pgprot_t {
  const v = BigInt.asUintN(64, bits);
  const lo = Number(v & 0xfffn);
  const hi = Number((v >> 32n) & 0xfff00000n); // bits 52..63 (software/pkey/NX)
  return __pgprot_raw(lo, hi);
}

/** The 64-bit value of a pgprot. */
export function pgprot_val(p: pgprot_t): bigint {
  return (BigInt(p.hi) << 32n) | BigInt(p.lo);
}

/** The 64-bit value of a pte. */
export function pte_val(p: pte_t): bigint {
  return (BigInt(p.hi) << 32n) | BigInt(p.lo);
}

export const pte_none = (p: pte_t): boolean => p.lo === 0 && p.hi === 0;
/** PRESENT or PROTNONE (a PROT_NONE pte counts as present, as on x86). */
export const pte_present = (p: pte_t): boolean => (p.lo & (_PAGE_PRESENT | _PAGE_PROTNONE)) !== 0;
/** True only when the hardware would translate through this pte. */
export const pte_hw_present = (p: pte_t): boolean => (p.lo & _PAGE_PRESENT) !== 0;
export const pte_protnone = (p: pte_t): boolean => (p.lo & (_PAGE_PRESENT | _PAGE_PROTNONE)) === _PAGE_PROTNONE;
export const pte_write = (p: pte_t): boolean => (p.lo & _PAGE_RW) !== 0;
export const pte_dirty = (p: pte_t): boolean => (p.lo & _PAGE_DIRTY) !== 0;
export const pte_young = (p: pte_t): boolean => (p.lo & _PAGE_ACCESSED) !== 0;
export const pte_special = (p: pte_t): boolean => (p.lo & _PAGE_SPECIAL) !== 0;
export const pte_user = (p: pte_t): boolean => (p.lo & _PAGE_USER) !== 0;
export const pte_nx = (p: pte_t): boolean => (p.hi & _PAGE_NX_HI) !== 0;
/** The flag bits 0..11 of a pte. */
export const pte_flags = (p: pte_t): number => p.lo & 0xfff;
/** The page frame number a pte points at (bits 12..45). */
export const pte_pfn = (p: pte_t): number => pfn_of_halves(p.lo, p.hi);
/** pte_pfn of the entry whose halves are lo and hi, without making a pte_t (walks and fault paths). */
export const pfn_of_halves = (lo: number, hi: number): number => (lo >>> PAGE_SHIFT) + (hi & PFN_HI_MASK) * TWO_20;

/** Set bits in the low half (flag bits) of a pte. */
function pte_set_lo(p: pte_t, bits: number): pte_t {
  return __pte(p.lo | bits, p.hi);
}
/** Clear bits in the low half of a pte. */
function pte_clear_lo(p: pte_t, bits: number): pte_t {
  return __pte(p.lo & ~bits, p.hi);
}
export const pte_mkwrite = (p: pte_t): pte_t => pte_set_lo(p, _PAGE_RW);
export const pte_wrprotect = (p: pte_t): pte_t => pte_clear_lo(p, _PAGE_RW);
export const pte_mkdirty = (p: pte_t): pte_t => pte_set_lo(p, _PAGE_DIRTY | _PAGE_SOFT_DIRTY);
export const pte_mkclean = (p: pte_t): pte_t => pte_clear_lo(p, _PAGE_DIRTY);
export const pte_mkyoung = (p: pte_t): pte_t => pte_set_lo(p, _PAGE_ACCESSED);
export const pte_mkold = (p: pte_t): pte_t => pte_clear_lo(p, _PAGE_ACCESSED);
export const pte_mkspecial = (p: pte_t): pte_t => pte_set_lo(p, _PAGE_SPECIAL);

/** Split a pfn into the pte's halves. */
function pfn_bits(pfn: number): { lo: number; hi: number } {
  return { lo: (pfn % TWO_20) * 4096, hi: Math.floor(pfn / TWO_20) & PFN_HI_MASK };
}

/** The supported-bits mask of x86 (`massage_pgprot`): applied when PRESENT is in the prot. */
function massage_pgprot(prot: pgprot_t): pgprot_t {
  return prot; // the simulated CPU supports NX and every low bit, so nothing is masked
}

/** pfn << 12 | prot: a pte for a frame with the given protection. */
export function pfn_pte(pfn: number, prot: pgprot_t): pte_t {
  const b = pfn_bits(pfn);
  const p = (prot.lo & _PAGE_PRESENT) !== 0 ? massage_pgprot(prot) : prot;
  return __pte(b.lo | (p.lo & 0xfff), b.hi | (p.hi & 0xfff00000));
}

/** Replace a pte's protection bits, keeping its pfn (`pte_modify`). */
export function pte_modify(p: pte_t, prot: pgprot_t): pte_t {
  // _PAGE_CHG_MASK keeps pfn, PCD/PWT/PAT, ACCESSED, DIRTY, SPECIAL, SOFT_DIRTY.
  const keep = _PAGE_PCD | _PAGE_PWT | _PAGE_PAT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_SPECIAL | _PAGE_SOFT_DIRTY;
  const lo = (p.lo & (0xfffff000 | keep)) | (prot.lo & ~keep & 0xfff);
  const hi = (p.hi & PFN_HI_MASK) | (prot.hi & 0xfff00000);
  return __pte(lo, hi);
}

/** The protection bits of a pte (its value with the pfn removed). */
export function pte_pgprot(p: pte_t): pgprot_t {
  return __pgprot_raw(p.lo & 0xfff, p.hi & 0xfff00000);
}

/** Bitwise or of two protections. */
export function pgprot_or(a: pgprot_t, lo: number, hi = 0): pgprot_t {
  return __pgprot_raw(a.lo | lo, a.hi | hi);
}

/** Replace the cache-mode bits (PWT, PCD, PAT) of a protection. */
export function pgprot_set_cache(prot: pgprot_t, cachebits: number): pgprot_t {
  return __pgprot_raw((prot.lo & ~_PAGE_CACHE_MASK) | (cachebits & _PAGE_CACHE_MASK), prot.hi);
}

// Page cache modes as x86 programs the PAT MSR in 4.7: WB=0, WC=PWT, UC-=PCD, UC=PCD|PWT.
export type MemType = 'WB' | 'WC' | 'UC-' | 'UC';
export const CACHEMODE_BITS: Record<MemType, number> = { WB: 0, WC: _PAGE_PWT, 'UC-': _PAGE_PCD, UC: _PAGE_PCD | _PAGE_PWT };

/** The memory type a protection's cache bits select. */
export function pgprot_memtype(prot: pgprot_t): MemType {
  const bits = prot.lo & (_PAGE_PWT | _PAGE_PCD);
  if (bits === _PAGE_PWT) return 'WC';
  if (bits === _PAGE_PCD) return 'UC-';
  if (bits === (_PAGE_PCD | _PAGE_PWT)) return 'UC';
  return 'WB';
}

export const pgprot_noncached = (p: pgprot_t): pgprot_t => pgprot_set_cache(p, CACHEMODE_BITS['UC-']);
export const pgprot_writecombine = (p: pgprot_t): pgprot_t => pgprot_set_cache(p, CACHEMODE_BITS.WC);

const P = _PAGE_PRESENT, RW = _PAGE_RW, US = _PAGE_USER, A = _PAGE_ACCESSED, D = _PAGE_DIRTY, G = _PAGE_GLOBAL;
const NX = _PAGE_NX_HI;
export const PAGE_NONE = __pgprot_raw(_PAGE_PROTNONE | A, 0);
export const PAGE_SHARED = __pgprot_raw(P | RW | US | A, NX);
export const PAGE_SHARED_EXEC = __pgprot_raw(P | RW | US | A, 0);
export const PAGE_COPY_NOEXEC = __pgprot_raw(P | US | A, NX);
export const PAGE_COPY_EXEC = __pgprot_raw(P | US | A, 0);
export const PAGE_COPY = PAGE_COPY_NOEXEC;
export const PAGE_READONLY = __pgprot_raw(P | US | A, NX);
export const PAGE_READONLY_EXEC = __pgprot_raw(P | US | A, 0);
export const PAGE_KERNEL = __pgprot_raw(P | RW | D | A | G, NX);
export const PAGE_KERNEL_IO = PAGE_KERNEL;
/** Entries of upper-level tables (pgd/pud/pmd) pointing at the next table: _PAGE_TABLE. */
export const _PAGE_TABLE = P | RW | US | A | D;

// protection_map, indexed by vm_flags & (VM_READ|VM_WRITE|VM_EXEC|VM_SHARED).
export const protection_map: readonly pgprot_t[] = [
  PAGE_NONE, PAGE_READONLY, PAGE_COPY, PAGE_COPY,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_COPY_EXEC, PAGE_COPY_EXEC,
  PAGE_NONE, PAGE_READONLY, PAGE_SHARED, PAGE_SHARED,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_SHARED_EXEC, PAGE_SHARED_EXEC,
];

/** 2^-shift per shift: scaling by a power of two is exact, and a multiply is several times cheaper than a divide. */
const LEVEL_SCALE: readonly number[] = Array.from({ length: 64 }, (_, shift) => 2 ** -shift);

/** pgd/pud/pmd/pte index of an address at a level shift (12, 21, 30 or 39). */
export function table_index(addr: number, shift: number): number {
  return Math.floor(addr * LEVEL_SCALE[shift]!) & (PTRS_PER_TABLE - 1);
}

/** Whether a value's halves came from pfn_pte with an upper-level _PAGE_TABLE entry. */
export function table_entry(pfn: number): pte_t {
  const b = pfn_bits(pfn);
  return __pte(b.lo | _PAGE_TABLE, b.hi);
}

export const TWO_POW_32 = TWO_32;
