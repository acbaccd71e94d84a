// export --html: one self-contained report with charts drawn, and nothing from the notebook
// able to run script in it.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newNotebook, codeCell, markdownCell, CHART_MIME } from '../../src-main/notebook/notebook';
import { TABLE_MIME } from '../../src-engine/lab/table';
import { notebookHtml, chartSvg } from '../../src-main/notebook/export-html';
import { saveNotebook } from '../../src-main/notebook/store';

/** A notebook whose outputs include a chart and hostile strings. */
function sample() {
  const nb = newNotebook({ ram_mb: 32 });
  nb.cells.push(markdownCell('# Knees\n\nText with <script>alert(1)</script>'));
  const c = codeCell('print("<img src=x onerror=alert(1)>");');
  c.execution_count = 1;
  c.outputs = [
    { output_type: 'stream', name: 'stdout', text: '<img src=x onerror=alert(1)>\n' },
    { output_type: 'display_data', metadata: {}, data: { 'text/plain': '[chart]', [CHART_MIME]: { title: 'reach <b>', kind: 'line', log_x: true, series: [{ name: 'L1', x: [16, 64, 128], y: [3, 3, 12] }] } } },
  ];
  nb.cells.push(c);
  return nb;
}

describe('notebookHtml', () => {
  it('draws charts as inline SVG and escapes every string from the notebook', () => {
    const html = notebookHtml(sample(), 'knees');
    expect(html).toContain('<svg');
    expect(html).toContain('<polyline');
    expect(html).toContain('<h1>Knees</h1>');
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('Text with &lt;script&gt;alert(1)&lt;/script&gt;'); // markdown's raw HTML shows as text
    expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
  });

  it('rebuilds a stored table from its data, never copying the file\'s text/html', () => {
    const nb = newNotebook({ ram_mb: 32 });
    const c = codeCell('table(rows);');
    c.outputs = [{ output_type: 'display_data', metadata: {}, data: {
      'text/plain': 'x', 'text/html': '<img src=x onerror=alert(1)>', [TABLE_MIME]: { title: 'costs', columns: ['fault', 'cycles'], rows: [['<i>anon</i>', 3800]] } } }];
    nb.cells.push(c);
    const html = notebookHtml(nb, 't');
    expect(html).toContain('<caption>costs</caption>');
    expect(html).toContain('<td>&#60;i&#62;anon&#60;/i&#62;</td>');
    expect(html).not.toMatch(/<img|<i>/);
  });

  it('draws scatter and bar charts too', () => {
    expect(chartSvg({ title: 't', kind: 'scatter', series: [{ name: 's', x: [1, 2], y: [3, 4] }] })).toContain('<circle');
    expect(chartSvg({ title: 't', kind: 'bar', series: [{ name: 's', x: [1, 2], y: [3, 4] }] })).toContain('<rect');
  });
});

describe('mmu-lab export --html', () => {
  it('writes the report beside the notebook', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'mmu-export-'));
    saveNotebook(join(dir, 'n.ipynb'), sample());
    const r = spawnSync(process.execPath, [join(root, 'bin/mmu-lab.mjs'), 'export', join(dir, 'n.ipynb'), '--html'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'n.html'), 'utf8')).toContain('<svg');
  }, 60_000);
});
