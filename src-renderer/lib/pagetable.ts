// Reading a page-table snapshot for the explorer: addresses in hex, the flag bits of an entry,
// the diff since the last cell indexed by (level, va), and the leaves as a flat list.
import type { PageTableDiff, PageTableSnapshot, PtChange, PtEntry, PtLevel, PtTable } from '../../src-main/contract';

/** The flag bits the explorer shows, in the order of their columns. */
export const PTE_BITS = [
  { key: 'present', label: 'P', title: 'present' },
  { key: 'rw', label: 'W', title: 'writable (RW)' },
  { key: 'user', label: 'U', title: 'user' },
  { key: 'accessed', label: 'A', title: 'accessed' },
  { key: 'dirty', label: 'D', title: 'dirty' },
  { key: 'special', label: 'S', title: 'special' },
  { key: 'nx', label: 'NX', title: 'no execute' },
] as const;

/** `n` as 0x-prefixed hex (addresses up to 2^53 are exact). */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** The key of an entry in a diff or the tree: level and first virtual address. */
export function entryKey(level: PtLevel, va: number): string {
  return `${level}:${va}`;
}

/** The diff's changes by entry key. */
export function indexDiff(diff: PageTableDiff | null): Map<string, PtChange> {
  return new Map((diff?.changes ?? []).map((c) => [entryKey(c.level, c.va), c]));
}

/** A leaf of the tree (a pte, or a huge pud/pmd entry) with the level it sits at. */
export interface Leaf { level: PtLevel; entry: PtEntry }

/** Every leaf of `table`, in address order. */
export function leaves(table: PtTable): Leaf[] {
  const out: Leaf[] = [];
  const walk = (t: PtTable): void => {
    for (const e of t.entries) {
      if (t.level === 'pte' || e.huge || !e.child) {
        if (t.level === 'pte' || e.huge) out.push({ level: t.level, entry: e });
      } else walk(e.child);
    }
  };
  walk(table);
  return out;
}

/** The leaves of `snap` the diff marks added or changed (what the last cell did), in address order. */
export function changedLeaves(snap: PageTableSnapshot, diff: PageTableDiff | null): Leaf[] {
  const idx = indexDiff(diff);
  return leaves(snap.root).filter((l) => {
    const c = idx.get(entryKey(l.level, l.entry.va));
    return c && c.kind !== 'removed';
  });
}

/** The VMA of `snap` that contains `va`, or undefined. */
export function vmaAt(snap: PageTableSnapshot, va: number) {
  return snap.vmas.find((v) => v.start <= va && va < v.end);
}

/** A readable size: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
export function spanText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  while (bytes >= 1024 && u < units.length - 1 && bytes % 1024 === 0) { bytes /= 1024; u++; }
  return `${bytes} ${units[u]}`;
}
