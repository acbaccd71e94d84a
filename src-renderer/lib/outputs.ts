// Reading cell outputs as data: which representation of a MIME bundle to show, charts checked
// for shape before they are drawn, text joined, ANSI colour codes stripped from tracebacks.
import type { ChartSpec } from '../../src-engine/lab/chart';

/** The lab's chart MIME type (src-engine/lab/chart.ts CHART_MIME; a type-only import cannot carry it). */
export const CHART_MIME = 'application/vnd.mmu-lab.chart+json';

/** The representations the UI can show, most preferred first. */
export const MIME_ORDER = [CHART_MIME, 'image/png', 'image/svg+xml', 'text/html', 'application/json', 'text/plain'] as const;
export type ShownMime = (typeof MIME_ORDER)[number];

/** The MIME type of `data` to show, or null when none is known (the bundle then shows as JSON). */
export function pickMime(data: Record<string, unknown>): ShownMime | null {
  return MIME_ORDER.find((m) => data[m] !== undefined) ?? null;
}

/** A string or nbformat's list of lines, as one string. */
export function joinText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join('');
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** `text` without ANSI escape sequences (tracebacks from other tools carry colours). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

/** True for a non-empty array of finite numbers. */
function isNumbers(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/**
 * `value` as a ChartSpec when it has the shape src-engine/lab/chart.ts's checkChart produces
 * (title, series of equal-length numeric x/y), else null: a file's bad chart shows as JSON.
 */
export function asChartSpec(value: unknown): ChartSpec | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v['title'] !== 'string' || !Array.isArray(v['series']) || v['series'].length === 0) return null;
  for (const s of v['series'] as unknown[]) {
    const r = s as Record<string, unknown> | null;
    if (!r || typeof r['name'] !== 'string' || !isNumbers(r['x']) || !isNumbers(r['y']) || r['x'].length !== r['y'].length) return null;
  }
  const kind = v['kind'];
  if (kind !== undefined && kind !== 'line' && kind !== 'scatter' && kind !== 'bar') return null;
  return value as ChartSpec;
}

/** True when `text` is plain base64 (what an image/png output must be before it becomes a data: URL). */
export function isBase64(text: string): boolean {
  return /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(text);
}
