// Shared helpers of the workload tests: draining a stream, page numbers, a chi-square statistic.
import { createAccessStream, type AccessStream, type Workload } from '../../../src-engine/workload/patterns';

export const PAGE = 4096;
export const BASE = 0x10000000;

/** Every remaining access of `s`, pulled in batches of `batch`. */
export function drain(s: AccessStream, batch = 1000): { addrs: number[]; writes: number[] } {
  const a = new Float64Array(batch);
  const w = new Uint8Array(batch);
  const addrs: number[] = [];
  const writes: number[] = [];
  for (let n = s.fill(a, w); n > 0; n = s.fill(a, w)) {
    for (let i = 0; i < n; i++) {
      addrs.push(a[i]);
      writes.push(w[i]);
    }
  }
  return { addrs, writes };
}

/** A spec of `kind` over 64 pages at BASE, 10 000 accesses, 30% writes, seed 7, with `extra`. */
export function spec(kind: Workload['kind'], extra: Partial<Workload> = {}): Workload {
  const w: Workload = { kind, base: BASE, pages: 64, write_fraction: 0.3, accesses: 10_000, seed: 7 };
  if (kind === 'strided') w.stride = 3 * PAGE;
  if (kind === 'trace') w.trace = Array.from({ length: 100 }, (_, i) => BASE + ((i * 13) % 64) * PAGE + i * 8);
  return { ...w, ...extra };
}

/** All the accesses of stream `id` of `w`. */
export function run(w: Workload, id = 0, batch = 1000): { addrs: number[]; writes: number[] } {
  return drain(createAccessStream(w, id), batch);
}

/** Page index of each address relative to `base`. */
export function pagesOf(addrs: number[], base = BASE): number[] {
  return addrs.map((a) => Math.floor((a - base) / PAGE));
}

/** How often each value in [0, n) occurs in `xs`. */
export function histogram(xs: number[], n: number): number[] {
  const h = new Array<number>(n).fill(0);
  for (const x of xs) h[x]++;
  return h;
}

/** Pearson's chi-square of observed counts against a uniform expectation. */
export function chiSquareUniform(counts: number[]): number {
  const total = counts.reduce((s, c) => s + c, 0);
  const e = total / counts.length;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

/** Fraction of ones in a 0/1 array. */
export const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
