// How kernel objects appear to scripts: struct page and pte pointers as small wrapper objects,
// and the argument checks that turn "a string where a vma belongs" into a clear TypeError.
import type { Machine } from '../machine';
import { mm_struct, vm_area_struct, file, address_space, anon_vma } from '../mm/mm_types';
import { pte_t, pgprot_t } from '../arch/x86/pgtable_types';
import { SpinLock, RwSemaphore } from '../kernel/locking';
import { mmu_gather } from '../asm-generic/tlb';
import { NAMED_FLAGS } from '../mm/mm';

/** struct page as scripts see it: identity, mapping, index and flags of one RAM frame. */
export class page {
  /** @internal */
  constructor(readonly m: Machine, readonly pfn: number) {}
  /** page->mapping: the address_space, the anon_vma (anonymous pages), or null. */
  get mapping(): address_space | anon_vma | null {
    const v = this.m.mem.mapping(this.pfn);
    if (v === 0) return null;
    if (v & 1) return (v - 1) / 2 <= this.m.avSlab.lastId ? this.m.anonVma((v - 1) / 2) : null;
    return this.m.inodes[v / 2 - 1]?.i_mapping ?? null;
  }
  get index(): number { return this.m.mem.index(this.pfn); }
  /** Names of the PG_* flags set. */
  get flags(): string[] { return Object.entries(NAMED_FLAGS).filter(([, b]) => this.m.mem.test(this.pfn, b)).map(([n]) => n); }
  toString(): string { return `page(pfn ${this.pfn})`; }
}

/** A pointer to a pte (pte_t *) and the page-table lock that guards it. */
export class pte_ptr {
  /** @internal */
  constructor(readonly m: Machine, readonly pa: number, readonly lock: SpinLock) {}
  toString(): string { return `ptep(0x${this.pa.toString(16)})`; }
}

/** The script-side page object for a pfn (one object per frame, so === works). */
export function wrap_page(m: Machine, pfn: number): page {
  let p = m.pageObjects.get(pfn) as page | undefined;
  if (!p) { p = new page(m, pfn); m.pageObjects.set(pfn, p); }
  return p;
}

const describe = (x: unknown): string => (x === null ? 'null' : typeof x === 'object' ? (x as object).constructor?.name ?? 'object' : `${typeof x} ${String(x)}`);

/** Argument checks bound to one machine: each returns the typed value or throws TypeError. */
export class Args {
  constructor(readonly m: () => Machine) {}

  mm(fn: string, x: unknown): mm_struct {
    if (!(x instanceof mm_struct)) throw new TypeError(`${fn}: expected an mm_struct, got ${describe(x)}`);
    if (x.m !== this.m()) throw new TypeError(`${fn}: this mm_struct belongs to another machine (reset_machine made a new one)`);
    if (x.dead) throw new TypeError(`${fn}: this mm_struct was released by mmput`);
    return x;
  }
  vma(fn: string, x: unknown): vm_area_struct {
    if (!(x instanceof vm_area_struct)) throw new TypeError(`${fn}: expected a vm_area_struct (from find_vma), got ${describe(x)}`);
    if (x.m !== this.m()) throw new TypeError(`${fn}: this vma belongs to another machine`);
    if (x.freed) throw new TypeError(`${fn}: this vma no longer exists (it was unmapped, split away or merged)`);
    return x;
  }
  page(fn: string, x: unknown): number {
    if (!(x instanceof page)) throw new TypeError(`${fn}: expected a struct page (alloc_page, pfn_to_page, find_get_page), got ${describe(x)}`);
    if (x.m !== this.m()) throw new TypeError(`${fn}: this page belongs to another machine`);
    return x.pfn;
  }
  file(fn: string, x: unknown): file {
    if (!(x instanceof file)) throw new TypeError(`${fn}: expected a file (file_create, file_open, device_create), got ${describe(x)}`);
    if (x.m !== this.m()) throw new TypeError(`${fn}: this file belongs to another machine`);
    return x;
  }
  mapping(fn: string, x: unknown): address_space {
    if (!(x instanceof address_space)) throw new TypeError(`${fn}: expected an address_space (file.f_mapping), got ${describe(x)}`);
    if (x.m !== this.m()) throw new TypeError(`${fn}: this address_space belongs to another machine`);
    return x;
  }
  pte(fn: string, x: unknown): pte_t {
    if (!(x instanceof pte_t)) throw new TypeError(`${fn}: expected a pte_t (lookup_pte, ptep_get), got ${describe(x)}`);
    return x;
  }
  prot(fn: string, x: unknown): pgprot_t {
    if (!(x instanceof pgprot_t)) throw new TypeError(`${fn}: expected a pgprot_t (PAGE_* or __pgprot), got ${describe(x)}`);
    return x;
  }
  ptep(fn: string, x: unknown): pte_ptr {
    if (!(x instanceof pte_ptr)) throw new TypeError(`${fn}: expected a ptep from pte_alloc_map_lock, got ${describe(x)}`);
    if (x.m !== this.m()) throw new TypeError(`${fn}: this ptep belongs to another machine`);
    return x;
  }
  sem(fn: string, x: unknown): RwSemaphore {
    if (!(x instanceof RwSemaphore)) throw new TypeError(`${fn}: expected mm.mmap_sem, got ${describe(x)}`);
    return x;
  }
  tlb(fn: string, x: unknown, mustBeActive = true): mmu_gather {
    if (!(x instanceof mmu_gather)) throw new TypeError(`${fn}: expected an mmu_gather (new mmu_gather()), got ${describe(x)}`);
    if (mustBeActive && (!x.mm || x.finished)) throw new TypeError(`${fn}: the mmu_gather is not active (call tlb_gather_mmu first; it ends at tlb_finish_mmu)`);
    if (x.mm && x.mm.m !== this.m()) throw new TypeError(`${fn}: this mmu_gather belongs to another machine`);
    return x;
  }
  /** A non-negative safe integer (addresses, sizes, pfns, offsets). */
  uint(fn: string, name: string, x: unknown): number {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new TypeError(`${fn}: ${name} must be a non-negative integer, got ${describe(x)}`);
    return x;
  }
  /** An integer that may be negative (flags words, errno-like values). */
  int(fn: string, name: string, x: unknown): number {
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(x)}`);
    return x;
  }
  /** A page-aligned address. */
  aligned(fn: string, name: string, x: unknown): number {
    const v = this.uint(fn, name, x);
    if (v % 4096) throw new TypeError(`${fn}: ${name} 0x${v.toString(16)} must be page aligned (the kernel's callers guarantee it)`);
    return v;
  }
  bytes(fn: string, name: string, x: unknown): Uint8Array {
    if (!(x instanceof Uint8Array)) throw new TypeError(`${fn}: ${name} must be a Uint8Array, got ${describe(x)}`);
    return x;
  }
  bool(fn: string, name: string, x: unknown): boolean {
    if (typeof x !== 'boolean' && x !== 0 && x !== 1) throw new TypeError(`${fn}: ${name} must be a boolean (or 0/1), got ${describe(x)}`);
    return !!x;
  }
  cpu(fn: string, x: unknown): number {
    const c = this.uint(fn, 'cpu', x);
    if (c >= this.m().config.cpus) throw new TypeError(`${fn}: cpu ${c} does not exist (the machine has ${this.m().config.cpus})`);
    return c;
  }
}
