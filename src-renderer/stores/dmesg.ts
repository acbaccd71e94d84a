// The kernel log of the open notebook's machine, re-read after every cell and machine reset.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { useHost } from '../client';
import { useNotebookStore } from './notebook';

/** The printk level of a dmesg line ("<3>..." or "... KERN_ERR ..."), as a CSS-friendly word. */
export function lineLevel(line: string): 'emerg' | 'alert' | 'crit' | 'err' | 'warn' | 'info' {
  const m = /^<([0-7])>/.exec(line);
  const levels = ['emerg', 'alert', 'crit', 'err', 'warn', 'warn', 'info', 'info'] as const;
  if (m) return levels[Number(m[1])]!;
  if (/\b(BUG|Oops|KernelBug|kernel BUG)\b/.test(line)) return 'crit';
  if (/\b(WARNING|warn)/i.test(line)) return 'warn';
  if (/\berror\b/i.test(line)) return 'err';
  return 'info';
}

export const useDmesgStore = defineStore('dmesg', () => {
  const lines = shallowRef<string[]>([]);
  const filter = ref('');
  const newSince = ref(0);

  const shown = computed(() => {
    const f = filter.value.trim().toLowerCase();
    return f ? lines.value.filter((l) => l.toLowerCase().includes(f)) : lines.value;
  });

  /** Re-reads the log; lines beyond the previous length count as new. */
  async function refresh(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!nbId) return;
    const next = await nb.guard(() => useHost().dmesg(nbId), ['busy']);
    if (!next) return;
    newSince.value = next.length >= lines.value.length ? lines.value.length : 0;
    lines.value = next;
  }

  return { lines, filter, newSince, shown, refresh };
});
