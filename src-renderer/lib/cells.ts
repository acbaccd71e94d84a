// Plain operations on the notebook document that the stores build on: sources as one string,
// stream outputs merged as Jupyter shows them, fresh cell ids, the document as saved.
import type { NbCell, NbMultiline, NbNotebook, NbOutput } from '../../src-main/contract';

/** nbformat's string-or-lines as one string. */
export function joinSource(s: NbMultiline): string {
  return Array.isArray(s) ? s.join('') : s;
}

/** A fresh nbformat 4.5 cell id (1-64 chars of [a-zA-Z0-9-_]), random from the page's crypto. */
export function newCellId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A new, empty cell of `type`. */
export function emptyCell(type: 'code' | 'markdown'): NbCell {
  const id = newCellId();
  return type === 'code'
    ? { id, cell_type: 'code', metadata: {}, source: '', outputs: [], execution_count: null }
    : { id, cell_type: 'markdown', metadata: {}, source: '' };
}

/**
 * `outputs` with `next` appended; a stream output directly after one of the same stream is
 * merged into it (a new object: outputs are never mutated in place).
 */
export function appendOutput(outputs: readonly NbOutput[], next: NbOutput): NbOutput[] {
  const last = outputs[outputs.length - 1];
  if (last && last.output_type === 'stream' && next.output_type === 'stream' && last.name === next.name) {
    return [...outputs.slice(0, -1), { ...last, text: joinSource(last.text) + joinSource(next.text) }];
  }
  return [...outputs, next];
}

/**
 * The document to save or hand to the host: the cells as they are (sources as single strings;
 * the host splits them into lines) and the metadata, with the lab's machine overrides in
 * metadata.mmu_lab.machine.
 */
export function buildDocument(cells: readonly NbCell[], metadata: Record<string, unknown>): NbNotebook {
  return plainCopy({ nbformat: 4, nbformat_minor: 5, metadata, cells: cells.map((c) => ({ ...c, source: joinSource(c.source) })) });
}

/** A deep copy of JSON data as plain objects (reactive proxies copied out; they cannot be cloned). */
export function plainCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The default name offered by Save As for a notebook called `name`. */
export function suggestedName(name: string): string {
  return /\.ipynb$/i.test(name) ? name : `${name}.ipynb`;
}
