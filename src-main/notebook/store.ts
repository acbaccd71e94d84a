// Saving notebooks to disk atomically: a crash mid-save never leaves a truncated notebook.
import { openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync, readFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseNotebook, serializeNotebook, type Notebook } from './notebook';

/** fsync a directory so a rename in it is durable (a no-op where directories cannot be opened). */
function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open directories; the rename is still atomic there.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Write `text` to `path` atomically: a temporary file beside it, fsync, rename over, fsync the folder. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  fsyncDir(dirname(path));
}

/** Save a notebook atomically (validated first: an invalid notebook is never written). */
export function saveNotebook(path: string, nb: Notebook): void {
  writeFileAtomic(path, serializeNotebook(nb));
}

/** Load and validate a notebook file; opening never runs anything. */
export function loadNotebook(path: string): Notebook {
  return parseNotebook(readFileSync(path, 'utf8'));
}
