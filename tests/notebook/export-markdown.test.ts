// @vitest-environment jsdom
// export --html renders markdown cells as markdown (emphasis, code, lists, links, tables), and a
// markdown cell from a stranger puts nothing into the report that could run script or load
// anything remote: the report is parsed as a browser would parse it and every element and
// attribute checked.
import { describe, it, expect } from 'vitest';
import { newNotebook, markdownCell } from '../../src-main/notebook/notebook';
import { notebookHtml } from '../../src-main/notebook/export-html';

/** The report of a notebook made of these markdown cells, parsed as a browser parses it (no script runs). */
function report(...cells: string[]): Document {
  const nb = newNotebook({ ram_mb: 32 });
  nb.cells.push(...cells.map((s) => markdownCell(s)));
  return new DOMParser().parseFromString(notebookHtml(nb, 'report'), 'text/html');
}

/** The markdown cells' rendered sections. */
const sections = (doc: Document): Element[] => [...doc.querySelectorAll('section.md')];

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) [z](&#106;avascript:alert(3)) [v](vbscript:msgbox(4))',
  '[d](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) [f](file:///etc/passwd) [r](evil.html) <javascript:alert(6)>',
  '![](http://evil/x.png) ![beacon](//evil/y.png) ![svg](data:image/svg+xml;base64,PHN2Zz4=) [![in a link](https://evil/z.png)](https://example.org)',
  '[ref] and ![refimg]\n\n[ref]: javascript:alert(7)\n\n[refimg]: http://evil/ref.png',
  '<iframe src="http://evil/"></iframe> <form action="http://evil/"><input></form> <object data="x"></object> <base href="http://evil/">',
  '<div style="background:url(http://evil/bg.png)">styled</div> <link rel="stylesheet" href="http://evil/s.css"> <meta http-equiv="refresh" content="0;url=http://evil/">',
  '```ts" onload="alert(8)\ncode\n```',
  '[t](https://example.org "x\\" onmouseover=\\"alert(9)")',
].join('\n\n');

/** Tags a markdown section may hold: markdown-it's own markup, nothing that runs, embeds or submits. */
const MARKDOWN_TAGS = new Set(['H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'P', 'BR', 'HR', 'STRONG', 'EM', 'S', 'CODE', 'PRE', 'BLOCKQUOTE',
  'UL', 'OL', 'LI', 'A', 'IMG', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD']);

/** Every problem with one element of a markdown section: a tag or an attribute outside what markdown-it writes safely. */
function problems(el: Element): string[] {
  const out: string[] = [];
  if (!MARKDOWN_TAGS.has(el.tagName)) out.push(`tag <${el.tagName.toLowerCase()}>`);
  for (const { name, value } of [...el.attributes]) {
    const ok = (el.tagName === 'A' && name === 'href' && /^(https?:|mailto:)/i.test(value))
      || (el.tagName === 'A' && name === 'rel' && value === 'noopener noreferrer')
      || (el.tagName === 'IMG' && name === 'src' && /^data:image\/(png|gif|jpeg|webp)[;,]/i.test(value))
      || (['A', 'IMG'].includes(el.tagName) && name === 'title') || (el.tagName === 'IMG' && name === 'alt')
      || (el.tagName === 'CODE' && name === 'class' && /^language-[^\s]*$/.test(value))
      || (el.tagName === 'OL' && name === 'start' && /^\d+$/.test(value))
      || (['TH', 'TD'].includes(el.tagName) && name === 'style' && /^text-align:(left|right|center)$/.test(value));
    if (!ok) out.push(`<${el.tagName.toLowerCase()} ${name}="${value}">`);
  }
  if (el.tagName === 'A' && el.getAttribute('href') !== null && el.getAttribute('rel') !== 'noopener noreferrer') out.push(`link without rel: ${el.outerHTML}`);
  return out;
}

describe('export --html: markdown cells', () => {
  it('renders emphasis, inline code, lists, links, headings and tables as HTML', () => {
    const [s] = sections(report('## Knees\n\nThe **L1 dTLB** holds *64* entries: see `tlb_l1_entries` and [RESULTS](https://example.org/results#5) or <mailto:lab@example.org>.\n\n'
      + '- first knee\n- second knee\n\n1. run\n2. look\n\n| pages | ns |\n|---|--:|\n| 64 | 1.2 |\n\n```ts\nconst x = 1;\n```\n\n> quoted'));
    expect(s!.querySelector('h2')?.textContent).toBe('Knees');
    expect(s!.querySelector('strong')?.textContent).toBe('L1 dTLB');
    expect(s!.querySelector('em')?.textContent).toBe('64');
    expect(s!.querySelector('p code')?.textContent).toBe('tlb_l1_entries');
    expect([...s!.querySelectorAll('ul > li')].map((li) => li.textContent)).toEqual(['first knee', 'second knee']);
    expect([...s!.querySelectorAll('ol > li')].map((li) => li.textContent)).toEqual(['run', 'look']);
    const links = [...s!.querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href'), a.getAttribute('rel')]);
    expect(links).toEqual([['RESULTS', 'https://example.org/results#5', 'noopener noreferrer'], ['mailto:lab@example.org', 'mailto:lab@example.org', 'noopener noreferrer']]);
    expect([...s!.querySelectorAll('td')].map((td) => [td.textContent, td.getAttribute('style')])).toEqual([['64', null], ['1.2', 'text-align:right']]);
    expect(s!.querySelector('pre > code.language-ts')?.textContent).toBe('const x = 1;\n');
    expect(s!.querySelector('blockquote')?.textContent?.trim()).toBe('quoted');
    expect(s!.textContent).not.toMatch(/\*\*|`|\]\(/); // no markdown syntax left showing
  });

  it('keeps an inline data: image (what the page\'s CSP allows) and its description', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const img = sections(report(`![a chart](${png})`))[0]!.querySelector('img');
    expect([img?.getAttribute('src'), img?.getAttribute('alt')]).toEqual([png, 'a chart']);
  });

  it('puts nothing from a hostile markdown cell into the report that runs script or loads anything remote', () => {
    const doc = report(HOSTILE);
    const [s] = sections(doc);
    expect([...s!.querySelectorAll('*')].flatMap(problems)).toEqual([]);
    // The whole report: no script, frame, form, embed or base element, no event handler, no remote source.
    expect(doc.querySelectorAll('script, iframe, frame, object, embed, form, input, base, link, body style')).toHaveLength(0);
    for (const el of doc.querySelectorAll('*')) {
      for (const { name, value } of [...el.attributes]) {
        expect(name, el.outerHTML).not.toMatch(/^on/i);
        expect(value, el.outerHTML).not.toMatch(/javascript:|vbscript:|url\(/i);
        if (name === 'src') expect(value).toMatch(/^data:image\//);
      }
    }
    expect(s!.querySelectorAll('img')).toHaveLength(0); // every image here is remote or SVG
    expect([...s!.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['https://example.org', 'https://example.org']);
    // What was refused is shown as text, so the reader sees what the cell tried.
    const text = s!.textContent!;
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('<img src=x onerror=alert(1)>');
    expect(text).toContain('[x](javascript:alert(1))');
    expect(text).toContain('[image, not loaded: http://evil/x.png]');
    expect(text).toContain('[image "beacon", not loaded: //evil/y.png]');
    expect(text).toContain('[image "refimg", not loaded: http://evil/ref.png]');
    expect(text).toContain('[f](file:///etc/passwd) r <javascript:alert(6)>'); // refused schemes stay literal; the relative link keeps only its text
    const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('img-src data:;');
  });
});
