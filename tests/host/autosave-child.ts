// A host process for the recovery test: opens a notebook, marks it dirty with a known cell,
// waits for the autosave, prints "autosaved", then idles until it is killed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LabHost } from '../../src-main/host/host';
import type { NbNotebook } from '../../src-main/contract';

const [settingsDir, examplesDir] = process.argv.slice(2) as [string, string];
const host = new LabHost({ version: '0', mode: 'browser', settingsDir, examplesDir, notebooksDir: null, dialogs: null, autosaveMs: 50 });
const nb = await host.newNotebook();
const doc = structuredClone(nb.notebook) as NbNotebook;
doc.cells.push({ id: 'kept', cell_type: 'code', metadata: {}, source: 'print("unsaved work")', outputs: [], execution_count: null });
await host.notebookChanged(nb.id, doc, true);
const dir = join(settingsDir, 'recovery');
const timer = setInterval(() => {
  if (existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.json'))) {
    clearInterval(timer);
    process.stdout.write('autosaved\n');
  }
}, 20);
setInterval(() => {}, 1000);
