// What sandboxed code gets instead of the host's Math and Date, so runs reproduce: shared by the
// headless sandbox (sandbox-worker.ts) and the notebook kernel (kernel-worker.ts). After lockdown().
import { seededMath } from '../../src-engine/lab/sandbox';
import { CPU_GHZ } from '../../src-engine/costs';

/**
 * Globals for a script's Compartment: Math whose random() draws from a generator seeded by the
 * machine's seed; Date whose now() / new Date() read the machine's simulated clock (milliseconds
 * since the epoch at the modelled CPU_GHZ), not the host's.
 */
export function reproducibleGlobals(lab: Record<string, unknown>, seed: number): Record<string, unknown> {
  const nowMs = (): number => Math.floor(((lab['machine_stats'] as () => { cycles: number })().cycles) / (CPU_GHZ * 1e6));
  const RealDate = Date;
  function LabDate(this: unknown, ...args: unknown[]): unknown {
    const d = args.length ? new (RealDate as unknown as new (...a: unknown[]) => Date)(...args) : new RealDate(nowMs());
    return new.target ? d : d.toString();
  }
  LabDate.now = nowMs;
  LabDate.UTC = RealDate.UTC;
  LabDate.parse = RealDate.parse;
  LabDate.prototype = RealDate.prototype;
  return { Math: seededMath(seed), Date: harden(LabDate) };
}
