// The stats registry, gem5 style: every statistic is declared once with a unit and a
// description; ratios are formulas computed from counters when read, never stored.
//
// Two phases. A StatsRegistry collects declarations; each declareCounter/declareHistogram
// returns the index the hot path uses. create(nrCpus) then lays the values out in shared memory:
//   counters    one SharedArrayBuffer of Float64, one block per slot (padded to a 64-byte line),
//               so a CPU's hot path is `blk[i] += 1` on its own block;
//   histograms  one SharedArrayBuffer holding a Histogram per (slot, declared histogram).
// The slots are the CPUs 0..nrCpus-1 and, after them, the script thread's: what the script's
// thread does in kernel calls while CPU workers run (parallel mode), when it is no CPU.
// Another thread that builds the same registry (same declarations, same order) attaches to the
// `shared` buffers and writes into its CPU's block; totals are summed across slots on read.
import { Histogram, type HistogramJSON, type HistogramOptions } from './histogram';

/** What every statistic carries. */
export interface StatInfo {
  name: string;
  unit: string;
  description: string;
}

/** Reads a counter's value by name (the total, one CPU's, or an interval's, as the caller chose). */
export type CounterReader = (counter: string) => number;

/** A formula: a pure function of counters, evaluated each time it is read. */
export type Formula = (get: CounterReader) => number;

interface HistogramDecl extends StatInfo {
  options: HistogramOptions;
  bytes: number;
}

interface FormulaDecl extends StatInfo {
  fn: Formula;
}

/** Everything another thread needs to attach to a Stats (structured-clonable). */
export interface SharedStats {
  layout: string;
  nrCpus: number;
  counters: SharedArrayBuffer;
  histograms: SharedArrayBuffer;
}

const NAME = /^[A-Za-z_][\w.-]*$/;
const LINE_DOUBLES = 8;

/** Slots of a Stats over nrCpus CPUs: one per CPU, then the script thread's. */
const slotCount = (nrCpus: number): number => nrCpus + 1;

/** FNV-1a of s as 8 hex digits. */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

export class StatsRegistry {
  private readonly counterDecls: StatInfo[] = [];
  private readonly histogramDecls: HistogramDecl[] = [];
  private readonly formulaDecls: FormulaDecl[] = [];
  private readonly counterIndexes = new Map<string, number>();
  private readonly names = new Set<string>();
  private frozen = false;

  /** Checks a new declaration; throws TypeError on a bad or duplicate name, unit or description. */
  private check(name: string, unit: string, description: string): void {
    if (this.frozen) throw new Error(`stat '${name}' declared after create(): declare every stat first`);
    if (!NAME.test(name)) throw new TypeError(`bad stat name '${name}' (letters, digits, _ . -)`);
    if (this.names.has(name)) throw new TypeError(`stat '${name}' is declared twice`);
    if (!unit.trim()) throw new TypeError(`stat '${name}' needs a unit`);
    if (!description.trim()) throw new TypeError(`stat '${name}' needs a description`);
    this.names.add(name);
  }

  /** Declare a per-CPU counter; returns its index in every CPU's block. */
  declareCounter(name: string, unit: string, description: string): number {
    this.check(name, unit, description);
    const i = this.counterDecls.length;
    this.counterDecls.push({ name, unit, description });
    this.counterIndexes.set(name, i);
    return i;
  }

  /** Declare `prefix.key` for each key; returns key -> counter index. */
  declareCounters<K extends string>(prefix: string, keys: readonly K[], unit: string, describe: (key: K) => string): Record<K, number> {
    const out = {} as Record<K, number>;
    for (const k of keys) out[k] = this.declareCounter(`${prefix}.${k}`, unit, describe(k));
    return out;
  }

  /** Declare a per-CPU histogram; returns its index in Stats.histograms(cpu). */
  declareHistogram(name: string, unit: string, description: string, options: HistogramOptions = {}): number {
    this.check(name, unit, description);
    this.histogramDecls.push({ name, unit, description, options, bytes: Histogram.bytesFor(options) });
    return this.histogramDecls.length - 1;
  }

  /** Declare `prefix.key` histograms for each key; returns key -> histogram index. */
  declareHistograms<K extends string>(prefix: string, keys: readonly K[], unit: string, describe: (key: K) => string, options: HistogramOptions = {}): Record<K, number> {
    const out = {} as Record<K, number>;
    for (const k of keys) out[k] = this.declareHistogram(`${prefix}.${k}`, unit, describe(k), options);
    return out;
  }

  /** Declare a formula over counters; it is evaluated on every read and never stored. */
  declareFormula(name: string, unit: string, description: string, fn: Formula): void {
    this.check(name, unit, description);
    this.formulaDecls.push({ name, unit, description, fn });
  }

  /** Declare `prefix.key` formulas for each key. */
  declareFormulas<K extends string>(prefix: string, keys: readonly K[], unit: string, describe: (key: K) => string, fn: (get: CounterReader, key: K) => number): void {
    for (const k of keys) this.declareFormula(`${prefix}.${k}`, unit, describe(k), (get) => fn(get, k));
  }

  /** The index of counter `name`; throws Error naming `reader` when there is no such counter. */
  counterIndex(name: string, reader = 'caller'): number {
    const i = this.counterIndexes.get(name);
    if (i === undefined) throw new Error(`${reader} reads unknown counter '${name}'`);
    return i;
  }

  get counters(): readonly StatInfo[] { return this.counterDecls; }
  get histograms(): readonly (StatInfo & { options: HistogramOptions; bytes: number })[] { return this.histogramDecls; }
  get formulas(): readonly (StatInfo & { fn: Formula })[] { return this.formulaDecls; }

  /** Doubles per CPU block: the counter count rounded up to a 64-byte line. */
  get blockStride(): number {
    return Math.max(LINE_DOUBLES, Math.ceil(this.counterDecls.length / LINE_DOUBLES) * LINE_DOUBLES);
  }

  /** Bytes of one CPU's histograms. */
  get histogramStride(): number {
    return this.histogramDecls.reduce((n, h) => n + h.bytes, 0);
  }

  /** A fingerprint of the declarations: two registries with equal layouts address the same memory. */
  get layout(): string {
    const c = this.counterDecls.map((d) => d.name).join(',');
    const h = this.histogramDecls.map((d) => `${d.name}/${d.options.subBuckets ?? 8}`).join(',');
    return `${this.counterDecls.length}c${this.histogramDecls.length}h-${fnv1a(`${c};${h}`)}`;
  }

  /** Fresh zeroed stats for nrCpus CPUs (1 to 1024) and the script slot in new shared buffers; ends declaration. */
  create(nrCpus: number): Stats {
    if (!Number.isInteger(nrCpus) || nrCpus < 1 || nrCpus > 1024) throw new RangeError(`nrCpus must be an integer from 1 to 1024, got ${nrCpus}`);
    this.frozen = true;
    const shared: SharedStats = {
      layout: this.layout,
      nrCpus,
      counters: new SharedArrayBuffer(slotCount(nrCpus) * this.blockStride * 8),
      histograms: new SharedArrayBuffer(Math.max(8, slotCount(nrCpus) * this.histogramStride)),
    };
    return new Stats(this, shared, true);
  }

  /** Stats over buffers another thread created; throws Error if its layout differs from ours. */
  attach(shared: SharedStats): Stats {
    if (shared.layout !== this.layout) throw new Error(`stats layout ${shared.layout} does not match this registry's ${this.layout}`);
    this.frozen = true;
    return new Stats(this, shared, false);
  }
}

/**
 * Per-counter entry of a snapshot. value is the total: the sum of perCpu plus `script`, the
 * script thread's part (kernel calls it made while CPU workers ran), present only when nonzero.
 */
export interface CounterSnapshot extends Omit<StatInfo, 'name'> {
  value: number;
  perCpu: number[];
  script?: number;
}

/** Per-formula entry of a snapshot: null where the ratio is undefined (e.g. 0 / 0). */
export interface FormulaSnapshot extends Omit<StatInfo, 'name'> {
  value: number | null;
  perCpu: (number | null)[];
}

/**
 * Per-histogram entry of a snapshot: the total over CPUs and the script slot, summarized and in
 * JSON form; with per-CPU histograms asked for, each CPU's, and the script slot's as `script`
 * when it recorded anything.
 */
export interface HistogramSnapshot extends Omit<StatInfo, 'name'> {
  count: number;
  mean: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  data: HistogramJSON;
  perCpu?: HistogramJSON[];
  script?: HistogramJSON;
}

/** A plain JSON object: every statistic's value, unit and description at one moment. */
export interface StatsSnapshot {
  nrCpus: number;
  counters: Record<string, CounterSnapshot>;
  formulas: Record<string, FormulaSnapshot>;
  histograms: Record<string, HistogramSnapshot>;
}

/** What changed between two snapshots: per entry, only the fields whose values changed. */
export interface StatsDiff {
  nrCpus: number;
  counters: Record<string, Partial<CounterSnapshot>>;
  formulas: Record<string, Partial<FormulaSnapshot>>;
  histograms: Record<string, Partial<HistogramSnapshot>>;
}

/** x, or null when it is NaN or infinite (JSON has neither). */
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** A measurement interval begun by Stats.beginInterval(). */
export interface StatsInterval { counters: Float64Array; parked: Histogram[][] }

export class Stats {
  /** Every slot's counter block: the CPUs' in order, then the script thread's. */
  private readonly blocks: Float64Array[];
  /** Every slot's histograms, in the order of blocks. */
  private readonly hists: Histogram[][];
  /** The CPUs' blocks only (blocks without the script slot). */
  private readonly cpuBlocks: Float64Array[];

  /** Use StatsRegistry.create() or attach(). `init` writes fresh histogram headers. */
  constructor(readonly registry: StatsRegistry, readonly shared: SharedStats, init: boolean) {
    const stride = registry.blockStride;
    const slots = slotCount(shared.nrCpus);
    if (shared.counters.byteLength !== slots * stride * 8) throw new RangeError('counter buffer has the wrong size for this layout');
    this.blocks = Array.from({ length: slots }, (_, c) => new Float64Array(shared.counters, c * stride * 8, stride));
    this.hists = Array.from({ length: slots }, (_, c) => this.layHistograms(c, init));
    this.cpuBlocks = this.blocks.slice(0, shared.nrCpus);
  }

  /** Slot c's histograms, created in place or attached to existing ones. */
  private layHistograms(c: number, init: boolean): Histogram[] {
    let off = c * this.registry.histogramStride;
    return this.registry.histograms.map((d) => {
      const h = init ? Histogram.create(d.options, this.shared.histograms, off) : Histogram.attach(this.shared.histograms, off);
      off += d.bytes;
      return h;
    });
  }

  get nrCpus(): number { return this.shared.nrCpus; }

  /** CPU cpu's counter block, indexed by the numbers declareCounter returned (the hot path). */
  counters(cpu: number): Float64Array {
    const b = this.cpuBlocks[cpu];
    if (!b) throw new RangeError(`no CPU ${cpu} (have ${this.nrCpus})`);
    return b;
  }

  /** CPU cpu's histograms, indexed by the numbers declareHistogram returned. */
  histograms(cpu: number): readonly Histogram[] {
    const h = cpu >= 0 && cpu < this.nrCpus ? this.hists[cpu] : undefined;
    if (!h) throw new RangeError(`no CPU ${cpu} (have ${this.nrCpus})`);
    return h;
  }

  /**
   * The script thread's counter block (laid out after the CPUs'): what the script's thread
   * accounts while it is no CPU, i.e. while CPU workers run. Only that thread writes it.
   */
  scriptCounters(): Float64Array {
    return this.blocks[this.nrCpus]!;
  }

  /** The script thread's histograms (see scriptCounters). */
  scriptHistograms(): readonly Histogram[] {
    return this.hists[this.nrCpus]!;
  }

  /** Counter `name` summed over CPUs and the script slot, or one CPU's; throws Error on an unknown name. */
  counter(name: string, cpu?: number): number {
    const i = this.registry.counterIndex(name);
    if (cpu !== undefined) return this.counters(cpu)[i]!;
    return this.blocks.reduce((sum, b) => sum + b[i]!, 0);
  }

  /** Counter `name` on each CPU (the script slot is not a CPU: see scriptCounters). */
  perCpu(name: string): number[] {
    const i = this.registry.counterIndex(name);
    return this.cpuBlocks.map((b) => b[i]!);
  }

  /** The declared formula `name`; throws Error if there is none. */
  private formulaDecl(name: string): FormulaDecl {
    const f = this.registry.formulas.find((d) => d.name === name);
    if (!f) throw new Error(`unknown formula '${name}'`);
    return f;
  }

  /** Formula `name` computed now from the totals (script slot included), or from one CPU's counters. */
  formula(name: string, cpu?: number): number {
    return this.evaluate(this.formulaDecl(name), cpu);
  }

  /** Formula f computed now from the totals (script slot included), or from one CPU's counters. */
  private evaluate(f: FormulaDecl, cpu?: number): number {
    const blocks = cpu === undefined ? this.blocks : [this.counters(cpu)];
    return this.run(f, (i) => blocks.reduce((sum, b) => sum + b[i]!, 0));
  }

  /** Formula f with each counter it names read as read(index); unknown names throw Error. */
  private run(f: FormulaDecl, read: (i: number) => number): number {
    return f.fn((n) => read(this.registry.counterIndex(n, f.name)));
  }

  /**
   * A private copy of every slot's counters (slot * blockStride + index; the script slot is
   * slot nrCpus), for interval formulas.
   */
  readCounters(): Float64Array {
    return new Float64Array(this.shared.counters).slice();
  }

  /**
   * Formula `name` over the interval between two readCounters() copies (`before` omitted: since
   * zero), for one CPU or (cpu omitted) all CPUs and the script slot together.
   */
  formulaOver(name: string, now: Float64Array, before?: Float64Array, cpu?: number): number {
    if (cpu !== undefined) this.counters(cpu); // RangeError for a CPU that does not exist
    const stride = this.registry.blockStride;
    const slots = cpu === undefined ? [...this.blocks.keys()] : [cpu];
    const delta = (c: number, i: number): number => now[c * stride + i]! - (before ? before[c * stride + i]! : 0);
    return this.run(this.formulaDecl(name), (i) => slots.reduce((sum, c) => sum + delta(c, i), 0));
  }

  /** Histogram `name` merged over all CPUs and the script slot, as a private copy; throws Error on an unknown name. */
  histogram(name: string): Histogram {
    const i = this.registry.histograms.findIndex((d) => d.name === name);
    if (i < 0) throw new Error(`unknown histogram '${name}'`);
    return this.merged(i);
  }

  /** Declared histogram i merged over every slot, as a private copy. */
  private merged(i: number): Histogram {
    const total = Histogram.create(this.registry.histograms[i]!.options);
    for (const hs of this.hists) total.merge(hs[i]!);
    return total;
  }

  /**
   * Start measuring an interval (call while no CPU is recording): the counters are copied, and
   * the histograms of every slot parked (copied, then zeroed) so the interval's own
   * distribution can be read.
   */
  beginInterval(): StatsInterval {
    const parked = this.hists.map((hs) => hs.map((h) => { const c = h.clone(); h.reset(); return c; }));
    return { counters: this.readCounters(), parked };
  }

  /**
   * End an interval: a snapshot of what happened in it (counter deltas, formulas over it, its
   * histograms), after which the parked histograms are merged back so lifetime totals hold.
   */
  endInterval(iv: StatsInterval): StatsSnapshot {
    const now = this.readCounters();
    const stride = this.registry.blockStride;
    const delta = (c: number, i: number): number => now[c * stride + i]! - iv.counters[c * stride + i]!;
    const snap: StatsSnapshot = { nrCpus: this.nrCpus, counters: {}, formulas: {}, histograms: {} };
    this.registry.counters.forEach(({ name, unit, description }, i) => {
      snap.counters[name] = counterEntry(unit, description, this.cpuBlocks.map((_, c) => delta(c, i)), delta(this.nrCpus, i));
    });
    for (const f of this.registry.formulas) {
      const perCpu = this.cpuBlocks.map((_, c) => finite(this.formulaOver(f.name, now, iv.counters, c)));
      snap.formulas[f.name] = { value: finite(this.formulaOver(f.name, now, iv.counters)), unit: f.unit, description: f.description, perCpu };
    }
    this.registry.histograms.forEach((d, i) => { snap.histograms[d.name] = this.histogramSnapshot(d, i, false); });
    this.hists.forEach((hs, c) => hs.forEach((h, i) => h.merge(iv.parked[c]![i]!)));
    return snap;
  }

  /** Zero every counter and histogram of every slot (call while nothing is recording). */
  reset(): void {
    for (const b of this.blocks) b.fill(0);
    for (const hs of this.hists) for (const h of hs) h.reset();
  }

  /** Every statistic now, as plain JSON; formulas are computed here from the counters. */
  snapshot(options: { perCpuHistograms?: boolean } = {}): StatsSnapshot {
    const snap: StatsSnapshot = { nrCpus: this.nrCpus, counters: {}, formulas: {}, histograms: {} };
    const script = this.scriptCounters();
    this.registry.counters.forEach(({ name, unit, description }, i) => {
      snap.counters[name] = counterEntry(unit, description, this.perCpu(name), script[i]!);
    });
    for (const f of this.registry.formulas) {
      const perCpu = this.cpuBlocks.map((_, c) => finite(this.evaluate(f, c)));
      snap.formulas[f.name] = { value: finite(this.evaluate(f)), unit: f.unit, description: f.description, perCpu };
    }
    this.registry.histograms.forEach((d, i) => {
      snap.histograms[d.name] = this.histogramSnapshot(d, i, options.perCpuHistograms ?? false);
    });
    return snap;
  }

  /** The snapshot entry of declared histogram i. */
  private histogramSnapshot(d: StatInfo, i: number, perCpu: boolean): HistogramSnapshot {
    const h = this.merged(i);
    const pct = (p: number): number | null => finite(h.percentile(p));
    const out: HistogramSnapshot = {
      unit: d.unit, description: d.description, count: h.count, mean: finite(h.mean), min: finite(h.min), max: finite(h.max),
      p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9), data: h.toJSON(),
    };
    if (!perCpu) return out;
    out.perCpu = this.hists.slice(0, this.nrCpus).map((hs) => hs[i]!.toJSON());
    const script = this.scriptHistograms()[i]!;
    if (script.count > 0) out.script = script.toJSON();
    return out;
  }
}

/** A counter's snapshot entry: the total is perCpu's sum plus script, which is listed only when nonzero. */
function counterEntry(unit: string, description: string, perCpu: number[], script: number): CounterSnapshot {
  const entry: CounterSnapshot = { value: perCpu.reduce((a, b) => a + b, 0) + script, unit, description, perCpu };
  if (script !== 0) entry.script = script;
  return entry;
}

/** True when two JSON values are equal. */
function sameJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True when `before` has a field that `entry` lacks (an optional field such as `script` went away). */
function dropsField(before: object, entry: object): boolean {
  return Object.keys(before).some((k) => !(k in entry));
}

/**
 * Per entry of `next`, the fields that differ from `prev`; the whole entry when prev lacks it or
 * when one of its fields went away (a whole entry carries its unit, which a patch never does).
 */
function diffSection<T extends object>(prev: Record<string, T> | undefined, next: Record<string, T>): Record<string, Partial<T>> {
  const out: Record<string, Partial<T>> = {};
  for (const [name, entry] of Object.entries(next)) {
    const before = prev?.[name];
    if (!before || dropsField(before, entry)) {
      out[name] = entry;
      continue;
    }
    const patch: Partial<T> = {};
    let changed = false;
    for (const [field, value] of Object.entries(entry) as [keyof T, T[keyof T]][]) {
      if (sameJSON(before[field], value)) continue;
      patch[field] = value;
      changed = true;
    }
    if (changed) out[name] = patch;
  }
  return out;
}

/**
 * What changed from `prev` to `next` (prev null: everything), for streaming: only changed
 * entries, and in them only changed fields. applyDiff(prev, diff(prev, next)) equals next when
 * both snapshots come from the same registry.
 */
export function diff(prev: StatsSnapshot | null, next: StatsSnapshot): StatsDiff {
  return {
    nrCpus: next.nrCpus,
    counters: diffSection(prev?.counters, next.counters),
    formulas: diffSection(prev?.formulas, next.formulas),
    histograms: diffSection(prev?.histograms, next.histograms),
  };
}

/**
 * prev's entries with d's fields laid over them, in a new object; a whole entry (one with a unit)
 * replaces prev's. Unchanged entries are shared with prev.
 */
function applySection<T extends object>(prev: Record<string, T> | undefined, d: Record<string, Partial<T>>): Record<string, T> {
  const out: Record<string, T> = { ...prev };
  for (const [name, patch] of Object.entries(d)) out[name] = ('unit' in patch ? { ...patch } : { ...out[name], ...patch }) as T;
  return out;
}

/** The snapshot `d` was computed towards, rebuilt from `prev` (null: from nothing). */
export function applyDiff(prev: StatsSnapshot | null, d: StatsDiff): StatsSnapshot {
  return {
    nrCpus: d.nrCpus,
    counters: applySection(prev?.counters, d.counters),
    formulas: applySection(prev?.formulas, d.formulas),
    histograms: applySection(prev?.histograms, d.histograms),
  };
}

/** How a throughput family is named: see Throughput. */
export interface ThroughputSpec<K extends string> {
  /** Prefix of the time counters and formulas, e.g. 'zap'. */
  name: string;
  /** The work counter's prefix, e.g. 'pages_zapped'. */
  work: string;
  /** Unit of work, plural and singular, e.g. 'pages' and 'page'. */
  units: string;
  unit: string;
  /** The work in words, e.g. 'pages zapped'. */
  what: string;
  keys: readonly K[];
}

/** One row of a throughput table. perSecond and cyclesPerUnit are null when undefined. */
export interface ThroughputRow {
  key: string;
  units: number;
  hostSeconds: number;
  perSecond: number | null;
  cycles: number;
  cyclesPerUnit: number | null;
}

/**
 * Throughput per key (e.g. per API): declares, for each key k, the counters `<work>.k`,
 * `<name>_cycles.k` and `<name>_host_ns.k`, and the formulas `<name>_<units>_per_sec.k`
 * (work per host second spent in the operation, summed over CPUs: per-thread throughput) and
 * `<name>_cycles_per_<unit>.k` (simulated cycles per unit of work).
 */
export class Throughput<K extends string> {
  readonly work: Record<K, number>;
  readonly cycles: Record<K, number>;
  readonly hostNs: Record<K, number>;

  constructor(reg: StatsRegistry, readonly spec: ThroughputSpec<K>) {
    const { name, work, units, unit, what, keys } = spec;
    this.work = reg.declareCounters(work, keys, units, (k) => `${what} by ${k}`);
    this.cycles = reg.declareCounters(`${name}_cycles`, keys, 'cycles', (k) => `simulated cycles spent in ${k}`);
    this.hostNs = reg.declareCounters(`${name}_host_ns`, keys, 'ns', (k) => `host nanoseconds spent in ${k}`);
    reg.declareFormulas(this.perSecName(), keys, `${units}/s`, (k) => `${what} per host second spent in ${k}`,
      (get, k) => get(`${work}.${k}`) / (get(`${name}_host_ns.${k}`) / 1e9));
    reg.declareFormulas(this.cyclesPerName(), keys, `cycles/${unit}`, (k) => `simulated cycles per ${unit} in ${k}`,
      (get, k) => get(`${name}_cycles.${k}`) / get(`${work}.${k}`));
  }

  private perSecName(): string { return `${this.spec.name}_${this.spec.units}_per_sec`; }
  private cyclesPerName(): string { return `${this.spec.name}_cycles_per_${this.spec.unit}`; }

  /** Account one operation of `key` on the CPU whose counter block is blk. */
  record(blk: Float64Array, key: K, units: number, cycles: number, hostNs: number): void {
    blk[this.work[key]]! += units;
    blk[this.cycles[key]]! += cycles;
    blk[this.hostNs[key]]! += hostNs;
  }

  /** One row per key, read from a snapshot of stats that declared this family. */
  table(snap: StatsSnapshot): ThroughputRow[] {
    const { name, work, keys } = this.spec;
    const value = (s: string): number => snap.counters[s]?.value ?? 0;
    return keys.map((k) => ({
      key: k,
      units: value(`${work}.${k}`),
      hostSeconds: value(`${name}_host_ns.${k}`) / 1e9,
      perSecond: snap.formulas[`${this.perSecName()}.${k}`]?.value ?? null,
      cycles: value(`${name}_cycles.${k}`),
      cyclesPerUnit: snap.formulas[`${this.cyclesPerName()}.${k}`]?.value ?? null,
    }));
  }
}
