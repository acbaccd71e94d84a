// Property test: random sequences of mmap / munmap / mprotect / madvise(DONTNEED) / fork / exit /
// user_write / user_read / zap_page_range / ftruncate / file_write over up to 3 processes and 2
// files, in a 16-page address window so that operations collide. After every step the machine
// must pass check_invariants(), and every access must give what a simple reference model says.
//
// The reference model is deliberately page-granular and knows nothing about vmas, ptes or the
// page cache. Each process maps window page -> one of
//   anon   private anonymous       bytes = its private copy, zeros until first written
//   shm    MAP_SHARED|ANONYMOUS    bytes = page `idx` of a shared object (fork shares it)
//   fpriv  MAP_PRIVATE file        bytes = its private copy once written, else the file page
//   fshr   MAP_SHARED file         bytes = the file page (writes go to the file)
// with a protection in {NONE, READ, READ|WRITE}. Rules (Linux 4.7):
//   - access without the permission -> SIGSEGV (access_error runs before the fault handler);
//   - a file page at or beyond EOF with no private copy -> SIGBUS;
//   - fork copies private pages, shares shared ones;
//   - DONTNEED / zap drop private copies (anon -> zeros, fpriv -> file contents again);
//   - truncate drops private copies at or beyond the new EOF (unmap_mapping_range even_cows=1)
//     and the file's pages there (they read back as zeros if the file grows again).
// File sizes are kept page-aligned, so there is never a partial last page: that keeps the model
// exact across ramfs/tmpfs/diskfs (their tail-zeroing differs; the unit tests cover it).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { createLab } from '../../src-engine/lab';

type Lab = ReturnType<typeof createLab>;
type Mm = ReturnType<Lab['mm_alloc']>;
type LabFile = ReturnType<Lab['file_create']>;

const PG = 4096;
const WIN = 16;
const BASE = 0x4000_0000;
const MAX_FILE_PAGES = 10;
const MAX_PROCS = 3;
const FS = ['ramfs', 'tmpfs', 'diskfs'] as const;
type Fs = (typeof FS)[number];

// ---------------------------------------------------------------- the reference model

type Prot = 0 | 1 | 3; // PROT_NONE, PROT_READ, PROT_READ|PROT_WRITE
interface Shm { pages: Uint8Array[] }
type Entry =
  | { kind: 'anon'; prot: Prot; priv: Uint8Array | null }
  | { kind: 'shm'; prot: Prot; obj: Shm; idx: number }
  | { kind: 'fpriv'; prot: Prot; file: number; idx: number; priv: Uint8Array | null }
  | { kind: 'fshr'; prot: Prot; file: number; idx: number };
interface MFile { pages: Map<number, Uint8Array>; sizePages: number }
interface Proc { mm: Mm; pages: (Entry | null)[] }

const ZERO = new Uint8Array(PG);

function filePage(f: MFile, idx: number, create: boolean): Uint8Array {
  let p = f.pages.get(idx);
  if (!p) {
    if (!create) return ZERO;
    p = new Uint8Array(PG);
    f.pages.set(idx, p);
  }
  return p;
}

type Outcome = { sig: 'SIGSEGV' | 'SIGBUS' } | { sig: null };

function accessOutcome(files: MFile[], e: Entry | null, write: boolean): Outcome {
  if (!e) return { sig: 'SIGSEGV' };
  if (write ? (e.prot & 2) === 0 : (e.prot & 1) === 0) return { sig: 'SIGSEGV' };
  if ((e.kind === 'fshr' || (e.kind === 'fpriv' && e.priv === null)) && e.idx >= files[e.file]!.sizePages) {
    return { sig: 'SIGBUS' };
  }
  return { sig: null };
}

function contents(files: MFile[], e: Entry): Uint8Array {
  switch (e.kind) {
    case 'anon': return e.priv ?? ZERO;
    case 'shm': return e.obj.pages[e.idx]!;
    case 'fpriv': return e.priv ?? filePage(files[e.file]!, e.idx, false);
    case 'fshr': return filePage(files[e.file]!, e.idx, false);
  }
}

function modelWrite(files: MFile[], e: Entry, off: number, data: Uint8Array): void {
  switch (e.kind) {
    case 'anon':
      e.priv ??= new Uint8Array(PG);
      e.priv.set(data, off);
      return;
    case 'shm':
      e.obj.pages[e.idx]!.set(data, off);
      return;
    case 'fpriv':
      e.priv ??= new Uint8Array(filePage(files[e.file]!, e.idx, false));
      e.priv.set(data, off);
      return;
    case 'fshr':
      filePage(files[e.file]!, e.idx, true).set(data, off);
      return;
  }
}

/** What a zap (DONTNEED, zap_page_range) does to the model: private copies are dropped. */
function modelZap(e: Entry): void {
  if (e.kind === 'anon' || e.kind === 'fpriv') e.priv = null;
}

function cloneEntry(e: Entry | null): Entry | null {
  if (!e) return null;
  if (e.kind === 'anon' || e.kind === 'fpriv') return { ...e, priv: e.priv ? new Uint8Array(e.priv) : null };
  return { ...e };
}

// ---------------------------------------------------------------- operations

type Op =
  | { t: 'mmap'; p: number; start: number; n: number; prot: Prot; kind: Entry['kind']; file: number; pgoff: number }
  | { t: 'munmap'; p: number; start: number; n: number }
  | { t: 'mprotect'; p: number; start: number; n: number; prot: Prot }
  | { t: 'madvise'; p: number; start: number; n: number }
  | { t: 'zap'; p: number; page: number; n: number }
  | { t: 'fork'; p: number }
  | { t: 'exit'; p: number }
  | { t: 'write'; p: number; page: number; off: number; data: Uint8Array; cpu: number }
  | { t: 'read'; p: number; page: number; off: number; len: number; cpu: number }
  | { t: 'checkall'; p: number }
  | { t: 'truncate'; file: number; pages: number }
  | { t: 'fwrite'; file: number; off: number; data: Uint8Array };

const proc = fc.nat(5);
const page = fc.integer({ min: 0, max: WIN - 1 });
const count = fc.integer({ min: 1, max: 8 });
const protArb = fc.constantFrom<Prot>(0, 1, 3, 3);
const cpu = fc.integer({ min: 0, max: 1 });
const bytes = fc.uint8Array({ minLength: 1, maxLength: 48 });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('mmap' as const), p: proc, start: page, n: count, prot: protArb,
      kind: fc.constantFrom<Entry['kind']>('anon', 'shm', 'fpriv', 'fshr'), file: fc.integer({ min: 0, max: 1 }),
      pgoff: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('munmap' as const), p: proc, start: page, n: count }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('mprotect' as const), p: proc, start: page, n: count, prot: protArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('madvise' as const), p: proc, start: page, n: count }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('zap' as const), p: proc, page, n: count }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('fork' as const), p: proc }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('exit' as const), p: proc }) },
  { weight: 10, arbitrary: fc.record({ t: fc.constant('write' as const), p: proc, page, off: fc.integer({ min: 0, max: PG - 1 }), data: bytes, cpu }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('read' as const), p: proc, page, off: fc.integer({ min: 0, max: PG - 1 }), len: fc.integer({ min: 1, max: 64 }), cpu }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('checkall' as const), p: proc }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('truncate' as const), file: fc.integer({ min: 0, max: 1 }), pages: fc.integer({ min: 0, max: MAX_FILE_PAGES }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('fwrite' as const), file: fc.integer({ min: 0, max: 1 }), off: fc.integer({ min: 0, max: MAX_FILE_PAGES * PG - 1 }), data: bytes }) },
);

/** The window starts filled with four 4-page mappings of random kinds, so that ops collide. */
const initArb = fc.array(
  fc.record({
    kind: fc.constantFrom<Entry['kind']>('anon', 'shm', 'fpriv', 'fshr'),
    prot: fc.constantFrom<Prot>(1, 3, 3, 3),
    file: fc.integer({ min: 0, max: 1 }),
    pgoff: fc.integer({ min: 0, max: 6 }),
  }),
  { minLength: 4, maxLength: 4 },
);

const scenarioArb = fc.record({
  fs: fc.tuple(fc.constantFrom<Fs>(...FS), fc.constantFrom<Fs>(...FS)),
  sizes: fc.tuple(fc.integer({ min: 0, max: MAX_FILE_PAGES }), fc.integer({ min: 0, max: MAX_FILE_PAGES })),
  init: initArb,
  ops: fc.array(opArb, { minLength: 10, maxLength: 40, size: 'max' }),
});

// ---------------------------------------------------------------- the runner

function seeded(seed: number): Uint8Array {
  const out = new Uint8Array(PG);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < PG; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

class Harness {
  readonly L: Lab;
  readonly files: MFile[] = [];
  readonly lfiles: LabFile[] = [];
  readonly procs: Proc[] = [];
  step = 0;
  op: Op | null = null;

  constructor(fs: readonly [Fs, Fs], sizes: readonly [number, number]) {
    this.L = createLab({ ram_mb: 32, cpus: 2 });
    for (let i = 0; i < 2; i++) {
      const f = this.L.file_create(`f${i}`, sizes[i]! * PG, fs[i]);
      const m: MFile = { pages: new Map(), sizePages: sizes[i]! };
      for (let j = 0; j < sizes[i]!; j++) {
        const data = seeded(100 * i + j + 1);
        this.L.file_write(f, j * PG, data);
        m.pages.set(j, new Uint8Array(data));
      }
      this.lfiles.push(f);
      this.files.push(m);
    }
    this.procs.push({ mm: this.L.mm_alloc(), pages: Array<Entry | null>(WIN).fill(null) });
  }

  where(): string {
    return `step ${this.step} ${JSON.stringify(this.op, (_k, v: unknown) => (v instanceof Uint8Array ? `[${v.length} bytes]` : v))}`;
  }

  proc(p: number): Proc {
    return this.procs[p % this.procs.length]!;
  }

  /** One user access, checked against the model. Returns what it read (or null). */
  access(pr: Proc, pageNo: number, off: number, data: Uint8Array | null, len: number, cpuNo: number): void {
    const L = this.L;
    const addr = BASE + pageNo * PG + off;
    const e = pr.pages[pageNo] ?? null;
    const write = data !== null;
    const want = accessOutcome(this.files, e, write);
    let got: Uint8Array | undefined;
    let err: (Error & { address?: number }) | undefined;
    try {
      if (write) L.user_write(pr.mm, addr, data, cpuNo);
      else got = L.user_read(pr.mm, addr, len, cpuNo);
    } catch (x) {
      err = x as Error & { address?: number };
    }
    const ctx = `${this.where()} ${write ? 'write' : 'read'} page ${pageNo}+${off} (${e ? `${e.kind} prot ${e.prot}` : 'unmapped'})`;
    if (want.sig) {
      expect(err, `${ctx}: expected ${want.sig}`).toBeInstanceOf(Error);
      expect(err!.name, ctx).toBe(want.sig);
      expect(err!.address, ctx).toBe(addr);
      return;
    }
    if (err) throw new Error(`${ctx}: unexpected ${err.name}: ${err.message}`);
    if (write) {
      modelWrite(this.files, e!, off, data);
    } else {
      const exp = contents(this.files, e!).subarray(off, off + len);
      const d = firstDiff(got!, exp);
      expect(d, `${ctx}: first differing byte (got ${got![d]}, want ${exp[d]})`).toBe(-1);
    }
  }

  checkAll(pr: Proc): void {
    for (let i = 0; i < WIN; i++) this.access(pr, i, 0, null, PG, 0);
  }

  checkFiles(): void {
    for (let i = 0; i < 2; i++) {
      const m = this.files[i]!;
      const got = this.L.file_read(this.lfiles[i]!, 0, (MAX_FILE_PAGES + 2) * PG);
      expect(got.length, `${this.where()} file ${i} size`).toBe(m.sizePages * PG);
      for (let j = 0; j < m.sizePages; j++) {
        const d = firstDiff(got.subarray(j * PG, (j + 1) * PG), filePage(m, j, false));
        expect(d, `${this.where()} file ${i} page ${j}`).toBe(-1);
      }
    }
  }

  run(op: Op): void {
    const L = this.L;
    this.op = op;
    switch (op.t) {
      case 'mmap': {
        const pr = this.proc(op.p);
        const n = Math.min(op.n, WIN - op.start);
        const addr = BASE + op.start * PG;
        const rwx = op.prot;
        let r: number;
        if (op.kind === 'anon') r = L.mmap(pr.mm, addr, n * PG, rwx, L.MAP_PRIVATE | L.MAP_ANONYMOUS | L.MAP_FIXED);
        else if (op.kind === 'shm') r = L.mmap(pr.mm, addr, n * PG, rwx, L.MAP_SHARED | L.MAP_ANONYMOUS | L.MAP_FIXED);
        else r = L.mmap(pr.mm, addr, n * PG, rwx, (op.kind === 'fpriv' ? L.MAP_PRIVATE : L.MAP_SHARED) | L.MAP_FIXED, this.lfiles[op.file]!, op.pgoff);
        expect(r, this.where()).toBe(addr);
        const obj: Shm = { pages: Array.from({ length: n }, () => new Uint8Array(PG)) };
        for (let i = 0; i < n; i++) {
          const prot = op.prot;
          const idx = op.pgoff + i;
          pr.pages[op.start + i] =
            op.kind === 'anon' ? { kind: 'anon', prot, priv: null }
            : op.kind === 'shm' ? { kind: 'shm', prot, obj, idx: i }
            : op.kind === 'fpriv' ? { kind: 'fpriv', prot, file: op.file, idx, priv: null }
            : { kind: 'fshr', prot, file: op.file, idx };
        }
        break;
      }
      case 'munmap': {
        const pr = this.proc(op.p);
        const n = Math.min(op.n, WIN - op.start);
        expect(L.munmap(pr.mm, BASE + op.start * PG, n * PG), this.where()).toBe(0);
        for (let i = 0; i < n; i++) pr.pages[op.start + i] = null;
        break;
      }
      case 'mprotect': {
        const pr = this.proc(op.p);
        const n = Math.min(op.n, WIN - op.start);
        // mprotect walks the vmas in order and stops with -ENOMEM at the first hole,
        // keeping what it already changed.
        let want = 0;
        for (let i = 0; i < n; i++) {
          const e = pr.pages[op.start + i];
          if (!e) {
            want = -L.ENOMEM;
            break;
          }
          e.prot = op.prot;
        }
        expect(L.mprotect(pr.mm, BASE + op.start * PG, n * PG, op.prot), this.where()).toBe(want);
        break;
      }
      case 'madvise': {
        const pr = this.proc(op.p);
        const n = Math.min(op.n, WIN - op.start);
        // every mapped part is zapped; any hole makes the result -ENOMEM
        let want = 0;
        for (let i = 0; i < n; i++) {
          const e = pr.pages[op.start + i];
          if (e) modelZap(e);
          else want = -L.ENOMEM;
        }
        expect(L.madvise(pr.mm, BASE + op.start * PG, n * PG, L.MADV_DONTNEED), this.where()).toBe(want);
        break;
      }
      case 'zap': {
        const pr = this.proc(op.p);
        if (!pr.pages[op.page]) break;
        const addr = BASE + op.page * PG;
        const vma = L.find_vma(pr.mm, addr);
        expect(vma, this.where()).not.toBeNull();
        expect(vma!.vm_start, this.where()).toBeLessThanOrEqual(addr);
        const end = Math.min(vma!.vm_end, addr + op.n * PG);
        L.down_read(pr.mm.mmap_sem);
        try {
          L.zap_page_range(vma!, addr, end - addr, null);
        } finally {
          L.up_read(pr.mm.mmap_sem);
        }
        for (let a = addr; a < end; a += PG) modelZap(pr.pages[(a - BASE) / PG]!);
        break;
      }
      case 'fork': {
        if (this.procs.length >= MAX_PROCS) break;
        const pr = this.proc(op.p);
        const mm = L.fork(pr.mm);
        if (typeof mm === 'number') throw new Error(`${this.where()}: fork failed with ${mm}`);
        this.procs.push({ mm, pages: pr.pages.map(cloneEntry) });
        break;
      }
      case 'exit': {
        if (this.procs.length <= 1) break;
        const i = op.p % this.procs.length;
        L.mmput(this.procs[i]!.mm);
        this.procs.splice(i, 1);
        break;
      }
      case 'write': {
        const len = Math.min(op.data.length, PG - op.off);
        this.access(this.proc(op.p), op.page, op.off, op.data.subarray(0, len), len, op.cpu);
        break;
      }
      case 'read': {
        const len = Math.min(op.len, PG - op.off);
        this.access(this.proc(op.p), op.page, op.off, null, len, op.cpu);
        break;
      }
      case 'checkall':
        this.checkAll(this.proc(op.p));
        break;
      case 'truncate': {
        const m = this.files[op.file]!;
        expect(L.ftruncate(this.lfiles[op.file]!, op.pages * PG), this.where()).toBe(0);
        for (const idx of [...m.pages.keys()]) if (idx >= op.pages) m.pages.delete(idx);
        m.sizePages = op.pages;
        for (const pr of this.procs) {
          for (const e of pr.pages) {
            if (e && e.kind === 'fpriv' && e.file === op.file && e.idx >= op.pages) e.priv = null;
          }
        }
        break;
      }
      case 'fwrite': {
        const m = this.files[op.file]!;
        const size = m.sizePages * PG;
        if (size === 0) break;
        const off = op.off % size;
        const data = op.data.subarray(0, Math.min(op.data.length, size - off));
        L.file_write(this.lfiles[op.file]!, off, data);
        for (let i = 0; i < data.length; i++) {
          const pos = off + i;
          filePage(m, Math.floor(pos / PG), true)[pos % PG] = data[i]!;
        }
        break;
      }
    }
    expect(L.check_invariants(), this.where()).toEqual([]);
    expect(L.tainted(), this.where()).toBe(false);
  }

  finish(): void {
    const L = this.L;
    this.op = null;
    this.step++;
    for (const pr of this.procs) this.checkAll(pr);
    this.checkFiles();
    expect(L.check_invariants(), 'after the final reads').toEqual([]);
    for (const pr of this.procs) L.mmput(pr.mm);
    expect(L.check_invariants(), 'after every process exited').toEqual([]);
    for (let i = 0; i < 2; i++) {
      expect(L.ftruncate(this.lfiles[i]!, 0)).toBe(0);
      expect(this.lfiles[i]!.f_mapping.nrpages, `file ${i} emptied`).toBe(0);
    }
    expect(L.check_invariants(), 'at the end').toEqual([]);
    expect(L.tainted()).toBe(false);
  }
}

const envSeed = process.env.FC_SEED;

describe('property: the machine against a page-granular reference model', () => {
  it('random mmap/munmap/mprotect/madvise/zap/fork/exit/access/truncate sequences over 2-3 processes and 2 files', () => {
    fc.assert(
      fc.property(scenarioArb, ({ fs, sizes, init, ops }) => {
        const h = new Harness(fs, sizes);
        init.forEach((m, i) => {
          h.step++;
          h.run({ t: 'mmap', p: 0, start: 4 * i, n: 4, ...m });
        });
        for (const op of ops) {
          h.step++;
          h.run(op);
        }
        h.finish();
      }),
      { numRuns: 40, ...(envSeed ? { seed: Number(envSeed) } : {}) },
    );
  }, 300_000);

  it('fork-heavy sequences: writes after fork never leak between processes', () => {
    const forkOps: fc.Arbitrary<Op> = fc.oneof(
      { weight: 2, arbitrary: fc.record({ t: fc.constant('fork' as const), p: proc }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('exit' as const), p: proc }) },
      { weight: 6, arbitrary: fc.record({ t: fc.constant('write' as const), p: proc, page, off: fc.integer({ min: 0, max: PG - 1 }), data: bytes, cpu }) },
      { weight: 3, arbitrary: fc.record({ t: fc.constant('read' as const), p: proc, page, off: fc.integer({ min: 0, max: PG - 1 }), len: fc.integer({ min: 1, max: 64 }), cpu }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('madvise' as const), p: proc, start: page, n: count }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('mprotect' as const), p: proc, start: page, n: count, prot: protArb }) },
    );
    const arb = fc.record({
      kinds: fc.array(fc.constantFrom<Entry['kind']>('anon', 'shm', 'fpriv', 'fshr'), { minLength: 4, maxLength: 4 }),
      ops: fc.array(forkOps, { minLength: 10, maxLength: 40, size: 'max' }),
    });
    fc.assert(
      fc.property(arb, ({ kinds, ops }) => {
        const h = new Harness(['ramfs', 'tmpfs'], [8, 8]);
        // four 4-page mappings of different kinds fill the window, all writable
        kinds.forEach((kind, i) => {
          h.step++;
          h.run({ t: 'mmap', p: 0, start: 4 * i, n: 4, prot: 3, kind, file: i % 2, pgoff: 2 * i });
        });
        for (const op of ops) {
          h.step++;
          h.run(op);
        }
        h.finish();
      }),
      { numRuns: 40, ...(envSeed ? { seed: Number(envSeed) } : {}) },
    );
  }, 300_000);
});
