// `npm run serve` (and `npm start` where no Electron binary exists): the lab's host services
// behind a WebSocket on 127.0.0.1, serving the built renderer, opened in any browser by the
// printed URL. Builds the renderer first when it is missing or older than src-renderer/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LabHost } from './host/host';
import { startServer } from './host/ws-server';
import { EXAMPLES_DIR, REPO_ROOT, RENDERER_DIR, notebooksDir, settingsDir } from './host/paths';

/** The newest modification time (ms) of any file under `dir` (0 when it does not exist). */
export function newest(dir: string): number {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Whether the renderer build is missing or older than its sources. */
export function rendererStale(): boolean {
  let built: number;
  try {
    built = statSync(join(RENDERER_DIR, 'index.html')).mtimeMs;
  } catch {
    return true;
  }
  return newest(join(REPO_ROOT, 'src-renderer')) > built;
}

/** Runs `electron-vite build` (main, preload and renderer) in the repository; throws if it fails. */
export function buildApp(): void {
  process.stderr.write('mmu-lab: building the app (electron-vite build)...\n');
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`electron-vite build failed (status ${r.status ?? r.signal})`);
}

/** Parses `--port N` and `--no-build` (the only options). */
function parseOptions(argv: readonly string[]): { port: number; build: boolean } {
  const out = { port: 0, build: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-build') out.build = false;
    else if (argv[i] === '--port' && /^\d+$/.test(argv[i + 1] ?? '')) out.port = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (use --port N, --no-build)`);
  }
  return out;
}

/** Starts browser mode and prints the URL; resolves once it listens. */
export async function serve(argv: readonly string[] = []): Promise<void> {
  const opts = parseOptions(argv);
  if (opts.build && rendererStale()) buildApp();
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const books = notebooksDir();
  mkdirSync(books, { recursive: true });
  const host = new LabHost({ version, mode: 'browser', settingsDir: settingsDir(), examplesDir: EXAMPLES_DIR, notebooksDir: books, dialogs: null });
  const server = await startServer({ host, staticDir: RENDERER_DIR, port: opts.port });
  process.stdout.write(`MMU Lab ${version} (browser mode) is running. Open this URL in a browser:\n\n    ${server.url}\n\nNotebooks saved from the browser go to ${books}. Ctrl+C stops the lab.\n`);
  const quit = (): void => {
    void server.close().then(() => host.dispose()).then(() => process.exit(0));
  };
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}

