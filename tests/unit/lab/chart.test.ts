// chart(): validated chart data for the host to show; bad specs are TypeErrors.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';

describe('chart', () => {
  it('hands the host a MIME bundle with the chart data and a text stand-in', () => {
    const shown: Record<string, unknown>[] = [];
    const L = createLab({ ram_mb: 8 }, { display: (b) => shown.push(b) });
    L.chart({ title: 'knee', x_label: 'pages', log_x: true, series: [{ name: 'L1', x: new Float64Array([16, 64]) as unknown as number[], y: [1, 0.5] }] });
    expect(shown).toHaveLength(1);
    expect(shown[0]!['text/plain']).toBe('[chart] knee: L1 (2 points)');
    expect(shown[0]!['application/vnd.mmu-lab.chart+json']).toEqual({ title: 'knee', kind: 'line', x_label: 'pages', y_label: undefined, log_x: true, log_y: false, series: [{ name: 'L1', x: [16, 64], y: [1, 0.5] }] });
  });

  it('without a display host prints the stand-in line', () => {
    const lines: string[] = [];
    createLab({ ram_mb: 8 }, { print: (l) => lines.push(l) }).chart({ title: 't', series: [{ name: 's', x: [1], y: [2] }] });
    expect(lines).toEqual(['[chart] t: s (1 points)']);
  });

  it('refuses bad specs with a TypeError naming the problem', () => {
    const L = createLab({ ram_mb: 8 }, { display: () => {} });
    expect(() => L.chart(null as never)).toThrow(TypeError);
    expect(() => L.chart({ title: 't', series: [] })).toThrow(/non-empty/);
    expect(() => L.chart({ title: 't', series: [{ name: 's', x: [1, 2], y: [1] }] })).toThrow(/2 x values but 1 y/);
    expect(() => L.chart({ title: 't', series: [{ name: 's', x: [NaN], y: [1] }] })).toThrow(/finite/);
    expect(() => L.chart({ title: 't', kind: 'pie' as never, series: [{ name: 's', x: [1], y: [1] }] })).toThrow(/kind/);
  });
});
