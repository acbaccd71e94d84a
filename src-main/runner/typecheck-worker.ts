// Type-checks notebook cells off the host's main thread (the first check parses the lab's types
// for seconds; later ones take tens of milliseconds): one CellTypechecker, requests in order.
import { parentPort } from 'node:worker_threads';
import type { CellRequest } from '../contract';

/** One check: the earlier cells' sources and the cells to check. */
interface CheckRequest { id: number; prior: string[]; cells: CellRequest[] }

/** Serves check requests until the host ends the worker. */
async function main(): Promise<void> {
  const { CellTypechecker } = await import('../kernel/typecheck');
  const checker = new CellTypechecker();
  parentPort!.on('message', (req: CheckRequest) => {
    try {
      parentPort!.postMessage({ id: req.id, ok: true, diagnostics: checker.check(req.prior, req.cells) });
    } catch (e) {
      parentPort!.postMessage({ id: req.id, ok: false, message: String((e as Error)?.message ?? e) });
    }
  });
  parentPort!.postMessage({ ready: true });
}

main().catch((e: unknown) => parentPort!.postMessage({ id: -1, ok: false, message: String((e as Error)?.stack ?? e) }));
