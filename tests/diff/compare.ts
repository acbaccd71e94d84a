// Comparing a scenario's pagemap on the host kernel with the lab's.
//
// Three parts:
//   parseNative   reads scenario.c's JSON Lines;
//   model         decides, per page, which facts are the same on 4.7 and on
//                 the host kernel whatever fault-around did (DIFFERENCES in
//                 diff.test.ts says why the rest is left out);
//   compareRun    compares the two sides on those facts only and describes
//                 every disagreement in one line.
// Raw pfns are never compared across systems: only the partition "these
// pages share a frame" within one snap, and "this page kept its frame since
// the process's previous snap".

import type { EventObs, PageObs, Scenario, ScenarioRun, Who } from './scenarios';
import { parseRange } from './scenarios';

// ------------------------------------------------------------ native output

export interface NativeMeta {
  kernel: string;
  euid: number;
  /** PFNs read as non-zero (root / CAP_SYS_ADMIN). */
  pfn_visible: boolean;
  zero_pfn: number;
  /** /proc/kpageflags says zero_pfn is the zero page (null: unreadable). */
  zero_pfn_kpageflags: boolean | null;
  kpageflags: boolean;
  pinned_cpu: number;
  thp_enabled: string;
  shmem_enabled: string;
}

export interface NativeScenario {
  script: string;
  run: ScenarioRun;
  /** Pages natively backed by a compound page (THP / large folio). */
  large: string[];
}

export interface NativeOutput {
  meta: NativeMeta;
  scenarios: Map<string, NativeScenario>;
}

/** Parse the stdout of `scenario` (every built-in scenario). */
export function parseNative(stdout: string): NativeOutput {
  let meta: NativeMeta | null = null;
  const scenarios = new Map<string, NativeScenario>();
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    const o = JSON.parse(line) as Record<string, unknown> & { type: string };
    if (o.type === 'meta') {
      meta = o as unknown as NativeMeta;
    } else if (o.type === 'scenario') {
      scenarios.set(String(o.name), { script: String(o.script), run: { pages: [], events: [] }, large: [] });
    } else if (o.type === 'page' || o.type === 'event') {
      const sc = scenarios.get(String(o.scenario));
      if (!sc) throw new Error(`native output: ${o.type} line before its scenario: ${line}`);
      if (o.type === 'page') {
        const p = o as unknown as PageObs & { large: 0 | 1 | null };
        sc.run.pages.push({
          snap: p.snap, proc: p.proc, region: p.region, page: p.page, present: p.present,
          exclusive: p.exclusive, file: p.file, pfn: p.pfn, zero: p.zero,
        });
        if (p.large === 1) sc.large.push(slotName(p));
      } else {
        const e = o as unknown as EventObs;
        const ev: EventObs = { proc: e.proc, step: e.step };
        if (e.page !== undefined) ev.page = e.page;
        if (e.signal !== undefined) ev.signal = e.signal;
        if (e.error !== undefined) ev.error = e.error;
        sc.run.events.push(ev);
      }
    } else if (o.type !== 'end') {
      throw new Error(`native output: unknown line ${line}`);
    }
  }
  if (meta === null) throw new Error('native output has no meta line');
  return { meta, scenarios };
}

// ------------------------------------------------------------ the model

/**
 * What a page's pte is, as far as both kernels are sure:
 *   none   pte none (never touched, or zapped)
 *   zero   the zero page (anonymous private read)
 *   anon   an anonymous page (write, COW copy)
 *   pc     the file's page-cache page
 *   maybe  none or the page-cache page: a read fault elsewhere in the region
 *          ran fault-around, which 4.7 and the host may do differently
 *   hole   not mapped (munmap)
 */
export type SlotState = 'none' | 'zero' | 'anon' | 'pc' | 'maybe' | 'hole';

export interface SlotFacts {
  state: SlotState;
  /** present, file bit and frame identity are the same on both kernels. */
  known: boolean;
  /** The exclusive bit is the same on both kernels: false for a page-cache
   * page that another page of any process might map through fault-around. */
  exclusiveKnown: boolean;
  /** The process's previous snap, when "kept its frame since then" is the
   * same on both kernels: present then and now, and never zapped between. */
  keptSince: string | null;
}

interface MRegion { name: string; pages: number; kind: 'anon' | 'private' | 'shared'; file: string | null }
interface MProc {
  states: Map<string, SlotState[]>;
  anonVma: Map<string, boolean>;
  zapped: Map<string, boolean[]>;
  lastSnap: string | null;
}

const isMapped = (s: SlotState): boolean => s === 'zero' || s === 'anon' || s === 'pc';

export const slotName = (o: { snap: string; proc: Who; region: string; page: number }): string =>
  `${o.snap}/${o.proc}/${o.region}[${o.page}]`;

/** Walk the scenario's steps and give the facts of every page at every snap,
 * keyed by slotName. */
export function model(s: Scenario): Map<string, SlotFacts> {
  const out = new Map<string, SlotFacts>();
  const regions: MRegion[] = [];
  const newProc = (): MProc => ({ states: new Map(), anonVma: new Map(), zapped: new Map(), lastSnap: null });
  const procs: Partial<Record<Who, MProc>> = { parent: newProc() };
  const reg = (name: string): MRegion => {
    const g = regions.find((x) => x.name === name);
    if (!g) throw new Error(`${s.name}: no region ${name}`);
    return g;
  };

  for (const st of s.steps) {
    switch (st.op) {
      case 'file':
        break;
      case 'map': {
        const kind = st.kind === 'anon' ? 'anon' : st.share;
        regions.push({ name: st.region, pages: st.pages, kind, file: st.kind === 'file' ? st.file : null });
        const p = procs.parent as MProc;
        p.states.set(st.region, new Array<SlotState>(st.pages).fill('none'));
        p.anonVma.set(st.region, false);
        p.zapped.set(st.region, new Array<boolean>(st.pages).fill(false));
        break;
      }
      case 'fork': {
        // copy_page_range copies ptes only of vmas with an anon_vma (or
        // PFNMAP/MIXEDMAP/hugetlb, which no scenario has).
        const p = procs.parent as MProc;
        const c = newProc();
        for (const g of regions) {
          const copy = g.kind !== 'shared' && (p.anonVma.get(g.name) ?? false);
          const ps = p.states.get(g.name) as SlotState[];
          c.states.set(g.name, ps.map((x) => (x === 'hole' ? 'hole' : copy ? x : 'none')));
          c.anonVma.set(g.name, p.anonVma.get(g.name) ?? false);
          c.zapped.set(g.name, new Array<boolean>(g.pages).fill(false));
        }
        procs.child = c;
        break;
      }
      case 'exit':
        delete procs.child;
        break;
      case 'snap':
        recordSnap(st.label, regions, procs, out);
        break;
      default: {
        const p = procs[st.who ?? 'parent'];
        if (!p) throw new Error(`${s.name}: step in a process that does not exist`);
        const g = reg(st.region);
        const states = p.states.get(g.name) as SlotState[];
        const zapped = p.zapped.get(g.name) as boolean[];
        for (const i of parseRange(st.range, g.pages)) {
          const cur = states[i] as SlotState;
          if (cur === 'hole') continue; // SIGSEGV, or a no-op zap
          if (st.op === 'dontneed' || st.op === 'munmap') {
            states[i] = st.op === 'munmap' ? 'hole' : 'none';
            zapped[i] = true;
          } else if (st.op === 'r') {
            if (g.kind === 'anon') {
              if (cur === 'none') states[i] = 'zero';
            } else if (cur === 'none' || cur === 'maybe') {
              // A read fault on a file mapping: fault-around may map any
              // other empty pte of the region (conservatively: all of them).
              for (let j = 0; j < states.length; j++) if (states[j] === 'none') states[j] = 'maybe';
              states[i] = 'pc';
            }
          } else if (g.kind === 'shared') {
            states[i] = 'pc';
          } else {
            states[i] = 'anon';
            p.anonVma.set(g.name, true);
          }
        }
      }
    }
  }
  return out;
}

function recordSnap(label: string, regions: MRegion[], procs: Partial<Record<Who, MProc>>,
  out: Map<string, SlotFacts>): void {
  const live = (['parent', 'child'] as const).filter((w) => procs[w] !== undefined);
  // A page-cache page's mapcount is uncertain if any pte that may map it is.
  const uncertainFilePage = new Set<string>();
  for (const w of live) {
    for (const g of regions) {
      if (g.file === null) continue;
      (procs[w] as MProc).states.get(g.name)?.forEach((x, i) => {
        if (x === 'maybe') uncertainFilePage.add(`${g.file}:${i}`);
      });
    }
  }
  for (const w of live) {
    const p = procs[w] as MProc;
    for (const g of regions) {
      const states = p.states.get(g.name) as SlotState[];
      const zapped = p.zapped.get(g.name) as boolean[];
      states.forEach((state, i) => {
        const known = state !== 'maybe';
        const exclusiveKnown = known && !(state === 'pc' && uncertainFilePage.has(`${g.file}:${i}`));
        let keptSince: string | null = null;
        if (p.lastSnap !== null && isMapped(state) && !zapped[i]) {
          const prev = out.get(slotName({ snap: p.lastSnap, proc: w, region: g.name, page: i }));
          if (prev && prev.known && isMapped(prev.state)) keptSince = p.lastSnap;
        }
        out.set(slotName({ snap: label, proc: w, region: g.name, page: i }), { state, known, exclusiveKnown, keptSince });
      });
      zapped.fill(false);
    }
    p.lastSnap = label;
  }
}

// ------------------------------------------------------------ comparison

export interface Comparison {
  /** One line per disagreement on a compared fact; empty when they agree. */
  diffs: string[];
  /** Facts left out of the comparison on which the two sides disagree (for
   * information: they are allowed to). */
  info: string[];
  /** How many facts were compared, by kind; `excluded` pages were left out
   * (fault-around), `excludedAgree` of them agree on present all the same. */
  counts: {
    present: number; file: number; exclusive: number; frame: number; kept: number;
    excluded: number; excludedAgree: number;
  };
}

const eventText = (e: EventObs): string =>
  `${e.proc}: ${e.step}${e.page !== undefined ? ` page ${e.page}` : ''} -> ${e.signal ?? e.error ?? '?'}`;

/**
 * Compare one scenario's native and lab runs on what 4.7 and the host kernel
 * agree on. `pfns` is false when the host hides pfns: then neither the frame
 * partition nor frame keeping nor the zero page is compared.
 */
export function compareRun(s: Scenario, native: ScenarioRun, lab: ScenarioRun, pfns: boolean): Comparison {
  const facts = model(s);
  const diffs: string[] = [];
  const info: string[] = [];
  const counts = { present: 0, file: 0, exclusive: 0, frame: 0, kept: 0, excluded: 0, excludedAgree: 0 };

  const ne = native.events.map(eventText);
  const le = lab.events.map(eventText);
  if (ne.join('\n') !== le.join('\n')) {
    diffs.push(`events differ: native [${ne.join('; ')}] lab [${le.join('; ')}]`);
  }

  const byKey = (run: ScenarioRun): Map<string, PageObs> => new Map(run.pages.map((p) => [slotName(p), p]));
  const n = byKey(native);
  const l = byKey(lab);
  for (const k of facts.keys()) {
    if (!n.has(k)) diffs.push(`native reported no ${k}`);
    if (!l.has(k)) diffs.push(`lab reported no ${k}`);
  }
  for (const k of l.keys()) if (!facts.has(k)) diffs.push(`lab reported an unexpected ${k}`);
  for (const k of n.keys()) if (!facts.has(k)) diffs.push(`native reported an unexpected ${k}`);

  const snaps = [...new Set([...facts.keys()].map((k) => k.split('/')[0] as string))];
  for (const snap of snaps) {
    const keys = [...facts.keys()].filter((k) => k.startsWith(`${snap}/`));
    const framed: string[] = [];
    for (const k of keys) {
      const f = facts.get(k) as SlotFacts;
      const a = n.get(k);
      const b = l.get(k);
      if (!a || !b) continue;
      if (!f.known) {
        counts.excluded++;
        if (a.present === b.present) counts.excludedAgree++;
        else info.push(`${k} (fault-around, not compared): native present=${a.present} lab present=${b.present}`);
        continue;
      }
      counts.present++;
      if (a.present !== b.present) {
        diffs.push(`${k}: present native=${a.present} lab=${b.present} (expected ${f.state})`);
        continue;
      }
      if (!a.present) continue;
      counts.file++;
      if (a.file !== b.file) diffs.push(`${k}: file bit native=${a.file} lab=${b.file} (expected ${f.state})`);
      if (f.exclusiveKnown) {
        counts.exclusive++;
        if (a.exclusive !== b.exclusive) diffs.push(`${k}: exclusive native=${a.exclusive} lab=${b.exclusive}`);
      } else if (a.exclusive !== b.exclusive) {
        info.push(`${k} (mapcount depends on fault-around elsewhere, not compared): native exclusive=${a.exclusive} `
          + `lab exclusive=${b.exclusive}`);
      }
      framed.push(k);
      if (pfns && f.keptSince !== null) {
        const pk = k.replace(`${snap}/`, `${f.keptSince}/`);
        const ap = n.get(pk);
        const bp = l.get(pk);
        if (ap && bp && ap.present && bp.present) {
          counts.kept++;
          const ka = ap.pfn === a.pfn;
          const kb = bp.pfn === b.pfn;
          if (ka !== kb) {
            diffs.push(`${k}: since snap '${f.keptSince}' native ${ka ? 'kept its frame' : 'got a new frame'}, `
              + `lab ${kb ? 'kept its frame' : 'got a new frame'}`);
          }
        }
      }
    }
    if (pfns) {
      counts.frame += framed.length;
      diffs.push(...comparePartition(snap, framed, n, l));
    }
  }
  return { diffs, info, counts };
}

/** The frame partition of the given pages on each side, with the zero page as
 * its own named class; one line per page whose class differs. */
function comparePartition(snap: string, keys: string[], n: Map<string, PageObs>, l: Map<string, PageObs>): string[] {
  const classes = (side: Map<string, PageObs>): Map<string, string> => {
    const byFrame = new Map<string, string[]>();
    for (const k of keys) {
      const p = side.get(k) as PageObs;
      const frame = p.zero === 1 ? 'zero page' : `pfn ${p.pfn}`;
      byFrame.set(frame, [...(byFrame.get(frame) ?? []), k]);
    }
    const of = new Map<string, string>();
    for (const [frame, members] of byFrame) {
      const desc = frame === 'zero page' ? 'the zero page'
        : members.length === 1 ? 'a frame of its own' : `one frame with {${members.join(', ')}}`;
      for (const k of members) of.set(k, desc);
    }
    return of;
  };
  const a = classes(n);
  const b = classes(l);
  const out: string[] = [];
  for (const k of keys) {
    if (a.get(k) !== b.get(k)) out.push(`${k}: native maps ${a.get(k)}, lab maps ${b.get(k)} (snap ${snap})`);
  }
  return out;
}
