// CSV export of chart data: one row per (series, point), RFC 4180 quoting.

export interface CsvSeries { name: string; x: ArrayLike<number>; y: ArrayLike<number> }

/** A CSV field: quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The CSV text of `series` with the header `series,<xLabel>,<yLabel>`; lines end in CRLF. */
export function seriesToCsv(series: readonly CsvSeries[], xLabel = 'x', yLabel = 'y'): string {
  const rows = [[csvField('series'), csvField(xLabel), csvField(yLabel)].join(',')];
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) rows.push(`${csvField(s.name)},${s.x[i]},${s.y[i]}`);
  }
  return `${rows.join('\r\n')}\r\n`;
}
