// Shared helpers for the memory.c unit tests (semantics-4.7.md §2.7–§3.13, §6).
//
// Every test builds its own machine with newLab(), so tests are independent. Mappings are placed
// with MAP_FIXED at BASE (1 GiB, 2 MiB- and 1 GiB-aligned) on a fresh mm, so a test knows which
// page tables exist: nothing else in the mm shares BASE's pte table, pmd table or pud table.
import { expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';

export type Lab = ReturnType<typeof createLab>;
export type LabConfig = NonNullable<Parameters<typeof createLab>[0]>;
export type Mm = ReturnType<Lab['mm_alloc']>;
export type Vma = NonNullable<ReturnType<Lab['find_vma']>>;
export type Page = NonNullable<ReturnType<Lab['alloc_page']>>;
export type Pte = NonNullable<ReturnType<Lab['lookup_pte']>>;
export type LabFile = ReturnType<Lab['file_create']>;

export const PAGE = 4096;
/** Where tests put their mappings (MAP_FIXED): 1 GiB, so pgd 0, pud 1, pmd 0 of that pud. */
export const BASE = 0x4000_0000;
/** One pte table covers 2 MiB. */
export const PMD_SIZE = 0x20_0000;
/** The default MMIO region (physical 0xC0000000, 16 MiB, no struct page). */
export const MMIO_PHYS = 0xc000_0000;
export const MMIO_PFN = MMIO_PHYS / PAGE;
/** The kernel's tlb_flush reason names (include/linux/mm_types.h, enum tlb_flush_reason). */
export const TLB_FLUSH_REASONS = [
  'TLB_FLUSH_ON_TASK_SWITCH',
  'TLB_REMOTE_SHOOTDOWN',
  'TLB_LOCAL_SHOOTDOWN',
  'TLB_LOCAL_MM_SHOOTDOWN',
  'TLB_REMOTE_SEND_IPI',
];

/** A fresh machine: small RAM and one CPU, so TLB flush events are exactly the local ones. */
export function newLab(config: Partial<LabConfig> = {}): Lab {
  return createLab({ ram_mb: 32, cpus: 1, ...config } as LabConfig);
}

/** Return v, failing the test with `what` if it is null or undefined. */
export function must<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new Error(`expected ${what}, got ${String(v)}`);
  return v;
}

export const hex = (n: number): string => `0x${n.toString(16)}`;
export const has = (flags: number, bit: number): boolean => (flags & bit) !== 0;

/** A recognisable byte pattern: byte i is (seed + 7i) & 0xff. */
export function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (seed + 7 * i) & 0xff;
  return b;
}

// ---------------------------------------------------------------------------------------------
// Mappings

export interface Mapped {
  mm: Mm;
  addr: number;
  vma: Vma;
}

export interface MapOpts {
  addr?: number;
  prot?: number;
  /** Extra MAP_* flags (MAP_FIXED is always added). */
  flags?: number;
  /** Touch every page after mapping ('r' or 'w'), one access per page. */
  touch?: 'r' | 'w';
}

/** The vma containing addr (find_vma, checked to actually contain it). */
export function vmaAt(L: Lab, mm: Mm, addr: number): Vma {
  const vma = must(L.find_vma(mm, addr), `a vma at ${hex(addr)}`);
  expect(vma.vm_start <= addr && addr < vma.vm_end, `vma contains ${hex(addr)}`).toBe(true);
  return vma;
}

/** An anonymous private mapping of `pages` pages at opts.addr (default BASE). */
export function mapAnon(L: Lab, mm: Mm, pages: number, opts: MapOpts = {}): Mapped {
  const addr = opts.addr ?? BASE;
  const prot = opts.prot ?? L.PROT_READ | L.PROT_WRITE;
  const got = L.mmap(mm, addr, pages * PAGE, prot, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED | (opts.flags ?? 0));
  expect(got, 'mmap of an anonymous mapping').toBe(addr);
  if (opts.touch) L.touch(mm, addr, pages * PAGE, opts.touch);
  return { mm, addr, vma: vmaAt(L, mm, addr) };
}

let fileSeq = 0;

/** A regular file of `pages` pages whose page i is filled with pattern(PAGE, i + 1). */
export function makeFile(L: Lab, pages: number, fs: 'ramfs' | 'tmpfs' | 'diskfs' = 'ramfs'): LabFile {
  const f = L.file_create(`f${++fileSeq}`, pages * PAGE, fs);
  for (let i = 0; i < pages; i++) L.file_write(f, i * PAGE, pattern(PAGE, i + 1));
  return f;
}

export interface FileMapOpts extends MapOpts {
  /** File page offset of the mapping (default 0). */
  pgoff?: number;
  /** MAP_SHARED (default) or MAP_PRIVATE. */
  share?: 'shared' | 'private';
  /** The open file description to map (default: the file itself, opened read-write). */
  fd?: LabFile;
}

/** A file mapping of `pages` pages at opts.addr (default BASE). */
export function mapFile(L: Lab, mm: Mm, file: LabFile, pages: number, opts: FileMapOpts = {}): Mapped {
  const addr = opts.addr ?? BASE;
  const prot = opts.prot ?? L.PROT_READ | L.PROT_WRITE;
  const share = opts.share === 'private' ? L.MAP_PRIVATE : L.MAP_SHARED;
  const got = L.mmap(mm, addr, pages * PAGE, prot, share | L.MAP_FIXED | (opts.flags ?? 0), opts.fd ?? file, opts.pgoff ?? 0);
  expect(got, 'mmap of a file').toBe(addr);
  if (opts.touch) L.touch(mm, addr, pages * PAGE, opts.touch);
  return { mm, addr, vma: vmaAt(L, mm, addr) };
}

export interface DevMapOpts {
  addr?: number;
  prot?: number;
  /** MAP_SHARED (default) or MAP_PRIVATE (a COW mapping: is_cow_mapping). */
  share?: 'shared' | 'private';
  pgoff?: number;
  /** Open the device O_RDONLY first ('r'): MAP_SHARED then gets neither VM_SHARED nor VM_MAYWRITE. */
  open?: 'r' | 'rw';
}

export interface DevMapped extends Mapped {
  /** What mmap returned (the address, or -errno if the handler failed). */
  ret: number;
  dev: LabFile;
}

let devSeq = 0;

/**
 * Map a character device whose f_op->mmap runs `onMmap(vma)` (mmap_sem is held for write there)
 * and returns its result (default 0). Returns the vma: find_vma's after a successful mmap, the
 * handler's otherwise.
 */
export function mapDevice(L: Lab, mm: Mm, pages: number, onMmap?: (vma: Vma) => number | void, opts: DevMapOpts = {}): DevMapped {
  const addr = opts.addr ?? BASE;
  const prot = opts.prot ?? L.PROT_READ | L.PROT_WRITE;
  let seen: Vma | null = null;
  const dev = L.device_create(`dev${++devSeq}`, {
    mmap(_file, vma) {
      seen = vma;
      const r = onMmap ? onMmap(vma) : 0;
      return typeof r === 'number' ? r : 0;
    },
  });
  const fd = opts.open === 'r' ? L.file_open(dev, 'r') : dev;
  const share = opts.share === 'private' ? L.MAP_PRIVATE : L.MAP_SHARED;
  const ret = L.mmap(mm, addr, pages * PAGE, prot, share | L.MAP_FIXED, fd, opts.pgoff ?? 0);
  const vma = ret === addr ? vmaAt(L, mm, addr) : must<Vma>(seen, 'the vma passed to the mmap handler');
  return { mm, addr, vma, ret, dev };
}

/** A shared device mapping whose handler sets vm_flags |= `flags` (e.g. VM_PFNMAP) and nothing else. */
export function mapDeviceWithFlags(L: Lab, mm: Mm, pages: number, flags: number, opts: DevMapOpts = {}): DevMapped {
  const m = mapDevice(L, mm, pages, (vma) => {
    vma.vm_flags = vma.vm_flags | flags;
  }, opts);
  expect(m.ret, 'mmap of the device').toBe(m.addr);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Page tables and pages

/** The pte at addr; fails if no page table covers addr. */
export function pteAt(L: Lab, mm: Mm, addr: number): Pte {
  return must(L.lookup_pte(mm, addr), `a page table covering ${hex(addr)}`);
}

/** Whether a present pte maps addr (false when no table covers it). */
export function present(L: Lab, mm: Mm, addr: number): boolean {
  const p = L.lookup_pte(mm, addr);
  return p !== null && L.pte_present(p);
}

/** The struct page mapped at addr (the pte must be present and map RAM). */
export function pageAt(L: Lab, mm: Mm, addr: number): Page {
  const p = pteAt(L, mm, addr);
  expect(L.pte_present(p), `pte at ${hex(addr)} present`).toBe(true);
  return must(L.pfn_to_page(L.pte_pfn(p)), `a struct page for the pte at ${hex(addr)}`);
}

/** Which of `pages` pages from addr have a present pte. */
export function presentMap(L: Lab, mm: Mm, addr: number, pages: number): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < pages; i++) out.push(present(L, mm, addr + i * PAGE));
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

/** A fresh kernel page (refcount 1), not mapped anywhere. */
export function newPage(L: Lab): Page {
  return must(L.alloc_page(L.GFP_KERNEL), 'alloc_page');
}

// ---------------------------------------------------------------------------------------------
// Locks. The memory.c functions expect their caller to hold mmap_sem (read for zaps and faults,
// write for mmap-time inserts). If fn throws (a KernelBug), the semaphore stays held, as it would
// after a kernel oops.

export function underRead<T>(L: Lab, mm: Mm, fn: () => T): T {
  L.down_read(mm.mmap_sem);
  const r = fn();
  L.up_read(mm.mmap_sem);
  return r;
}

export function underWrite<T>(L: Lab, mm: Mm, fn: () => T): T {
  L.down_write(mm.mmap_sem);
  const r = fn();
  L.up_write(mm.mmap_sem);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Failure modes

/**
 * Run fn, which must hit a kernel BUG: an Error named 'KernelBug' whose message starts with one
 * of `where` (the function the BUG_ON is in). The machine must be tainted afterwards.
 */
export function expectKernelBug(L: Lab, fn: () => unknown, ...where: string[]): Error {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'a KernelBug to be thrown').toBeInstanceOf(Error);
  const e = err as Error;
  expect(e.name, `error name (message: ${e.message})`).toBe('KernelBug');
  expect(where.some((w) => e.message.startsWith(w)), `"${e.message}" starts with one of ${where.join(', ')}`).toBe(true);
  expect(L.tainted(), 'tainted after a BUG').toBe(true);
  return e;
}

/** Run fn, which must throw an Error named 'SIGSEGV' or 'SIGBUS' (as given). */
export function expectSignal(fn: () => unknown, sig: 'SIGSEGV' | 'SIGBUS'): Error & { address?: number } {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `${sig} to be thrown`).toBeInstanceOf(Error);
  expect((err as Error).name).toBe(sig);
  return err as Error & { address?: number };
}

export function expectInvariants(L: Lab): void {
  expect(L.check_invariants()).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Observing: trace events and mmu notifiers

export interface TraceEvent {
  name: string;
  [field: string]: unknown;
}

export interface TlbFlushEvent {
  name: 'tlb_flush';
  cpu: number;
  start: number;
  end: number;
  pages: number;
  reason: string;
}

export interface RangeEvent {
  name: string;
  start: number;
  end: number;
}

/** Run fn with tracing on; return the events it produced, in order. */
export function traced(L: Lab, fn: () => void): TraceEvent[] {
  L.trace_start();
  try {
    fn();
  } catch (e) {
    L.trace_stop();
    throw e;
  }
  return L.trace_stop() as unknown as TraceEvent[];
}

export const MN_START = 'mmu_notifier_invalidate_range_start';
export const MN_END = 'mmu_notifier_invalidate_range_end';
export const MN_RANGE = 'mmu_notifier_invalidate_range';

export function flushes(ev: TraceEvent[]): TlbFlushEvent[] {
  return ev.filter((e) => e.name === 'tlb_flush') as unknown as TlbFlushEvent[];
}

export function notifierEvents(ev: TraceEvent[]): RangeEvent[] {
  return ev.filter((e) => e.name.startsWith('mmu_notifier_')) as unknown as RangeEvent[];
}

/** The event names among tlb_flush and the mmu notifier ones, in order. */
export function flushAndNotifierNames(ev: TraceEvent[]): string[] {
  return ev.filter((e) => e.name === 'tlb_flush' || e.name.startsWith('mmu_notifier_')).map((e) => e.name);
}

export interface NotifierCall {
  kind: 'start' | 'end' | 'range';
  start: number;
  end: number;
}

/**
 * Register an mmu notifier on mm that records its calls. The kernel passes (mn, mm, start, end);
 * the lab's argument list is not fixed by SCRIPTING-API.md, so start and end are taken as the
 * last two numeric arguments. `onCall` runs inside the callback (to look at state mid-operation).
 */
export function recordNotifier(L: Lab, mm: Mm, onCall?: (c: NotifierCall) => void): NotifierCall[] {
  const calls: NotifierCall[] = [];
  const rec =
    (kind: NotifierCall['kind']) =>
    (...args: unknown[]): void => {
      const nums = args.filter((a): a is number => typeof a === 'number');
      const c = { kind, start: nums[nums.length - 2] ?? NaN, end: nums[nums.length - 1] ?? NaN };
      calls.push(c);
      onCall?.(c);
    };
  L.mmu_notifier_register(mm, {
    invalidate_range_start: rec('start'),
    invalidate_range_end: rec('end'),
    invalidate_range: rec('range'),
  });
  return calls;
}

/** The kernel oopses in __page_set_anon_rmap; page_add_new_anon_rmap is the caller it inlines into. */
export const ANON_RMAP_BUG = ['__page_set_anon_rmap', 'page_add_new_anon_rmap'];
