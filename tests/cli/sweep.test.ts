// `mmu-lab sweep`: planning (which -p names are notebook parameters, which machine settings, and
// refusing anything else before a run starts), and the real command on a tiny notebook: every
// combination runs, failures are named, and two sweeps give the same results.json apart from
// host time.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError, USAGE } from '../../src-main/cli/args';
import { planSweep, crossProduct, parameterNames, SweepError } from '../../src-main/cli/sweep';
import { newNotebook, codeCell, markdownCell, parseNotebook, joinSource, type Notebook, type CodeCell } from '../../src-main/notebook/notebook';
import { saveNotebook } from '../../src-main/notebook/store';
import type { SweepResults } from '../../src-main/notebook/sweep-results';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'mmu-lab-sweep-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The tiny notebook: `pages` anonymous pages written, then read back twice; reports its faults. */
function tiny(): Notebook {
  const nb = newNotebook({ ram_mb: 16, cpus: 1 }, 1);
  nb.cells.push(markdownCell('# Tiny'));
  nb.cells.push(codeCell('let pages = 2;\nconst label = "x";', ['parameters']));
  nb.cells.push(codeCell([
    'const mm = mm_alloc();',
    'const a = mmap(mm, 0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);',
    'const f = touch(mm, a, pages * PAGE_SIZE, "w");',
    'touch(mm, a, pages * PAGE_SIZE, "r"); touch(mm, a, pages * PAGE_SIZE, "r");',
    'metric("faults_seen", f, "faults");',
    'chart({ title: "rss", series: [{ name: "anon", x: [0, 1], y: [0, get_mm_rss(mm)] }] });',
  ].join('\n')));
  return nb;
}

/** Runs `node bin/mmu-lab.mjs ...args`; resolves with its exit status and output. */
function mmuLab(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/mmu-lab.mjs'), ...args], { cwd: scratch, env: { ...process.env, MMU_LAB_STACK: '' } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end();
  });
}

/** results.json with every host-time field (the `host` objects) removed. */
function withoutHostTime(r: SweepResults): unknown {
  return JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'host' ? undefined : v)));
}

describe('planning a sweep', () => {
  it('parses -p lists, --jobs and -o, and refuses malformed ones', () => {
    expect(USAGE).toContain('mmu-lab sweep <notebook.ipynb> -p name=v1,v2,...');
    expect(parseArgs(['sweep', 'n.ipynb', '-p', 'cpus=1,2,4', '-p', 'mode=deterministic', '--jobs', '3', '-o', 'out'])).toEqual({
      kind: 'sweep', notebook: 'n.ipynb', axes: [{ name: 'cpus', values: [1, 2, 4] }, { name: 'mode', values: ['deterministic'] }], config: {}, output: 'out', jobs: 3,
    });
    for (const bad of [['sweep', 'n.ipynb'], ['sweep', 'n.ipynb', '-p', 'cpus=1,,2'], ['sweep', 'n.ipynb', '-p', 'cpus=1', '-p', 'cpus=2'],
      ['sweep', 'n.ipynb', '-p', 'cpus=1', '--jobs', '0'], ['sweep', 's.ts', '-p', 'cpus=1'], ['sweep', 'n.ipynb', '-p', 'cpus=1', '--config', 'cpus=2']]) {
      expect(() => parseArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
  });

  it('takes names the parameters cell declares as notebook parameters and the rest as machine settings', () => {
    expect([...parameterNames(tiny()).keys()]).toEqual(['pages', 'label']);
    const plan = planSweep(tiny(), 'tiny.ipynb', [{ name: 'pages', values: [1, 2] }, { name: 'tlb_l1_entries', values: [8, 16, 32] }], { seed: 5, tlb_l1_ways: 8 });
    expect(plan.axes.map((a) => [a.name, a.kind])).toEqual([['pages', 'parameter'], ['tlb_l1_entries', 'machine']]);
    expect(plan.runs).toHaveLength(6);
    expect(plan.runs[4]).toEqual({ run: 5, file: 'run-005.ipynb', values: { pages: 2, tlb_l1_entries: 16 }, params: { pages: 2 }, machine: { ram_mb: 16, cpus: 1, seed: 5, tlb_l1_ways: 8, tlb_l1_entries: 16 } });
  });

  it('refuses, before anything runs, a name that is neither, a const parameter, and a value the machine rejects', () => {
    expect(() => planSweep(tiny(), 'tiny.ipynb', [{ name: 'tlb_size', values: [1] }], {})).toThrow(/tlb_size: neither a parameter of tiny.ipynb \(its parameters cell declares pages, label\) nor a machine setting \(ram_mb, cpus/);
    const nb = tiny();
    (nb.cells[1] as CodeCell).source = ['const pages = 2;'];
    expect(() => planSweep(nb, 'tiny.ipynb', [{ name: 'pages', values: [1] }], {})).toThrow(/declares it with const/);
    expect(() => planSweep(tiny(), 'tiny.ipynb', [{ name: 'cpus', values: [2, 0] }], {})).toThrow(SweepError);
    expect(() => planSweep(tiny(), 'tiny.ipynb', [{ name: 'cpus', values: [2, 0] }], {})).toThrow(/run-002.ipynb \(cpus=0\): machine parameter cpus must be an integer from 1 to 64/);
    expect(() => planSweep(tiny(), 'tiny.ipynb', [{ name: 'tlb_l1_entries', values: [64, 96] }], {})).toThrow(/run-002.ipynb \(tlb_l1_entries=96\): TLB geometry: l1_entries \(96\) must be a multiple of l1_ways \(64\)/);
    expect(planSweep(tiny(), 'tiny.ipynb', [{ name: 'tlb_l1_entries', values: [64, 96] }], { tlb_l1_ways: 96 }).runs).toHaveLength(2);
  });

  it('takes tlb_entries (issue 4\'s example) as the L1 dTLB size; a config naming both differently is refused', () => {
    const plan = planSweep(tiny(), 'tiny.ipynb', [{ name: 'cpus', values: [1, 2] }, { name: 'tlb_entries', values: [32, 64, 128] }], {});
    expect(plan.axes.map((a) => [a.name, a.kind])).toEqual([['cpus', 'machine'], ['tlb_entries', 'machine']]);
    expect(plan.runs.map((r) => r.machine['tlb_l1_entries'])).toEqual([32, 64, 128, 32, 64, 128]);
    expect(plan.runs.every((r) => !('tlb_entries' in r.machine))).toBe(true);
    expect(planSweep(tiny(), 'tiny.ipynb', [{ name: 'tlb_entries', values: [32] }], { tlb_l1_entries: 64 }).runs[0]!.machine['tlb_l1_entries']).toBe(32); // swept values override --config
    expect(() => planSweep(tiny(), 'tiny.ipynb', [{ name: 'cpus', values: [1] }], { tlb_entries: 32, tlb_l1_entries: 64 })).toThrow(/tlb_entries and tlb_l1_entries name the same setting with different values/);
  });

  it('orders the cross product with the first axis varying slowest', () => {
    expect(crossProduct([{ name: 'a', values: [1, 2] }, { name: 'b', values: ['x', 'y'] }])).toEqual([{ a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }]);
  });
});

describe('mmu-lab sweep', () => {
  it('runs every combination, writes each run, results.csv/json and a valid summary; a second sweep gives the same results', async () => {
    saveNotebook(join(scratch, 'tiny.ipynb'), tiny());
    const args = ['sweep', 'tiny.ipynb', '-p', 'pages=2,4', '-p', 'tlb_l1_entries=1,64', '--config', 'tlb_l1_ways=1', '--jobs', '2'];
    const r = await mmuLab([...args, '-o', 'first']);
    expect(r.stderr).toContain('4 runs of tiny.ipynb over pages (notebook parameter), tlb_l1_entries (machine setting), 2 at a time');
    expect(r.stderr).toMatch(/\[4\/4\] run-00\d\.ipynb/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`wrote ${join('first', 'summary.ipynb')}`);
    const results = JSON.parse(readFileSync(join(scratch, 'first/results.json'), 'utf8')) as SweepResults;
    expect(results.runs.map((x) => [x.notebook, x.params, x.status])).toEqual([
      ['run-001.ipynb', { pages: 2, tlb_l1_entries: 1 }, 'ok'], ['run-002.ipynb', { pages: 2, tlb_l1_entries: 64 }, 'ok'],
      ['run-003.ipynb', { pages: 4, tlb_l1_entries: 1 }, 'ok'], ['run-004.ipynb', { pages: 4, tlb_l1_entries: 64 }, 'ok']]);
    for (const run of results.runs) {
      expect(run.metrics['faults_seen']).toBe(run.params['pages']); // the notebook's own metric()
      expect(run.metrics['faults.anon']).toBe(run.params['pages']); // the machine's statistics
      expect(run.host.metrics['fault_host_ns.anon']).toBeGreaterThan(0); // host time, kept apart
    }
    // The machine setting reached the machine: one L1 entry misses more than 64 (direct-mapped).
    expect(results.runs[2]!.metrics['l1_tlb_misses']).toBeGreaterThan(results.runs[3]!.metrics['l1_tlb_misses']!);
    expect(results.metrics['faults_seen']).toEqual({ source: 'notebook', unit: 'faults', description: 'reported by the notebook with metric()', host_time: false });
    expect(results.metrics['tlb_hit_rate']).toMatchObject({ source: 'machine', unit: 'ratio', host_time: false });

    const csv = readFileSync(join(scratch, 'first/results.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0]).toMatch(/^run,notebook,pages,tlb_l1_entries,status,error,faults_seen,cycles,/);
    expect(csv[1]).toMatch(/^1,run-001\.ipynb,2,1,ok,,2,/);

    const run3 = parseNotebook(readFileSync(join(scratch, 'first/run-003.ipynb'), 'utf8'));
    expect(run3.metadata.mmu_lab?.machine).toEqual({ ram_mb: 16, cpus: 1, seed: 1, tlb_l1_ways: 1, tlb_l1_entries: 1 }); // the run's machine holds the seed it ran with
    const injected = run3.cells.find((c) => (c.metadata as { tags?: string[] }).tags?.includes('injected-parameters'))!;
    expect(injected.source).toEqual(['// Injected parameters\n', 'pages = 4;']);

    const summary = parseNotebook(readFileSync(join(scratch, 'first/summary.ipynb'), 'utf8')); // validates against the schema
    const outs = summary.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : [])) as { data: Record<string, unknown> }[];
    const charts = outs.filter((o) => o.data['application/vnd.mmu-lab.chart+json']);
    expect(charts.length).toBeGreaterThanOrEqual(2);
    for (const c of charts) expect(Buffer.from(c.data['image/png'] as string, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(outs.some((o) => String(o.data['text/html']).startsWith('<table>') && String(o.data['text/plain']).includes('faults_seen'))).toBe(true);
    expect(joinSource(summary.cells[0]!.source)).toContain('`tlb_l1_entries` (machine setting): 1, 64');

    const again = await mmuLab([...args, '--no-typecheck', '-o', 'second']); // checked once above; spares a second check
    expect(again.status).toBe(0);
    const second = JSON.parse(readFileSync(join(scratch, 'second/results.json'), 'utf8')) as SweepResults;
    expect(withoutHostTime(second)).toEqual(withoutHostTime(results));
    expect(readFileSync(join(scratch, 'second/summary.ipynb'), 'utf8')).toBe(readFileSync(join(scratch, 'first/summary.ipynb'), 'utf8'));
  });

  it('keeps going past a failing run, records it, names it on stderr and exits 1', async () => {
    saveNotebook(join(scratch, 'tiny.ipynb'), tiny());
    const r = await mmuLab(['sweep', 'tiny.ipynb', '-p', 'pages=-1,2', '--no-typecheck', '-o', 'failing']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/1 of 2 runs failed:\n {2}run-001\.ipynb \(pages=-1\): cell 4, line 2: TypeError: mmap: len must be/);
    const results = JSON.parse(readFileSync(join(scratch, 'failing/results.json'), 'utf8')) as SweepResults;
    expect(results.runs.map((x) => x.status)).toEqual(['failed', 'ok']);
    expect(results.runs[0]!.error).toMatch(/TypeError: mmap: len must be/);
    expect(results.runs[1]!.metrics['faults_seen']).toBe(2);
    const failed = parseNotebook(readFileSync(join(scratch, 'failing/run-001.ipynb'), 'utf8'));
    expect(failed.cells.flatMap((c) => (c.cell_type === 'code' ? c.outputs : [])).some((o) => o.output_type === 'error')).toBe(true);
  });

  it('run refuses a machine that could not boot, in one line, before the sandbox starts', async () => {
    saveNotebook(join(scratch, 'tiny.ipynb'), tiny());
    const r = await mmuLab(['run', 'tiny.ipynb', '--config', 'tlb_l1_entries=96', '-o', 'never.ipynb']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('mmu-lab: cannot create the machine: TLB geometry: l1_entries (96) must be a multiple of l1_ways (64)\n');
  });

  it('exits 2 naming a -p that is neither a parameter nor a machine setting, and runs nothing', async () => {
    saveNotebook(join(scratch, 'tiny.ipynb'), tiny());
    const r = await mmuLab(['sweep', 'tiny.ipynb', '-p', 'tlb_size=32,64', '-o', 'never']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('-p tlb_size: neither a parameter of tiny.ipynb');
    expect(existsSync(join(scratch, 'never'))).toBe(false);
  });
});
