// @vitest-environment jsdom
// Markdown cells and HTML outputs come from files: whatever they hold must not become code.
import { describe, expect, it } from 'vitest';
import { renderMarkdown, sanitizeHtml } from '../../src-renderer/lib/markdown';

/** Parses sanitized HTML into a fragment so the tests look at elements, not at strings. */
function parse(html: string): DocumentFragment {
  const t = document.createElement('template');
  t.innerHTML = html;
  return t.content;
}

describe('renderMarkdown', () => {
  it('renders headings, emphasis, code and lists', () => {
    const f = parse(renderMarkdown('# TLB reach\n\nThe *knee* at `64` pages:\n\n- L1\n- STLB\n'));
    expect(f.querySelector('h1')?.textContent).toBe('TLB reach');
    expect(f.querySelector('em')?.textContent).toBe('knee');
    expect(f.querySelector('code')?.textContent).toBe('64');
    expect(f.querySelectorAll('li')).toHaveLength(2);
  });

  it('shows raw HTML in markdown as text, never as elements', () => {
    const f = parse(renderMarkdown('hello <script>alert(1)</script> <img src=x onerror="alert(2)">'));
    expect(f.querySelector('script')).toBeNull();
    expect(f.querySelector('img')).toBeNull();
    expect(f.textContent).toContain('<script>alert(1)</script>');
  });

  it('drops javascript: links', () => {
    const f = parse(renderMarkdown('[click](javascript:alert(1)) and [ok](https://example.org/x)'));
    const hrefs = [...f.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs.some((h) => h?.startsWith('javascript:'))).toBe(false);
    expect(hrefs).toContain('https://example.org/x');
  });
});

describe('sanitizeHtml (text/html outputs)', () => {
  it('removes script, event handlers, iframes, forms and style', () => {
    const dirty = '<p onclick="x()">t</p><script>bad()</script><iframe src="https://e"></iframe>'
      + '<form action="/x"><input name=a></form><style>body{}</style><a href="javascript:bad()">l</a>';
    const f = parse(sanitizeHtml(dirty));
    expect(f.querySelector('script, iframe, form, input, style')).toBeNull();
    expect(f.querySelector('p')?.getAttribute('onclick')).toBeNull();
    expect(f.querySelector('a')?.getAttribute('href') ?? '').not.toMatch(/^javascript:/);
    expect(f.querySelector('p')?.textContent).toBe('t');
  });

  it('keeps tables (what a table output is made of)', () => {
    const f = parse(sanitizeHtml('<table><thead><tr><th>cpu</th></tr></thead><tbody><tr><td>0.98</td></tr></tbody></table>'));
    expect(f.querySelector('td')?.textContent).toBe('0.98');
  });

  it('keeps SVG shapes but not SVG script or handlers', () => {
    const f = parse(sanitizeHtml('<svg onload="bad()"><script>bad()</script><rect width="3" height="4"></rect></svg>'));
    expect(f.querySelector('rect')).not.toBeNull();
    expect(f.querySelector('script')).toBeNull();
    expect(f.querySelector('svg')?.getAttribute('onload')).toBeNull();
  });
});
