// The lockdown every lab sandbox uses (src-engine/lab/sandbox.ts), seen from a locked-down worker
// thread: the typed arrays' prototypes are frozen by ses_freeze.ts's freeze (the form V8 keeps
// element stores fast with), every intrinsic prototype is as frozen as Object.freeze leaves it, the global
// Object.freeze is still V8's own, and code in a Compartment reaches nothing of Node.
import { describe, it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';

interface Probe {
  nativeBefore: boolean; fastBefore: boolean; fast: boolean; nativeAfter: boolean;
  locked: Record<string, { frozen: boolean; addThrows: boolean; deleteThrows: boolean }>;
  stores: number[]; fromCompartment: unknown[];
}

/** Runs lockdown-worker.ts on a worker thread (TypeScript through tsx) and resolves with its message. */
function probe(): Promise<Probe> {
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./lockdown-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)}))`;
  const w = new Worker(boot, { eval: true });
  return new Promise((resolve, reject) => {
    w.once('message', (msg: Probe) => void w.terminate().then(() => resolve(msg)));
    w.once('error', reject);
  });
}

describe('the lab sandbox lockdown', () => {
  it('freezes the typed arrays\' prototypes with the stepwise freeze, every prototype fully, and leaves Object.freeze native', async () => {
    const p = await probe();
    expect(p.fastBefore).toBe(false);
    expect(p.fast).toBe(true); // SES loaded after ses_freeze.ts and used its freeze
    expect(p.nativeBefore).toBe(true);
    expect(p.nativeAfter).toBe(true);
    expect(Object.keys(p.locked)).toHaveLength(8);
    for (const [name, s] of Object.entries(p.locked)) expect(s, name).toEqual({ frozen: true, addThrows: true, deleteThrows: true });
    expect(p.stores).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);
  }, 30_000);

  it('gives Compartment code no Node global, no way to change an intrinsic prototype, and no Function constructor', async () => {
    const p = await probe();
    expect(p.fromCompartment).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'TypeError', 'TypeError', 'TypeError']);
  }, 30_000);
});
