// MMU Lab notebooks: Jupyter nbformat 4.5 files whose code cells are TypeScript experiments.
// Valid against the official schema (so GitHub, nbviewer, VS Code and nbdime open them), with
// the machine configuration, seed and lab version in the notebook's metadata, keys written in a
// stable order and sources split into lines so diffs stay readable.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const schema = require('./nbformat.v4.5.schema.json') as object;
type Validate = ((v: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
const Ajv = require('ajv-draft-04') as new (opts: object) => { compile(s: object): Validate };
const validateSchema = new Ajv({ strict: false, allErrors: true }).compile(schema);

export const LAB_VERSION = '0.1.0';
/** The MIME type of a chart's data in an output (a JSON type, so the schema lets it hold any JSON). */
export { CHART_MIME } from '../../src-engine/lab/chart';

export type MultilineString = string | string[];

export interface StreamOutput { output_type: 'stream'; name: 'stdout' | 'stderr'; text: MultilineString }
export interface DisplayDataOutput { output_type: 'display_data'; data: Record<string, unknown>; metadata: Record<string, unknown> }
export interface ExecuteResultOutput { output_type: 'execute_result'; execution_count: number | null; data: Record<string, unknown>; metadata: Record<string, unknown> }
export interface ErrorOutput { output_type: 'error'; ename: string; evalue: string; traceback: string[] }
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell { id: string; cell_type: 'code'; metadata: Record<string, unknown> & { tags?: string[] }; source: MultilineString; outputs: Output[]; execution_count: number | null }
export interface MarkdownCell { id: string; cell_type: 'markdown'; metadata: Record<string, unknown>; source: MultilineString }
export interface RawCell { id: string; cell_type: 'raw'; metadata: Record<string, unknown>; source: MultilineString }
export type Cell = CodeCell | MarkdownCell | RawCell;

/**
 * What the lab keeps in notebook.metadata.mmu_lab. The seed lives in `machine` (the lab writes
 * it there); a top-level `seed` is read, as the seed when `machine` has none, for files that
 * carry one (notebookMachine).
 */
export interface LabMetadata { version: string; machine: Record<string, unknown>; seed?: number }

export interface Notebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: Record<string, unknown> & { mmu_lab?: LabMetadata };
  cells: Cell[];
}

/** Thrown for a file that is not a valid nbformat 4.5 notebook; .problems lists why. */
export class NotebookFormatError extends Error {
  constructor(message: string, readonly problems: string[]) {
    super(`${message}${problems.length ? `:\n  ${problems.join('\n  ')}` : ''}`);
    this.name = 'NotebookFormatError';
  }
}

/** A fresh cell id (nbformat 4.5: 1-64 chars of [a-zA-Z0-9-_]). */
export const newCellId = (): string => randomBytes(6).toString('hex');

/** A source string as nbformat stores it: lines, each but the last ending in "\n". */
export function splitSource(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l)).filter((l, i) => i < lines.length - 1 || l !== '');
}

/** A multiline string joined back into one string. */
export const joinSource = (s: MultilineString): string => (Array.isArray(s) ? s.join('') : s);

/** A new, empty TypeScript notebook for a machine configuration (and `seed`, when given, as its seed). */
export function newNotebook(machine: Record<string, unknown> = {}, seed?: number): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'mmu-lab', display_name: 'MMU Lab (TypeScript)', language: 'typescript' },
      language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/x-typescript' },
      mmu_lab: { version: LAB_VERSION, machine: seed === undefined ? { ...machine } : { ...machine, seed } },
    },
    cells: [],
  };
}

/**
 * The machine configuration a notebook runs on: metadata.mmu_lab.machine, with metadata.mmu_lab.seed
 * as its seed when the machine names none. Throws NotebookFormatError when the two seeds disagree
 * (a run could not honour both).
 */
export function notebookMachine(nb: Notebook): Record<string, unknown> {
  const meta = nb.metadata.mmu_lab;
  const machine = { ...(meta?.machine ?? {}) };
  if (meta?.seed === undefined) return machine;
  if (machine['seed'] !== undefined && machine['seed'] !== meta.seed) {
    throw new NotebookFormatError('the notebook names two seeds', [`metadata.mmu_lab.seed is ${meta.seed} but metadata.mmu_lab.machine.seed is ${JSON.stringify(machine['seed'])}`]);
  }
  return { ...machine, seed: meta.seed };
}

/** A code cell holding `source`, with no outputs yet. */
export function codeCell(source: string, tags: string[] = []): CodeCell {
  return { id: newCellId(), cell_type: 'code', metadata: tags.length ? { tags } : {}, source: splitSource(source), outputs: [], execution_count: null };
}

/** A markdown cell. */
export function markdownCell(source: string): MarkdownCell {
  return { id: newCellId(), cell_type: 'markdown', metadata: {}, source: splitSource(source) };
}

/** Schema problems of a value, as "path: message" lines (empty when valid). */
export function schemaProblems(value: unknown): string[] {
  if (validateSchema(value)) return [];
  return (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}

/**
 * Parse notebook text: JSON, valid nbformat 4.5, code cells only (no kernel other than ours).
 * Throws NotebookFormatError naming every problem; never executes anything.
 */
export function parseNotebook(text: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new NotebookFormatError('not a notebook: the file is not JSON', [(e as Error).message]);
  }
  const problems = schemaProblems(value);
  if (problems.length) throw new NotebookFormatError('not a valid nbformat 4.5 notebook', problems.slice(0, 20));
  const nb = value as Notebook;
  const lang = (nb.metadata['language_info'] as { name?: string } | undefined)?.name;
  if (lang && lang !== 'typescript') throw new NotebookFormatError(`this notebook is written in ${lang}; MMU Lab runs TypeScript notebooks`, []);
  return nb;
}

/** JSON with object keys sorted at every level (nbformat's sort_keys), indented by 1 like Jupyter. */
export function stableStringify(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return `${JSON.stringify(sort(value), null, 1)}\n`;
}

/** The text of a notebook as it is saved: sources and text outputs split into lines, keys sorted. */
export function serializeNotebook(nb: Notebook): string {
  const lines = (s: MultilineString): string[] => splitSource(joinSource(s));
  const out: Notebook = {
    ...nb,
    cells: nb.cells.map((c) => {
      const cell = { ...c, source: lines(c.source) } as Cell;
      if (cell.cell_type === 'code') cell.outputs = cell.outputs.map((o) => (o.output_type === 'stream' ? { ...o, text: lines(o.text) } : o));
      return cell;
    }),
  };
  const problems = schemaProblems(out);
  if (problems.length) throw new NotebookFormatError('refusing to write an invalid notebook', problems.slice(0, 20));
  return stableStringify(out);
}

/**
 * Papermill's convention: the cell tagged "parameters" holds defaults; a run's overrides go in a
 * new cell tagged "injected-parameters" right after it (or first, without one). Returns a copy.
 */
export function injectParameters(nb: Notebook, overrides: Record<string, unknown>): Notebook {
  const names = Object.keys(overrides);
  if (!names.length) return nb;
  for (const n of names) if (!/^[A-Za-z_$][\w$]*$/.test(n)) throw new TypeError(`parameter name '${n}' is not an identifier`);
  const body = names.map((n) => `${n} = ${JSON.stringify(overrides[n])};`).join('\n');
  const cells = nb.cells.filter((c) => !(c.metadata as { tags?: string[] }).tags?.includes('injected-parameters'));
  const at = cells.findIndex((c) => (c.metadata as { tags?: string[] }).tags?.includes('parameters'));
  cells.splice(at + 1, 0, codeCell(`// Injected parameters\n${body}`, ['injected-parameters']));
  return { ...nb, cells };
}
