// Autosave and crash recovery: a host process with unsaved work is killed (SIGKILL, no chance to
// clean up); the next host finds the notebook, restores it dirty with its content, or discards
// it. A live host's autosaves are never offered as recovered.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabHost } from '../../src-main/host/host';
import { RecoveryStore } from '../../src-main/host/recovery';
import type { NbNotebook } from '../../src-main/contract';
import { tempDirs, tempHost } from './helpers';

const CHILD = fileURLToPath(new URL('./autosave-child.ts', import.meta.url));
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** Runs autosave-child.ts (one process: tsx as a loader, no wrapper) until it has autosaved, then kills it with SIGKILL. */
async function crashAfterAutosave(dirs: { settings: string; examples: string }): Promise<void> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CHILD, dirs.settings, dirs.examples], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the child never autosaved')), 30_000);
    child.stdout.on('data', (d: Buffer) => { if (String(d).includes('autosaved')) { clearTimeout(timer); resolve(); } });
    child.on('exit', (code) => reject(new Error(`the child exited early (${code})`)));
  });
  child.removeAllListeners('exit');
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}

/** A host on `dirs` (browser mode, no type checks). */
const hostOn = (dirs: ReturnType<typeof tempDirs>): LabHost => new LabHost({ version: '0', mode: 'browser', settingsDir: dirs.settings, examplesDir: dirs.examples, notebooksDir: dirs.books, dialogs: null, session: { typecheck: false } });

describe('autosave and crash recovery', () => {
  it('offers the unsaved notebook of a killed host, restores it dirty, and forgets it once restored', async () => {
    const dirs = tempDirs();
    await crashAfterAutosave(dirs);
    const host = hostOn(dirs);
    try {
      const found = await host.listRecovered();
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ name: 'Untitled.ipynb', path: null, cellCount: 1 });
      const nb = await host.restoreRecovered(found[0]!.recoveryId);
      expect(nb).toMatchObject({ origin: 'recovered', dirty: true });
      expect(nb.notebook.cells[0]).toMatchObject({ id: 'kept', source: 'print("unsaved work")' });
      expect(await host.listRecovered()).toEqual([]);
      expect(host.dirtyNotebooks()).toHaveLength(1);
    } finally {
      await host.dispose();
    }
  }, 60_000);

  it('discards a recovered notebook for good; unknown ids are not-found', async () => {
    const dirs = tempDirs();
    await crashAfterAutosave(dirs);
    const host = hostOn(dirs);
    try {
      const [r] = await host.listRecovered();
      await host.discardRecovered(r!.recoveryId);
      expect(await host.listRecovered()).toEqual([]);
      expect(readdirSync(join(dirs.settings, 'recovery')).filter((f) => f.endsWith('.json'))).toEqual([]);
      await expect(host.discardRecovered(r!.recoveryId)).rejects.toThrow(/^not-found:/);
    } finally {
      await host.dispose();
    }
  }, 60_000);

  it('autosaves only dirty notebooks, never offers a live host\'s copies, and drops the copy on save or clean state', async () => {
    const { host, dirs } = tempHost(null, 60_000);
    try {
      const nb = await host.newNotebook();
      const store = new RecoveryStore(dirs.settings);
      const copies = (): string[] => readdirSync(store.dir).filter((f) => f.endsWith('.json'));
      host.autosave();
      expect(copies()).toEqual([]);
      const doc = structuredClone(nb.notebook) as NbNotebook;
      doc.cells.push({ id: 'm', cell_type: 'markdown', metadata: {}, source: 'draft' });
      await host.notebookChanged(nb.id, doc, true);
      host.autosave();
      expect(copies()).toHaveLength(1);
      expect(await host.listRecovered()).toEqual([]); // this process is alive: not a crash
      await host.notebookChanged(nb.id, doc, false);
      expect(copies()).toEqual([]);
      await host.notebookChanged(nb.id, doc, true);
      host.autosave();
      await host.saveNotebookAs(nb.id, doc, 'kept');
      expect(copies()).toEqual([]);
    } finally {
      await host.dispose();
    }
  }, 30_000);
});
