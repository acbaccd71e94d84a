// Reading a machine for the UI: its processes (mm_structs), the 4-level page-table tree of one
// mm with the struct page behind each pte, its VMAs, and the difference between two snapshots.
// Read-only: nothing here changes the machine. Runs where the machine lives (the kernel worker).
import type { Machine } from '../../src-engine/machine';
import type { mm_struct, vm_area_struct } from '../../src-engine/mm/mm_types';
import * as T from '../../src-engine/arch/x86/pgtable_types';
import * as F from '../../src-engine/include/mm_flags';
import { entry_pa } from '../../src-engine/mm/pgtable';
import { page_count, page_mapcount, PageAnon, NAMED_FLAGS } from '../../src-engine/mm/mm';
import type { ProcessInfo, PtEntry, PtLevel, PtTable, VmaInfo, StructPageInfo, PtChange } from '../contract';

const LEVELS: readonly PtLevel[] = ['pgd', 'pud', 'pmd', 'pte'];
const SPAN: Record<PtLevel, number> = { pgd: T.PGDIR_SIZE, pud: T.PUD_SIZE, pmd: T.PMD_SIZE, pte: T.PAGE_SIZE };
const VM_FLAG_NAMES = Object.entries(F)
  .filter(([k, v]) => /^VM_[A-Z_]+$/.test(k) && typeof v === 'number' && v > 0 && (v & (v - 1)) === 0 && !k.startsWith('VM_FAULT'))
  .map(([k, v]) => [k, v as number] as const);

/** The live mms of `m`, in id order, as the process list shows them. */
export function listProcesses(m: Machine): ProcessInfo[] {
  return [...m.mms.values()].filter((mm) => !mm.dead).sort((a, b) => a.id - b.id).map((mm) => ({
    mmId: mm.id,
    label: `mm ${mm.id}`,
    pgdPfn: mm.pgd,
    vmaCount: mm.mmap.length,
    rss: { file: mm.get_counter(F.MM_FILEPAGES), anon: mm.get_counter(F.MM_ANONPAGES), swapents: mm.get_counter(F.MM_SWAPENTS), shmem: mm.get_counter(F.MM_SHMEMPAGES) },
    nrPtes: mm.nr_ptes,
    nrPmds: mm.nr_pmds,
  }));
}

/** The live mm `mmId` of `m`; throws RangeError when there is none. */
export function findMm(m: Machine, mmId: number): mm_struct {
  const mm = m.mms.get(mmId);
  if (!mm || mm.dead) throw new RangeError(`not-found: no live mm ${mmId} on this machine`);
  return mm;
}

/** /proc/pid/maps-style permissions of a vma: "rw-p". */
function perms(flags: number): string {
  return `${flags & F.VM_READ ? 'r' : '-'}${flags & F.VM_WRITE ? 'w' : '-'}${flags & F.VM_EXEC ? 'x' : '-'}${flags & F.VM_SHARED ? 's' : 'p'}`;
}

/** One vma as the explorer lists it. */
function vmaInfo(v: vm_area_struct): VmaInfo {
  const flags = v.vm_flags;
  return {
    start: v.vm_start, end: v.vm_end, perms: perms(flags),
    flags: VM_FLAG_NAMES.filter(([, bit]) => (flags & bit) !== 0).map(([k]) => k),
    file: v.vm_file ? v.vm_file.name : null, pgoff: v.vm_pgoff, anon: v.anon_vma !== null,
  };
}

/** The struct page of a RAM pfn (null for pfns without one, e.g. MMIO). */
export function structPage(m: Machine, pfn: number): StructPageInfo | null {
  if (!m.phys.pfn_valid(pfn)) return null;
  const anon = PageAnon(m, pfn);
  return {
    pfn, refcount: page_count(m, pfn), mapcount: page_mapcount(m, pfn), anon,
    file: !anon && m.mem.mapping(pfn) !== 0,
    flags: Object.entries(NAMED_FLAGS).filter(([, bit]) => m.mem.test(pfn, bit)).map(([k]) => k),
    zeroPage: pfn === m.zero_pfn,
  };
}

/** A page-table entry decoded at `level`, covering `va`; `child` is filled by the caller. */
function decodeEntry(m: Machine, level: PtLevel, index: number, va: number, e: T.pte_t): PtEntry {
  const present = T.pte_present(e);
  const huge = level !== 'pte' && level !== 'pgd' && (e.lo & T._PAGE_PSE) !== 0 && present;
  const pfn = T.pte_pfn(e);
  const leaf = level === 'pte' || huge;
  return {
    index, va, span: SPAN[level],
    raw: ((BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0)).toString(16).padStart(16, '0'),
    present, rw: T.pte_write(e), user: T.pte_user(e), accessed: T.pte_young(e), dirty: T.pte_dirty(e),
    special: T.pte_special(e), nx: T.pte_nx(e), huge, swap: level === 'pte' && !present,
    pfn: present || !leaf ? pfn : 0,
    page: level === 'pte' && present && !T.pte_special(e) ? structPage(m, pfn) : null,
    child: null,
  };
}

/** Walk state shared by one snapshot: the leaf budget and whether it ran out. */
interface Budget { left: number; truncated: boolean; leaves: number }

/** The table at `pfn` (level `li`, first address `base`) with its non-none entries, recursively. */
function readTable(m: Machine, pfn: number, li: number, base: number, budget: Budget): PtTable {
  const level = LEVELS[li]!;
  const entries: PtEntry[] = [];
  for (let i = 0; i < T.PTRS_PER_TABLE; i++) {
    const va = base + i * SPAN[level];
    if (level === 'pgd' && va >= 2 ** 47) break; // the kernel half is not the user's
    const e = m.phys.read_entry(entry_pa(pfn, i));
    if (T.pte_none(e)) continue;
    if (budget.left <= 0) { budget.truncated = true; break; }
    const entry = decodeEntry(m, level, i, va, e);
    if (level === 'pte' || entry.huge) { budget.left--; budget.leaves++; }
    else if (entry.present) entry.child = readTable(m, entry.pfn, li + 1, va, budget);
    entries.push(entry);
  }
  return { level, pfn, entries };
}

/** The page-table tree and vmas of `mm`, with at most `maxEntries` leaf entries. */
export function pageTableTree(m: Machine, mm: mm_struct, maxEntries = 4096): { root: PtTable; vmas: VmaInfo[]; leafCount: number; truncated: boolean } {
  const budget: Budget = { left: Math.max(1, Math.floor(maxEntries)), truncated: false, leaves: 0 };
  const root = readTable(m, mm.pgd, 0, 0, budget);
  return { root, vmas: mm.mmap.map(vmaInfo), leafCount: budget.leaves, truncated: budget.truncated };
}

/** Every entry of a tree keyed by "level@va", children dropped (for diffs). */
export function flattenTree(root: PtTable): Map<string, PtEntry> {
  const out = new Map<string, PtEntry>();
  const visit = (t: PtTable): void => {
    for (const e of t.entries) {
      out.set(`${t.level}@${e.va}`, { ...e, child: null });
      if (e.child) visit(e.child);
    }
  };
  visit(root);
  return out;
}

const COMPARED = ['raw', 'present', 'rw', 'user', 'accessed', 'dirty', 'special', 'nx', 'huge', 'swap', 'pfn'] as const;
const PAGE_COMPARED = ['refcount', 'mapcount', 'anon', 'file'] as const;

/** The fields of two entries that differ (the struct page's counts and flags included). */
function changedFields(a: PtEntry, b: PtEntry): string[] {
  const out: string[] = COMPARED.filter((k) => a[k] !== b[k]);
  if (a.page && b.page) {
    out.push(...PAGE_COMPARED.filter((k) => a.page![k] !== b.page![k]));
    if (a.page.flags.join() !== b.page.flags.join()) out.push('flags');
  } else if ((a.page === null) !== (b.page === null)) out.push('page');
  return out;
}

/** What changed from `before` to `after` (flattened trees), sorted by address then level. */
export function diffTrees(before: Map<string, PtEntry>, after: Map<string, PtEntry>): PtChange[] {
  const changes: PtChange[] = [];
  const levelOf = (key: string): PtLevel => key.slice(0, key.indexOf('@')) as PtLevel;
  for (const [key, b] of after) {
    const a = before.get(key);
    if (!a) changes.push({ level: levelOf(key), va: b.va, kind: 'added', before: null, after: b, fields: [] });
    else {
      const fields = changedFields(a, b);
      if (fields.length) changes.push({ level: levelOf(key), va: b.va, kind: 'changed', before: a, after: b, fields });
    }
  }
  for (const [key, a] of before) if (!after.has(key)) changes.push({ level: levelOf(key), va: a.va, kind: 'removed', before: a, after: null, fields: [] });
  return changes.sort((x, y) => x.va - y.va || LEVELS.indexOf(x.level) - LEVELS.indexOf(y.level));
}
