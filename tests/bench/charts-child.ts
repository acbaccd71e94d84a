// The child process of the "charts" bench section (charts.ts): the real app in browser mode
// (tests/e2e/serve.ts starts `src-main/launch.ts serve` as the e2e tests do) in Debian's
// Chromium, a notebook cell that streams run_workloads samples from the real kernel until the
// live TLB hit-rate chart holds the target number of points, then zoom and pan on that chart.
// The page records every requestAnimationFrame timestamp and long task; this prints one JSON
// line (charts.ts's ChartsRun). MMU_BENCH_CHARTS_PROFILE=dir also saves Chromium CPU profiles of
// both phases there (with each one's top functions by self time, to find what a slow frame does).
//
// The stream's rate: the host sends the kernel's samples in batches every 50 ms (kernel-worker.ts);
// the cell first times a short run to pick sample_cycles so that the chart grows by about
// POINTS_PER_S points a second, reaching the target in ~15 s whatever this machine's speed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { startServe, type Served } from '../e2e/serve';
import type { ChartsRun } from './charts';

const TARGET = Number(process.argv[2] ?? 100_000);
/** Points per second the live chart gets (2 CPUs, so samples per second are half of it). */
const POINTS_PER_S = 6_000;
/** The zoom/pan phase's length, ms. */
const ZOOM_MS = 6_000;
const LIVE = '#panel-charts section[aria-label="TLB hit rate over time"] figure.chart';

/** Where to save the page's CPU profiles of each phase (MMU_BENCH_CHARTS_PROFILE=dir), or none. */
const PROFILE_DIR = process.env['MMU_BENCH_CHARTS_PROFILE'];

/** A CPU profile's self time per function (name and script position), the `top` longest, as text. */
function topFunctions(profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[]; samples: number[]; timeDeltas: number[] }, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, ms]) => `${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${k}`).join('\n');
}

/** Runs `fn`, with Chromium's CPU profiler on when MMU_BENCH_CHARTS_PROFILE is set (profile and its top functions saved there). */
async function profiled<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return fn();
  const browser = page.context().browser()!;
  await browser.startTracing(page, { path: join(PROFILE_DIR, `${name}.trace.json`), categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'cc', 'blink'] });
  setTimeout(() => void browser.stopTracing(), 3000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
    writeFileSync(join(PROFILE_DIR, `${name}.top.txt`), `${topFunctions(profile as never)}\n`);
    await cdp.detach();
  }
}

/**
 * The recorder the page runs: rAF timestamps and the live chart's points per frame, long tasks.
 * A string, not a function: tsx compiles this file with esbuild's keepNames, which would put
 * calls to its __name() helper, undefined in the page, into a function's source.
 */
const RECORDER = `(() => {
  const fr = (window.__fr = { on: false, t: [], p: [], lt: [] });
  requestAnimationFrame(function tick(ts) {
    if (fr.on) {
      fr.t.push(ts);
      fr.p.push(Number(document.querySelector(${JSON.stringify(LIVE)})?.getAttribute('data-points') ?? 0));
    }
    requestAnimationFrame(tick);
  });
  new PerformanceObserver((list) => { if (fr.on) for (const e of list.getEntries()) fr.lt.push(e.duration); }).observe({ type: 'longtask' });
})()`;

/** Starts recording frames afresh. */
async function startRecording(page: Page): Promise<void> {
  await page.evaluate(() => {
    const fr = (window as unknown as { __fr: { on: boolean; t: number[]; p: number[]; lt: number[] } }).__fr;
    Object.assign(fr, { on: true, t: [], p: [], lt: [] });
  });
}

/** Stops recording; returns ms between frames with the points at each, and the long tasks' durations. */
async function stopRecording(page: Page): Promise<{ delta: number[]; points: number[]; longTasks: number[] }> {
  return page.evaluate(() => {
    const fr = (window as unknown as { __fr: { on: boolean; t: number[]; p: number[]; lt: number[] } }).__fr;
    fr.on = false;
    return { delta: fr.t.slice(1).map((t, i) => t - fr.t[i]!), points: fr.p.slice(1), longTasks: fr.lt };
  });
}

/** Long tasks as the report wants them. */
const longTaskSummary = (d: number[]): { count: number; worst: number } => ({ count: d.length, worst: Math.max(0, ...d) });

/** Types `lines` into a new code cell's editor, as the e2e tests do (Enter between lines). */
async function newCell(page: Page, lines: string[]): Promise<void> {
  const before = await page.locator('section.cell').count();
  await page.getByRole('button', { name: '+ Code' }).click();
  await page.locator('section.cell').nth(before).locator('.monaco-editor.focused').waitFor();
  for (const [i, l] of lines.entries()) {
    if (i) await page.keyboard.press('Enter');
    await page.keyboard.type(l);
  }
}

/** The kernel-state text matching `re`, within `ms`. */
async function kernelState(page: Page, re: RegExp, ms: number): Promise<void> {
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid="kernel-state"]')?.textContent ?? ''), re.source, { timeout: ms });
}

/** A short fingerprint of what the live chart's canvas shows (to see that zoom changed it). */
const canvasPrint = (page: Page): Promise<string> => page.locator(`${LIVE} canvas`).evaluate((c: HTMLCanvasElement) => {
  const url = c.toDataURL();
  let h = 0;
  for (let i = 0; i < url.length; i++) h = (h * 31 + url.charCodeAt(i)) | 0;
  return `${url.length}:${h}`;
});

/**
 * Starts phase 1: a cell streams samples (a warm-up run, a timed run that picks sample_cycles,
 * then the streaming run, which is run 3 in the chart's title); resolves once run 3 is charted.
 */
async function startStream(page: Page): Promise<void> {
  await newCell(page, [
    'const fm = mm_alloc();',
    'const fb = mmap(fm, 0, 4096 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);',
    "const fjob = (cpu: number, n: number): CpuJob => ({ cpu, mm: fm, workload: { kind: 'zipf', base: fb, pages: 4096, write_fraction: 0.3, accesses: n, seed: cpu + 1 } });",
    'run_workloads([fjob(0, 1_000_000), fjob(1, 1_000_000)]);',
    'const fcal = run_workloads([fjob(0, 4_000_000), fjob(1, 4_000_000)]);',
    `const fsc = Math.max(100, Math.round(fcal.cycles / fcal.host_ms * 1000 / ${POINTS_PER_S / 2}));`,
    'print("sample_cycles " + fsc);',
    'run_workloads([fjob(0, 2_000_000_000), fjob(1, 2_000_000_000)], { sample_cycles: fsc });',
  ]);
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction((sel) => /\(run 3\)/.test(document.querySelector(`${sel} canvas`)?.getAttribute('aria-label') ?? ''), LIVE, { timeout: 60_000 });
}

/**
 * Phase 1, measured: frames from run 3's first points until the chart holds TARGET points; then
 * Stop. Throws when the chart's canvas shows the same picture at the end as at the start (frame
 * times of a chart that does not draw would mean nothing).
 */
async function recordStream(page: Page, events: { n: number }): Promise<Pick<ChartsRun, 'live' | 'stream'> & { longTasks: number[] }> {
  const before = await canvasPrint(page);
  await startRecording(page);
  const ev0 = events.n, t0 = Date.now();
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel as string)?.getAttribute('data-points') ?? 0) >= (n as number), [LIVE, TARGET], { timeout: 90_000, polling: 250 });
  const seconds = (Date.now() - t0) / 1000, evs = events.n - ev0;
  const rec = await stopRecording(page);
  if ((await canvasPrint(page)) === before) throw new Error('charts bench: the live chart did not change while its points streamed in');
  const printed = await page.locator('section.cell').last().locator('.outputs').textContent();
  await page.getByRole('button', { name: /Stop/ }).click();
  await kernelState(page, /kernel idle/, 30_000);
  const sampleCycles = Number(/sample_cycles (\d+)/.exec(printed ?? '')?.[1] ?? NaN);
  return { live: { delta: rec.delta, points: rec.points }, stream: { seconds, events: evs, sampleCycles }, longTasks: rec.longTasks };
}

/**
 * Phase 2: for ZOOM_MS, over the chart's canvas: wheel in (12 notches), Ctrl+drag to pan
 * (20 moves), wheel out, one input event per ~16 ms as a hand on a wheel or trackpad makes them.
 * Throws when the canvas shows the same picture after a final zoom (the input did nothing).
 */
async function zoomPan(page: Page): Promise<Pick<ChartsRun, 'zoom'> & { longTasks: number[] }> {
  const fig = page.locator(LIVE);
  await fig.scrollIntoViewIfNeeded();
  const points = Number(await fig.getAttribute('data-points'));
  const box = (await fig.locator('canvas').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  const before = await canvasPrint(page);
  let wheels = 0, drags = 0;
  await startRecording(page);
  const t0 = Date.now();
  for (let cycle = 0; Date.now() - t0 < ZOOM_MS; cycle++) {
    for (let i = 0; i < 12; i++, wheels++) { await page.mouse.wheel(0, -100); await page.waitForTimeout(16); }
    const dir = cycle % 2 ? 1 : -1;
    await page.keyboard.down('Control');
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) { await page.mouse.move(cx + dir * i * 8, cy + dir * i * 2); await page.waitForTimeout(16); }
    await page.mouse.up();
    await page.keyboard.up('Control');
    drags++;
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 12; i++, wheels++) { await page.mouse.wheel(0, 100); await page.waitForTimeout(16); }
  }
  const rec = await stopRecording(page);
  for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -100);
  await page.waitForTimeout(100);
  if ((await canvasPrint(page)) === before) throw new Error('charts bench: zoom and pan did not change the chart (the input did not reach it)');
  return { zoom: { delta: rec.delta, points, wheels, drags }, longTasks: rec.longTasks };
}

/** The whole measurement; the host and the browser are stopped whatever happens. */
async function main(): Promise<void> {
  const t0 = Date.now();
  let served: Served | null = null;
  const browser = await chromium.launch({
    executablePath: process.env['MMU_LAB_CHROMIUM'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    served = await startServe();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    const events = { n: 0 };
    page.on('websocket', (ws) => ws.on('framereceived', (f) => { if (typeof f.payload === 'string' && f.payload.includes('"event":"metrics"')) events.n++; }));
    await page.goto(served.url);
    await kernelState(page, /kernel/, 60_000);
    await page.evaluate(RECORDER);
    await page.keyboard.press('Alt+2');
    await page.locator('#panel-charts').waitFor();
    const startupSeconds = (Date.now() - t0) / 1000;
    await startStream(page);
    const live = await profiled(page, 'live', () => recordStream(page, events));
    const zoom = await profiled(page, 'zoom', () => zoomPan(page));
    if (problems.length) throw new Error(`charts bench: the page reported errors:\n${problems.join('\n')}`);
    const run: ChartsRun = {
      live: live.live, zoom: zoom.zoom, stream: live.stream, startupSeconds,
      longTasks: { live: longTaskSummary(live.longTasks), zoom: longTaskSummary(zoom.longTasks) },
    };
    process.stdout.write(`${JSON.stringify(run)}\n`);
  } finally {
    await browser.close();
    await served?.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
