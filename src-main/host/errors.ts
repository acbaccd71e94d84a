// Turning whatever a host method threw into the contract's error: a HostErrorCode and a
// message for the user. Errors made by the host already start with their code.
import { NotebookFormatError } from '../notebook/notebook';
import type { HostErrorCode } from '../contract';

const CODES: readonly HostErrorCode[] = ['bad-request', 'not-found', 'format', 'io', 'busy', 'config', 'unavailable', 'internal'];

/** An Error whose message is `<code>: <text>`. */
export function hostError(code: HostErrorCode, text: string): Error {
  return new Error(`${code}: ${text}`);
}

/** The code and message of a thrown value (file-system errors are 'io', invalid notebooks 'format'). */
export function toHostError(e: unknown): { code: HostErrorCode; message: string } {
  if (e instanceof NotebookFormatError) return { code: 'format', message: e.message };
  const err = e as NodeJS.ErrnoException;
  const text = String(err?.message ?? e);
  const m = /^([a-z-]+): ([\s\S]*)$/.exec(text);
  if (m && CODES.includes(m[1] as HostErrorCode)) return { code: m[1] as HostErrorCode, message: m[2]! };
  if (typeof err?.code === 'string' && typeof err?.syscall === 'string') return { code: 'io', message: text };
  return { code: 'internal', message: text };
}
