// Starts the real browser mode (`src-main/launch.ts serve`, what `npm run serve` runs) for the
// e2e tests: its own settings and notebooks folders, a free port, the URL read from what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface Served { url: string; notebooksDir: string; settingsDir: string; stop(): Promise<void> }

/**
 * Runs browser mode in a child process and resolves once it prints its URL (the renderer is built
 * first when stale, as `npm run serve` does). Rejects with the child's output when it exits or
 * prints no URL within `timeoutMs`.
 */
export function startServe(timeoutMs = 180_000): Promise<Served> {
  const base = mkdtempSync(join(tmpdir(), 'mmu-lab-e2e-'));
  const settingsDir = join(base, 'settings');
  const notebooksDir = join(base, 'notebooks');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src-main/launch.ts', 'serve', '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, MMU_LAB_SETTINGS_DIR: settingsDir, MMU_LAB_NOTEBOOKS_DIR: notebooksDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(base, { recursive: true, force: true });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`npm run serve printed no URL in ${timeoutMs} ms:\n${log}`))), timeoutMs);
    const read = (chunk: Buffer): void => {
      log += chunk.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[0], notebooksDir, settingsDir, stop });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run serve exited (${code}) before printing a URL:\n${log}`));
    });
  });
}
