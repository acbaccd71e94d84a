// experiments/08-dirty-cow.ipynb, run headless as the CLI runs it: on 4.7.4 the race writes the
// read-only file's page cache; with dirty_cow_fix (as a parameter or a config override) never.
import { describe, it, expect } from 'vitest';
import { runNotebook, line } from './run-notebook-b';
import { tableRows, simulatedOutputs, examplePath } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';

const NB = '08-dirty-cow.ipynb';
const SHORT = ['-p', 'max_attempts=300', '-p', 'sweep_max_attempts=30', '--no-typecheck'];

describe('experiments/08-dirty-cow.ipynb', () => {
  it('4.7.4: the race on two CPUs writes the read-only file, through a read fault of the file page at the retry, as stored', async () => {
    const run = await runNotebook(NB);
    expect(run.errors).toEqual([]);
    expect(run.status).toBe(0);
    expect(line(run, /^machine: 2 CPUs, seed 1, dirty_cow_fix: (\w+)/)[1]).toBe('false');
    expect(line(run, /^ +the file still says: +(.*)$/)[1]).toBe('alice:x:1000:1000'); // no race: a COW copy
    expect(line(run, /^file written: (\w+)$/)[1]).toBe('true');
    expect(line(run, /^the file now says: (.*)$/)[1]).toBe('alice:x:0000:1000');
    expect(line(run, /^invariants: (.*)$/)[1]).toBe('[]');
    const trace = tableRows(run.nb, 'dirtycow-08');
    expect(trace[0]).toMatchObject({ CPU: 0, event: expect.stringMatching(/^write #\d+ to \/proc\/self\/mem begins$/) });
    const zap = trace.findIndex((r) => r['CPU'] === 1 && /^madvise #\d+ \(inside CPU 0's write/.test(String(r['event'])));
    expect(zap).toBeGreaterThan(0);
    expect(trace.slice(zap).some((r) => r['CPU'] === 0 && /^page fault, read, type (file|fault-around)$/.test(String(r['event'])))).toBe(true);
    const sweep = line(run, /^with the bug the file was written in (\d+) of (\d+) races; with the fix in (\d+)$/);
    expect(Number(sweep[1])).toBeGreaterThan(0);
    expect(sweep[3]).toBe('0');
    const races = tableRows(run.nb, 'dirtycow-10');
    expect(races.filter((r) => r['4.7.4: file written'] === true)).toHaveLength(Number(sweep[1]));
    expect(races.map((r) => r['fix: file written'])).toEqual(races.map(() => false));

    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NB}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NB))));
  });

  it('with dirty_cow_fix as a parameter the file is never written', async () => {
    const run = await runNotebook(NB, ['-p', 'dirty_cow_fix=true', ...SHORT]);
    expect(run.status).toBe(0);
    expect(line(run, /^machine: .*dirty_cow_fix: (\w+)/)[1]).toBe('true');
    expect(line(run, /^writer attempts: (\d+)/)[1]).toBe('300');
    expect(line(run, /^file written: (\w+)$/)[1]).toBe('false');
    expect(line(run, /^the file now says: (.*)$/)[1]).toBe('alice:x:1000:1000');
  });

  it('with dirty_cow_fix as a machine config override the file is never written', async () => {
    const run = await runNotebook(NB, ['--config', 'dirty_cow_fix=true', ...SHORT]);
    expect(run.status).toBe(0);
    expect(line(run, /^machine: .*dirty_cow_fix: (\w+)/)[1]).toBe('true');
    expect(line(run, /^file written: (\w+)$/)[1]).toBe('false');
  });
});
