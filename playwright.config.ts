import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// End-to-end tests of the app as a user drives it: browser mode (the real host, started by the
// tests themselves) in Debian's Chromium, which `apt-get install -y chromium` provides
// (Playwright cannot download its own browsers on these machines). MMU_LAB_CHROMIUM overrides
// the path. The Electron test (tests/e2e/electron.spec.ts) skips where no Electron binary exists.
const CHROMIUM = process.env['MMU_LAB_CHROMIUM'] ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  throw new Error(`the e2e tests need Chromium at ${CHROMIUM}: install Debian's with \`apt-get install -y chromium\` (.ci/run does), or set MMU_LAB_CHROMIUM to another Chromium`);
}

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: process.env['CI'] ? [['list']] : [['list']],
  outputDir: 'test-results/e2e',
  use: {
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
      ],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
