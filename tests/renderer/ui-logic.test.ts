// @vitest-environment jsdom
// Small pieces of UI logic: which output representation is shown, where an error points, the
// page-table helpers of the explorer, and the keyboard shortcut table.
import { describe, expect, it } from 'vitest';
import type { PageTableDiff, PageTableSnapshot, PtEntry } from '../../src-main/contract';
import { CHART_MIME as ENGINE_CHART_MIME } from '../../src-engine/lab/chart';
import { asChartSpec, CHART_MIME, isBase64, pickMime, stripAnsi } from '../../src-renderer/lib/outputs';
import { changedLeaves, hex, leaves, spanText } from '../../src-renderer/lib/pagetable';
import { shortcutOf } from '../../src-renderer/lib/shortcuts';
import { appendOutput } from '../../src-renderer/lib/cells';

describe('outputs', () => {
  it('uses the engine chart MIME type', () => {
    expect(CHART_MIME).toBe(ENGINE_CHART_MIME);
  });

  it('prefers charts, then images, then HTML, then text', () => {
    expect(pickMime({ 'text/plain': 'x', [CHART_MIME]: {} })).toBe(CHART_MIME);
    expect(pickMime({ 'text/plain': 'x', 'text/html': '<b>' })).toBe('text/html');
    expect(pickMime({ 'text/plain': 'x' })).toBe('text/plain');
    expect(pickMime({ 'application/x-unknown': 1 })).toBeNull();
  });

  it('accepts only well-formed charts', () => {
    const ok = { title: 't', series: [{ name: 's', x: [1, 2], y: [3, 4] }] };
    expect(asChartSpec(ok)).toBe(ok);
    expect(asChartSpec({ ...ok, series: [{ name: 's', x: [1], y: [3, 4] }] })).toBeNull();
    expect(asChartSpec({ ...ok, kind: 'pie' })).toBeNull();
    expect(asChartSpec({ title: 't', series: [{ name: 's', x: ['1'], y: [3] }] })).toBeNull();
    expect(asChartSpec('<script>')).toBeNull();
  });

  it('strips colours and accepts only base64 images', () => {
    expect(stripAnsi('\x1b[31mred\x1b[0m')).toBe('red');
    expect(isBase64('iVBORw0KGgo=')).toBe(true);
    expect(isBase64('"><script>')).toBe(false);
  });

  it('merges consecutive output of one stream only', () => {
    const a = appendOutput([{ output_type: 'stream', name: 'stdout', text: 'a\n' }], { output_type: 'stream', name: 'stdout', text: 'b\n' });
    expect(a).toEqual([{ output_type: 'stream', name: 'stdout', text: 'a\nb\n' }]);
    const b = appendOutput(a, { output_type: 'stream', name: 'stderr', text: 'e\n' });
    expect(b).toHaveLength(2);
  });
});

/** A pte-level entry at va. */
function pte(index: number, va: number, pfn: number): PtEntry {
  return {
    index, va, span: 4096, raw: pfn.toString(16).padStart(16, '0'), present: true, rw: true, user: true, accessed: true, dirty: false,
    special: false, nx: true, huge: false, swap: false, pfn, page: null, child: null,
  };
}

/** An upper-level entry pointing at `child`. */
function upper(index: number, va: number, span: number, child: PageTableSnapshot['root']): PtEntry {
  return { ...pte(index, va, child.pfn), span, child };
}

describe('page-table helpers', () => {
  const ptes = { level: 'pte' as const, pfn: 40, entries: [pte(0, 0x400000, 100), pte(1, 0x401000, 101)] };
  const pmd = { level: 'pmd' as const, pfn: 30, entries: [upper(2, 0x400000, 2 << 20, ptes)] };
  const pud = { level: 'pud' as const, pfn: 20, entries: [upper(0, 0, 1 << 30, pmd)] };
  const root = { level: 'pgd' as const, pfn: 10, entries: [upper(0, 0, 2 ** 39, pud)] };
  const snap: PageTableSnapshot = { notebookId: 'n', mmId: 1, executionCount: 2, root, vmas: [], leafCount: 2, truncated: false };

  it('lists the leaves in address order', () => {
    expect(leaves(root).map((l) => hex(l.entry.va))).toEqual(['0x400000', '0x401000']);
  });

  it('finds the ptes the last cell added', () => {
    const diff: PageTableDiff = {
      notebookId: 'n', mmId: 1, fromExecutionCount: 1, toExecutionCount: 2, cellId: 'c', truncated: false,
      changes: [{ level: 'pte', va: 0x401000, kind: 'added', before: null, after: null, fields: [] }],
    };
    expect(changedLeaves(snap, diff).map((l) => l.entry.pfn)).toEqual([101]);
    expect(changedLeaves(snap, null)).toEqual([]);
  });

  it('writes spans in binary units', () => {
    expect(spanText(4096)).toBe('4 KiB');
    expect(spanText(2 << 20)).toBe('2 MiB');
    expect(spanText(2 ** 39)).toBe('512 GiB');
  });
});

describe('shortcuts', () => {
  /** A keydown event with the given key, code and modifiers. */
  const key = (k: string, mods: Partial<KeyboardEventInit> = {}, code = ''): KeyboardEvent => new KeyboardEvent('keydown', { key: k, code, ...mods });

  it('maps Mod to Ctrl off macOS and to Cmd on macOS', () => {
    expect(shortcutOf(key('s', { ctrlKey: true }), false)).toBe('save');
    expect(shortcutOf(key('s', { metaKey: true }), true)).toBe('save');
    expect(shortcutOf(key('s', { metaKey: true }), false)).toBeNull();
    expect(shortcutOf(key('S', { ctrlKey: true, shiftKey: true }), false)).toBe('save-as');
    expect(shortcutOf(key('Enter', { ctrlKey: true, shiftKey: true }), false)).toBe('run-all');
    expect(shortcutOf(key('.', { ctrlKey: true }), false)).toBe('stop');
  });

  it('reads Alt+digit from the physical key (Alt changes the character on some layouts)', () => {
    expect(shortcutOf(key('¡', { altKey: true }, 'Digit1'), false)).toBe('panel-machine');
    expect(shortcutOf(key('3', { altKey: true }, 'Digit3'), false)).toBe('panel-pagetables');
    expect(shortcutOf(key('x'), false)).toBeNull();
    expect(shortcutOf(key('º', { altKey: true }, 'Digit0'), false)).toBe('focus-notebook');
    expect(shortcutOf(key('F1'), false)).toBe('help');
  });
});
