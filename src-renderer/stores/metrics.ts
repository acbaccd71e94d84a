// Charts of the machine's statistics: live TLB hit rate while run_workloads runs (samples
// buffered outside Vue's reactivity, one redraw per animation frame) and, after each cell, the
// statistics snapshot that the fault latency and zap throughput charts are drawn from.
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { StatsSnapshot } from '../../src-main/contract';
import { useHost } from '../client';
import {
  appendSamples, faultCdfChart, faultLatencyChart, tlbHitRateChart, zapRows, zapThroughputChart, type LiveRun,
} from '../lib/metrics-charts';
import { useNotebookStore } from './notebook';

export const useMetricsStore = defineStore('metrics', () => {
  const stats = shallowRef<StatsSnapshot | null>(null);
  const live = shallowRef<LiveRun | null>(null);
  const unit = shallowRef<'cycles' | 'ns'>('cycles');
  let subscribed = false;
  let frame = 0;

  const hitRate = computed(() => tlbHitRateChart(live.value));
  const latency = computed(() => (stats.value ? faultLatencyChart(stats.value, unit.value) : null));
  const cdf = computed(() => (stats.value ? faultCdfChart(stats.value, unit.value) : null));
  const zap = computed(() => (stats.value ? zapThroughputChart(stats.value) : null));
  const zapTable = computed(() => (stats.value ? zapRows(stats.value) : []));

  /** Publishes the live buffers to the charts at most once per animation frame. */
  function publish(): void {
    if (frame) return;
    const run = live.value;
    frame = requestAnimationFrame(() => {
      frame = 0;
      live.value = run ? { ...run } : null;
    });
  }

  /** Subscribes to live metrics of the open notebook (once). */
  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    useHost().onMetrics((e) => {
      if (e.notebookId !== useNotebookStore().id) return;
      let run = live.value;
      if (!run || run.run !== e.run || run.cellId !== e.cellId) run = { run: e.run, cellId: e.cellId, t: [], perCpu: [], faults: 0, accesses: 0 };
      appendSamples(run, e.samples);
      live.value = run;
      publish();
    });
    useNotebookStore().onOpened(() => {
      stats.value = null;
      live.value = null;
    });
  }

  /** Re-reads the statistics snapshot of the open notebook's machine. */
  async function refresh(): Promise<void> {
    const nb = useNotebookStore();
    const nbId = nb.id;
    if (!nbId) return;
    const s = await nb.guard(() => useHost().statsSnapshot(nbId), ['busy']);
    if (s) stats.value = s;
  }

  return { stats, live, unit, hitRate, latency, cdf, zap, zapTable, subscribe, refresh };
});
