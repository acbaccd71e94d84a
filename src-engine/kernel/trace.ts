// Tracepoints: events recorded between trace_start and trace_stop, in order.

export interface TraceEvent {
  name: string;
  [field: string]: unknown;
}

export class Tracer {
  private events: TraceEvent[] | null = null;
  private filter: Set<string> | null = null;

  /** Start recording (all events, or only the named ones). Restarting drops what was recorded. */
  start(names?: readonly string[]): void {
    this.events = [];
    this.filter = names && names.length ? new Set(names) : null;
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
    if (this.on(ev.name)) this.events!.push(ev);
  }
}
