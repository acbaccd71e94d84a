// The sandbox scripts run in: SES in a worker thread, with only the lab API reachable, a time
// limit that stops a runaway script, and the host left untouched.
import { describe, it, expect } from 'vitest';
import { compileScript } from '../../src-main/cli/run-script';
import { runSandboxed, type SandboxOutcome } from '../../src-main/runner/sandbox';
import { LAB_GLOBAL_NAMES } from '../../src-engine/lab';

/** Compile and run `src` in a sandbox; its printed lines and outcome. */
async function sandboxed(src: string, timeoutMs = 20_000, memoryMb?: number): Promise<{ lines: string[]; o: SandboxOutcome }> {
  const s = await compileScript(src, 'x.ts');
  const lines: string[] = [];
  const o = await runSandboxed({ body: s.body, names: LAB_GLOBAL_NAMES, config: { ram_mb: 16 }, timeoutMs, memoryMb }, { print: (l) => lines.push(l) });
  return { lines, o };
}

describe('sandbox', () => {
  it('runs a script against the lab API', async () => {
    const { lines, o } = await sandboxed('const mm = mm_alloc();\nprint(touch(mm, mmap(mm, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS), 8192, "w"));');
    expect(o).toEqual({ ok: true });
    expect(lines).toEqual(['2']);
  }, 30_000);

  it('reaches no Node global, and cannot rebuild one through the Function constructor or eval', async () => {
    const { lines, o } = await sandboxed([
      'const g = globalThis as any;',
      'print(typeof g.process, typeof g.require, typeof g.fetch, typeof g.Buffer);',
      'print((0, eval)("typeof process"));',
      'try { print((async function () {}).constructor("return 1")); } catch (e) { print("blocked:", (e as Error).name); }',
    ].join('\n'));
    expect(o).toEqual({ ok: true });
    expect(lines[0]).toBe('undefined undefined undefined undefined');
    expect(lines[1]).toBe('undefined');
    expect(lines[2]).toBe('blocked: TypeError');
  }, 30_000);

  it('gives Math.random a seeded sequence and Date the simulated clock, so runs reproduce', async () => {
    const src = 'print(Math.random(), Math.random());\nprint(Date.now());\nconst mm = mm_alloc();\ntouch(mm, mmap(mm, 0, 4096 * 64, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS), 4096 * 64, "w");\nprint(Date.now() >= 0, new Date(0).getTime(), typeof Math.floor);';
    const a = await sandboxed(src), b = await sandboxed(src);
    expect(a.o).toEqual({ ok: true });
    expect(a.lines).toEqual(b.lines);
    expect(a.lines[0]).not.toBe(b.lines[1]);
    expect(a.lines[2]).toBe('true 0 function');
  }, 30_000);

  it('stops a runaway loop at the time limit; the host carries on', async () => {
    const t0 = performance.now();
    const { o } = await sandboxed('for (;;) {}', 300);
    expect(o.ok).toBe(false);
    expect(!o.ok && o.name).toBe('TimeLimit');
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect((await sandboxed('print(1);')).o).toEqual({ ok: true });
  }, 30_000);

  it('stops a runaway allocation at the worker\'s memory limit, says so, and the host carries on', async () => {
    const { o } = await sandboxed('const keep: number[][] = [];\nfor (;;) keep.push(new Array(1 << 16).fill(1.5));', 60_000, 96);
    expect(o).toMatchObject({ ok: false, name: 'MemoryLimit' });
    expect(!o.ok && o.message).toMatch(/memory/i);
    expect((await sandboxed('print(1);')).o).toEqual({ ok: true });
  }, 90_000);

  it('reports where a script failed, in the compiled body (the host maps it back)', async () => {
    const { o } = await sandboxed('const mm = mm_alloc();\n\nuser_read(mm, 0x1000, 1);');
    expect(!o.ok && o.name).toBe('SIGSEGV');
    expect(!o.ok && o.address).toBe(0x1000);
    expect(!o.ok && o.at).not.toBeNull();
  }, 30_000);
});
