// What the Open dialog shows of an example notebook: its title and a short plain-text description,
// both taken from the notebook's markdown (the dialog shows text, not rendered markdown).
import { joinSource, type Notebook } from '../notebook/notebook';

/** The longest description, in characters; a longer one is cut at a word and ends with '…'. */
export const DESCRIPTION_LIMIT = 420;

/**
 * `markdown` (one block) as plain text on one line: emphasis and code markers, link targets,
 * heading and list markers and line breaks removed; the words are kept.
 */
export function plainText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // [text](url) and images: the text
    .replace(/^\s{0,3}(#+|>|[-*+]|\d+[.)])\s+/gm, '') // heading, quote and list markers
    .replace(/`([^`]*)`/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `text` cut to at most `limit` characters at a word boundary, with '…' when it was cut. */
export function truncateWords(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > limit / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

/**
 * The notebook's first markdown heading (or `file` when it has none) and, as plain text, the
 * paragraph after it; a paragraph that ends with ':' runs on into the block after it (a list),
 * and the whole is cut to DESCRIPTION_LIMIT.
 */
export function exampleSummary(nb: Notebook, file: string): { title: string; description: string } {
  const md = nb.cells.filter((c) => c.cell_type === 'markdown').map((c) => joinSource(c.source)).join('\n\n');
  const heading = /^#+\s+(.+)$/m.exec(md);
  const after = heading ? md.slice(heading.index + heading[0].length) : md;
  const blocks = after.split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p && !p.startsWith('#'));
  const first = plainText(blocks[0] ?? '');
  const text = first.endsWith(':') && blocks[1] ? `${first} ${plainText(blocks[1])}` : first;
  return { title: plainText(heading?.[1] ?? file), description: truncateWords(text, DESCRIPTION_LIMIT) };
}
