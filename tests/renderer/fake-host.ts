// A scripted host for unit tests of store logic: it keeps notebooks in memory, records every
// call, and plays kernel events the way the contract describes. The real host is exercised by
// the e2e tests (tests/e2e); this only lets the stores' own logic be tested in isolation.
import type {
  CellRequest, CellResult, HostApi, HostEventName, HostEventPayloads, MachineConfigView, MachineParamInfo, NbNotebook, OpenedNotebook,
} from '../../src-main/contract';

type Listener = (p: unknown) => void;

/** A fake HostApi: `calls` records [method, args]; `emit` plays an event; `runs` scripts runCell. */
export class FakeHost {
  calls: [string, unknown[]][] = [];
  listeners = new Map<HostEventName, Set<Listener>>();
  /** What runCell does for a request (events to emit, then the result). */
  runs = new Map<string, (req: CellRequest) => CellResult>();
  nextCount = 1;
  params: MachineParamInfo[] = [
    { name: 'cpus', type: 'integer', default: 1, unit: '', description: 'CPUs', group: 'machine' },
    { name: 'ram_mb', type: 'integer', default: 64, unit: 'MiB', description: 'RAM', group: 'machine' },
    { name: 'pcid', type: 'boolean', default: false, unit: '', description: 'PCID', group: 'tlb' },
    { name: 'mode', type: 'choice', default: 'deterministic', choices: ['deterministic', 'parallel'], unit: '', description: 'mode', group: 'machine' },
  ];
  config: Record<string, unknown> = { cpus: 1, ram_mb: 64, pcid: false, mode: 'deterministic', seed: 1 };
  /** When set, setMachineConfig rejects with this message (as the host does for a bad value). */
  rejectConfig: string | null = null;

  constructor(public opened: OpenedNotebook) {}

  /** Delivers event `name` to its listeners. */
  emit<E extends HostEventName>(name: E, payload: HostEventPayloads[E]): void {
    for (const cb of this.listeners.get(name) ?? []) cb(payload);
  }

  /** The calls of `method` so far. */
  callsOf(method: string): unknown[][] {
    return this.calls.filter(([m]) => m === method).map(([, a]) => a);
  }

  /** The machine view of the fake's config. */
  view(): MachineConfigView {
    const overrides: Record<string, unknown> = {};
    for (const p of this.params) if (this.config[p.name] !== p.default) overrides[p.name] = this.config[p.name];
    return { config: this.config as unknown as MachineConfigView['config'], overrides, params: this.params };
  }

  /** The HostApi over this fake. */
  api(): HostApi {
    const impl: Record<string, (...a: never[]) => unknown> = {
      appInfo: () => ({ version: '0.1.0', mode: 'browser', platform: 'linux', nativeDialogs: false, notebooksDir: '/tmp/nb' }),
      listExamples: () => [],
      listRecent: () => [],
      listRecovered: () => [],
      listOpen: () => [this.opened],
      newNotebook: () => this.opened,
      notebookChanged: () => undefined,
      saveNotebook: (_id: string, nb: NbNotebook) => ({ saved: true, name: 'x.ipynb', path: `/tmp/nb/x.ipynb#${nb.cells.length}` }),
      saveNotebookAs: (_id: string, _nb: NbNotebook, name?: string) => ({ saved: true, name: name ?? 'Untitled.ipynb', path: `/tmp/nb/${name}` }),
      machineParams: () => this.params,
      getMachineConfig: () => this.view(),
      setMachineConfig: (_id: string, partial: Record<string, unknown>) => {
        if (this.rejectConfig) throw new Error(this.rejectConfig);
        this.config = { seed: 1, ...Object.fromEntries(this.params.map((p) => [p.name, p.default])), ...partial };
        return this.view();
      },
      runCell: (id: string, req: CellRequest) => this.runOne(id, req),
      runAll: (id: string, reqs: CellRequest[]) => {
        const results: CellResult[] = [];
        for (const r of reqs) {
          const res = this.runOne(id, r);
          results.push(res);
          if (res.status === 'error') return { status: 'error', results, failedCellId: r.cellId };
        }
        return { status: 'ok', results, failedCellId: null };
      },
      dmesg: () => [],
      statsSnapshot: () => ({ nrCpus: 1, counters: {}, formulas: {}, histograms: {} }),
    };
    return new Proxy({} as HostApi, {
      get: (_t, prop: string) => {
        if (prop === 'then') return undefined;
        const m = /^on([A-Z]\w*)$/.exec(prop);
        if (m) {
          const name = (m[1]![0]!.toLowerCase() + m[1]!.slice(1)) as HostEventName;
          return (cb: Listener) => {
            const set = this.listeners.get(name) ?? new Set<Listener>();
            this.listeners.set(name, set);
            set.add(cb);
            return () => set.delete(cb);
          };
        }
        return async (...args: unknown[]) => {
          this.calls.push([prop, args]);
          const f = impl[prop];
          if (!f) throw new Error(`unavailable: the fake host has no ${prop}`);
          return f(...(args as never[]));
        };
      },
    });
  }

  /** Plays one cell run: started, the script's outputs as events, finished; returns the result. */
  private runOne(notebookId: string, req: CellRequest): CellResult {
    const script = this.runs.get(req.cellId);
    const count = this.nextCount++;
    this.emit('cellLifecycle', { notebookId, cellId: req.cellId, phase: 'started', executionCount: count, result: null });
    const result: CellResult = script ? { ...script(req), executionCount: count } : {
      cellId: req.cellId, status: 'ok', executionCount: count, outputs: [], error: null, durationMs: 1, machineReset: false,
    };
    for (const o of result.outputs) this.emit('cellOutput', { notebookId, cellId: req.cellId, output: o });
    this.emit('cellLifecycle', { notebookId, cellId: req.cellId, phase: 'finished', executionCount: count, result });
    return result;
  }
}

/** An opened notebook with three cells: markdown, code a, code b. */
export function sampleNotebook(id = 'nb1'): OpenedNotebook {
  return {
    id, name: 'sample.ipynb', path: null, origin: 'example', dirty: false,
    machine: { cpus: 1 } as OpenedNotebook['machine'],
    machineProblem: null,
    notebook: {
      nbformat: 4, nbformat_minor: 5,
      metadata: { mmu_lab: { version: '0.1.0', machine: {} } },
      cells: [
        { id: 'md', cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'text'] },
        { id: 'a', cell_type: 'code', metadata: {}, source: ['const x = 1;\n', 'print(x);'], outputs: [], execution_count: null },
        { id: 'b', cell_type: 'code', metadata: {}, source: 'print(y);', outputs: [], execution_count: null },
      ],
    },
  };
}
