// UI settings kept in the browser's storage: the theme (light, dark, or the system's) and which
// side panel is open. Nothing here reaches the host.
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

export type Theme = 'light' | 'dark' | 'system';
export type Panel = 'machine' | 'charts' | 'pagetables' | 'dmesg';
export const PANELS: readonly Panel[] = ['machine', 'charts', 'pagetables', 'dmesg'];

const KEY = 'mmu-lab.settings';

/** The saved settings, or defaults when none are saved or they do not parse. */
function load(): { theme: Theme; panel: Panel } {
  const fallback = { theme: 'system' as Theme, panel: 'machine' as Panel };
  try {
    const raw = JSON.parse(globalThis.localStorage?.getItem(KEY) ?? 'null') as { theme?: unknown; panel?: unknown } | null;
    const theme = ['light', 'dark', 'system'].includes(raw?.theme as string) ? (raw!.theme as Theme) : fallback.theme;
    const panel = PANELS.includes(raw?.panel as Panel) ? (raw!.panel as Panel) : fallback.panel;
    return { theme, panel };
  } catch {
    return fallback;
  }
}

export const useSettingsStore = defineStore('settings', () => {
  const saved = load();
  const theme = ref<Theme>(saved.theme);
  const panel = ref<Panel>(saved.panel);
  const systemDark = ref(globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false);
  globalThis.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', (e) => { systemDark.value = e.matches; });

  /** The theme actually shown. */
  const effectiveTheme = computed<'light' | 'dark'>(() => (theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value));

  /** Cycles light → dark → system. */
  function cycleTheme(): void {
    theme.value = theme.value === 'light' ? 'dark' : theme.value === 'dark' ? 'system' : 'light';
  }

  /** Shows side panel `p`. */
  function openPanel(p: Panel): void {
    panel.value = p;
  }

  watch([theme, panel], () => {
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify({ theme: theme.value, panel: panel.value }));
    } catch {
      // Storage can be full or disabled; the settings then last for this page only.
    }
  });

  return { theme, panel, effectiveTheme, cycleTheme, openPanel };
});
