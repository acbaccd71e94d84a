// The machine parameters as the UI shows them: every parameter of src-engine/params.ts with its
// type, default, unit, description and panel group, and a config split into values and overrides.
import { PARAMS, resolveConfig, type MachineConfig } from '../../src-engine/params';
import type { MachineConfigView, MachineParamInfo } from '../contract';

/** The machine-panel group of a parameter, from its name. */
function groupOf(name: string): MachineParamInfo['group'] {
  if (name.startsWith('cost_')) return 'cost';
  if (name.startsWith('tlb_') || name === 'pcid' || name === 'pwc_entries') return 'tlb';
  if (['pat', 'debug_vm', 'dirty_cow_fix', 'fault_around_bytes', 'max_map_count'].includes(name)) return 'kernel';
  return 'machine';
}

/** Every machine parameter, in declaration order. A choice's values come from its check's message. */
export function machineParams(): MachineParamInfo[] {
  return Object.entries(PARAMS).map(([name, spec]) => {
    const d = spec.default as number | boolean | string;
    const info: MachineParamInfo = {
      name: name as keyof MachineConfig,
      type: typeof d === 'boolean' ? 'boolean' : typeof d === 'string' ? 'choice' : 'integer',
      default: d, unit: spec.unit, description: spec.description, group: groupOf(name),
    };
    if (typeof d === 'string') {
      const msg = (spec.check as (v: unknown) => string | null)(null) ?? '';
      info.choices = [...msg.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    }
    return info;
  });
}

/** The parameters of `config` that differ from their defaults. */
export function overridesOf(config: MachineConfig): Partial<MachineConfig> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(PARAMS)) {
    const v = (config as unknown as Record<string, unknown>)[k];
    if (v !== spec.default) out[k] = v;
  }
  return out as Partial<MachineConfig>;
}

/** The view of a partial config merged over the defaults; throws TypeError for a bad key or value. */
export function configView(partial: unknown): MachineConfigView {
  const config = resolveConfig(partial ?? {});
  return { config, overrides: overridesOf(config), params: machineParams() };
}
