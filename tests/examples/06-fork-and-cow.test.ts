// experiments/06-fork-and-cow.ipynb, run headless as the CLI runs it: fork shares, a write while
// shared copies exactly once, and writes after the other side is gone reuse without a copy.
import { describe, it, expect } from 'vitest';
import { runNotebook, line } from './run-notebook-b';
import { tableRows, simulatedOutputs, examplePath, type Cell } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';
import type { Notebook } from '../../src-main/notebook/notebook';

const NB = '06-fork-and-cow.ipynb';

/** The step table's rows (cell forkcow-06): step name -> [fault types (null: none), mapcount per page, refcount per page]. */
function steps(nb: Notebook): Map<string, [Cell, number[], number[]]> {
  const rows = new Map<string, [Cell, number[], number[]]>();
  for (const r of tableRows(nb, 'forkcow-06')) {
    const perPage = (what: string) => Object.keys(r).filter((k) => k.startsWith(`${what} p`)).map((k) => Number(r[k]));
    rows.set(String(r['step']), [r['page_fault types']!, perPage('mapcount'), perPage('refcount')]);
  }
  return rows;
}

describe('experiments/06-fork-and-cow.ipynb', () => {
  it('shares after fork, copies once on the shared write, and reuses after the other side has gone, as stored', async () => {
    const run = await runNotebook(NB);
    expect(run.errors).toEqual([]);
    expect(run.status).toBe(0);
    expect(line(run, /^after fork: page 0 mapcount (\d), refcount (\d); parent pte ([\w-]+), child pte ([\w-]+)/).slice(1)).toEqual(["2", "2", "read-only", "read-only"]);
    const s = steps(run.nb);
    expect(s.size).toBe(11);
    expect(s.get('fork')).toEqual([null, [2, 2, 2, 2], [2, 2, 2, 2]]);
    expect(s.get('child writes page 0')).toEqual(['wp-copy', [1, 2, 2, 2], [1, 2, 2, 2]]);
    expect(s.get('parent writes page 0')![0]).toBe('wp-reuse');
    expect(s.get('child unmaps page 1')![1]).toEqual([1, 1, 2, 2]);
    expect(s.get('parent writes page 1')![0]).toBe('wp-reuse');
    expect(s.get('pin page 2 (get_page)')![2]).toEqual([1, 1, 3, 2]);
    expect(s.get('child exits (mmput)')).toEqual([null, [1, 1, 1, 1], [1, 1, 2, 1]]);
    expect(s.get('parent writes page 2')![0]).toBe('wp-reuse'); // pinned (refcount 2) but mapcount 1: reused
    expect(s.get('parent writes page 3')![0]).toBe('wp-reuse');
    expect(line(run, /^COW copies \(wp-copy faults\) after fork: (\d+); wp-reuse faults: (\d+)$/).slice(1)).toEqual(['1', '4']);
    expect(line(run, /^parent's page 0 is still the original frame: (\w+)/)[1]).toBe('true');
    expect(line(run, /^invariants: (.*)$/)[1]).toBe('[]');
    const [mapcounts, refcounts] = run.charts;
    expect(mapcounts!.series[0]!.y).toEqual([1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(mapcounts!.series[1]!.y).toEqual([1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]);
    expect(refcounts!.series[2]!.y).toEqual([1, 2, 2, 2, 2, 2, 3, 2, 2, 2, 1]);
    expect(tableRows(run.nb, 'forkcow-06').map((r) => r['#'])).toEqual(mapcounts!.series[0]!.x); // the table's # is the charts' x

    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NB}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NB))));
  });

  it('when the child writes every page while shared, every page is copied once', async () => {
    const run = await runNotebook(NB, ['-p', 'child_writes_all=true', '--no-typecheck']);
    expect(run.status).toBe(0);
    expect(line(run, /^COW copies \(wp-copy faults\) after fork: (\d+)/)[1]).toBe('4');
  });
});
