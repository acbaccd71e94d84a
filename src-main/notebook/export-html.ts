// One self-contained HTML report of a notebook: markdown cells rendered by markdown-it, code
// cells with their outputs, and charts drawn as inline SVG from their stored data. Nothing in
// the notebook can run script or load anything remote in the report: every string from the
// notebook is escaped; markdown is rendered with raw HTML off (raw HTML shows as text), so its
// only markup is markdown-it's own; a link stays a link only to http, https or mailto (with
// rel="noopener noreferrer"), any other becomes its text; an image shows only from a data:
// URL (png, gif, jpeg, webp), any other becomes text naming it; no script tags are
// written, and the page's Content-Security-Policy (default-src 'none', images from data: only)
// blocks any load the markup might still attempt.
import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs';
import { joinSource, CHART_MIME, type Notebook, type Output } from './notebook';
import type { ChartSpec } from '../../src-engine/lab/chart';
import { layoutChart, TEXT_H, type Shape } from './chart-layout';
import { checkTable, tableHtml, TABLE_MIME, type TableData } from '../../src-engine/lab/table';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One shape of a chart's scene as an SVG element. */
function shapeSvg(s: Shape): string {
  const n = (v: number): string => String(Math.round(v * 10) / 10);
  switch (s.t) {
    case 'rect': return `<rect x="${n(s.x)}" y="${n(s.y)}" width="${n(s.w)}" height="${n(s.h)}" fill="${s.fill}"${s.stroke ? ` stroke="${s.stroke}"` : ''}/>`;
    case 'line': return `<line x1="${n(s.x1)}" y1="${n(s.y1)}" x2="${n(s.x2)}" y2="${n(s.y2)}" stroke="${s.color}" stroke-width="${s.width}"/>`;
    case 'path': {
      const pts: string[] = [];
      for (let i = 0; i < s.points.length; i += 2) pts.push(`${n(s.points[i]!)},${n(s.points[i + 1]!)}`);
      return `<polyline fill="none" stroke="${s.color}" stroke-width="${s.width}" stroke-linejoin="round" points="${pts.join(' ')}"/>`;
    }
    case 'dot': return `<circle cx="${n(s.x)}" cy="${n(s.y)}" r="${s.r}" fill="${s.color}"/>`;
    case 'text': {
      const turn = s.vertical ? ` transform="rotate(-90 ${n(s.x)} ${n(s.y)})"` : '';
      return `<text x="${n(s.x)}" y="${n(s.y)}" text-anchor="${s.anchor}" fill="${s.color}"${s.bold ? ' font-weight="bold"' : ''}${turn}>${esc(s.text)}</text>`;
    }
  }
}

/** A chart as an SVG drawing: the scene of chart-layout.ts, the same one its PNG image draws. */
export function chartSvg(c: ChartSpec, width = 640, height = 400): string {
  const scene = layoutChart(c, width, height);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(scene.title)}" font-family="monospace" font-size="${TEXT_H - 3}px">${scene.shapes.map(shapeSvg).join('')}</svg>`;
}

/** A table stored in a notebook, re-validated (the file may come from anyone); null if it is not one. */
function storedTable(data: unknown): TableData | null {
  const t = data as Partial<TableData> | undefined;
  if (!t || !Array.isArray(t.rows) || !Array.isArray(t.columns)) return null;
  try {
    return checkTable(t.rows, { columns: t.columns, title: typeof t.title === 'string' ? t.title : '' });
  } catch {
    return null;
  }
}

/** One output as HTML (a stored table is rebuilt from its data: a file's text/html is never copied in). */
function outputHtml(o: Output): string {
  if (o.output_type === 'stream') return `<pre class="out">${esc(joinSource(o.text))}</pre>`;
  if (o.output_type === 'error') return `<pre class="err">${esc(`${o.ename}: ${o.evalue}\n${o.traceback.join('\n')}`)}</pre>`;
  const chart = o.data[CHART_MIME] as ChartSpec | undefined;
  if (chart && Array.isArray(chart.series)) return `<div class="chart">${chartSvg(chart)}</div>`;
  const table = storedTable(o.data[TABLE_MIME]);
  if (table) return `<div class="table">${tableHtml(table)}</div>`;
  const text = o.data['text/plain'];
  return text === undefined ? '' : `<pre class="out">${esc(joinSource(text as string | string[]))}</pre>`;
}

/** A link target the report keeps as a link: http, https or mailto (markdown-it has normalized it). */
const SAFE_LINK = /^(https?:|mailto:)/i;
/** An image source the report shows: an inline PNG, GIF, JPEG or WebP (what the CSP's img-src allows). */
const SAFE_IMAGE = /^data:image\/(png|gif|jpeg|webp)[;,]/i;

/**
 * A markdown-it core rule: in every inline run, a link to anything but SAFE_LINK loses its <a>
 * (its text stays), a kept link gets rel="noopener noreferrer", and an image whose source is not
 * SAFE_IMAGE becomes text naming its description and source.
 */
function safeUrls(state: StateCore): void {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const kept: boolean[] = []; // per open link, innermost last: whether its <a> is written
    block.children = block.children.flatMap((t): Token[] => {
      if (t.type === 'link_open') {
        const ok = SAFE_LINK.test(t.attrGet('href') ?? '');
        kept.push(ok);
        if (!ok) return [];
        t.attrSet('rel', 'noopener noreferrer');
        return [t];
      }
      if (t.type === 'link_close') return kept.pop() ? [t] : [];
      if (t.type === 'image' && !SAFE_IMAGE.test(t.attrGet('src') ?? '')) {
        const alt = state.md.renderer.renderInlineAsText(t.children ?? [], state.md.options, state.env);
        const text = new state.Token('text', '', 0);
        text.content = `[image${alt ? ` "${alt}"` : ''}, not loaded: ${t.attrGet('src') ?? ''}]`;
        return [text];
      }
      return [t];
    });
  }
}

/** The report's markdown renderer: CommonMark plus tables and strikethrough, raw HTML off, URLs filtered by safeUrls. */
const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
md.core.ruler.push('mmu_lab_safe_urls', (state) => { safeUrls(state); return true; });

/** A markdown cell's source as HTML: markdown-it's markup only (see the header comment). */
export function markdownHtml(src: string): string {
  return md.render(src);
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
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<title>${esc(title)}</title>
<style>table{border-collapse:collapse;margin:.5rem 0}th,td{padding:2px 8px;border-bottom:1px solid #ccc}body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{padding:.5rem;overflow-x:auto}
.src{background:#f6f8fa}.md code{background:#f6f8fa;padding:0 2px}.md pre{background:#f6f8fa}.md pre code{padding:0}.out{border-left:3px solid #ccc}.err{background:#fff0f0;border-left:3px solid #d62728}.in{color:#888;font-family:monospace}
section{margin:1rem 0}</style></head>
<body><h1>${esc(title)}</h1>
<p>MMU Lab ${esc(String(nb.metadata.mmu_lab?.version ?? ''))}; machine ${esc(JSON.stringify(nb.metadata.mmu_lab?.machine ?? {}))}</p>
${cells}
</body></html>
`;
}
