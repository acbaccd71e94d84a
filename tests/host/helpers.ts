// Shared set-up of the host tests: a LabHost on temporary folders, with one valid example.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabHost, type Dialogs } from '../../src-main/host/host';
import { codeCell, markdownCell, newNotebook, serializeNotebook } from '../../src-main/notebook/notebook';

/** A valid notebook's text: a heading, a paragraph and one code cell printing `text`. */
export function notebookText(text = 'hello', machine: Record<string, unknown> = { ram_mb: 16 }): string {
  const nb = newNotebook(machine);
  nb.cells.push(markdownCell('# A small example\n\nIt prints one line.'), codeCell(`print(${JSON.stringify(text)});`));
  return serializeNotebook(nb);
}

/** Temporary settings, examples and notebooks folders (the example folder holds demo.ipynb). */
export function tempDirs(): { root: string; settings: string; examples: string; books: string } {
  const root = mkdtempSync(join(tmpdir(), 'mmu-host-'));
  const dirs = { root, settings: join(root, 'settings'), examples: join(root, 'examples'), books: join(root, 'books') };
  for (const d of [dirs.examples, dirs.books]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dirs.examples, 'demo.ipynb'), notebookText('from the example'));
  return dirs;
}

/** A browser-mode host on fresh temporary folders (or an Electron-mode one when `dialogs` is given). */
export function tempHost(dialogs: Dialogs | null = null, autosaveMs = 3000): { host: LabHost; dirs: ReturnType<typeof tempDirs> } {
  const dirs = tempDirs();
  const host = new LabHost({
    version: '9.9.9', mode: dialogs ? 'electron' : 'browser', settingsDir: dirs.settings, examplesDir: dirs.examples,
    notebooksDir: dialogs ? null : dirs.books, dialogs, autosaveMs, session: { typecheck: false },
  });
  return { host, dirs };
}
