// The lab in a browser as a user drives it (issue 5, "Tests"): the real host in browser mode
// (`npm run serve`), Debian's Chromium, one session from opening an example to reopening a
// saved notebook. Screenshots of the main views go to test-results/e2e/screenshots, or to
// MMU_LAB_SCREENSHOTS (the README's: MMU_LAB_SCREENSHOTS=tests/e2e/screenshots npm run test:e2e).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { REPO, startServe, type Served } from './serve';

const SHOTS = process.env['MMU_LAB_SCREENSHOTS'] ?? join(REPO, 'test-results', 'e2e', 'screenshots');
const MOD = process.platform === 'darwin' ? 'Meta' : 'Control';

let served: Served;
let page: Page;
const problems: string[] = [];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ browser }) => {
  served = await startServe();
  mkdirSync(SHOTS, { recursive: true });
  page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  await page.goto(served.url);
  await expect(page.getByTestId('kernel-state')).toContainText('kernel', { timeout: 60_000 });
});

test.afterAll(async () => {
  await page?.close();
  await served?.stop();
});

/** Saves a screenshot of the page for the README. */
async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Waits until no cell is queued or running and the kernel is idle. */
async function waitIdle(timeout = 90_000): Promise<void> {
  await expect(page.locator('.cell.running')).toHaveCount(0, { timeout });
  await expect(page.locator('.cell .count', { hasText: /\[(\*|…)\]/ })).toHaveCount(0, { timeout });
  await expect(page.getByTestId('kernel-state')).toContainText('kernel idle', { timeout });
}

/** Adds a code cell at the end and returns it, its editor focused. */
async function newCodeCell(): Promise<Locator> {
  const before = await page.locator('section.cell').count();
  await page.getByRole('button', { name: '+ Code' }).click();
  const cell = page.locator('section.cell').nth(before);
  await expect(cell.locator('.monaco-editor.focused')).toBeVisible();
  return cell;
}

/** Types `lines` into the focused editor as a user would (Enter between lines). */
async function typeLines(lines: string[]): Promise<void> {
  for (const [i, l] of lines.entries()) {
    if (i) await page.keyboard.press('Enter');
    await page.keyboard.type(l);
  }
}

test('open an example, run all, and see charts drawn from real data', async () => {
  await page.getByRole('button', { name: 'Open…' }).click();
  const examples = page.locator('dialog button.example');
  await expect(examples.first()).toBeVisible();
  const ids = await examples.evaluateAll((els) => els.map((e) => e.getAttribute('data-example') ?? ''));
  const pick = ids.find((id) => /fault/.test(id)) ?? ids[0]!;
  await page.locator(`dialog button.example[data-example="${pick}"]`).click();
  await expect(page.locator('dialog[open]')).toHaveCount(0);
  await expect(page.locator('section.cell.markdown h1, section.cell.markdown h2').first()).toBeVisible();

  await page.getByRole('button', { name: /Run all/ }).click();
  await expect(page.getByTestId('kernel-state')).toContainText(/kernel (busy|idle)/);
  await waitIdle(150_000);
  await expect(page.locator('.out-error')).toHaveCount(0);
  const codeCells = page.locator('section.cell.code');
  const n = await codeCells.count();
  for (let i = 0; i < n; i++) await expect(codeCells.nth(i).locator('.count')).toHaveText(/\[\d+\]/);

  const charts = page.locator('.outputs figure.chart');
  await expect(charts.first()).toBeVisible();
  const points = await charts.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-points'))));
  expect(points.every((p) => p > 0)).toBe(true);
  await charts.first().scrollIntoViewIfNeeded();
  // A drawn canvas has non-background pixels.
  const inked = await charts.first().locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) ink++;
    return ink;
  });
  expect(inked).toBeGreaterThan(500);
  await shot('run-all-charts');

  await page.keyboard.press('Alt+2');
  await expect(page.getByRole('tab', { name: 'Charts' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#panel-charts')).toBeFocused();
  await expect(page.locator('#panel-charts figure.chart').first()).toBeVisible();
  await shot('charts-panel');
});

test('an example opened after another notebook shows no type errors: its cells see each other\'s declarations', async () => {
  page.once('dialog', (d) => void d.accept()); // discard the run example's outputs
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await expect(page.locator('section.cell.code')).toHaveCount(1);
  await page.getByRole('button', { name: 'Open…' }).click();
  await page.locator('dialog button.example[data-example="01-tlb-reach.ipynb"]').click();
  await expect(page.locator('dialog[open]')).toHaveCount(0);
  // Cell 2 uses max_pages, which cell 1 declares: it was once checked before cell 1 existed and kept the error.
  const second = page.locator('section.cell.code').nth(1);
  await expect(second.locator('.view-lines')).toContainText('max_pages');
  await page.waitForTimeout(2_000); // Monaco's check of each cell, and the re-check of all of them
  await expect(page.locator('section.cell.code .squiggly-error')).toHaveCount(0, { timeout: 15_000 });
});

test('type code and get completion, signature help and hover docs from the lab declarations', async () => {
  await newCodeCell();
  await page.keyboard.type('const mm = mm_al');
  // Ask for completion explicitly (Ctrl+Space), as quick suggestions may still be on their way.
  await page.keyboard.press('Control+Space');
  const suggest = page.locator('.suggest-widget.visible');
  await expect(suggest).toContainText('mm_alloc', { timeout: 30_000 });
  await shot('completion');
  await page.keyboard.press('Enter');
  await page.keyboard.type('(');
  await expect(page.locator('.parameter-hints-widget.visible')).toBeVisible();
  await page.keyboard.press('Escape');
  await page.keyboard.press('End');
  await page.keyboard.type(';');
  const editor = page.locator('section.cell').last().locator('.monaco-editor');
  await expect(editor.locator('.view-lines')).toContainText('const mm = mm_alloc();');
  // Hover docs from the keyboard (Ctrl+K Ctrl+I shows the hover at the cursor), on mm_alloc.
  await page.keyboard.press('Home');
  for (let i = 0; i < 13; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press(`${MOD}+k`);
  await page.keyboard.press(`${MOD}+i`);
  await expect(page.locator('.monaco-hover').filter({ hasText: 'mm_alloc' }).first()).toBeVisible({ timeout: 20_000 });
  await page.keyboard.press('Escape');
});

test('a type error and a runtime error are marked on their lines', async () => {
  const cell = await newCodeCell();
  await typeLines(['const fine = 1;', 'const wrong: number = "text";']);
  await page.keyboard.press(`${MOD}+Enter`);
  await waitIdle();
  await expect(cell.locator('.out-error')).toBeVisible();
  await expect(cell.locator('.squiggly-error').first()).toBeVisible();
  await expect(cell.locator('.count')).toHaveText('[ ]');

  await cell.locator('.monaco-editor').click();
  await page.keyboard.press(`${MOD}+A`);
  await typeLines(['const fine2 = 1;', 'throw new Error("boom " + fine2);']);
  await page.keyboard.press(`${MOD}+Enter`);
  await waitIdle();
  await expect(cell.locator('.out-error')).toContainText('boom 1');
  const glyph = cell.locator('.error-glyph');
  await expect(glyph).toHaveCount(1);
  const lineNo = cell.locator('.line-numbers', { hasText: /^2$/ });
  const [g, l] = [await glyph.boundingBox(), await lineNo.boundingBox()];
  expect(Math.abs(g!.y - l!.y)).toBeLessThan(3);
  await shot('error-marked');
});

test('a runaway cell is stopped and the notebook keeps working', async () => {
  const cell = await newCodeCell();
  await page.keyboard.type('let spins = 0; for (;;) { spins++; }');
  await page.keyboard.press(`${MOD}+Enter`);
  await expect(page.getByTestId('kernel-state')).toContainText('kernel busy');
  await expect(page.locator('.cell.running')).toHaveCount(1);
  await page.keyboard.press(`${MOD}+.`);
  await waitIdle(30_000);
  await expect(cell.locator('.out-error')).toBeVisible();

  const next = await newCodeCell();
  await page.keyboard.type('print(6 * 7);');
  await page.keyboard.press('Shift+Enter');
  await waitIdle();
  await expect(next.locator('.outputs')).toHaveText('42');
});

test('the TLB hit rate per CPU is charted live while run_workloads runs', async () => {
  await page.keyboard.press('Alt+2');
  const live = page.locator('#panel-charts section[aria-label="TLB hit rate over time"] figure.chart');
  await newCodeCell();
  await typeLines([
    'const wm = mm_alloc();',
    'const base = mmap(wm, 0, 4096 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);',
    "run_workloads([{ cpu: 0, mm: wm, workload: { kind: 'zipf', base, pages: 4096, write_fraction: 0.3, accesses: 200_000_000, seed: 1 } }]);",
  ]);
  await page.keyboard.press(`${MOD}+Enter`);
  await expect(live).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('kernel-state')).toContainText('kernel busy');
  const first = Number(await live.getAttribute('data-points'));
  await expect.poll(async () => Number(await live.getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(first);
  await expect(live.locator('canvas')).toHaveAttribute('aria-label', /TLB hit rate per CPU.*cpu 0/);
  await shot('live-tlb-hit-rate');
  await page.getByRole('button', { name: /Stop/ }).click();
  await waitIdle(30_000);
});

test('after a fault the page-table explorer shows the new pte and the struct page behind it', async () => {
  const cell = await newCodeCell();
  await typeLines([
    'const pmm = mm_alloc();',
    'const at = mmap(pmm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);',
    'touch(pmm, at, PAGE_SIZE, "w");',
    'print("0x" + at.toString(16));',
  ]);
  await page.keyboard.press(`${MOD}+Enter`);
  await waitIdle();
  const va = (await cell.locator('.outputs pre').first().textContent())!.trim();
  expect(va).toMatch(/^0x[0-9a-f]+$/);

  await page.keyboard.press('Alt+3');
  const panel = page.locator('#panel-pagetables');
  const changed = panel.locator(`button.pt-changed[data-va="${va}"]`);
  await expect(changed).toBeVisible();
  await expect(changed).toContainText('added pte');
  await changed.click();
  const tree = panel.locator(`.tree button.pt-entry[data-level="pte"][data-va="${va}"]`);
  await expect(tree).toHaveAttribute('aria-current', 'true');
  await expect(tree).toHaveAttribute('data-change', 'added');
  const page_ = panel.locator('table.struct-page');
  await expect(page_).toContainText('anonymous');
  await expect(page_.locator('tr', { hasText: 'mapcount' })).toContainText('1');
  await expect(panel.locator('table.vmas')).toContainText(va);
  await shot('page-table-explorer');
});

test('after munmap the explorer lists the removed pte and the zap throughput is charted', async () => {
  const va = (await page.locator('section.cell').last().locator('.outputs pre').first().textContent())!.trim();
  await newCodeCell();
  await page.keyboard.type('munmap(pmm, at, PAGE_SIZE);');
  await page.keyboard.press(`${MOD}+Enter`);
  await waitIdle();
  await page.keyboard.press('Alt+3');
  await expect(page.locator('#panel-pagetables .changed-list .diff-removed', { hasText: `removed pte ${va}` })).toBeVisible();
  await expect(page.locator(`#panel-pagetables .tree button.pt-entry[data-level="pte"][data-va="${va}"]`)).toHaveCount(0);
  await page.keyboard.press('Alt+2');
  const zap = page.locator('#panel-charts section[aria-label="Zap throughput"]');
  await expect(zap.locator('figure.chart')).toBeVisible();
  await expect(zap.locator('table tr', { hasText: 'munmap' })).toBeVisible();
});

test('a markdown cell is written and rendered from the keyboard', async () => {
  await page.keyboard.press('Alt+0');
  await page.keyboard.press('b');
  await page.keyboard.press('m');
  await page.keyboard.press('Enter');
  const source = page.locator('textarea.markdown-edit');
  await expect(source).toBeFocused();
  await page.keyboard.type('## Notes\n\nThe *new* pte was **dirty**.');
  await page.keyboard.press('Shift+Enter');
  const cell = page.locator('section.cell.markdown', { hasText: 'Notes' });
  await expect(cell.locator('h2')).toHaveText('Notes');
  await expect(cell.locator('strong')).toHaveText('dirty');
});

test('the dark theme from the keyboard', async () => {
  await page.keyboard.press('Alt+t');
  await page.keyboard.press('Alt+t');
  await expect(page.locator('html.dark')).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Theme: dark' })).toBeVisible();
  await page.keyboard.press('Alt+2');
  await expect(page.locator('#panel-charts figure.chart').first()).toBeVisible();
  await shot('dark-theme');
});

test('a machine parameter changed in the machine panel restarts the machine and is saved with the notebook', async () => {
  await page.keyboard.press('Alt+1');
  const ram = page.getByLabel('ram_mb (MiB)');
  await ram.fill('192');
  await page.getByRole('button', { name: 'Apply and restart' }).click();
  await expect(page.locator('.statusbar')).toContainText('192 MiB');
  await expect(page.getByRole('button', { name: 'Apply and restart' })).toBeDisabled();
  await shot('machine-panel');
  await page.keyboard.press('Alt+4');
  await expect(page.locator('#panel-dmesg')).toBeFocused();
  await expect(page.getByRole('log', { name: 'Kernel log (dmesg)' })).toContainText('192 MiB RAM');
});

test('Restart from the keyboard, after confirming, boots a fresh machine', async () => {
  const reset = page.locator('.banner[role=status]', { hasText: /machine/i });
  if (await reset.count()) await reset.getByRole('button', { name: 'OK' }).click();
  await expect(reset).toHaveCount(0);
  await page.keyboard.press('Alt+0');
  page.once('dialog', (d) => void d.accept());
  await page.keyboard.press('Alt+Shift+R');
  await waitIdle(60_000);
  await expect(reset).toHaveCount(1);
  await expect(page.getByRole('log', { name: 'Kernel log (dmesg)' }).getByText(/Linux version/)).toHaveCount(1);
  const cell = await newCodeCell();
  await page.keyboard.type('print(typeof mm_alloc());');
  await page.keyboard.press('Shift+Enter');
  await waitIdle();
  await expect(cell.locator('.outputs')).toHaveText('object');
});

test('save, reopen, and find the outputs', async () => {
  page.once('dialog', (d) => void d.accept('e2e-session'));
  await page.getByRole('button', { name: 'Save As…' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  const file = join(served.notebooksDir, 'e2e-session.ipynb');
  expect(existsSync(file)).toBe(true);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { metadata: { mmu_lab: { machine: Record<string, unknown> } }; cells: { outputs?: { text?: string | string[] }[] }[] };
  expect(saved.metadata.mmu_lab.machine['ram_mb']).toBe(192);
  const texts = saved.cells.flatMap((c) => c.outputs ?? []).map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? ''));
  expect(texts).toContain('42\n');

  await page.getByRole('button', { name: 'New' }).click();
  await expect(page.locator('section.cell')).toHaveCount(1);
  await page.keyboard.press(`${MOD}+o`);
  await page.locator('dialog button.recent', { hasText: 'e2e-session.ipynb' }).click();
  await expect(page.locator('.outputs pre', { hasText: /^\s*42\s*$/ })).toHaveCount(1);
  await expect(page.locator('.outputs figure.chart').first()).toBeVisible();
  expect(await page.locator('.toolbar .file-name').textContent()).toContain('e2e-session.ipynb');
});

test('a notebook dropped on the window opens', async () => {
  const text = readFileSync(join(served.notebooksDir, 'e2e-session.ipynb'), 'utf8');
  const drop = await page.evaluateHandle((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], 'dropped.ipynb', { type: 'application/json' }));
    return dt;
  }, text);
  await page.locator('.layout').dispatchEvent('drop', { dataTransfer: drop });
  await expect(page.locator('.toolbar .file-name')).toContainText('dropped.ipynb');
  await expect(page.locator('.outputs pre', { hasText: /^\s*42\s*$/ })).toHaveCount(1);
});

test('a notebook file cannot run script: markdown and HTML/SVG outputs are shown as sanitized data', async () => {
  const evil = 'data:image/png;base64,AAAA';
  const nb = {
    nbformat: 4, nbformat_minor: 5,
    metadata: { language_info: { name: 'typescript' }, mmu_lab: { version: '0.1.0', machine: {} } },
    cells: [
      { id: 'm1', cell_type: 'markdown', metadata: {}, source: `# Hostile\n\n<img src="${evil}" onerror="window.__pwned = 'md'"> <script>window.__pwned = 'md-script'</script> [x](javascript:window.__pwned='link')` },
      {
        id: 'c1', cell_type: 'code', metadata: {}, source: 'print(1);', execution_count: 1,
        outputs: [
          { output_type: 'display_data', metadata: {}, data: { 'text/html': `<b>bold</b><img src="${evil}" onerror="window.__pwned = 'html'"><script>window.__pwned = 'script'</script>`, 'text/plain': 'x' } },
          { output_type: 'display_data', metadata: {}, data: { 'image/svg+xml': `<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned = 'svg'"><rect width="4" height="4"/></svg>` } },
        ],
      },
    ],
  };
  await page.keyboard.press(`${MOD}+o`);
  await page.locator('dialog input[type=file]').setInputFiles({ name: 'hostile.ipynb', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(nb)) });
  await expect(page.locator('section.cell.markdown h1')).toHaveText('Hostile');
  await expect(page.locator('.outputs b')).toHaveText('bold');
  await expect(page.locator('.outputs svg rect')).toHaveCount(1);
  await page.waitForTimeout(500);
  expect(await page.evaluate(() => (window as { __pwned?: string }).__pwned ?? null)).toBeNull();
  await expect(page.locator('#app script, #app [onerror], #app [onload], #app a[href^="javascript:"]')).toHaveCount(0);
  await expect(page.locator('section.cell.markdown')).toContainText('<script>');
  // Chromium reports the handlers of the hostile HTML as blocked by the CSP when DOMPurify
  // parses it (in an inert document, before they are removed): the CSP doing its job. Those
  // reports are expected here; anything else still fails the last test.
  const blocked = /Executing inline event handler violates the following Content Security Policy directive 'script-src 'self''.*The action has been blocked/;
  problems.splice(0, problems.length, ...problems.filter((p) => !blocked.test(p)));
});

test('no error banner and no error in the page console', async () => {
  await expect(page.locator('.banner.error')).toHaveCount(0);
  expect(problems).toEqual([]);
});
