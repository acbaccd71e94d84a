// Custom access patterns in parallel mode run in the SES sandbox scripts run in, on a pattern
// thread beside each CPU worker: nothing of Node is reachable from them, a failing pattern is
// reported to the script, and the machine (workers included) stays usable afterwards.
import { describe, it, expect, afterEach } from 'vitest';
import { createLab, type Lab } from '../../../src-engine/lab';
import { PatternSource } from '../../../src-engine/workload/custom_sandbox';
import { customStream, type CustomPattern, type CustomWorkload } from '../../../src-engine/workload/custom';

const PG = 4096;
let lab: Lab | null = null;
afterEach(() => { lab?.reset_machine({ ram_mb: 4, cpus: 1 }); lab = null; }); // stops the workers

type Pattern = (i: number, rng: { nextBelow(n: number): number }, p: { base: number; pages: number }) => number;

/** A parallel-mode lab with one process and an anonymous region of 64 pages. */
function parallelLab() {
  const L = createLab({ ram_mb: 32, cpus: 2, mode: 'parallel' });
  lab = L;
  const mm = L.mm_alloc();
  const base = L.mmap(mm, 0, 64 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
  /** Run `pattern` on CPU 0 for `accesses` accesses with params { base, pages: 64 }. */
  const run = (pattern: Pattern, accesses = 100, seed = 1) =>
    L.run_workloads([{ cpu: 0, mm, accesses, seed, write_fraction: 1, params: { base, pages: 64 }, pattern: pattern as never }]);
  return { L, mm, base, run };
}

describe('custom patterns on CPU workers', () => {
  it('reach no Node global and cannot rebuild one; each attempt fails clearly and the machine stays usable', () => {
    const { L, run } = parallelLab();
    // Each pattern would return a valid address if it reached `process` (its pid is > 0).
    const escapes: [string, Pattern][] = [
      ['process', (_i, _r, p) => p.base + (process.pid > 0 ? 0 : NaN)],
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the attempt is the point
      ['require', (_i, _r, p) => p.base + ((require('node:process') as { pid: number }).pid > 0 ? 0 : NaN)],
      ['the global constructor', (_i, _r, p) => p.base + ((globalThis.constructor.constructor('return process') as () => { pid: number })().pid > 0 ? 0 : NaN)],
      ['a host function of rng', (_i, r, p) => p.base + ((r.nextBelow.constructor('return process') as () => { pid: number })().pid > 0 ? 0 : NaN)],
      ['the params object', (_i, _r, p) => p.base + ((p.constructor.constructor('return process') as () => { pid: number })().pid > 0 ? 0 : NaN)],
      ['indirect eval', (_i, _r, p) => p.base + ((0, eval)('process').pid > 0 ? 0 : NaN)],
    ];
    for (const [what, pattern] of escapes) {
      expect(() => run(pattern), what).toThrow(/^run_workloads: the custom pattern of CPU 0 failed after 0 accesses: \w*Error: /);
      expect(L.check_invariants(), what).toEqual([]);
    }
    const seen = run((_i, _r, p) => p.base + (typeof process + typeof require + typeof Buffer + typeof fetch === 'undefinedundefinedundefinedundefined' ? 0 : NaN));
    expect(seen.cpus[0]!.accesses).toBe(100);
    expect(() => run(eval('(i) => import("node:fs")') as Pattern)).toThrow(/custom pattern does not compile: SyntaxError: .*import/);
    const ok = run((i, rng, p) => p.base + rng.nextBelow(p.pages) * 4096 + (i % 512) * 8, 5000);
    expect(ok.cpus[0]).toMatchObject({ accesses: 5000, signal: null });
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);

  it('get a seeded Math.random (the same pages every run) and no host clock', () => {
    const { L, run } = parallelLab();
    const pages = (): number => {
      const mm = L.mm_alloc();
      const base = L.mmap(mm, 0, 1024 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
      L.run_workloads([{ cpu: 1, mm, accesses: 300, seed: 7, write_fraction: 1, params: { base }, pattern: ((_i: number, _r: unknown, p: { base: number }) => p.base + Math.floor(Math.random() * 1024) * 4096) as never }]);
      return L.get_mm_counter(mm, L.MM_ANONPAGES);
    };
    const a = pages(), b = pages();
    expect(a).toBeGreaterThan(200); // 300 random draws over 1024 pages
    expect(b).toBe(a);
    expect(() => run((_i, _r, p) => p.base + (Date.now() > 0 ? 0 : 1))).toThrow(/custom pattern of CPU 0 failed.*Date/);
  }, 60_000);

  it('a pattern that never returns is stopped with its run; the next run gets a fresh pattern thread', () => {
    const { L, mm, base, run } = parallelLab();
    const t0 = performance.now();
    const r = L.run_workloads([{ cpu: 0, mm, accesses: 10, params: { base, pages: 64 }, pattern: (() => { for (;;) { /* runaway */ } }) as never }], { stop: () => performance.now() - t0 > 200 });
    expect(r.cpus[0]!.accesses).toBe(0);
    const ok = run((i, rng, p) => p.base + rng.nextBelow(p.pages) * 4096, 2000);
    expect(ok.cpus[0]!.accesses).toBe(2000);
    expect(L.check_invariants()).toEqual([]);
  }, 60_000);
});

describe('PatternSource', () => {
  it('writes exactly the accesses customStream makes for the same pattern, spec and stream', () => {
    const pattern: CustomPattern = (i, rng) => 0x10000000 + rng.nextBelow(4096) * 4096 + (i % 7) * 8;
    const spec: CustomWorkload = { kind: 'custom', source: '', write_fraction: 0.3, accesses: 10_000, seed: 5 };
    const ref = customStream(pattern, spec, 3);
    const refAddrs = new Float64Array(spec.accesses), refWrites = new Uint8Array(spec.accesses);
    expect(ref.fill(refAddrs, refWrites)).toBe(spec.accesses);
    const src = new PatternSource(pattern, spec, 3);
    const addrs = new Float64Array(spec.accesses), writes = new Uint8Array(spec.accesses);
    let at = 0;
    for (let n = src.fillInto(new DataView(addrs.buffer), new DataView(writes.buffer), at, 999); n > 0; n = src.fillInto(new DataView(addrs.buffer), new DataView(writes.buffer), at, 999)) at += n;
    expect(at).toBe(spec.accesses);
    expect(addrs).toEqual(refAddrs);
    expect(writes).toEqual(refWrites);
    expect(src.error).toBeNull();
  });

  it('ends with the error of a bad address, and produces nothing after it', () => {
    const src = new PatternSource((i) => (i < 5 ? 4096 * i : -1), { kind: 'custom', source: '', write_fraction: 0, accesses: 100, seed: 1 }, 0);
    const addrs = new DataView(new ArrayBuffer(8 * 100)), writes = new DataView(new ArrayBuffer(100));
    expect(src.fillInto(addrs, writes, 0, 5)).toBe(5);
    expect(src.fillInto(addrs, writes, 5, 10)).toBe(0);
    expect(src.error).toMatch(/returned -1 for access 5/);
    expect(src.fillInto(addrs, writes, 5, 10)).toBe(0);
  });
});
