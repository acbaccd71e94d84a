// table(): rows as objects or arrays become one stored table (data + aligned text + escaped
// HTML); bad input is a TypeError that prints nothing and changes nothing.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';
import { checkTable, tableText, tableHtml, TABLE_MIME } from '../../../src-engine/lab/table';

describe('table()', () => {
  it('takes objects (columns in first-seen key order) or arrays (with named columns), with a title', () => {
    expect(checkTable([{ a: 1, b: 'x' }, { b: 'y', c: true }], { title: 'T' })).toEqual({ title: 'T', columns: ['a', 'b', 'c'], rows: [[1, 'x', null], [null, 'y', true]] });
    expect(checkTable([[1, 2n], [3.5, null]], { columns: ['n', 'big'] })).toEqual({ title: '', columns: ['n', 'big'], rows: [[1, '2'], [3.5, null]] });
    expect(checkTable([[1, 2]]).columns).toEqual(['col 1', 'col 2']);
  });

  it('renders text with numbers right-aligned and HTML with every cell escaped', () => {
    const t = checkTable([{ pages: 64, what: '<script>x</script>', ratio: 1 / 3 }, { pages: 2048, what: 'b&b', ratio: 2 }]);
    expect(tableText(t).split('\n')).toEqual(['pages  what                   ratio', '   64  <script>x</script>  0.333333', ' 2048  b&b                        2']);
    const html = tableHtml(t);
    expect(html).not.toContain('<script>');
    expect(html).toContain('<td>&#60;script&#62;x&#60;/script&#62;</td>');
    expect(html).toContain('<td>b&#38;b</td>');
  });

  it('refuses what a table cannot hold, naming the problem', () => {
    expect(() => checkTable('rows')).toThrow(/give an array of rows/);
    expect(() => checkTable([{ a: 1 }, [2]])).toThrow(/all objects or all arrays/);
    expect(() => checkTable([{ a: { nested: 1 } }])).toThrow(/row 0, column 'a' is an object/);
    expect(() => checkTable([{ a: 1 }], { columns: [1] })).toThrow(/columns must be an array of strings/);
    expect(() => checkTable([{ a: 1 }], { title: 3 })).toThrow(/title must be a string/);
  });

  it('goes to display as data, text and HTML; in a terminal as text lines; bad input displays nothing', () => {
    const shown: Record<string, unknown>[] = [];
    const lab = createLab({ ram_mb: 4, max_vmas: 16, max_mms: 1 }, { display: (b) => shown.push(b) });
    lab.table([{ fault: 'anon', cycles: 3800 }], { title: 'costs' });
    expect(Object.keys(shown[0]!).sort()).toEqual([TABLE_MIME, 'text/html', 'text/plain']);
    expect(shown[0]!['text/plain']).toBe('costs\nfault  cycles\nanon     3800');
    expect(() => lab.table([{ f: () => 1 }] as never)).toThrow(TypeError);
    expect(shown).toHaveLength(1);
    const lines: string[] = [];
    createLab({ ram_mb: 4, max_vmas: 16, max_mms: 1 }, { print: (l) => lines.push(l) }).table([[1, 2]], { columns: ['x', 'y'] });
    expect(lines).toEqual(['x  y', '1  2']);
  });
});
