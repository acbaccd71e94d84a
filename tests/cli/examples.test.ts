// The example scripts in experiments/ run headless through the real command, and show what
// they claim to show.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Run `mmu-lab run <script>` and return its stdout lines (throws with stderr on failure). */
function run(script: string): string[] {
  const r = spawnSync(process.execPath, [join(root, 'bin/mmu-lab.mjs'), 'run', join(root, script)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${script} exited ${r.status}: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}

describe('experiments/tlb-reach.ts', () => {
  it('shows the L1 knee after 64 pages and the STLB knee after 2048', () => {
    const out = run('experiments/tlb-reach.ts');
    expect(out[out.length - 1]).toMatch(/^\[chart\] TLB reach/);
    const rows = out.slice(1, -1).map((l) => l.trim().split(/\s+/).map(Number));
    const at = (pages: number) => rows.find((r) => r[0] === pages)!;
    expect(at(64)[1]).toBeGreaterThan(0.9); // fits the L1 dTLB
    expect(at(96)[1]).toBe(0); // does not
    expect(at(2048)[2]).toBeGreaterThan(0.9); // fits the STLB
    expect(at(3072)[2]).toBe(0); // walks
    expect(at(3072)[3]).toBeGreaterThan(at(2048)[3]! * 3);
  }, 60_000);
});
