// The shared-memory channel between a CPU worker and its pattern thread (pattern_worker.ts): the
// CPU worker posts a custom job; the pattern thread runs the sandboxed pattern and fills a ring of
// slots with blocks of accesses (addresses and read/write flags), which the CPU worker copies into
// its quanta. All in SharedArrayBuffers, so neither side needs its event loop.

/** Slots in the ring, and accesses per slot: the pattern thread runs up to 4 × 4096 accesses ahead. */
export const SLOTS = 4;
export const SLOT_ACCESSES = 4096;
/** Bytes of the text area: the job's JSON on the way in, an error message on the way out. */
export const TEXT_BYTES = 1 << 20;

/** Control words. */
export const P_STATE = 0; // the pattern thread: PT_BOOTING, PT_IDLE, PT_BUSY or PT_FAILED
export const P_JOB = 1; // the CPU worker bumps it to post a job (in the text area)
export const P_HEAD = 2; // slots filled in this job (the pattern thread)
export const P_TAIL = 3; // slots consumed in this job (the CPU worker)
export const P_STOP = 4; // 1: the CPU worker asks the pattern thread to end the job now
export const P_WORDS = 8;

export const PT_BOOTING = 0;
export const PT_IDLE = 1;
export const PT_BUSY = 2;
export const PT_FAILED = 3;

/** A slot's count: accesses in it, or one of these end markers. */
export const SLOT_END = -1;
export const SLOT_ERROR = -2;

/** The buffers of one channel (structured-clonable, for workerData). */
export interface PatternChannelBuffers { ctl: SharedArrayBuffer; counts: SharedArrayBuffer; addrs: SharedArrayBuffer; writes: SharedArrayBuffer; text: SharedArrayBuffer }

/** Views over a channel's buffers. */
export class PatternChannel {
  readonly ctl: Int32Array;
  readonly counts: Int32Array;
  readonly addrs: Float64Array;
  readonly writes: Uint8Array;
  readonly text: Uint8Array;

  /** Views over `b`, or over fresh buffers when none are given. */
  constructor(readonly buffers: PatternChannelBuffers = {
    ctl: new SharedArrayBuffer(P_WORDS * 4), counts: new SharedArrayBuffer(SLOTS * 4),
    addrs: new SharedArrayBuffer(SLOTS * SLOT_ACCESSES * 8), writes: new SharedArrayBuffer(SLOTS * SLOT_ACCESSES), text: new SharedArrayBuffer(TEXT_BYTES),
  }) {
    this.ctl = new Int32Array(buffers.ctl);
    this.counts = new Int32Array(buffers.counts);
    this.addrs = new Float64Array(buffers.addrs);
    this.writes = new Uint8Array(buffers.writes);
    this.text = new Uint8Array(buffers.text);
  }

  /** Write a string into the text area (length word + UTF-8, cut to fit). */
  putText(s: string): void {
    const bytes = new TextEncoder().encode(s).subarray(0, TEXT_BYTES - 4);
    new DataView(this.text.buffer).setUint32(0, bytes.length);
    this.text.set(bytes, 4);
  }

  /** The string in the text area. */
  getText(): string {
    const n = new DataView(this.text.buffer).getUint32(0);
    return new TextDecoder().decode(this.text.slice(4, 4 + n));
  }
}
