// Tracepoints: events recorded between trace_start and trace_stop, in order.

export interface TraceEvent {
  name: string;
  [field: string]: unknown;
}

/** The most events one tracing session keeps; later ones are counted as dropped. */
export const TRACE_LIMIT = 1_000_000;

export class Tracer {
  private events: TraceEvent[] | null = null;
  private filter: Set<string> | null = null;
  /** Events not kept because the session reached TRACE_LIMIT. */
  dropped = 0;

  /** Start recording (all events, or only the named ones). Restarting drops what was recorded. */
  start(names?: readonly string[]): void {
    this.events = [];
    this.dropped = 0;
    this.filter = names && names.length ? new Set(names) : null;
  }
  /** What is being traced: null when off, else the names (empty: everything). */
  get session(): string[] | null {
    return this.events === null ? null : this.filter ? [...this.filter] : [];
  }
  /** Events recorded so far in this session. */
  get recorded(): number { return this.events?.length ?? 0; }
  /**
   * Merge events recorded elsewhere (CPU workers) into this session: those recorded here since
   * index `from` and `others` are put in order of their host timestamps.
   */
  mergeFrom(from: number, others: TraceEvent[]): void {
    if (!this.events || others.length === 0) return;
    const tail = this.events.splice(from).concat(others);
    tail.sort((a, b) => (a['ts'] as number) - (b['ts'] as number));
    this.events.push(...tail.slice(0, Math.max(0, TRACE_LIMIT - this.events.length)));
  }
  /** Stop and return what was recorded; [] if tracing was off. */
  stop(): TraceEvent[] {
    const out = this.events ?? [];
    this.events = null;
    this.filter = null;
    return out;
  }
  /** Whether an event of this name would be recorded (lets hot paths skip building it). */
  on(name: string): boolean {
    return this.events !== null && (this.filter === null || this.filter.has(name));
  }
  /** Record an event if tracing it. */
  emit(ev: TraceEvent): void {
    if (!this.on(ev.name)) return;
    if (this.events!.length >= TRACE_LIMIT) { this.dropped++; return; }
    ev['ts'] = performance.timeOrigin + performance.now(); // host time, comparable across threads
    this.events!.push(ev);
  }
}
