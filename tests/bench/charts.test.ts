// The charts section's arithmetic (tests/bench/charts.ts): frame-time statistics, verdicts and
// the printed table from a recorded run. No browser and no timing here: `npm run bench` measures.
import { describe, expect, it } from 'vitest';
import { FRAME_MS, frameStats, liveDeltas, renderCharts, verdict, type ChartsRun } from './charts';

describe('charts bench arithmetic', () => {
  it('computes median, p95, worst and fps from the times between frames', () => {
    const deltas = [...Array.from({ length: 95 }, () => FRAME_MS), ...Array.from({ length: 5 }, () => 2 * FRAME_MS)];
    const s = frameStats(deltas);
    expect(s.frames).toBe(100);
    expect(s.median).toBeCloseTo(FRAME_MS);
    expect(s.p95).toBeCloseTo(FRAME_MS);
    expect(s.worst).toBeCloseTo(2 * FRAME_MS);
    expect(s.fps).toBeCloseTo(100 / (105 * FRAME_MS / 1000));
    expect(verdict(s)).toBe('PASS');
    expect(verdict(frameStats([...deltas, 2 * FRAME_MS]))).toBe('FAIL');
    expect(() => frameStats([])).toThrow(/no frames/);
  });

  it('judges the heavy half of the live stream on its own and prints one row per phase', () => {
    const run: ChartsRun = {
      live: { delta: [FRAME_MS, FRAME_MS, 40, 40, 40], points: [10_000, 20_000, 60_000, 80_000, 100_000] },
      zoom: { delta: [FRAME_MS, FRAME_MS], points: 100_000, wheels: 24, drags: 1 },
      longTasks: { live: { count: 0, worst: 0 }, zoom: { count: 0, worst: 0 } },
      stream: { seconds: 1, events: 20, sampleCycles: 1000 }, startupSeconds: 5,
    };
    expect(liveDeltas(run, 50_000)).toEqual([40, 40, 40]);
    const text = renderCharts(run, 100_000);
    const rows = text.split('\n');
    expect(rows.find((r) => r.startsWith('live stream, 50k → 100k'))).toMatch(/FAIL$/);
    expect(rows.find((r) => r.startsWith('zoom + pan, 100k'))).toMatch(/PASS$/);
    expect(text).toContain('20 metric events in 1.00 s (~5000 points each');
  });
});
