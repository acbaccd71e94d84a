// TLB-shootdown IPIs through shared memory. Each CPU has a mailbox queue (a ring under a
// spinlock) of flush requests; a sender queues a request per target, counts the acks it waits
// for, and spins (handling its own mailbox, as a CPU with interrupts on would) until all are in.
// Receivers drain their mailbox at quantum boundaries and whenever they spin on a lock.
import { SpinLock } from '../kernel/locking';

const RING = 256;
const Q_LOCK = 0, Q_HEAD = 1, Q_TAIL = 2, Q_WORDS = 4;
const E_MM = 0, E_START = 1, E_END = 2, E_SENDER = 3, E_WORDS = 4;

export interface IpiBuffers { ctl: SharedArrayBuffer; ring: SharedArrayBuffer; acks: SharedArrayBuffer; running: SharedArrayBuffer }

/** The mailboxes of `slots` senders/receivers (CPUs, plus one slot for the host thread). */
export class IpiMailboxes {
  private readonly ctl: Int32Array;
  private readonly ring: Float64Array;
  readonly acks: Int32Array;
  /** 1 for a CPU whose worker is running a job (it handles IPIs); an idle CPU is flushed directly. */
  readonly running: Int32Array;
  private readonly locks: SpinLock[];

  constructor(readonly slots: number, buffers?: IpiBuffers) {
    this.ctl = new Int32Array(buffers?.ctl ?? new SharedArrayBuffer(slots * Q_WORDS * 4));
    this.ring = new Float64Array(buffers?.ring ?? new SharedArrayBuffer(slots * RING * E_WORDS * 8));
    this.acks = new Int32Array(buffers?.acks ?? new SharedArrayBuffer(slots * 4));
    this.running = new Int32Array(buffers?.running ?? new SharedArrayBuffer(slots * 4));
    this.locks = Array.from({ length: slots }, (_, i) => new SpinLock(this.ctl, i * Q_WORDS + Q_LOCK));
  }

  get buffers(): IpiBuffers {
    return { ctl: this.ctl.buffer as SharedArrayBuffer, ring: this.ring.buffer as SharedArrayBuffer, acks: this.acks.buffer as SharedArrayBuffer, running: this.running.buffer as SharedArrayBuffer };
  }

  /** Queue a flush of [start, end) of mm for `target`; false when its ring is full (retry later). */
  trySend(target: number, mmId: number, start: number, end: number, sender: number): boolean {
    const q = target * Q_WORDS, lock = this.locks[target]!;
    lock.lock();
    try {
      const head = this.ctl[q + Q_HEAD]!, tail = this.ctl[q + Q_TAIL]!;
      if (tail - head >= RING) return false;
      const e = (target * RING + (tail % RING)) * E_WORDS;
      this.ring[e + E_MM] = mmId;
      this.ring[e + E_START] = start;
      this.ring[e + E_END] = end;
      this.ring[e + E_SENDER] = sender;
      Atomics.add(this.acks, sender, 1);
      Atomics.store(this.ctl, q + Q_TAIL, tail + 1);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Whether `cpu` has requests waiting (cheap: one atomic load of each index). */
  pending(cpu: number): boolean {
    const q = cpu * Q_WORDS;
    return Atomics.load(this.ctl, q + Q_TAIL) !== Atomics.load(this.ctl, q + Q_HEAD);
  }

  /** Handle every queued request of `cpu` with flush(mmId, start, end), then ack it. Returns how many. */
  drain(cpu: number, flush: (mmId: number, start: number, end: number) => void): number {
    const q = cpu * Q_WORDS;
    let n = 0;
    while (this.pending(cpu)) {
      const head = this.ctl[q + Q_HEAD]!;
      const e = (cpu * RING + (head % RING)) * E_WORDS;
      flush(this.ring[e + E_MM]!, this.ring[e + E_START]!, this.ring[e + E_END]!);
      const sender = this.ring[e + E_SENDER]!;
      Atomics.store(this.ctl, q + Q_HEAD, head + 1);
      Atomics.sub(this.acks, sender, 1);
      Atomics.notify(this.acks, sender);
      n++;
    }
    return n;
  }

  /**
   * Spin until every request `sender` queued is acknowledged, running poll() meanwhile. A
   * receiver answers within a quantum (about a microsecond), and waking a sleeping thread costs
   * tens of microseconds here, so this spins for up to 200 µs before it naps.
   */
  waitAcks(sender: number, poll: () => void): void {
    const t0 = performance.now();
    for (let i = 0; Atomics.load(this.acks, sender) !== 0; i++) {
      poll();
      if ((i & 255) === 255 && performance.now() - t0 > 0.2) Atomics.wait(this.acks, sender, Atomics.load(this.acks, sender), 0.05);
    }
  }
}
