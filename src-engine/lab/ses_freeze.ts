// The Object.freeze that SES hardens the intrinsics with. SES keeps the Object.freeze it finds
// when it loads, so sandbox.ts imports this module just before 'ses', and puts the real one back
// once SES has loaded: no code outside SES's own module ever sees a replaced primordial.
//
// Why: V8 (Node 20, V8 11.3) freezes an object that has no elements by giving it an empty element
// dictionary marked "requires slow elements". A keyed store (a[i] = v) whose receiver has such an
// object on its prototype chain never gets a fast inline cache (`node --log-ic` logs the reason
// "prototype with potentially read-only elements") and runs through the runtime: after a plain
// lockdown, every element store of the engine into an Int32Array or a Float64Array costs 40-100 ns
// instead of 1-3 ns, since Int32Array.prototype, %TypedArray%.prototype and Object.prototype are
// all frozen. Those prototypes (every typed array's chain) are therefore frozen here by the
// specification's own steps of SetIntegrityLevel(O, frozen): prevent extensions, then make every
// own property non-configurable (and non-writable when it holds a value). They end in exactly the
// state Object.freeze leaves (Object.isFrozen is true, nothing can be added, changed or deleted),
// without the slow dictionary, so typed-array stores stay fast.
// Everything else keeps V8's own freeze. Redefining property after property has two costs V8's
// freeze has not: it leaves the object in dictionary mode, where loads from it are slow (ta.length,
// Math.imul: 5-10x; a prototype is made fast again by using it as one, which freezeStepwise does),
// and redefining `constructor` of Array.prototype (or Symbol.iterator, `then`, ...) invalidates
// V8's protector for it, which slows arr.slice/map/filter or iteration. Array.prototype itself is
// left to V8's freeze: element stores into plain arrays take a slower path after lockdown either
// way (~5x), and the engine's hot paths store into typed arrays.

const nativeFreeze = Object.freeze;
const { preventExtensions, defineProperty, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
const create = Object.create;
const ownKeys = Reflect.ownKeys;

/** The prototypes on the chain of every typed array: each Int8Array.prototype ... BigUint64Array.prototype, %TypedArray%.prototype, Object.prototype. */
function typedArrayChains(): WeakSet<object> {
  const set = new WeakSet<object>();
  const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
  for (const kind of kinds) {
    for (let p: object | null = kind.prototype; p !== null; p = getPrototypeOf(p)) set.add(p);
  }
  return set;
}

const prototypes = typedArrayChains();
let stepwiseFrozen = 0;

/** Object.freeze(o) by SetIntegrityLevel(o, frozen)'s steps, for an ordinary object o that is a prototype. */
function freezeStepwise<T extends object>(o: T): T {
  if (!preventExtensions(o)) throw new TypeError('Cannot prevent extensions');
  for (const key of ownKeys(o)) {
    const desc = getOwnPropertyDescriptor(o, key);
    if (desc === undefined) continue;
    const frozen = 'value' in desc ? { configurable: false, writable: false } : { configurable: false };
    if (!defineProperty(o, key, frozen)) throw new TypeError(`Cannot freeze property ${String(key)}`);
  }
  create(o); // the redefinitions left o in dictionary mode (slow loads of its methods and getters); becoming a prototype makes it fast again
  stepwiseFrozen++;
  return o;
}

/** Object.freeze as SES's harden should use it: stepwise for the typed arrays' prototypes, V8's own for everything else. */
const methods = {
  freeze<T>(o: T): Readonly<T> {
    if (((typeof o === 'object' && o !== null) || typeof o === 'function') && prototypes.has(o as object)) return freezeStepwise(o as object) as Readonly<T>;
    return nativeFreeze(o);
  },
};

/** Whether SES had already loaded in this thread before this module (it then keeps V8's freeze). */
export const sesLoadedFirst = typeof (globalThis as Record<string, unknown>)['lockdown'] === 'function';

defineProperty(Object, 'freeze', { value: methods.freeze, writable: true, enumerable: false, configurable: true });

/** Put V8's Object.freeze back as the global one (call once SES has loaded). */
export function restoreNativeFreeze(): void {
  defineProperty(Object, 'freeze', { value: nativeFreeze, writable: true, enumerable: false, configurable: true });
}

/** How many objects were frozen stepwise so far (after a lockdown that used this freeze: every typed array's prototype). */
export function stepwiseFrozenCount(): number {
  return stepwiseFrozen;
}
