// One self-contained HTML report of a notebook: markdown as escaped text with headings, code
// cells with their outputs, and charts drawn as inline SVG from their stored data. Nothing in
// the notebook can run script in the report: every string is escaped; no script tags are written.
import { joinSource, CHART_MIME, type Notebook, type Output } from './notebook';
import type { ChartSpec } from '../../src-engine/lab/chart';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];

/** A chart as an SVG drawing (axes with min/max ticks, one polyline or point set per series). */
export function chartSvg(c: ChartSpec, width = 640, height = 360): string {
  const m = { l: 60, r: 20, t: 30, b: 40 };
  const fx = (v: number): number => (c.log_x ? Math.log10(Math.max(v, 1e-300)) : v);
  const fy = (v: number): number => (c.log_y ? Math.log10(Math.max(v, 1e-300)) : v);
  const xs = c.series.flatMap((s) => s.x.map(fx)), ys = c.series.flatMap((s) => s.y.map(fy));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(0, ...ys), Math.max(...ys)];
  const px = (v: number): number => m.l + ((fx(v) - x0) / (x1 - x0 || 1)) * (width - m.l - m.r);
  const py = (v: number): number => height - m.b - ((fy(v) - y0) / (y1 - y0 || 1)) * (height - m.t - m.b);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(c.title)}">`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${esc(c.title)}</text>`,
    `<line x1="${m.l}" y1="${height - m.b}" x2="${width - m.r}" y2="${height - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${height - m.b}" stroke="#333"/>`,
    `<text x="${m.l}" y="${height - m.b + 15}" font-size="11">${esc(fmt(c.log_x ? 10 ** x0 : x0))}</text>`,
    `<text x="${width - m.r}" y="${height - m.b + 15}" font-size="11" text-anchor="end">${esc(fmt(c.log_x ? 10 ** x1 : x1))}</text>`,
    `<text x="${m.l - 5}" y="${height - m.b}" font-size="11" text-anchor="end">${esc(fmt(c.log_y ? 10 ** y0 : y0))}</text>`,
    `<text x="${m.l - 5}" y="${m.t + 10}" font-size="11" text-anchor="end">${esc(fmt(c.log_y ? 10 ** y1 : y1))}</text>`];
  if (c.x_label) parts.push(`<text x="${width / 2}" y="${height - 8}" text-anchor="middle" font-size="12">${esc(c.x_label)}</text>`);
  if (c.y_label) parts.push(`<text x="14" y="${height / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 14 ${height / 2})">${esc(c.y_label)}</text>`);
  c.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = s.x.map((x, k) => `${px(x).toFixed(1)},${py(s.y[k]!).toFixed(1)}`);
    if (c.kind === 'scatter') parts.push(...pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${color}"/>`));
    else if (c.kind === 'bar') parts.push(...s.x.map((x, k) => `<rect x="${(px(x) - 3).toFixed(1)}" y="${py(s.y[k]!).toFixed(1)}" width="6" height="${(height - m.b - py(s.y[k]!)).toFixed(1)}" fill="${color}"/>`));
    else parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    parts.push(`<text x="${width - m.r - 5}" y="${m.t + 14 * (i + 1)}" text-anchor="end" font-size="11" fill="${color}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A number for an axis label. */
const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Math.round(v * 100) / 100));

/** One output as HTML. */
function outputHtml(o: Output): string {
  if (o.output_type === 'stream') return `<pre class="out">${esc(joinSource(o.text))}</pre>`;
  if (o.output_type === 'error') return `<pre class="err">${esc(`${o.ename}: ${o.evalue}\n${o.traceback.join('\n')}`)}</pre>`;
  const chart = o.data[CHART_MIME] as ChartSpec | undefined;
  if (chart && Array.isArray(chart.series)) return `<div class="chart">${chartSvg(chart)}</div>`;
  const text = o.data['text/plain'];
  return text === undefined ? '' : `<pre class="out">${esc(joinSource(text as string | string[]))}</pre>`;
}

/** Markdown as safe HTML: headings and paragraphs, everything else escaped text. */
function markdownHtml(src: string): string {
  return src.split(/\n{2,}/).map((block) => {
    const h = /^(#{1,6})\s+(.*)$/.exec(block.trim());
    return h ? `<h${h[1]!.length}>${esc(h[2]!)}</h${h[1]!.length}>` : `<p>${esc(block).replace(/\n/g, '<br>')}</p>`;
  }).join('\n');
}

/** The whole report. */
export function notebookHtml(nb: Notebook, title: string): string {
  const cells = nb.cells.map((c) => {
    if (c.cell_type === 'markdown') return `<section class="md">${markdownHtml(joinSource(c.source))}</section>`;
    if (c.cell_type !== 'code') return '';
    const count = c.execution_count === null ? ' ' : String(c.execution_count);
    return `<section class="code"><div class="in">[${esc(count)}]</div><pre class="src">${esc(joinSource(c.source))}</pre>${c.outputs.map(outputHtml).join('')}</section>`;
  }).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{padding:.5rem;overflow-x:auto}
.src{background:#f6f8fa}.out{border-left:3px solid #ccc}.err{background:#fff0f0;border-left:3px solid #d62728}.in{color:#888;font-family:monospace}
section{margin:1rem 0}</style></head>
<body><h1>${esc(title)}</h1>
<p>MMU Lab ${esc(String(nb.metadata.mmu_lab?.version ?? ''))}; machine ${esc(JSON.stringify(nb.metadata.mmu_lab?.machine ?? {}))}</p>
${cells}
</body></html>
`;
}
