// The stats registry: declarations with units, per-CPU counter blocks in shared memory, formulas
// computed on read (never stored), snapshots as plain JSON, diff/applyDiff for streaming, and
// the throughput helper.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { StatsRegistry, Throughput, applyDiff, diff, type StatsSnapshot } from '../../../src-engine/metrics/stats';

/** A small registry: two counters, a histogram and a hit-rate formula that counts its calls. */
function tlbRegistry() {
  const reg = new StatsRegistry();
  const ids = {
    hits: reg.declareCounter('hits', 'lookups', 'TLB hits'),
    misses: reg.declareCounter('misses', 'lookups', 'TLB misses'),
    lat: reg.declareHistogram('lat', 'cycles', 'walk latency'),
  };
  const calls = { n: 0 };
  reg.declareFormula('hit_rate', 'ratio', 'hits / lookups', (get) => {
    calls.n++;
    return get('hits') / (get('hits') + get('misses'));
  });
  return { reg, ids, calls };
}

/** A JSON round trip: what a snapshot looks like on the other side of IPC. */
const viaJSON = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('declarations', () => {
  it('counters get consecutive indexes; vectors are named prefix.key', () => {
    const reg = new StatsRegistry();
    expect(reg.declareCounter('a', 'things', 'A')).toBe(0);
    expect(reg.declareCounters('b', ['x', 'y'] as const, 'things', (k) => `B ${k}`)).toEqual({ x: 1, y: 2 });
    expect(reg.counters.map((c) => c.name)).toEqual(['a', 'b.x', 'b.y']);
    expect(reg.counters[2]).toEqual({ name: 'b.y', unit: 'things', description: 'B y' });
  });

  it('every stat needs a valid unique name, a unit and a description', () => {
    const reg = new StatsRegistry();
    reg.declareCounter('a', 'u', 'd');
    expect(() => reg.declareCounter('a', 'u', 'd')).toThrow(/twice/);
    expect(() => reg.declareFormula('a', 'u', 'd', () => 0)).toThrow(/twice/);
    expect(() => reg.declareCounter('b', '', 'd')).toThrow(/unit/);
    expect(() => reg.declareHistogram('c', 'u', ' ')).toThrow(/description/);
    expect(() => reg.declareCounter('has space', 'u', 'd')).toThrow(/name/);
  });

  it('nothing may be declared after create(), since the layout is fixed', () => {
    const { reg } = tlbRegistry();
    reg.create(1);
    expect(() => reg.declareCounter('late', 'u', 'd')).toThrow(/after create/);
  });
});

describe('per-CPU counters in shared memory', () => {
  it('the hot path bumps a CPU\'s own block; totals and perCpu are summed on read', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(3);
    stats.counters(0)[ids.hits]! += 1;
    stats.counters(2)[ids.hits]! += 5;
    stats.counters(2)[ids.misses]! += 1;
    expect(stats.counter('hits')).toBe(6);
    expect(stats.counter('hits', 2)).toBe(5);
    expect(stats.perCpu('hits')).toEqual([1, 0, 5]);
    expect(() => stats.counters(3)).toThrow(RangeError);
    expect(() => stats.counter('nope')).toThrow(/unknown counter 'nope'/);
  });

  it('each CPU block starts on its own 64-byte line', () => {
    const reg = new StatsRegistry();
    for (let i = 0; i < 9; i++) reg.declareCounter(`c${i}`, 'u', 'd');
    const stats = reg.create(2);
    expect(reg.blockStride).toBe(16);
    expect(stats.counters(1).byteOffset).toBe(128);
  });

  it('a second Stats attached to the shared buffers (as a worker would) shares counters and histograms', () => {
    const a = tlbRegistry();
    const mine = a.reg.create(2);
    const b = tlbRegistry();
    const theirs = b.reg.attach(viaStructuredClone(mine.shared));
    theirs.counters(1)[b.ids.hits]! += 7;
    theirs.histograms(1)[b.ids.lat]!.record(300);
    mine.counters(0)[a.ids.misses]! += 1;
    expect(mine.counter('hits')).toBe(7);
    expect(mine.histogram('lat').count).toBe(1);
    expect(theirs.counter('misses')).toBe(1);
  });

  it('attach refuses buffers laid out by a different registry', () => {
    const stats = tlbRegistry().reg.create(1);
    const other = new StatsRegistry();
    other.declareCounter('hits', 'lookups', 'TLB hits');
    expect(() => other.attach(stats.shared)).toThrow(/layout/);
  });

  it('histograms are per CPU and merged on read', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    stats.histograms(0)[ids.lat]!.record(100);
    stats.histograms(1)[ids.lat]!.record(200);
    const total = stats.histogram('lat');
    expect([total.count, total.min, total.max]).toEqual([2, 100, 200]);
    total.record(5); // a private copy
    expect(stats.histogram('lat').count).toBe(2);
  });

  it('reset zeroes every counter and histogram', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    stats.counters(1)[ids.hits]! += 3;
    stats.histograms(1)[ids.lat]!.record(9);
    stats.reset();
    expect(stats.counter('hits')).toBe(0);
    expect(stats.histogram('lat').count).toBe(0);
  });
});

/** structuredClone keeps SharedArrayBuffers shared, as postMessage does. */
function viaStructuredClone<T>(x: T): T {
  return structuredClone(x);
}

describe('formulas are computed on read, never stored', () => {
  it('declaring formulas adds no memory: the buffers hold counters and histograms only', () => {
    const { reg } = tlbRegistry();
    const withFormulas = reg.create(4);
    const plain = new StatsRegistry();
    plain.declareCounter('hits', 'lookups', 'TLB hits');
    plain.declareCounter('misses', 'lookups', 'TLB misses');
    plain.declareHistogram('lat', 'cycles', 'walk latency');
    const without = plain.create(4);
    expect(withFormulas.shared.counters.byteLength).toBe(without.shared.counters.byteLength);
    expect(withFormulas.shared.histograms.byteLength).toBe(without.shared.histograms.byteLength);
    expect(reg.layout).toBe(plain.layout);
  });

  it('every snapshot recomputes them from the counters as they are then', () => {
    const { reg, ids, calls } = tlbRegistry();
    const stats = reg.create(2);
    stats.counters(0)[ids.hits]! += 3;
    stats.counters(0)[ids.misses]! += 1;
    const before = calls.n;
    const s1 = stats.snapshot();
    expect(calls.n).toBe(before + 3); // total + one per CPU
    expect(s1.formulas['hit_rate']).toEqual({ value: 0.75, unit: 'ratio', description: 'hits / lookups', perCpu: [0.75, null] });
    stats.counters(1)[ids.misses]! += 4;
    const s2 = stats.snapshot();
    expect(calls.n).toBe(before + 6);
    expect(s2.formulas['hit_rate']!.value).toBe(3 / 8);
    expect(s2.formulas['hit_rate']!.perCpu).toEqual([0.75, 0]);
    expect(stats.formula('hit_rate', 1)).toBe(0);
  });

  it('an undefined ratio (0 / 0) is NaN when read and null in a snapshot', () => {
    const stats = tlbRegistry().reg.create(1);
    expect(stats.formula('hit_rate')).toBeNaN();
    expect(stats.snapshot().formulas['hit_rate']!.value).toBeNull();
  });

  it('a formula reading an unknown counter names itself and the counter', () => {
    const reg = new StatsRegistry();
    reg.declareFormula('bad', 'u', 'd', (get) => get('missing'));
    expect(() => reg.create(1).formula('bad')).toThrow("bad reads unknown counter 'missing'");
  });

  it('formulaOver evaluates over the change between two readCounters() copies', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    stats.counters(0)[ids.hits]! += 10;
    const t0 = stats.readCounters();
    stats.counters(0)[ids.misses]! += 2;
    stats.counters(1)[ids.hits]! += 2;
    const t1 = stats.readCounters();
    expect(stats.formulaOver('hit_rate', t1, t0)).toBe(0.5);
    expect(stats.formulaOver('hit_rate', t1, t0, 0)).toBe(0);
    expect(stats.formulaOver('hit_rate', t1)).toBe(12 / 14);
  });
});

describe('snapshot and diff', () => {
  it('a snapshot is plain JSON with unit, description and perCpu for every statistic', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    stats.counters(1)[ids.hits]! += 2;
    stats.histograms(0)[ids.lat]!.recordN(120, 3);
    const snap = stats.snapshot({ perCpuHistograms: true });
    expect(viaJSON(snap)).toEqual(snap);
    expect(snap.counters['hits']).toEqual({ value: 2, unit: 'lookups', description: 'TLB hits', perCpu: [0, 2] });
    const lat = snap.histograms['lat']!;
    expect([lat.unit, lat.count, lat.mean, lat.min, lat.max, lat.p50, lat.p999]).toEqual(['cycles', 3, 120, 120, 120, 120, 120]);
    expect(lat.perCpu!.map((h) => h.count)).toEqual([3, 0]);
    expect(stats.snapshot().histograms['lat']!.perCpu).toBeUndefined();
  });

  it('applyDiff(prev, diff(prev, next)) rebuilds next, also through JSON, on random activity', () => {
    const { reg, ids } = tlbRegistry();
    // cpu 3 is the script slot; n < 0 resets everything (so script parts come and go)
    const step = fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.constantFrom(ids.hits, ids.misses, -1), fc.integer({ min: -100, max: 1000 })));
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
      const stats = reg.create(3);
      let prev: StatsSnapshot | null = null;
      let mirror: StatsSnapshot | null = null;
      for (const ops of steps) {
        for (const [cpu, i, n] of ops) {
          if (n <= 0) stats.reset();
          else if (i < 0) (cpu === 3 ? stats.scriptHistograms() : stats.histograms(cpu))[ids.lat]!.record(n);
          else (cpu === 3 ? stats.scriptCounters() : stats.counters(cpu))[i]! += n;
        }
        const next = stats.snapshot();
        const d = diff(prev, next);
        expect(applyDiff(prev, d)).toEqual(next);
        mirror = applyDiff(mirror, viaJSON(d));
        expect(mirror).toEqual(viaJSON(next));
        prev = next;
      }
    }), { numRuns: 100 });
  });

  it('a diff carries only what changed, field by field', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    const s0 = stats.snapshot();
    expect(diff(s0, stats.snapshot())).toEqual({ nrCpus: 2, counters: {}, formulas: {}, histograms: {} });
    stats.counters(1)[ids.hits]! += 1;
    const d = diff(s0, stats.snapshot());
    expect(d.counters).toEqual({ hits: { value: 1, perCpu: [0, 1] } });
    expect(d.formulas).toEqual({ hit_rate: { value: 1, perCpu: [null, 1] } });
    expect(d.histograms).toEqual({});
    expect(diff(null, s0).counters['hits']).toEqual(s0.counters['hits']);
  });
});

describe("the script thread's slot", () => {
  it('is laid out after the CPUs: totals include it, per-CPU views do not, and counters(nrCpus) is no CPU', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    stats.counters(0)[ids.hits]! += 1;
    stats.scriptCounters()[ids.hits]! += 4;
    stats.scriptCounters()[ids.misses]! += 5;
    expect(stats.scriptCounters().byteOffset).toBe(2 * reg.blockStride * 8);
    expect(stats.counter('hits')).toBe(5);
    expect(stats.perCpu('hits')).toEqual([1, 0]);
    expect(stats.formula('hit_rate')).toBe(0.5);
    expect(stats.formula('hit_rate', 0)).toBe(1);
    expect(() => stats.counters(2)).toThrow(RangeError);
    expect(() => stats.histograms(2)).toThrow(RangeError);
    const now = stats.readCounters();
    expect(stats.formulaOver('hit_rate', now)).toBe(0.5);
    expect(stats.formulaOver('hit_rate', now, undefined, 1)).toBeNaN();
    expect(() => stats.formulaOver('hit_rate', now, undefined, 2)).toThrow(RangeError);
  });

  it('its histograms are merged into the totals, and listed apart with the per-CPU ones', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    stats.histograms(1)[ids.lat]!.record(10);
    stats.scriptHistograms()[ids.lat]!.record(1000);
    const total = stats.histogram('lat');
    expect([total.count, total.min, total.max]).toEqual([2, 10, 1000]);
    const lat = stats.snapshot({ perCpuHistograms: true }).histograms['lat']!;
    expect(lat.count).toBe(2);
    expect(lat.perCpu!.map((h) => h.count)).toEqual([0, 1]);
    expect(lat.script!.count).toBe(1);
    expect(stats.snapshot().histograms['lat']!.script).toBeUndefined();
  });

  it("a snapshot lists the script part of a counter only when it is nonzero", () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(2);
    stats.counters(1)[ids.hits]! += 2;
    const quiet = stats.snapshot({ perCpuHistograms: true });
    expect(Object.keys(quiet.counters['hits']!)).toEqual(['value', 'unit', 'description', 'perCpu']);
    expect(JSON.stringify(quiet)).not.toContain('"script"');
    stats.scriptCounters()[ids.hits]! += 3;
    const snap = stats.snapshot();
    expect(snap.counters['hits']).toEqual({ value: 5, unit: 'lookups', description: 'TLB hits', perCpu: [0, 2], script: 3 });
    expect(snap.counters['misses']!.script).toBeUndefined();
    expect(snap.formulas['hit_rate']!.value).toBe(1);
  });

  it('an interval measures it too: deltas, formulas, parked and merged-back histograms', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(1);
    stats.scriptCounters()[ids.hits]! += 7;
    stats.scriptHistograms()[ids.lat]!.record(50);
    const iv = stats.beginInterval();
    expect(stats.scriptHistograms()[ids.lat]!.count).toBe(0); // parked
    stats.scriptCounters()[ids.misses]! += 2;
    stats.counters(0)[ids.hits]! += 2;
    stats.scriptHistograms()[ids.lat]!.record(900);
    const snap = stats.endInterval(iv);
    expect(snap.counters['misses']).toEqual({ value: 2, unit: 'lookups', description: 'TLB misses', perCpu: [0], script: 2 });
    expect(snap.counters['hits']).toEqual({ value: 2, unit: 'lookups', description: 'TLB hits', perCpu: [2] });
    expect(snap.formulas['hit_rate']!.value).toBe(0.5);
    expect(snap.formulas['hit_rate']!.perCpu).toEqual([1]);
    expect([snap.histograms['lat']!.count, snap.histograms['lat']!.min]).toEqual([1, 900]);
    expect(stats.scriptHistograms()[ids.lat]!.count).toBe(2); // lifetime restored
    expect(stats.counter('hits')).toBe(9);
  });

  it('an interval with no script activity has no script field, even if the slot held counts before', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(1);
    stats.scriptCounters()[ids.hits]! += 7;
    const iv = stats.beginInterval();
    stats.counters(0)[ids.hits]! += 1;
    expect(stats.endInterval(iv).counters['hits']).toEqual({ value: 1, unit: 'lookups', description: 'TLB hits', perCpu: [1] });
  });

  it('reset zeroes it', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(1);
    stats.scriptCounters()[ids.hits]! += 3;
    stats.scriptHistograms()[ids.lat]!.record(9);
    stats.reset();
    expect(stats.counter('hits')).toBe(0);
    expect(stats.histogram('lat').count).toBe(0);
    expect(stats.snapshot().counters['hits']!.script).toBeUndefined();
  });

  it('a Stats attached to the shared buffers (as a worker would) sees the same slot', () => {
    const a = tlbRegistry();
    const mine = a.reg.create(2);
    const b = tlbRegistry();
    const theirs = b.reg.attach(viaStructuredClone(mine.shared));
    mine.scriptCounters()[a.ids.hits]! += 6;
    mine.scriptHistograms()[a.ids.lat]!.record(77);
    expect(theirs.scriptCounters()[b.ids.hits]).toBe(6);
    expect(theirs.counter('hits')).toBe(6);
    expect(theirs.histogram('lat').max).toBe(77);
    theirs.counters(1)[b.ids.hits]! += 1;
    expect(mine.snapshot().counters['hits']).toMatchObject({ value: 7, perCpu: [0, 1], script: 6 });
  });

  it('a diff replaces an entry whose script part went away, so applyDiff rebuilds next', () => {
    const { reg, ids } = tlbRegistry();
    const stats = reg.create(1);
    stats.scriptCounters()[ids.hits]! += 3;
    const s0 = stats.snapshot();
    stats.reset();
    stats.counters(0)[ids.hits]! += 1;
    const s1 = stats.snapshot();
    const d = diff(s0, s1);
    expect(d.counters['hits']).toEqual(s1.counters['hits']);
    expect(applyDiff(viaJSON(s0), viaJSON(d))).toEqual(viaJSON(s1));
    expect('script' in applyDiff(s0, d).counters['hits']!).toBe(false);
  });
});

describe('Throughput', () => {
  it('declares work, cycles and host-ns counters per key, and per-second and per-unit formulas', () => {
    const reg = new StatsRegistry();
    const zap = new Throughput(reg, { name: 'zap', work: 'pages_zapped', units: 'pages', unit: 'page', what: 'pages zapped', keys: ['munmap', 'madv'] as const });
    const stats = reg.create(2);
    zap.record(stats.counters(0), 'munmap', 100, 5000, 40_000);
    zap.record(stats.counters(1), 'munmap', 300, 15_000, 60_000);
    const snap = stats.snapshot();
    expect(snap.counters['pages_zapped.munmap']!.unit).toBe('pages');
    expect(snap.formulas['zap_pages_per_sec.munmap']!.unit).toBe('pages/s');
    expect(snap.formulas['zap_cycles_per_page.munmap']!.unit).toBe('cycles/page');
    expect(zap.table(snap)).toEqual([
      { key: 'munmap', units: 400, hostSeconds: 1e-4, perSecond: 4e6, cycles: 20_000, cyclesPerUnit: 50 },
      { key: 'madv', units: 0, hostSeconds: 0, perSecond: null, cycles: 0, cyclesPerUnit: null },
    ]);
  });
});
