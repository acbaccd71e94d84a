// The page-table explorer's data: the processes (mms) of the open notebook's machine, the
// selected mm's 4-level tree with its VMAs (a big snapshot: shallowRef, never deep-reactive) and
// what the last cell changed in it. Re-read when the explorer is shown and, while it is, after
// each run.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { PageTableDiff, PageTableSnapshot, ProcessInfo, PtEntry, PtLevel } from '../../src-main/contract';
import { useHost } from '../client';
import { indexDiff } from '../lib/pagetable';
import { useNotebookStore } from './notebook';

/** The most leaves a snapshot asks for (the host cuts the tree there and says so). */
export const MAX_ENTRIES = 4096;

export const usePageTablesStore = defineStore('pagetables', () => {
  const processes = shallowRef<ProcessInfo[]>([]);
  const mmId = ref<number | null>(null);
  const snapshot = shallowRef<PageTableSnapshot | null>(null);
  const diff = shallowRef<PageTableDiff | null>(null);
  const selected = shallowRef<{ level: PtLevel; entry: PtEntry } | null>(null);
  const loading = ref(false);

  const changes = computed(() => indexDiff(diff.value));

  /** Re-reads the process list and the selected mm's tree and diff (the first mm when none is chosen). */
  async function refresh(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!nbId) return;
    loading.value = true;
    try {
      const list = await nb.guard(() => useHost().listProcesses(nbId), ['busy']);
      if (!list) return;
      processes.value = list;
      if (mmId.value === null || !list.some((p) => p.mmId === mmId.value)) mmId.value = list[list.length - 1]?.mmId ?? null;
      await loadTree();
    } finally {
      loading.value = false;
    }
  }

  /** Loads the selected mm's snapshot and diff; the selected entry is re-found by level and address. */
  async function loadTree(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    const mm = mmId.value;
    if (!nbId || mm === null) {
      snapshot.value = null;
      diff.value = null;
      return;
    }
    const [snap, d] = await Promise.all([
      nb.guard(() => useHost().pageTableSnapshot(nbId, mm, { maxEntries: MAX_ENTRIES }), ['busy', 'not-found']),
      nb.guard(() => useHost().pageTableDiff(nbId, mm), ['busy', 'not-found']),
    ]);
    snapshot.value = snap ?? null;
    diff.value = d ?? null;
    const sel = selected.value;
    selected.value = sel && snap ? findEntry(snap, sel.level, sel.entry.va) : null;
  }

  /** Chooses process `id` and loads its tree. */
  async function choose(id: number): Promise<void> {
    mmId.value = id;
    selected.value = null;
    await loadTree();
  }

  /** Shows entry `entry` (at `level`) in the detail pane. */
  function select(level: PtLevel, entry: PtEntry): void {
    selected.value = { level, entry };
  }

  return { processes, mmId, snapshot, diff, selected, loading, changes, refresh, loadTree, choose, select };
});

/** The entry of `snap` at `level` starting at `va`, or null. */
function findEntry(snap: PageTableSnapshot, level: PtLevel, va: number): { level: PtLevel; entry: PtEntry } | null {
  let table: PageTableSnapshot['root'] | null = snap.root;
  while (table) {
    const t: PageTableSnapshot['root'] = table;
    const e = t.entries.find((x) => x.va <= va && va < x.va + x.span);
    if (!e) return null;
    if (t.level === level) return e.va === va ? { level, entry: e } : null;
    table = e.child;
  }
  return null;
}
