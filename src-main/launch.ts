// The app's entry point for `npm start` and `npm run serve` (run through tsx):
//   start  opens the Electron app; where no Electron binary can be had (it cannot be downloaded
//          on every machine), says so and starts browser mode instead, printing the URL.
//   serve  starts browser mode (src-main/serve.ts).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './host/paths';
import { buildApp, newest, rendererStale, serve } from './serve';

/**
 * The Electron executable of node_modules/electron, or null when it is not installed. Reads
 * electron's path.txt rather than require('electron'), which would try to download it.
 */
export function electronBinary(root = REPO_ROOT): string | null {
  const dir = join(root, 'node_modules', 'electron');
  if (process.env['ELECTRON_OVERRIDE_DIST_PATH']) {
    const bin = join(process.env['ELECTRON_OVERRIDE_DIST_PATH'], process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(bin) ? bin : null;
  }
  let rel: string;
  try {
    rel = readFileSync(join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    return null;
  }
  const bin = join(dir, 'dist', rel);
  return rel && existsSync(bin) ? bin : null;
}

/** Whether the built main process is missing or older than the host's or the engine's sources. */
function mainStale(): boolean {
  let built: number;
  try {
    built = statSync(join(REPO_ROOT, 'out', 'main', 'index.js')).mtimeMs;
  } catch {
    return true;
  }
  return Math.max(newest(join(REPO_ROOT, 'src-main')), newest(join(REPO_ROOT, 'src-engine'))) > built;
}

/** Opens the Electron app (building it first when the build is missing or stale); resolves with its exit status. */
function startElectron(bin: string, argv: readonly string[]): Promise<number> {
  if (mainStale() || rendererStale()) buildApp();
  return new Promise((resolve) => {
    const child = spawn(bin, [REPO_ROOT, ...argv], { stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', (e) => {
      process.stderr.write(`mmu-lab: cannot start Electron (${e.message})\n`);
      resolve(1);
    });
  });
}

/** Runs `start` or `serve` with the remaining arguments. */
async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  if (command !== 'start') throw new Error(`usage: launch.ts start|serve [--port N] [--no-build]`);
  const bin = electronBinary();
  if (bin) {
    process.exitCode = await startElectron(bin, rest);
    return;
  }
  process.stderr.write('mmu-lab: no Electron binary on this machine (node_modules/electron has none, and it cannot be downloaded here); starting browser mode instead.\n');
  return serve(rest);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`mmu-lab: ${(e as Error).message}\n`);
  process.exit(1);
});
