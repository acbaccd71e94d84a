// The example library through the host, as the app uses it: listed with titles, opened as an
// unsaved copy, every cell type-checked and run in one session, charts among the outputs.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabHost } from '../../src-main/host/host';
import { EXAMPLES_DIR } from '../../src-main/host/paths';
import { joinSource } from '../../src-main/notebook/notebook';
import type { NbDisplayDataOutput } from '../../src-main/contract';

describe('examples through the host', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmu-examples-'));
  const host = new LabHost({ version: '0', mode: 'browser', settingsDir: join(root, 's'), examplesDir: EXAMPLES_DIR, notebooksDir: root, dialogs: null });
  afterAll(() => host.dispose());

  it('lists every example notebook with its title, and runs the driver example cell by cell to charts', async () => {
    const examples = await host.listExamples();
    expect(examples.length).toBeGreaterThanOrEqual(4);
    expect(examples.every((e) => e.title !== e.id && e.description.length > 0)).toBe(true);
    const nb = await host.openExample('05-writing-a-driver.ipynb');
    expect(nb).toMatchObject({ origin: 'example', path: null, dirty: false });
    const cells = nb.notebook.cells.filter((c) => c.cell_type === 'code').map((c) => ({ cellId: c.id, source: joinSource(c.source) }));
    const run = await host.runAll(nb.id, cells);
    expect(run).toMatchObject({ status: 'ok', failedCellId: null });
    const charts = run.results.flatMap((r) => r.outputs).filter((o): o is NbDisplayDataOutput => o.output_type === 'display_data' && 'application/vnd.mmu-lab.chart+json' in o.data);
    expect(charts.length).toBeGreaterThan(0);
  }, 120_000);
});
