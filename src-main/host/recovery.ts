// Crash recovery: dirty notebooks are autosaved (atomically) into the recovery folder, one file
// per open notebook, tagged with the host's process id. A file whose process is no longer alive
// was left by a crash or a kill: the next start lists it for the user to restore or discard.
// A clean save or close deletes the notebook's file.
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../notebook/store';
import type { NbNotebook, RecoveredNotebook } from '../contract';

/** What one recovery file holds. */
interface RecoveryRecord { recoveryId: string; pid: number; name: string; path: string | null; savedAt: string; notebook: NbNotebook }

const ID = /^[a-f0-9]{16}$/;

/** Whether process `pid` is alive (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RecoveryStore {
  readonly dir: string;

  /** Uses (and creates) the recovery folder inside `settingsDir`. */
  constructor(settingsDir: string) {
    this.dir = join(settingsDir, 'recovery');
    mkdirSync(this.dir, { recursive: true });
  }

  /** A new id for an open notebook's recovery file. */
  static newId(): string {
    return randomBytes(8).toString('hex');
  }

  /** Autosaves `notebook` under `recoveryId` (atomically: a kill mid-write leaves the previous copy). */
  write(recoveryId: string, name: string, path: string | null, notebook: NbNotebook): void {
    const record: RecoveryRecord = { recoveryId, pid: process.pid, name, path, savedAt: new Date().toISOString(), notebook };
    writeFileAtomic(this.file(recoveryId), JSON.stringify(record));
  }

  /** Deletes a recovery file; a missing one is fine. */
  remove(recoveryId: string): void {
    try {
      unlinkSync(this.file(recoveryId));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  /** The notebooks left by hosts that are no longer running, newest first. */
  listOrphans(): RecoveredNotebook[] {
    return this.orphans().map((r) => ({ recoveryId: r.recoveryId, name: r.name, path: r.path, savedAt: r.savedAt, cellCount: r.notebook.cells.length }))
      .sort((a, b) => b.savedAt.localeCompare(a.savedAt));
  }

  /** The orphaned record `recoveryId`; throws 'not-found' when there is none. */
  take(recoveryId: string): { name: string; path: string | null; notebook: NbNotebook } {
    const r = ID.test(recoveryId) ? this.orphans().find((x) => x.recoveryId === recoveryId) : undefined;
    if (!r) throw new Error(`not-found: no recovered notebook ${recoveryId}`);
    return { name: r.name, path: r.path, notebook: r.notebook };
  }

  /** Every readable record whose process is gone (damaged files are skipped). */
  private orphans(): RecoveryRecord[] {
    const out: RecoveryRecord[] = [];
    for (const f of readdirSync(this.dir)) {
      const id = f.replace(/\.json$/, '');
      if (!ID.test(id) || !f.endsWith('.json')) continue;
      try {
        const r = JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as RecoveryRecord;
        if (r.recoveryId === id && typeof r.pid === 'number' && Array.isArray(r.notebook?.cells) && !alive(r.pid)) out.push(r);
      } catch {
        // A damaged record cannot be offered; it stays on disk for a human to look at.
      }
    }
    return out;
  }

  /** The file of a recovery id. */
  private file(recoveryId: string): string {
    if (!ID.test(recoveryId)) throw new Error(`bad-request: bad recovery id ${recoveryId}`);
    return join(this.dir, `${recoveryId}.json`);
  }
}
