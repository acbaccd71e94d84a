// Every request from a renderer passes here, whatever the transport: the method must be one of
// the contract's, and its arguments must match that method's schema (zod) before the host sees
// them. Deep notebook validation (the nbformat schema) happens when a notebook is parsed or saved.
import { z } from 'zod';
import { toHostError } from './errors';
import type { HOST_METHODS } from './methods';
import type { HostMethods } from './host';
import type { HostErrorCode, HostMethod } from '../contract';

const id = z.string().regex(/^nb\d{1,9}$/, 'a notebook id from the host');
const cellId = z.string().min(1).max(64);
const source = z.string().max(4_000_000);
const cell = z.strictObject({ cellId, source });
const path = z.string().min(1).max(4096);
const config = z.record(z.string().max(64), z.union([z.number(), z.boolean(), z.string().max(64)]));
const mmId = z.number().int().min(0).max(1 << 20);
const notebook = z.looseObject({
  nbformat: z.literal(4),
  nbformat_minor: z.literal(5),
  metadata: z.record(z.string(), z.unknown()),
  cells: z.array(z.looseObject({ id: z.string(), cell_type: z.enum(['code', 'markdown', 'raw']), metadata: z.record(z.string(), z.unknown()), source: z.union([z.string(), z.array(z.string())]) })).max(10_000),
});
const none = z.tuple([]);

/** The argument tuple schema of every request method (a missing method is a type error here). */
export const REQUEST_SCHEMAS: Record<(typeof HOST_METHODS)[number], z.ZodType<unknown[]>> = {
  appInfo: none,
  labDeclarations: none,
  machineParams: none,
  newNotebook: none,
  openNotebookDialog: none,
  openRecent: z.tuple([path]),
  listRecent: none,
  clearRecent: none,
  listExamples: none,
  openExample: z.tuple([z.string().regex(/^[\w.-]+\.ipynb$/, 'an example file name')]),
  openNotebookContent: z.tuple([z.string().min(1).max(255), z.string().max(200_000_000)]),
  notebookChanged: z.tuple([id, notebook, z.boolean()]),
  saveNotebook: z.tuple([id, notebook]),
  saveNotebookAs: z.tuple([id, notebook, z.string().min(1).max(255).optional()]),
  closeNotebook: z.tuple([id]),
  listOpen: none,
  listRecovered: none,
  restoreRecovered: z.tuple([z.string().regex(/^[a-f0-9]{16}$/)]),
  discardRecovered: z.tuple([z.string().regex(/^[a-f0-9]{16}$/)]),
  runCell: z.tuple([id, cell]),
  runAll: z.tuple([id, z.array(cell).max(10_000)]),
  stop: z.tuple([id]),
  restartMachine: z.tuple([id, config.optional()]),
  getMachineConfig: z.tuple([id]),
  setMachineConfig: z.tuple([id, config]),
  listProcesses: z.tuple([id]),
  pageTableSnapshot: z.tuple([id, mmId, z.strictObject({ maxEntries: z.number().int().min(1).max(1_000_000).optional() }).optional()]),
  pageTableDiff: z.tuple([id, mmId]),
  dmesg: z.tuple([id]),
  statsSnapshot: z.tuple([id]),
};

/** The outcome of a request, as both transports send it. */
export type DispatchResult = { ok: true; value: unknown } | { ok: false; error: { code: HostErrorCode; message: string } };

/** Whether `method` names a request method of the contract (own keys only: no prototype names). */
export function isHostMethod(method: unknown): method is HostMethod {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(REQUEST_SCHEMAS, method);
}

/**
 * Validates `args` for `method` and calls it on `host`. Never throws: a bad method or bad
 * arguments give 'bad-request', and what the method throws becomes its HostErrorCode.
 */
export async function dispatch(host: HostMethods, method: unknown, args: unknown): Promise<DispatchResult> {
  if (!isHostMethod(method)) return { ok: false, error: { code: 'bad-request', message: `unknown method ${JSON.stringify(method)}` } };
  const parsed = REQUEST_SCHEMAS[method].safeParse(args ?? []);
  if (!parsed.success) return { ok: false, error: { code: 'bad-request', message: `${method}: ${z.prettifyError(parsed.error)}` } };
  try {
    const fn = host[method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, value: await fn.apply(host, parsed.data) };
  } catch (e) {
    return { ok: false, error: toHostError(e) };
  }
}
