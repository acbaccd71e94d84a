// What a notebook kernel's cells get instead of the host's Math and Date, so runs reproduce (the
// same generator and clock as the headless sandbox's, src-main/runner/sandbox-worker.ts). After lockdown().

/**
 * Math and Date for the script, so that runs reproduce: Math.random draws from a generator
 * seeded by the machine's seed, and Date.now() / new Date() read the machine's simulated clock
 * (milliseconds since the epoch at the modelled 2.445 GHz), not the host's.
 */
export function reproducibleGlobals(lab: Record<string, unknown>, seed: number): Record<string, unknown> {
  let state = (seed * 2654435761) >>> 0 || 1;
  const random = (): number => { // xorshift32: a fixed sequence per seed
    state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    return state / 4294967296;
  };
  const math: Record<string, unknown> = {};
  for (const k of Object.getOwnPropertyNames(Math)) math[k] = (Math as unknown as Record<string, unknown>)[k];
  math['random'] = random;
  const nowMs = (): number => Math.floor(((lab['machine_stats'] as () => { cycles: number })().cycles) / 2.445e6);
  const RealDate = Date;
  function LabDate(this: unknown, ...args: unknown[]): unknown {
    const d = args.length ? new (RealDate as unknown as new (...a: unknown[]) => Date)(...args) : new RealDate(nowMs());
    return new.target ? d : d.toString();
  }
  LabDate.now = nowMs;
  LabDate.UTC = RealDate.UTC;
  LabDate.parse = RealDate.parse;
  LabDate.prototype = RealDate.prototype;
  return { Math: harden(math), Date: harden(LabDate) };
}

