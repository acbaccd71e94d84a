// Machine parameters, each declared once with its type, default, unit and description (gem5 style).
// A partial config merges over these defaults; every value is validated before a machine is built.

export interface MachineConfig {
  ram_mb: number;
  cpus: number;
  seed: number;
  pat: boolean;
  debug_vm: boolean;
  swap: boolean;
  dirty_cow_fix: boolean;
  swap_mb: number;
  mmio_base: number;
  mmio_mb: number;
  max_map_count: number;
  fault_around_bytes: number;
  max_mms: number;
  max_vmas: number;
}

interface ParamSpec<T> {
  default: T;
  unit: string;
  description: string;
  check: (v: T) => string | null;
}

const int = (min: number, max: number) => (v: number): string | null =>
  Number.isInteger(v) && v >= min && v <= max ? null : `an integer from ${min} to ${max}`;
const bool = (v: boolean): string | null => (typeof v === 'boolean' ? null : 'true or false');

export const PARAMS: { [K in keyof MachineConfig]: ParamSpec<MachineConfig[K]> } = {
  ram_mb: { default: 256, unit: 'MiB', description: 'RAM, from physical address 0 up', check: int(4, 4096) },
  cpus: { default: 2, unit: 'CPUs', description: 'simulated CPUs (each with its own TLB)', check: int(1, 64) },
  seed: { default: 1, unit: '', description: 'seed of the deterministic scheduler and of the scripts\' random numbers', check: int(0, 2 ** 31 - 1) },
  pat: { default: false, unit: '', description: 'x86 PAT memtype tracking (track_pfn_* / reserve_pfn_range)', check: bool },
  debug_vm: { default: false, unit: '', description: 'CONFIG_DEBUG_VM: VM_BUG_ON checks fire', check: bool },
  swap: { default: false, unit: '', description: 'a swap device exists; anonymous pages can be swapped out', check: bool },
  dirty_cow_fix: { default: false, unit: '', description: "4.7.9's FOLL_COW fix for CVE-2016-5195", check: bool },
  swap_mb: { default: 64, unit: 'MiB', description: 'size of the swap device when swap is on', check: int(1, 1024) },
  mmio_base: { default: 0xc0000000, unit: 'bytes', description: 'physical address of the MMIO region (no struct page)', check: (v) => (Number.isInteger(v) && v % 4096 === 0 && v > 0 && v < 2 ** 46 ? null : 'a page-aligned physical address below 2^46') },
  mmio_mb: { default: 16, unit: 'MiB', description: 'size of the MMIO region', check: int(1, 1024) },
  max_map_count: { default: 65530, unit: 'vmas', description: 'vm.max_map_count: the most vmas one mm may have', check: int(1, 1 << 20) },
  fault_around_bytes: { default: 65536, unit: 'bytes', description: 'fault-around window of file read faults (a power of two)', check: (v) => (Number.isInteger(v) && v >= 4096 && v <= 2 ** 21 && (v & (v - 1)) === 0 ? null : 'a power of two from 4096 to 2 MiB') },
  max_mms: { default: 1024, unit: 'mm_structs', description: 'capacity of the shared mm slab', check: int(1, 65536) },
  max_vmas: { default: 65536, unit: 'vmas', description: 'capacity of the shared vma slab (all processes)', check: int(16, 1 << 22) },
};

/** The defaults of every parameter. */
export function defaultConfig(): MachineConfig {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(PARAMS)) out[k] = spec.default;
  return out as unknown as MachineConfig;
}

/** Merge a partial config over the defaults; throws TypeError naming every bad key or value. */
export function resolveConfig(partial: unknown = {}): MachineConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw new TypeError('machine config must be an object, e.g. { ram_mb: 64, cpus: 2 }');
  }
  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(partial as Record<string, unknown>)) {
    const spec = (PARAMS as Record<string, ParamSpec<unknown>>)[k];
    if (!spec) throw new TypeError(`unknown machine parameter '${k}' (known: ${Object.keys(PARAMS).join(', ')})`);
    if (v === undefined) continue;
    const bad = spec.check(v);
    if (bad) throw new TypeError(`machine parameter ${k} must be ${bad}, got ${JSON.stringify(v)}`);
    cfg[k] = v;
  }
  return cfg as unknown as MachineConfig;
}
