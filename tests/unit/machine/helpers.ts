// Shared helpers for the machine / fault / syscall unit tests.
//
// Everything here goes through the public scripting API (SCRIPTING-API.md) as
// createLab() exposes it: no engine internals, no stubs. Each test builds its
// own lab, so tests never share machine state.
import { expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';

export type Lab = ReturnType<typeof createLab>;
export type LabConfig = NonNullable<Parameters<typeof createLab>[0]>;
export type Mm = ReturnType<Lab['mm_alloc']>;
export type Vma = NonNullable<ReturnType<Lab['find_vma']>>;
export type Page = NonNullable<ReturnType<Lab['alloc_page']>>;
export type LabFile = ReturnType<Lab['file_create']>;
export type Pte = NonNullable<ReturnType<Lab['lookup_pte']>>;

export const PG = 4096;
/** NX is bit 63 of a pte / pgprot. */
export const NX = 1n << 63n;
/** A 2 MiB-aligned user address, far from the top-down mmap area. */
export const BASE = 0x4000_0000;
/** Page-aligned address of page `i` above `base`. */
export const pg = (i: number, base = BASE): number => base + i * PG;

/** A fresh machine; 64 MiB keeps the SharedArrayBuffers small in tests. */
export function newLab(config: LabConfig = { ram_mb: 64 } as LabConfig): Lab {
  return createLab(config);
}

/** The lab's own integrity check plus "no BUG/oops happened". */
export function expectConsistent(L: Lab): void {
  expect(L.check_invariants()).toEqual([]);
  expect(L.tainted()).toBe(false);
}

/** Runs fn and returns what it threw (or undefined). */
export function caught(fn: () => unknown): (Error & { address?: number }) | undefined {
  try {
    fn();
  } catch (e) {
    return e as Error & { address?: number };
  }
  return undefined;
}

/**
 * Asserts that a user access is killed with `name` ('SIGSEGV' | 'SIGBUS'),
 * and, when given, that `.address` is the faulting address.
 */
export function expectSignal(fn: () => unknown, name: 'SIGSEGV' | 'SIGBUS', address?: number): void {
  const err = caught(fn);
  expect(err, `expected the access to raise ${name}`).toBeInstanceOf(Error);
  expect(err!.name).toBe(name);
  if (address !== undefined) expect(err!.address).toBe(address);
}

/** Asserts fn throws a TypeError (bad argument C could not express). */
export function expectTypeError(fn: () => unknown): void {
  const err = caught(fn);
  expect(err, 'expected a TypeError').toBeInstanceOf(TypeError);
}

export function filled(len: number, byte: number): Uint8Array {
  return new Uint8Array(len).fill(byte & 0xff);
}

/** Deterministic non-trivial bytes: distinct per seed and per offset. */
export function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 16) & 0xff;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** expect() on byte arrays with a short message instead of a 4096-element diff. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = 'bytes'): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i]) {
      first = i;
      break;
    }
  }
  expect(first, `${what}: first differing byte (got ${actual[first]}, want ${expected[first]})`).toBe(-1);
}

export function isZero(a: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

/** MAP_FIXED anonymous mapping; asserts it landed where asked. */
export function mapAnon(L: Lab, mm: Mm, addr: number, len: number, prot?: number, extraFlags = 0): number {
  const p = prot ?? (L.PROT_READ | L.PROT_WRITE);
  const r = L.mmap(mm, addr, len, p, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED | extraFlags);
  expect(r).toBe(addr);
  return r;
}

/** MAP_FIXED file mapping; asserts it landed where asked. */
export function mapFile(
  L: Lab,
  mm: Mm,
  addr: number,
  len: number,
  prot: number,
  flags: number,
  file: LabFile,
  pgoff = 0,
): number {
  const r = L.mmap(mm, addr, len, prot, flags | L.MAP_FIXED, file, pgoff);
  expect(r).toBe(addr);
  return r;
}

/** The pte at addr; asserts a page table covers it. */
export function pteAt(L: Lab, mm: Mm, addr: number): Pte {
  const pte = L.lookup_pte(mm, addr);
  expect(pte, `no page table covers 0x${addr.toString(16)}`).not.toBeNull();
  return pte!;
}

/** True when addr has no present and no swap pte (no table at all counts as none). */
export function pteNone(L: Lab, mm: Mm, addr: number): boolean {
  const pte = L.lookup_pte(mm, addr);
  return pte === null || L.pte_none(pte);
}

/** The struct page behind the present pte at addr. */
export function pageAt(L: Lab, mm: Mm, addr: number): Page {
  const pte = pteAt(L, mm, addr);
  expect(L.pte_present(pte)).toBe(true);
  return L.pfn_to_page(L.pte_pfn(pte)) as Page;
}

export function pfnAt(L: Lab, mm: Mm, addr: number): number {
  const pte = pteAt(L, mm, addr);
  expect(L.pte_present(pte)).toBe(true);
  return L.pte_pfn(pte);
}

export function vmaAt(L: Lab, mm: Mm, addr: number): Vma {
  const vma = L.find_vma(mm, addr);
  expect(vma, `no vma at or above 0x${addr.toString(16)}`).not.toBeNull();
  return vma!;
}

/** A file of `pages` pages whose page i holds pattern(PG, seed + i), all in the page cache. */
export function fileWithPages(L: Lab, name: string, pages: number, fs: 'ramfs' | 'tmpfs' | 'diskfs' = 'ramfs', seed = 1): LabFile {
  const f = L.file_create(name, pages * PG, fs);
  for (let i = 0; i < pages; i++) L.file_write(f, i * PG, pattern(PG, seed + i));
  return f;
}

/** Page-cache indices of `mapping` in [0, n) (find_get_page's reference is dropped again). */
export function cachedIndices(L: Lab, mapping: LabFile['f_mapping'], n: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < n; i++) {
    const p = L.find_get_page(mapping, i);
    if (p) {
      out.add(i);
      L.put_page(p);
    }
  }
  return out;
}

export function rss(L: Lab, mm: Mm): { file: number; anon: number; swap: number; shmem: number } {
  return {
    file: L.get_mm_counter(mm, L.MM_FILEPAGES),
    anon: L.get_mm_counter(mm, L.MM_ANONPAGES),
    swap: L.get_mm_counter(mm, L.MM_SWAPENTS),
    shmem: L.get_mm_counter(mm, L.MM_SHMEMPAGES),
  };
}

/** fork(mm) that must succeed (the lab returns -errno where the kernel's fork fails). */
export function forkOk(L: Lab, mm: Mm): Mm {
  const child = L.fork(mm);
  if (typeof child === 'number') throw new Error(`fork failed with ${child}`);
  return child;
}
