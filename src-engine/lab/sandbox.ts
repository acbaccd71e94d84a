// The SES sandbox core, shared by the script sandbox (src-main/runner/sandbox-worker.ts) and the
// pattern threads that run custom access patterns beside the CPU workers (workload/custom_sandbox.ts):
// one lockdown configuration, a seeded Math, and evaluation of untrusted source as a function
// whose parameters are the only names it may use. Passing names as parameters is also what keeps
// the code fast: a global read through a Compartment's scope costs ~250 ns, a parameter ~1 ns.
// Importing this module loads SES (it adds lockdown, harden and Compartment to this thread's
// globals); only lockdownOnce() changes the intrinsics. SES loads with the Object.freeze of
// ses_freeze.ts, which freezes the prototypes of typed arrays without the slow element dictionary
// V8's own freeze gives them: with V8's, every element store into a typed array of a locked-down
// thread takes V8's slow path, and the engine ran 3-6x slower in the sandbox.
import { restoreNativeFreeze, sesLoadedFirst, stepwiseFrozenCount } from './ses_freeze';
import 'ses';

restoreNativeFreeze();

/** How every lab sandbox locks JavaScript down (errors and stacks stay readable for reports). */
export const LOCKDOWN_OPTIONS = Object.freeze({
  errorTaming: 'unsafe', stackFiltering: 'verbose', overrideTaming: 'severe', consoleTaming: 'unsafe', domainTaming: 'unsafe',
} as const);

let lockedDown = false;

/** Freeze this thread's intrinsics with LOCKDOWN_OPTIONS; later calls do nothing. */
export function lockdownOnce(): void {
  if (lockedDown) return;
  lockdown(LOCKDOWN_OPTIONS);
  lockedDown = true;
}

/**
 * Whether this thread's lockdown froze the typed arrays' prototypes with ses_freeze.ts's freeze
 * (false before lockdown, or when SES loaded before this module: the thread is then just as
 * locked down, but its element stores are slow).
 */
export function fastLockdown(): boolean {
  return lockedDown && !sesLoadedFirst && stepwiseFrozenCount() > 0;
}

/**
 * A hardened copy of Math whose random() is xorshift32 seeded by `seed`: the same sequence for
 * the same seed, every run (SES's own Math.random throws inside a Compartment).
 */
export function seededMath(seed: number): Math {
  let state = (seed * 2654435761) >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
  const math: Record<string, unknown> = {};
  for (const k of Object.getOwnPropertyNames(Math)) math[k] = (Math as unknown as Record<string, unknown>)[k];
  math['random'] = random;
  return harden(math) as unknown as Math;
}

/** `(function (a, b, ...) {` (async when asked): the head evaluateFunction puts before a body. */
export function functionHead(names: readonly string[], isAsync = false): string {
  return `(${isAsync ? 'async ' : ''}function (${names.join(', ')}) {`;
}

/** Evaluate `body` in compartment `c` as the body of a function of parameters `names`; returns it
 *  uncalled. A syntax error in `body` throws the Compartment's SyntaxError. */
export function evaluateFunction(c: Compartment, names: readonly string[], body: string, isAsync = false): (...args: unknown[]) => unknown {
  return c.evaluate(`${functionHead(names, isAsync)}${body}\n})`) as (...args: unknown[]) => unknown;
}

/** Names that cannot be a strict-mode parameter. */
const NOT_PARAMS = new Set(['eval', 'arguments']);

/**
 * The compartment's own globals (its hardened intrinsics: Math, Number, Array, ...), with
 * `overrides` replacing or adding some, as parallel lists of names and values: code evaluated
 * with them as parameters reads them at full speed.
 */
export function compartmentGlobals(c: Compartment, overrides: Record<string, unknown> = {}): { names: string[]; values: unknown[] } {
  const g = c.globalThis as Record<string, unknown>;
  const names = [...new Set([...Object.getOwnPropertyNames(g), ...Object.keys(overrides)])]
    .filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !NOT_PARAMS.has(n));
  return { names, values: names.map((n) => (n in overrides ? overrides[n] : g[n])) };
}

/** The text of a thrown value, never throwing itself (it may come from untrusted code). */
export function describeThrown(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return `${typeof e} ${String(e)}`;
  } catch {
    return 'an exception that cannot be described';
  }
}
