// Where the host keeps things on this computer, by each platform's convention, and where the
// repository's parts are (examples, the built renderer).
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is src-main/host/paths.ts; built, out/main/*.js: two levels up either way). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The example library. */
export const EXAMPLES_DIR = join(REPO_ROOT, 'experiments');

/** Where electron-vite builds the renderer (electron.vite.config.ts: renderer.build's default outDir). */
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

/**
 * The settings folder (recent files, recovery): MMU_LAB_SETTINGS_DIR, else the platform's
 * per-user application data folder (~/.config/mmu-lab, ~/Library/Application Support/MMU Lab,
 * %APPDATA%\MMU Lab).
 */
export function settingsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['MMU_LAB_SETTINGS_DIR']) return env['MMU_LAB_SETTINGS_DIR'];
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'MMU Lab');
  if (process.platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'MMU Lab');
  return join(env['XDG_CONFIG_HOME'] ?? join(homedir(), '.config'), 'mmu-lab');
}

/** Browser mode's notebook folder (Save As writes there): MMU_LAB_NOTEBOOKS_DIR, else ~/mmu-lab-notebooks. */
export function notebooksDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['MMU_LAB_NOTEBOOKS_DIR'] ?? join(homedir(), 'mmu-lab-notebooks');
}
