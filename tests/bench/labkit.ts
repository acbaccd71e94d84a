// Small helpers over the lab API that the fault, zap and shootdown sections share: mappings of
// fresh anonymous memory and of a tmpfs file already in the page cache, and counter deltas.
import type { Lab } from '../../src-engine/lab';
import type { file, mm_struct } from '../../src-engine/mm/mm_types';

export const PAGE = 4096;

/** A fresh private anonymous read-write mapping of `pages` pages; throws if mmap fails. */
export function mapAnon(lab: Lab, mm: mm_struct, pages: number): number {
  const addr = lab.mmap(mm, 0, pages * PAGE, lab.PROT_READ | lab.PROT_WRITE, lab.MAP_PRIVATE | lab.MAP_ANONYMOUS);
  if (addr < 0) throw new Error(`mapAnon: mmap of ${pages} pages failed with ${addr}`);
  return addr;
}

/** A shared mapping of the first `pages` pages of f (read-only unless `write`); throws on failure. */
export function mapFile(lab: Lab, mm: mm_struct, f: file, pages: number, write: boolean): number {
  const prot = lab.PROT_READ | (write ? lab.PROT_WRITE : 0);
  const addr = lab.mmap(mm, 0, pages * PAGE, prot, lab.MAP_SHARED, f);
  if (addr < 0) throw new Error(`mapFile: mmap of ${pages} pages failed with ${addr}`);
  return addr;
}

/** Writes `pages` pages of non-zero bytes into f from offset 0, so they sit in its page cache. */
export function fillFile(lab: Lab, f: file, pages: number): void {
  const chunkPages = 256;
  const chunk = new Uint8Array(chunkPages * PAGE).fill(0x5a);
  for (let p = 0; p < pages; p += chunkPages) {
    const n = Math.min(chunkPages, pages - p);
    const r = lab.file_write(f, p * PAGE, n === chunkPages ? chunk : chunk.subarray(0, n * PAGE));
    if (r !== n * PAGE) throw new Error(`fillFile: file_write returned ${r}`);
  }
}

/** A tmpfs file of `pages` pages, all in the page cache. */
export function cachedFile(lab: Lab, name: string, pages: number): file {
  const f = lab.file_create(name, pages * PAGE, 'tmpfs');
  fillFile(lab, f, pages);
  return f;
}

/** Throws unless a kernel call returned 0. */
export function ok(what: string, r: number): void {
  if (r !== 0) throw new Error(`${what} failed with ${r}`);
}

/** The machine-wide value of each named counter now (0 for unknown names). */
export function counters(lab: Lab, names: readonly string[]): number[] {
  const snap = lab.stats_snapshot();
  return names.map((n) => snap.counters[n]?.value ?? 0);
}

/** Simulated cycles of every CPU added up (machine_stats().cycles). */
export function simCycles(lab: Lab): number {
  return lab.machine_stats().cycles;
}
