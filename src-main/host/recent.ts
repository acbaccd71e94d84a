// The recent-files list, persisted as JSON in the settings folder (most recent first, at most
// ten). It is also the only way the renderer may name a path: openRecent accepts a path only if
// this list holds it.
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../notebook/store';
import type { RecentEntry } from '../contract';

const MAX_RECENT = 10;

export class RecentFiles {
  private readonly file: string;
  private entries: RecentEntry[];

  /** Loads the list from `settingsDir` (an unreadable or damaged list starts empty, and says so on stderr). */
  constructor(settingsDir: string) {
    mkdirSync(settingsDir, { recursive: true });
    this.file = join(settingsDir, 'recent.json');
    this.entries = RecentFiles.load(this.file);
  }

  /** The entries stored in `file`, [] when there is no file; a damaged file is reported and ignored. */
  private static load(file: string): RecentEntry[] {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    try {
      const v = JSON.parse(text) as unknown;
      if (!Array.isArray(v)) throw new Error('not a list');
      return v.filter((e): e is RecentEntry => typeof e?.path === 'string' && typeof e?.name === 'string' && typeof e?.openedAt === 'string').slice(0, MAX_RECENT);
    } catch (e) {
      process.stderr.write(`mmu-lab: ignoring the damaged recent-files list ${file}: ${(e as Error).message}\n`);
      return [];
    }
  }

  /** The list, most recent first (a copy). */
  list(): RecentEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Whether `path` is on the list. */
  has(path: string): boolean {
    return this.entries.some((e) => e.path === path);
  }

  /** Puts `path` first (adding it, dropping the oldest beyond ten) and saves the list. */
  add(path: string): void {
    this.entries = [{ path, name: basename(path), openedAt: new Date().toISOString() }, ...this.entries.filter((e) => e.path !== path)].slice(0, MAX_RECENT);
    this.save();
  }

  /** Removes `path` (e.g. a file that no longer exists) and saves the list. */
  remove(path: string): void {
    this.entries = this.entries.filter((e) => e.path !== path);
    this.save();
  }

  /** Empties the list. */
  clear(): void {
    this.entries = [];
    this.save();
  }

  /** Writes the list atomically. */
  private save(): void {
    writeFileAtomic(this.file, `${JSON.stringify(this.entries, null, 1)}\n`);
  }
}
