// Charts as PNG: the encoder's output decodes with zlib and an independent PNG unfilter, the
// image draws the laid-out series where the layout puts them, the bytes never change for the
// same chart, and notebooks that store the image still validate against the nbformat schema.
import { describe, it, expect } from 'vitest';
import { inflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { createLab, LAB_GLOBAL_NAMES } from '../../src-engine/lab';
import { checkChart, type ChartSpec } from '../../src-engine/lab/chart';
import { chartPng, rasterize } from '../../src-main/notebook/chart-png';
import { layoutChart, tickLabel } from '../../src-main/notebook/chart-layout';
import { deflate, encodePng } from '../../src-main/notebook/png';
import { chartSvg } from '../../src-main/notebook/export-html';
import { executeNotebook } from '../../src-main/notebook/execute';
import { newNotebook, codeCell, serializeNotebook, parseNotebook, type CodeCell } from '../../src-main/notebook/notebook';

/** A decoded 8-bit RGB PNG: size and pixels (3 bytes each). Throws on anything else. */
function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  expect([...png.subarray(0, 8)]).toEqual(sig);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8, width = 0, height = 0;
  const idat: Uint8Array[] = [];
  while (at < png.length) {
    const len = view.getUint32(at), type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8); height = view.getUint32(at + 12);
      expect([...data.subarray(8)]).toEqual([8, 2, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 3, rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= 3 ? rgb[y * stride + i - 3]! : 0, b = y > 0 ? rgb[(y - 1) * stride + i]! : 0, c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3]! : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      if (pred === undefined) throw new Error(`bad filter ${f}`);
      rgb[y * stride + i] = (x + pred) & 255;
    }
  }
  return { width, height, rgb };
}

const reach: ChartSpec = checkChart({
  title: 'TLB reach', x_label: 'working set (pages)', y_label: 'cycles per access', log_x: true,
  series: [{ name: 'L1 64', x: [16, 64, 256, 1024, 4096], y: [3, 3, 12, 12, 60] }, { name: 'L1 128', x: [16, 128, 512, 4096], y: [3, 3, 12, 61] }],
});

describe('chart images', () => {
  it('encodes a PNG of the asked size whose pixels lie on the plotted series', () => {
    const { width, height, rgb } = decodePng(chartPng(reach));
    expect([width, height]).toEqual([640, 400]);
    const pixel = (x: number, y: number): number[] => [...rgb.subarray((Math.floor(y) * width + Math.floor(x)) * 3, (Math.floor(y) * width + Math.floor(x)) * 3 + 3)];
    expect(pixel(2, 2)).toEqual([255, 255, 255]);
    const paths = layoutChart(reach).shapes.filter((s) => s.t === 'path');
    expect(paths).toHaveLength(2);
    const first = paths[0]!;
    if (first.t !== 'path') throw new Error('not a path');
    for (let i = 0; i + 3 < first.points.length; i += 2) { // midpoints of every segment of the first series
      const mx = (first.points[i]! + first.points[i + 2]!) / 2, my = (first.points[i + 1]! + first.points[i + 3]!) / 2;
      expect(pixel(mx, my)).not.toEqual([255, 255, 255]);
    }
  });

  it('draws the title, tick labels and axis labels as text pixels', () => {
    const { width, rgb } = decodePng(chartPng(reach));
    const darkIn = (x0: number, y0: number, x1: number, y1: number): number => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (rgb[(y * width + x) * 3]! < 100) n++;
      return n;
    };
    expect(darkIn(250, 5, 390, 22)).toBeGreaterThan(20); // title
    expect(darkIn(250, 385, 390, 398)).toBeGreaterThan(20); // x label
    expect(darkIn(8, 150, 24, 260)).toBeGreaterThan(20); // y label, vertical
  });

  it('gives the same bytes for the same chart, every time and on every machine', () => {
    const a = chartPng(reach), b = chartPng(checkChart(JSON.parse(JSON.stringify(reach))));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    // The bytes are pure arithmetic (no zlib build, no system font): a change of this digest
    // means the drawing changed; update it only for an intended change of the chart layout.
    expect(createHash('sha256').update(a).digest('hex')).toBe(GOLDEN);
  });

  it('draws line, scatter and bar charts and log axes, and a chart of one point', () => {
    for (const kind of ['line', 'scatter', 'bar'] as const) {
      const c = checkChart({ title: kind, kind, log_y: kind === 'scatter', series: [{ name: 's', x: [1, 2, 3], y: [10, 1000, 100] }] });
      const { rgb } = decodePng(chartPng(c));
      const blue = [...Array(rgb.length / 3).keys()].filter((p) => rgb[p * 3] === 0x1f && rgb[p * 3 + 1] === 0x77 && rgb[p * 3 + 2] === 0xb4).length;
      expect(blue, kind).toBeGreaterThan(kind === 'bar' ? 1000 : 20);
    }
    expect(decodePng(chartPng(checkChart({ title: 'one', series: [{ name: 'p', x: [5], y: [5] }] }))).width).toBe(640);
  });

  it('ticks a log axis at powers of ten, or 1-2-5 (else its extremes) within two decades, labelled compactly', () => {
    const ticks = (c: ChartSpec): string[] => layoutChart(c).shapes.filter((s) => s.t === 'text' && s.anchor === 'middle' && !s.bold && !s.vertical && s.text !== c.x_label).map((s) => (s as { text: string }).text);
    expect(ticks(reach)).toEqual(['10', '100', '1000', '10k']);
    expect(ticks(checkChart({ title: 'cpus', log_x: true, series: [{ name: 's', x: [1, 2, 4, 8], y: [1, 2, 3, 4] }] }))).toEqual(['1', '2', '5']);
    expect(ticks(checkChart({ title: 'narrow', log_x: true, series: [{ name: 's', x: [3, 4], y: [1, 2] }] }))).toEqual(['3', '4']);
    expect([tickLabel(0.30000000000000004), tickLabel(2.5e-5), tickLabel(1500000), tickLabel(-20000)]).toEqual(['0.3', '2.5e-5', '1.5M', '-20k']);
  });

  it('shares its layout with the SVG export', () => {
    const svg = chartSvg(reach);
    const scene = layoutChart(reach);
    expect((svg.match(/<text /g) ?? []).length).toBe(scene.shapes.filter((s) => s.t === 'text').length);
    expect((svg.match(/<polyline /g) ?? []).length).toBe(2);
    expect(rasterize(scene)).toHaveLength(640 * 400 * 3);
  });
});

describe('the PNG encoder', () => {
  it('writes zlib streams that zlib inflates back to the input', () => {
    let seed = 7;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const cases = [new Uint8Array(0), Uint8Array.of(42), new Uint8Array(100_000), Uint8Array.from({ length: 70_000 }, rand),
      Uint8Array.from({ length: 90_000 }, (_, i) => (i % 40_000 < 300 ? i & 7 : rand() & 3))];
    for (const data of cases) expect(Buffer.from(inflateSync(deflate(data))).equals(Buffer.from(data))).toBe(true);
  });

  it('refuses pixels that do not match the size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(5))).toThrow(/2x2 RGB/);
  });
});

describe('notebooks store charts as image/png too', () => {
  it('adds a decodable image/png to every chart output and still validates against the schema', async () => {
    const nb = newNotebook({ ram_mb: 32, cpus: 1 }, 1);
    nb.cells.push(codeCell('chart({ title: "rss", series: [{ name: "anon", x: [1, 2, 3], y: [3, 4, 9] }] });\nprint("between");\nchart({ title: "bars", kind: "bar", series: [{ name: "b", x: [1, 2], y: [1, 2] }] });'));
    const openLab = (print: (l: string) => void, display: (b: Record<string, unknown>) => void) => ({ lab: createLab({ ram_mb: 32, cpus: 1 }, { print, display }), names: LAB_GLOBAL_NAMES });
    expect(await executeNotebook(nb, openLab, 'x.ipynb')).toEqual({ ok: true });
    const back = parseNotebook(serializeNotebook(nb));
    const charts = (back.cells[0] as CodeCell).outputs.filter((o) => o.output_type === 'display_data');
    expect(charts).toHaveLength(2);
    for (const o of charts) {
      const data = (o as { data: Record<string, unknown> }).data;
      expect(Object.keys(data).sort()).toEqual(['application/vnd.mmu-lab.chart+json', 'image/png', 'text/plain']);
      expect(decodePng(Buffer.from(data['image/png'] as string, 'base64')).height).toBe(400);
    }
  });
});

const GOLDEN = '6c35f318ae3f60c6464068eb4f1edb55c4411662dace3358abeba2b7c346f65d';
