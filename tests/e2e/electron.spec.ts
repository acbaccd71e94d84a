// The desktop app itself through Playwright's Electron driver: launch, open an example, run it,
// save it. It needs Electron's binary, which npm cannot download on every machine (not on these
// test machines): there the test is skipped and says why. Browser mode covers the same UI
// (tests/e2e/app.spec.ts) against the same host services.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { REPO } from './serve';

/** The Electron executable of node_modules/electron, or null (read from path.txt: require('electron') would try to download it). */
function electronBinary(): string | null {
  try {
    const rel = readFileSync(join(REPO, 'node_modules', 'electron', 'path.txt'), 'utf8').trim();
    const bin = join(REPO, 'node_modules', 'electron', 'dist', rel);
    return rel && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

const BIN = electronBinary();
const NO_ELECTRON = 'SKIPPED: no Electron binary on this machine (node_modules/electron has none and it cannot be downloaded here); this test runs wherever one exists.';

test('Electron: launch, open an example, run it and save it', async () => {
  if (!BIN) process.stderr.write(`electron.spec.ts: ${NO_ELECTRON}\n`);
  test.skip(!BIN, NO_ELECTRON);
  const build = spawnSync(process.execPath, [join(REPO, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: REPO, encoding: 'utf8' });
  expect(build.status, build.stderr).toBe(0);
  const dir = mkdtempSync(join(tmpdir(), 'mmu-lab-electron-'));
  const app = await electron.launch({ executablePath: BIN!, args: [REPO, `--user-data-dir=${join(dir, 'user')}`], cwd: REPO });
  try {
    const win = await app.firstWindow();
    await expect(win).toHaveTitle(/MMU Lab/);
    await expect(win.getByTestId('kernel-state')).toContainText('kernel idle', { timeout: 60_000 });

    await win.getByRole('button', { name: 'Open…' }).click();
    await win.locator('dialog button.example').first().click();
    await win.getByRole('button', { name: /Run all/ }).click();
    await expect(win.locator('.cell.running')).toHaveCount(0, { timeout: 150_000 });
    await expect(win.getByTestId('kernel-state')).toContainText('kernel idle', { timeout: 150_000 });
    await expect(win.locator('.out-error')).toHaveCount(0);
    await expect(win.locator('.outputs').first()).toBeVisible();

    // The native Save dialog cannot be driven; answer it from the main process instead.
    const target = join(dir, 'saved.ipynb');
    await app.evaluate(({ dialog }, path) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath: path })) as typeof dialog.showSaveDialog;
    }, target);
    await win.getByRole('button', { name: 'Save As…' }).click();
    await expect(win.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
    const saved = JSON.parse(readFileSync(target, 'utf8')) as { cells: { cell_type: string; outputs?: unknown[] }[] };
    expect(saved.cells.some((c) => c.cell_type === 'code' && (c.outputs?.length ?? 0) > 0)).toBe(true);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
