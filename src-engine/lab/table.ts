// table(): a script's table, as data. A notebook stores it under the lab's table MIME type with
// two renderings built here from the data (text/plain with aligned columns, text/html escaped);
// a terminal gets the text. Hosts that show a stored table rebuild it from the data, never trust
// a file's text/html.

export const TABLE_MIME = 'application/vnd.mmu-lab.table+json';

/** A cell's value: what a table may hold. */
export type TableValue = string | number | boolean | bigint | null;

/** A table as stored: a title (may be ''), column names, and rows of cells as text or numbers. */
export interface TableData { title: string; columns: string[]; rows: (string | number | boolean | null)[][] }

/** The most cells a table may hold. */
export const MAX_TABLE_CELLS = 200_000;

/** A stored cell: bigints become their decimal text, non-finite numbers their name; TypeError for anything else. */
function cellValue(v: unknown, where: string): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  throw new TypeError(`table: ${where} is ${typeof v === 'object' ? 'an object' : `a ${typeof v}`}; cells hold strings, numbers, booleans, bigints or null`);
}

/**
 * A validated table from `rows` (objects, whose keys in first-seen order are the columns unless
 * `options.columns` names them; or arrays, with `options.columns` as the header or 'col 1'...)
 * and `options.title`. TypeError naming the first problem; the input is not changed.
 */
export function checkTable(rows: unknown, options: unknown = {}): TableData {
  if (!Array.isArray(rows)) throw new TypeError('table: give an array of rows (objects or arrays)');
  const o = (options ?? {}) as { columns?: unknown; title?: unknown };
  if (typeof o !== 'object') throw new TypeError('table: options must be { columns?, title? }');
  if (o.title !== undefined && typeof o.title !== 'string') throw new TypeError('table: title must be a string');
  if (o.columns !== undefined && (!Array.isArray(o.columns) || o.columns.some((c) => typeof c !== 'string'))) throw new TypeError('table: columns must be an array of strings');
  const arrays = rows.length > 0 && rows.every((r) => Array.isArray(r));
  if (!arrays && rows.some((r) => r === null || typeof r !== 'object' || Array.isArray(r))) throw new TypeError('table: rows must be all objects or all arrays');
  let columns = o.columns as string[] | undefined;
  if (!columns) {
    if (arrays) columns = Array.from({ length: Math.max(0, ...rows.map((r: unknown[]) => r.length)) }, (_, i) => `col ${i + 1}`);
    else columns = [...new Set(rows.flatMap((r: object) => Object.keys(r)))];
  }
  if (rows.length * Math.max(1, columns.length) > MAX_TABLE_CELLS) throw new TypeError(`table: more than ${MAX_TABLE_CELLS} cells`);
  const cols = columns;
  const out = rows.map((r: unknown, i) => cols.map((c, j) => cellValue(arrays ? (r as unknown[])[j] : (r as Record<string, unknown>)[c], `row ${i}, column '${c}'`)));
  return { title: (o.title as string | undefined) ?? '', columns: [...cols], rows: out };
}

/** A cell as text: integers as they are, other numbers to 6 significant digits, null as ''. */
function cellText(v: string | number | boolean | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}

/** The table as text: the title, then columns padded to their widest cell (numbers right-aligned). */
export function tableText(t: TableData): string {
  const rows = t.rows.map((r) => r.map(cellText));
  const widths = t.columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const numeric = t.columns.map((_, i) => t.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (cells: string[]): string => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [...(t.title ? [t.title] : []), line(t.columns), ...rows.map(line)].join('\n');
}

/** Text with the five HTML-special characters as character references. */
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The table as HTML: every name and cell escaped, so nothing in it is markup but the table's own. */
export function tableHtml(t: TableData): string {
  const caption = t.title ? `<caption>${esc(t.title)}</caption>` : '';
  const head = `<thead><tr>${t.columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>`;
  const body = t.rows.map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? ' style="text-align:right"' : ''}>${esc(cellText(v))}</td>`).join('')}</tr>`).join('\n');
  return `<table>${caption}\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** The MIME bundle of a table: its data and both renderings. */
export function tableBundle(t: TableData): Record<string, unknown> {
  return { 'text/plain': tableText(t), 'text/html': tableHtml(t), [TABLE_MIME]: t };
}
