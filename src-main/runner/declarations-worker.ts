// Builds the lab's declaration files for the editor off the host's main thread (it takes
// seconds) and posts them back once.
import { parentPort } from 'node:worker_threads';

/** Builds the declarations and posts { ok, value } or { ok: false, message }. */
async function main(): Promise<void> {
  const { buildLabDeclarations } = await import('../host/declarations');
  const { LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
  parentPort!.postMessage({ ok: true, value: buildLabDeclarations(LAB_GLOBAL_NAMES) });
}

main().catch((e: unknown) => parentPort!.postMessage({ ok: false, message: String((e as Error)?.stack ?? e) }));
