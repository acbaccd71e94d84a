// Markdown cells and HTML outputs come from files: they are data, never code. Markdown is
// rendered with raw HTML disabled, and every HTML string that reaches the DOM goes through
// DOMPurify first (no script, no event handlers, no javascript: URLs, no forms or frames).
import DOMPurify, { type Config } from 'dompurify';
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

const PURIFY: Config = {
  USE_PROFILES: { html: true, svg: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'link', 'meta', 'base'],
  FORBID_ATTR: ['style', 'srcset'],
  ALLOW_DATA_ATTR: false,
};

/** `html` with everything that could run code or load remote content removed. */
export function sanitizeHtml(html: string): string {
  return String(DOMPurify.sanitize(html, { ...PURIFY, RETURN_TRUSTED_TYPE: false }));
}

/** The sanitized HTML of a markdown cell's source (raw HTML inside the markdown shows as text). */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source));
}
