// The host <-> CPU worker protocol, all through shared memory so the script's thread can wait
// synchronously (Atomics.wait) while workers run: a control word array and two JSON mailboxes.

export const C_CMD = 0; // host writes: CMD_*; the worker resets it to CMD_IDLE when it takes it
export const C_STATE = 1; // worker writes: STATE_*
export const C_RUN_ACTIVE = 2; // host: 1 while a run is in progress (finished workers keep taking IPIs)
export const C_JOB_DONE = 3; // worker: 1 once its result is in the mailbox
export const C_STOP = 4; // host: 1 asks the worker to end its job at the next quantum boundary
export const C_WORDS = 8;

export const CMD_IDLE = 0;
export const CMD_RUN = 1;
export const CMD_EXIT = 2;

export const STATE_BOOTING = 0;
export const STATE_READY = 1;
export const STATE_RUNNING = 2;
export const STATE_DONE = 3;
export const STATE_FAILED = 4;

/** Mailbox size: results carry trace events (lazily committed shared memory). */
export const IO_BYTES = 1 << 26;

/** A job as it crosses to a worker. */
export interface WorkerJob { mmId: number; workload: unknown; quantum: number; trace: string[] | null }

/** What a worker reports when its job ends. */
export interface WorkerResult {
  accesses: number;
  faults: number;
  cycles: number;
  activeMm: number;
  signal: { name: string; address: number; message: string } | null;
  dmesg: string[];
  /** Stale translations the TLB checker saw on this CPU (config tlb_check). */
  staleTlb: string[];
  /** Trace events of this CPU (mm fields as mm ids), when the host was tracing. */
  trace: Record<string, unknown>[];
  error?: string;
  /** Why a custom pattern ended the job early (it did not compile, threw, or gave a bad address). */
  patternError?: string | null;
}

/** Write a JSON value into a mailbox (length word + UTF-8); throws RangeError if too large. */
export function writeJson(io: Uint8Array, value: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  if (bytes.length + 4 > io.length) throw new RangeError(`worker message of ${bytes.length} bytes exceeds ${io.length - 4}`);
  new DataView(io.buffer, io.byteOffset).setUint32(0, bytes.length);
  io.set(bytes, 4);
}

/** Read the JSON value a mailbox holds. */
export function readJson<T>(io: Uint8Array): T {
  const n = new DataView(io.buffer, io.byteOffset).getUint32(0);
  return JSON.parse(new TextDecoder().decode(io.slice(4, 4 + n))) as T;
}
