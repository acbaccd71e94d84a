// The scenarios of the differential test, as data, and the lab side that runs
// them through the engine API.
//
// tests/diff/native/scenario.c holds the same scenarios as step scripts and
// runs them on the host kernel; diff.test.ts checks that renderScript() of each
// scenario here is exactly the script the C program runs, so the two cannot
// drift apart. Step syntax (shared with scenario.c):
//   file F N | map R N anon | map R N file F private|shared
//   r|w|dontneed|munmap R RANGE   (RANGE: N, A-B inclusive, `all`, comma lists)
//   fork | exit | snap LABEL ; a `c:` prefix runs a step in the child, `p:` in
//   the parent (no prefix: the parent).

import { createLab } from '../../src-engine/lab';

// ---------------------------------------------------------------- the data

export type Who = 'parent' | 'child';
export type Share = 'private' | 'shared';

export type Step =
  | { op: 'file'; file: string; pages: number }
  | { op: 'map'; region: string; pages: number; kind: 'anon' }
  | { op: 'map'; region: string; pages: number; kind: 'file'; file: string; share: Share }
  | { op: 'r' | 'w' | 'dontneed' | 'munmap'; region: string; range: string; who?: Who | undefined }
  | { op: 'fork' }
  | { op: 'exit' }
  | { op: 'snap'; label: string };

export interface Scenario {
  name: string;
  /** What the scenario shows, in one or two sentences. */
  about: string;
  steps: Step[];
}

const file = (f: string, pages: number): Step => ({ op: 'file', file: f, pages });
const mapAnon = (region: string, pages: number): Step => ({ op: 'map', region, pages, kind: 'anon' });
const mapFile = (region: string, pages: number, f: string, share: Share): Step =>
  ({ op: 'map', region, pages, kind: 'file', file: f, share });
const r = (region: string, range: string, who?: Who): Step => ({ op: 'r', region, range, who });
const w = (region: string, range: string, who?: Who): Step => ({ op: 'w', region, range, who });
const dontneed = (region: string, range: string, who?: Who): Step => ({ op: 'dontneed', region, range, who });
const munmap = (region: string, range: string, who?: Who): Step => ({ op: 'munmap', region, range, who });
const fork: Step = { op: 'fork' };
const exit: Step = { op: 'exit' };
const snap = (label: string): Step => ({ op: 'snap', label });

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'a-anon-zero-dontneed',
    about: 'Anonymous private memory: written pages get their own frames, read pages map the zero page; '
      + 'MADV_DONTNEED empties a middle range, a re-read maps the zero page again, a write a fresh frame.',
    steps: [mapAnon('A', 16), w('A', '0-3,8-11'), r('A', '4-7,12-15'), snap('written'),
      dontneed('A', '2-13'), snap('dontneed'), r('A', '2-5'), w('A', '12'), snap('end')],
  },
  {
    name: 'b-fork-cow',
    about: 'fork after writes: every page shared and not exclusive. The child writes half (copies); the parent '
      + 'writes a quarter: pages 4-5 the child already copied (reused in place), 6-7 still shared (copied). '
      + 'After the child exits the parent reuses page 8.',
    steps: [mapAnon('A', 16), w('A', '0-11'), r('A', '12-13'), fork, snap('forked'),
      w('A', '0-5', 'child'), w('A', '12', 'child'), w('A', '4-7', 'parent'), r('A', '14', 'parent'),
      snap('end'), exit, w('A', '8'), snap('child-exited')],
  },
  {
    name: 'c-fork-munmap',
    about: 'fork, then the parent unmaps the middle: the child\'s pages there become exclusive with no fault, '
      + 'and its writes to them reuse the frame; its writes elsewhere copy.',
    steps: [mapAnon('A', 16), w('A', '0-15'), fork, munmap('A', '4-11'), snap('unmapped'),
      w('A', '0-1,6-7,14', 'child'), snap('end')],
  },
  {
    name: 'd-file-private-cow',
    about: 'A tmpfs file mapped private (P) and shared (S) in one process: read pages of P share the page-cache '
      + 'frame with S; written pages of P are anonymous copies; DONTNEED of a copy and a re-read bring the '
      + 'page-cache frame back.',
    steps: [file('F', 16), mapFile('P', 16, 'F', 'private'), mapFile('S', 16, 'F', 'shared'), r('P', 'all'),
      r('S', 'all'), w('P', '2-5'), snap('cow'), dontneed('P', '3'), snap('dontneed'), r('P', '3'), snap('end')],
  },
  {
    name: 'e-file-shared-fork',
    about: 'A shared tmpfs mapping written by parent and child: fork copies no ptes of it, each process faults '
      + 'its own pages in, and both map the same page-cache frames.',
    steps: [file('F', 8), mapFile('S', 8, 'F', 'shared'), w('S', '0-1'), fork, w('S', '0,2-5', 'child'),
      w('S', '4-7', 'parent'), snap('end'), exit, snap('child-exited')],
  },
  {
    name: 'f-fork-zero-only',
    about: 'fork of a region that was only read (zero page, no anon_vma): the child gets no ptes at all.',
    steps: [mapAnon('A', 8), r('A', '0-7'), fork, snap('forked'), r('A', '0-3', 'child'), w('A', '4', 'child'),
      w('A', '5', 'parent'), snap('end')],
  },
  {
    name: 'g-file-fault-around',
    about: 'One read fault on a private file mapping: fault-around maps an unspecified set of neighbours, so '
      + 'only the explicitly touched pages are compared (the rest is reported for information).',
    steps: [file('F', 16), mapFile('P', 16, 'F', 'private'), r('P', '5'), w('P', '9'), fork,
      w('P', '9,12', 'child'), snap('end')],
  },
];

/** The scenario as the step script scenario.c runs. */
export function renderScript(s: Scenario): string {
  return s.steps.map(renderStep).join('; ');
}

function renderStep(st: Step): string {
  switch (st.op) {
    case 'file': return `file ${st.file} ${st.pages}`;
    case 'map':
      return st.kind === 'anon' ? `map ${st.region} ${st.pages} anon`
        : `map ${st.region} ${st.pages} file ${st.file} ${st.share}`;
    case 'fork': return 'fork';
    case 'exit': return 'exit';
    case 'snap': return `snap ${st.label}`;
    default: {
      const prefix = st.who === 'child' ? 'c:' : st.who === 'parent' ? 'p:' : '';
      return `${prefix}${st.op} ${st.region} ${st.range}`;
    }
  }
}

/** The page indexes RANGE selects in a region of n pages, ascending. */
export function parseRange(range: string, n: number): number[] {
  const sel = new Set<number>();
  for (const part of range.split(',')) {
    let a: number;
    let b: number;
    if (part === 'all') {
      a = 0;
      b = n - 1;
    } else {
      const m = /^(\d+)(?:-(\d+))?$/.exec(part);
      if (!m) throw new Error(`bad range '${range}'`);
      a = Number(m[1]);
      b = m[2] === undefined ? a : Number(m[2]);
    }
    if (a < 0 || b >= n || a > b) throw new Error(`range '${range}' outside a region of ${n} pages`);
    for (let i = a; i <= b; i++) sel.add(i);
  }
  return [...sel].sort((x, y) => x - y);
}

/** Maximal runs [first, count] of consecutive pages in an ascending list. */
export function runsOf(pages: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const p of pages) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === p) last[1]++;
    else out.push([p, 1]);
  }
  return out;
}

// ------------------------------------------------------ observations (both sides)

/** What /proc/PID/pagemap says about one page, as both sides report it. */
export interface PageObs {
  snap: string;
  proc: Who;
  region: string;
  page: number;
  present: 0 | 1;
  exclusive: 0 | 1;
  file: 0 | 1;
  /** Raw pfn: only meaningful within one system and one snap. 0 when hidden. */
  pfn: number;
  /** The pfn is the zero page's; null when pfns are hidden. */
  zero: 0 | 1 | null;
}

/** A signal from a touch, or an errno from madvise/munmap. */
export interface EventObs {
  proc: Who;
  step: string;
  page?: number;
  signal?: string;
  error?: string;
}

export interface ScenarioRun {
  pages: PageObs[];
  events: EventObs[];
}

// ---------------------------------------------------------------- the lab side

type Lab = ReturnType<typeof createLab>;
type Mm = ReturnType<Lab['mm_alloc']>;

/** Where region k goes in the lab: 2 MiB-aligned (as scenario.c aligns its
 * mappings), 4 MiB apart so no two regions are ever adjacent. */
const LAB_REGION_BASE = 0x7f0000000000;
const LAB_REGION_STRIDE = 0x400000;

/** Byte that fills page i of every scenario file (scenario.c uses the same). */
export const fileByte = (i: number): number => (0x40 + i) & 0xff;

interface LabRegion { name: string; addr: number; pages: number }

/**
 * Learn the lab's zero-page pfn the way scenario.c learns the host's: read a
 * never-written page of a fresh anonymous private mapping and look at its pte.
 */
export function learnZeroPfn(lab: Lab): number {
  const mm = lab.mm_alloc();
  const addr = lab.mmap(mm, 0, lab.PAGE_SIZE, lab.PROT_READ | lab.PROT_WRITE,
    lab.MAP_PRIVATE | lab.MAP_ANONYMOUS, null, 0);
  if (addr < 0) throw new Error(`lab: mmap for the zero-page probe failed: ${addr}`);
  lab.user_read(mm, addr, 1);
  const pte = lab.lookup_pte(mm, addr);
  if (pte === null || !lab.pte_present(pte)) throw new Error('lab: a read-touched anonymous page is not present');
  const pfn = lab.pte_pfn(pte);
  lab.mmput(mm);
  return pfn;
}

/**
 * One pagemap entry as Linux (4.7 and 6.18 alike) computes it in
 * fs/proc/task_mmu.c for a 4 KiB pte, from lab state only (no side effects):
 *   - outside every vma: all zero;
 *   - present (bit 63) = pte_present;
 *   - page = vm_normal_page: NULL for a special pte (the zero page) or a pfn
 *     without struct page;
 *   - file (bit 61) = page && !PageAnon(page);
 *   - exclusive (bit 56, PM_MMAP_EXCLUSIVE) = page && page_mapcount(page) == 1.
 */
export function labPagemap(lab: Lab, mm: Mm, addr: number, zeroPfn: number):
  Pick<PageObs, 'present' | 'exclusive' | 'file' | 'pfn' | 'zero'> {
  const none = { present: 0, exclusive: 0, file: 0, pfn: 0, zero: 0 } as const;
  const vma = lab.find_vma(mm, addr);
  if (vma === null || vma.vm_start > addr) return none;
  const pte = lab.lookup_pte(mm, addr);
  if (pte === null || lab.pte_none(pte) || !lab.pte_present(pte)) return none;
  const pfn = lab.pte_pfn(pte);
  const page = lab.pte_special(pte) || !lab.pfn_valid(pfn) ? null : lab.pfn_to_page(pfn);
  return {
    present: 1,
    exclusive: page !== null && lab.page_mapcount(page) === 1 ? 1 : 0,
    file: page !== null && !lab.PageAnon(page) ? 1 : 0,
    pfn,
    zero: pfn === zeroPfn ? 1 : 0,
  };
}

function errnoName(lab: Lab, rc: number): string {
  const names = ['EINVAL', 'ENOMEM', 'EFAULT', 'EACCES', 'EPERM'] as const;
  for (const n of names) if (-rc === lab[n]) return n;
  return 'EOTHER';
}

/**
 * Run one scenario in a fresh lab machine and report what its pagemap would
 * say at every snap, plus signals and errors, in the order scenario.c prints
 * them. Throws on a harness error (a mapping that cannot be made, a KernelBug,
 * an unexpected exception); a SIGSEGV/SIGBUS from a touch is an event.
 */
export function runInLab(s: Scenario, config: Parameters<typeof createLab>[0] = { ram_mb: 32 }): ScenarioRun & {
  invariants: string[];
} {
  const lab = createLab(config);
  const zeroPfn = learnZeroPfn(lab);
  const pages: PageObs[] = [];
  const events: EventObs[] = [];
  const files = new Map<string, ReturnType<Lab['file_create']>>();
  const regions: LabRegion[] = [];
  const parent = lab.mm_alloc();
  let child: Mm | null = null;
  const counter: Record<Who, number> = { parent: 1, child: 1 };

  const region = (name: string): LabRegion => {
    const g = regions.find((x) => x.name === name);
    if (!g) throw new Error(`${s.name}: no region ${name}`);
    return g;
  };

  for (const st of s.steps) {
    const text = renderStep(st);
    switch (st.op) {
      case 'file': {
        const f = lab.file_create(`diff-${st.file}`, st.pages * lab.PAGE_SIZE, 'tmpfs');
        const data = new Uint8Array(st.pages * lab.PAGE_SIZE);
        for (let i = 0; i < st.pages; i++) data.fill(fileByte(i), i * lab.PAGE_SIZE, (i + 1) * lab.PAGE_SIZE);
        lab.file_write(f, 0, data);
        files.set(st.file, f);
        break;
      }
      case 'map': {
        const addr = LAB_REGION_BASE + regions.length * LAB_REGION_STRIDE;
        const len = st.pages * lab.PAGE_SIZE;
        const prot = lab.PROT_READ | lab.PROT_WRITE;
        let got: number;
        if (st.kind === 'anon') {
          got = lab.mmap(parent, addr, len, prot, lab.MAP_PRIVATE | lab.MAP_ANONYMOUS | lab.MAP_FIXED, null, 0);
        } else {
          const f = files.get(st.file);
          if (!f) throw new Error(`${s.name}: no file ${st.file}`);
          const share = st.share === 'shared' ? lab.MAP_SHARED : lab.MAP_PRIVATE;
          got = lab.mmap(parent, addr, len, prot, share | lab.MAP_FIXED, lab.file_open(f, 'rw'), 0);
        }
        if (got !== addr) throw new Error(`${s.name}: lab mmap for '${text}' returned ${got}`);
        regions.push({ name: st.region, addr, pages: st.pages });
        break;
      }
      case 'fork':
        child = lab.fork(parent);
        break;
      case 'exit':
        if (child === null) throw new Error(`${s.name}: exit with no child`);
        lab.mmput(child);
        child = null;
        break;
      case 'snap': {
        const procs: Array<[Who, Mm]> = [['parent', parent]];
        if (child !== null) procs.push(['child', child]);
        for (const [proc, mm] of procs) {
          for (const g of regions) {
            for (let i = 0; i < g.pages; i++) {
              const e = labPagemap(lab, mm, g.addr + i * lab.PAGE_SIZE, zeroPfn);
              pages.push({ snap: st.label, proc, region: g.name, page: i, ...e });
            }
          }
        }
        break;
      }
      default: {
        const who: Who = st.who ?? 'parent';
        const mm = who === 'child' ? child : parent;
        if (mm === null) throw new Error(`${s.name}: step '${text}' with no child`);
        const g = region(st.region);
        const sel = parseRange(st.range, g.pages);
        const bare = `${st.op} ${st.region} ${st.range}`; // as scenario.c reports it: no c:/p: prefix
        if (st.op === 'r' || st.op === 'w') {
          for (const i of sel) {
            const a = g.addr + i * lab.PAGE_SIZE;
            try {
              if (st.op === 'w') lab.user_write(mm, a, Uint8Array.of(counter[who]++ & 0xff));
              else lab.user_read(mm, a, 1);
            } catch (e) {
              const name = (e as Error).name;
              if (name !== 'SIGSEGV' && name !== 'SIGBUS') throw e;
              events.push({ proc: who, step: bare, page: i, signal: name });
            }
          }
        } else {
          for (const [first, count] of runsOf(sel)) {
            const a = g.addr + first * lab.PAGE_SIZE;
            const len = count * lab.PAGE_SIZE;
            const rc = st.op === 'munmap' ? lab.munmap(mm, a, len) : lab.madvise(mm, a, len, lab.MADV_DONTNEED);
            if (rc !== 0) events.push({ proc: who, step: bare, error: errnoName(lab, rc) });
          }
        }
      }
    }
  }
  // The machine must be consistent at the end, and again once every process
  // has exited (nothing leaked).
  const invariants = lab.check_invariants().map((m: string) => `after the steps: ${m}`);
  if (child !== null) lab.mmput(child);
  lab.mmput(parent);
  invariants.push(...lab.check_invariants().map((m: string) => `after every mmput: ${m}`));
  return { pages, events, invariants };
}
