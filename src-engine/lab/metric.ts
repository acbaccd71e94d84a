// metric(): a named result an experiment reports (a knee, a cost per page, a count), and the
// machine's own statistics flattened into named values with units. A notebook stores a metric as
// an output under the lab's metric MIME type; `mmu-lab sweep` gathers both kinds into its table.
import { LAB_STATS } from '../metrics/catalog';
import type { StatsSnapshot } from '../metrics/stats';

export const METRIC_MIME = 'application/vnd.mmu-lab.metric+json';

/** A result the experiment reported: a name, a finite number and its unit ('' for none). */
export interface Metric { name: string; value: number; unit: string }

/** A machine statistic at the end of a run; host_time marks values measured in host time (they vary between runs). */
export interface MachineMetric { value: number | null; unit: string; description: string; host_time: boolean }

/** The simulated clock's name among the machine metrics. */
const CYCLES = 'cycles';

/** Names a script's metric() may not take: the machine's own statistics keep theirs. */
const MACHINE_NAMES: ReadonlySet<string> = new Set([CYCLES, ...LAB_STATS.counters.map((c) => c.name), ...LAB_STATS.formulas.map((f) => f.name)]);

const NAME = /^[A-Za-z_][\w.-]{0,63}$/;

/** A validated metric; TypeError naming the problem (bad name, a machine statistic's name, a non-finite value, a bad unit). */
export function checkMetric(name: unknown, value: unknown, unit: unknown = ''): Metric {
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`metric: name must be 1-64 letters, digits, _ . - starting with a letter or _, got ${JSON.stringify(name)}`);
  if (MACHINE_NAMES.has(name)) throw new TypeError(`metric: '${name}' is the name of a machine statistic (gathered by itself); choose another name`);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`metric: value of '${name}' must be a finite number, got ${String(value)}`);
  if (typeof unit !== 'string' || unit.length > 32) throw new TypeError(`metric: unit of '${name}' must be a string of at most 32 characters`);
  return { name, value, unit };
}

/** A one-line text stand-in for a metric. */
export const metricSummary = (m: Metric): string => `[metric] ${m.name} = ${m.value}${m.unit ? ` ${m.unit}` : ''}`;

/** Units that measure the host, not the simulated machine (nanoseconds, per host second). */
const isHostTime = (unit: string): boolean => unit === 'ns' || unit.startsWith('ns/') || unit.endsWith('/s');

/** Every counter and formula of a stats snapshot, plus the simulated clock, as named values with units. */
export function machineMetrics(snap: StatsSnapshot, cycles: number): Record<string, MachineMetric> {
  const out: Record<string, MachineMetric> = { [CYCLES]: { value: cycles, unit: 'cycles', description: 'simulated cycles of all CPUs together at the end of the run', host_time: false } };
  for (const [name, c] of Object.entries(snap.counters)) out[name] = { value: c.value, unit: c.unit, description: c.description, host_time: isHostTime(c.unit) };
  for (const [name, f] of Object.entries(snap.formulas)) out[name] = { value: f.value, unit: f.unit, description: f.description, host_time: isHostTime(f.unit) };
  return out;
}
