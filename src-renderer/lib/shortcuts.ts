// The app's keyboard shortcuts in one table: what the key handler matches, what buttons
// announce (aria-keyshortcuts) and what tooltips print. "Mod" is Cmd on macOS, Ctrl elsewhere.

export type Action =
  | 'new' | 'open' | 'save' | 'save-as' | 'run-cell' | 'run-all' | 'stop' | 'restart' | 'toggle-theme'
  | 'panel-machine' | 'panel-charts' | 'panel-pagetables' | 'panel-dmesg' | 'add-code' | 'focus-notebook' | 'help';

interface Shortcut { mod: boolean; shift: boolean; alt: boolean; key: string }

const TABLE: Record<Exclude<Action, 'run-cell' | 'new' | 'add-code'>, Shortcut> = {
  'open': { mod: true, shift: false, alt: false, key: 'o' },
  'save': { mod: true, shift: false, alt: false, key: 's' },
  'save-as': { mod: true, shift: true, alt: false, key: 's' },
  'run-all': { mod: true, shift: true, alt: false, key: 'Enter' },
  'stop': { mod: true, shift: false, alt: false, key: '.' },
  'restart': { mod: false, shift: true, alt: true, key: 'r' },
  'toggle-theme': { mod: false, shift: false, alt: true, key: 't' },
  'panel-machine': { mod: false, shift: false, alt: true, key: '1' },
  'panel-charts': { mod: false, shift: false, alt: true, key: '2' },
  'panel-pagetables': { mod: false, shift: false, alt: true, key: '3' },
  'panel-dmesg': { mod: false, shift: false, alt: true, key: '4' },
  'focus-notebook': { mod: false, shift: false, alt: true, key: '0' },
  'help': { mod: false, shift: false, alt: false, key: 'F1' },
};

/** What each shortcut does, for the help dialog (in the order shown). */
export const SHORTCUT_HELP: readonly { action: keyof typeof TABLE; text: string }[] = [
  { action: 'open', text: 'Open a notebook (examples, recent, file)' },
  { action: 'save', text: 'Save' },
  { action: 'save-as', text: 'Save As' },
  { action: 'run-all', text: 'Run all cells' },
  { action: 'stop', text: 'Stop the running cell' },
  { action: 'restart', text: 'Restart the machine' },
  { action: 'panel-machine', text: 'Machine panel (focus it)' },
  { action: 'panel-charts', text: 'Charts panel' },
  { action: 'panel-pagetables', text: 'Page-table explorer' },
  { action: 'panel-dmesg', text: 'Kernel log' },
  { action: 'focus-notebook', text: 'Back to the selected cell' },
  { action: 'toggle-theme', text: 'Theme: light, dark, system' },
  { action: 'help', text: 'This list' },
];

/** The keys of cells (not configurable), for the help dialog. */
export const CELL_KEYS: readonly [string, string][] = [
  ['Shift+Enter', 'Run the cell and select the next (a new one after the last)'],
  ['Ctrl/⌘+Enter', 'Run the cell in place'],
  ['Escape', 'Leave the editor (the cell stays selected)'],
  ['Enter', 'Edit the selected cell'],
  ['↑ / ↓ (or K / J)', 'Select the previous / next cell'],
  ['A / B', 'Insert a code cell above / below'],
  ['M / Y', 'Make the cell markdown / code'],
  ['Alt+↑ / Alt+↓', 'Move the cell up / down'],
  ['Ctrl/⌘+Shift+Backspace', 'Delete the cell'],
  ['Ctrl+Space', 'Completion in the editor; Ctrl+K Ctrl+I shows the docs at the cursor'],
  ['Ctrl+M', 'In the editor: Tab moves focus instead of indenting (toggle)'],
];

/** The key a keyboard event names, lower-cased for letters; Alt+digit read from the physical key. */
function keyOf(e: KeyboardEvent): string {
  if (e.altKey && /^Digit\d$/.test(e.code)) return e.code.slice(5);
  if (e.altKey && /^Key[A-Z]$/.test(e.code)) return e.code.slice(3).toLowerCase();
  return e.key.length === 1 ? e.key.toLowerCase() : e.key;
}

/** The action bound to `e`, or null. `mac` decides whether Mod is Cmd or Ctrl. */
export function shortcutOf(e: KeyboardEvent, mac: boolean): Action | null {
  const mod = mac ? e.metaKey : e.ctrlKey;
  const other = mac ? e.ctrlKey : e.metaKey;
  if (other) return null;
  const key = keyOf(e);
  for (const [action, s] of Object.entries(TABLE) as [Action, Shortcut][]) {
    if (s.mod === mod && s.shift === e.shiftKey && s.alt === e.altKey && s.key === key) return action;
  }
  return null;
}

/** How a shortcut is written for aria-keyshortcuts (Control, not Mod) and for people. */
function describe(s: Shortcut) {
  const key = s.key.length === 1 ? s.key.toUpperCase() : s.key;
  const parts = (mod: string) => [s.mod ? mod : '', s.alt ? 'Alt' : '', s.shift ? 'Shift' : '', key].filter(Boolean).join('+');
  return { aria: parts('Control'), label: (mac: boolean) => parts(mac ? '⌘' : 'Ctrl') };
}

export const SHORTCUTS = Object.fromEntries(Object.entries(TABLE).map(([a, s]) => [a, describe(s)])) as Record<keyof typeof TABLE, ReturnType<typeof describe>>;
