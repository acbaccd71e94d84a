// Checking a machine configuration on the host before a run starts, so a bad setting is one
// clear line instead of a sandbox that fails while booting the machine.
import { resolveConfig, tlbGeometry } from '../../src-engine/params';
import { resolveTlbGeometry } from '../../src-engine/arch/x86/mm/tlb_hw_geometry';

/**
 * Throws a TypeError naming the problem when `config` (merged over the defaults) could not boot
 * a machine: an unknown key, a value out of range, or a TLB geometry that does not fit together
 * (entries a multiple of ways, a power-of-two number of sets).
 */
export function checkMachineConfig(config: Record<string, unknown>): void {
  resolveTlbGeometry(tlbGeometry(resolveConfig(config), 0));
}
