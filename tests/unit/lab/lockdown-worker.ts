// Run by lockdown.test.ts on a worker thread (lockdown freezes the whole thread): locks the
// thread down as every lab sandbox does (lab/sandbox.ts) and posts what it finds.
import { parentPort } from 'node:worker_threads';
import { lockdownOnce, fastLockdown } from '../../../src-engine/lab/sandbox';

/** Whether fn throws a TypeError. */
function throwsTypeError(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    return e instanceof TypeError;
  }
}

const typedArrayPrototype = Object.getPrototypeOf(Int8Array.prototype) as object;
const prototypes: Record<string, object> = {
  'Object.prototype': Object.prototype, 'Array.prototype': Array.prototype, 'Function.prototype': Function.prototype,
  '%TypedArray%.prototype': typedArrayPrototype, 'Int32Array.prototype': Int32Array.prototype,
  'Float64Array.prototype': Float64Array.prototype, 'Map.prototype': Map.prototype, 'Error.prototype': Error.prototype,
};
const nativeBefore = Object.freeze.toString().includes('[native code]');
const fastBefore = fastLockdown();
lockdownOnce();
const locked: Record<string, { frozen: boolean; addThrows: boolean; deleteThrows: boolean }> = {};
for (const [name, p] of Object.entries(prototypes)) {
  const key = Reflect.ownKeys(p).find((k) => k !== 'constructor')!;
  locked[name] = {
    frozen: Object.isFrozen(p) && !Object.isExtensible(p),
    addThrows: throwsTypeError(() => { (p as Record<string, unknown>)['added'] = 1; }),
    deleteThrows: throwsTypeError(() => { delete (p as Record<PropertyKey, unknown>)[key]; }),
  };
}
const a = new Int32Array(8);
for (let i = 0; i < 8; i++) a[i] = i * 3;
const c = new Compartment();
parentPort!.postMessage({
  nativeBefore, fastBefore, fast: fastLockdown(), nativeAfter: Object.freeze.toString().includes('[native code]'), locked,
  stores: Array.from(a),
  fromCompartment: c.evaluate(`[
    typeof process, typeof require, typeof Buffer, typeof fetch,
    (() => { try { Object.prototype.polluted = 1; return 'added'; } catch (e) { return e.name; } })(),
    (() => { try { Int32Array.prototype.fill = null; return 'replaced'; } catch (e) { return e.name; } })(),
    (() => { try { return (function () {}).constructor('return 1')(); } catch (e) { return e.name; } })(),
  ]`) as unknown,
});
