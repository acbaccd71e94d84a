// Locks in shared memory: a spinlock and mmap_sem's reader/writer semaphore.
// On one thread a lock that is already held can never be released while we wait, so taking it
// is a deadlock; that is reported as a lab error instead of hanging the host.

/** Thrown when a simulated lock could never be acquired (the lab's own error, not a kernel one). */
export class DeadlockError extends Error {
  constructor(what: string) {
    super(`deadlock: ${what}`);
    this.name = 'DeadlockError';
  }
}

const SPIN_LIMIT = 1 << 22;
/** Write holds a semaphore remembers for simulated contention (readers may lag the writer). */
const SIM_HOLDS = 16;

/**
 * How lock waits behave on this thread. On one thread (the default) a held lock can never be
 * released while we wait, so a bounded spin ends in DeadlockError. With CPUs on worker threads
 * the holder is another thread: waits spin, then sleep briefly, and run `poll` (the CPU's IPI
 * handler, as a spinning CPU with interrupts on would) until the lock comes free.
 */
export const lockWaits = {
  blocking: false,
  poll: null as (() => void) | null,
  waitWord: new Int32Array(new SharedArrayBuffer(4)),
  /** Told of every contended acquisition: the lock's kind (LOCK_*) and host nanoseconds waited. */
  record: null as ((kind: number, ns: number) => void) | null,
};

/**
 * Deterministic runs model mmap_sem contention in simulated time (src-engine/SMP.md): while
 * `clock` is set (the lab sets it around a deterministic run_workloads), a writer's hold is
 * remembered as the window of simulated cycles it spanned on its CPU, and a reader whose CPU
 * clock falls inside the last such window waits, in simulated cycles, until it ends (`wait`).
 */
export const simulatedLocks = {
  /** The simulated clock of the CPU taking a lock now; null outside deterministic runs. */
  clock: null as (() => number) | null,
  /** Told of every simulated wait: the lock's kind (LOCK_*) and the cycles waited. */
  wait: null as ((kind: number, cycles: number) => void) | null,
};

// Lock kinds whose contention is measured (the order of metrics/catalog.ts LOCKS).
export const LOCK_MMAP_SEM = 0;
export const LOCK_PTL = 1;
export const LOCK_PAGE_TABLE = 2;
export const LOCK_ZONE = 3;
export const LOCK_PAGE = 4;
export const LOCK_OTHER = -1;

/** Report a contended acquisition that began at host time t0 (ms). */
export function contended(kind: number, t0: number): void {
  if (kind >= 0) lockWaits.record?.(kind, (performance.now() - t0) * 1e6);
}

/** One step of waiting for a lock held elsewhere: false means give up (single-threaded deadlock). */
export function waitStep(i: number): boolean {
  if (!lockWaits.blocking) return i < SPIN_LIMIT;
  if ((i & 63) === 63) {
    lockWaits.poll?.();
    if (i > 4096) Atomics.wait(lockWaits.waitWord, 0, 0, 0.05); // a 50 µs nap once spinning has not helped
  }
  return true;
}

/**
 * Who takes a lock, for the cost of a lock hand-off: a lock last held by another CPU has its
 * cache line in that CPU's cache, and taking it moves the line (cost_lock_handoff). The machine
 * whose kernel code runs implements this; locks built without one (the lab's own mailboxes and
 * slabs) cost nothing.
 */
export interface LockAccounting {
  /** The taker's tag, 1 to LOCK_TAG_SCRIPT: the current CPU's id + 1, or LOCK_TAG_SCRIPT for the script's thread while CPU workers run (it is no CPU then). */
  lockTag(): number;
  /** A lock of `kind` (LOCK_*) was just taken from another CPU's hold: count and charge it on the current CPU. */
  lockHandoff(kind: number): void;
}

/** The tag of the script's thread while CPU workers run (CPUs are 1 to 64). */
export const LOCK_TAG_SCRIPT = 127;

/** Note that the context tagged `tag` took a lock of `kind` whose last holder was tagged `prev` (0: none yet). */
function handedOver(acct: LockAccounting, kind: number, prev: number, tag: number): void {
  if (prev !== 0 && prev !== tag && tag !== LOCK_TAG_SCRIPT) acct.lockHandoff(kind);
}

/**
 * A test-and-set spinlock on one Int32 word: bit 0 set while held, and above it the tag of the
 * last holder (0 for a lock without LockAccounting, so its word is 0 free and 1 held), as the
 * kernel's qspinlock word keeps a CPU number beside its locked byte. `concurrent` false promises
 * that no other thread uses the word (a machine in deterministic mode): the uncontended acquire
 * and the release are then a plain load and store instead of Atomics calls (~10 ns each on Node
 * 20, several per fault). Everything else, the contended path included, is the same.
 */
export class SpinLock {
  constructor(readonly words: Int32Array, readonly index: number, readonly kind = LOCK_OTHER, readonly concurrent = true,
    readonly acct: LockAccounting | null = null) {}

  /** Acquire; spins, then reports a deadlock after a bounded number of tries. */
  lock(): void {
    const tag = this.acct === null ? 0 : this.acct.lockTag();
    if (!this.concurrent) {
      const w = this.words[this.index]!;
      if ((w & 1) === 0) { this.words[this.index] = (tag << 1) | 1; this.taken(w, tag); return; }
    } else if (this.tryTake(tag)) return;
    const t0 = performance.now();
    for (let i = 0; waitStep(i); i++) {
      if (this.tryTake(tag)) { contended(this.kind, t0); return; }
    }
    throw new DeadlockError('spinlock held and never released');
  }
  /** One atomic attempt to take the lock for `tag`; true on success. */
  private tryTake(tag: number): boolean {
    const w = Atomics.load(this.words, this.index);
    if ((w & 1) !== 0 || Atomics.compareExchange(this.words, this.index, w, (tag << 1) | 1) !== w) return false;
    this.taken(w, tag);
    return true;
  }
  /** The lock was just taken by `tag` from the word `w` it had: a hand-off if another CPU held it last. */
  private taken(w: number, tag: number): void {
    if (this.acct !== null) handedOver(this.acct, this.kind, w >> 1, tag);
  }
  /** Acquire if free; true on success. */
  trylock(): boolean {
    return this.tryTake(this.acct === null ? 0 : this.acct.lockTag());
  }
  /** Release (the holder's tag stays in the word as the last holder's). */
  unlock(): void {
    const w = this.words[this.index]! & ~1; // only the holder writes the word meanwhile
    if (this.concurrent) Atomics.store(this.words, this.index, w);
    else this.words[this.index] = w;
  }
  get locked(): boolean {
    return (Atomics.load(this.words, this.index) & 1) !== 0;
  }
}

/**
 * A reader/writer semaphore on one Int32 word: 0 free, n > 0 readers, -1 a writer.
 * `concurrent` as for SpinLock: false makes the uncontended down_read/up_read plain. With a
 * LockAccounting, the word at `ownerIndex` keeps the tag of the last taker, reader or writer
 * (as 4.7's rw_semaphore keeps an owner for optimistic spinning): every acquisition writes the
 * count, so each one from another CPU than the last moves its cache line (a hand-off).
 */
export class RwSemaphore {
  /** The last write holds in simulated cycles, [from, until) pairs (see simulatedLocks). */
  private holds: number[] = [];
  /** The simulated clock when the current writer took it, or -1. */
  private writeStart = -1;

  constructor(readonly words: Int32Array, readonly index: number, readonly name: string, readonly concurrent = true,
    readonly acct: LockAccounting | null = null, readonly ownerIndex = -1) {}

  /** Take for read if no writer holds it; true on success. */
  down_read_trylock(): boolean {
    if (!this.concurrent) {
      const v = this.words[this.index]!;
      if (v < 0) return false;
      this.words[this.index] = v + 1;
      return this.owned();
    }
    if (Atomics.compareExchange(this.words, this.index, 0, 1) === 0) return this.owned(); // uncontended: one CAS
    for (;;) {
      const v = Atomics.load(this.words, this.index);
      if (v < 0) return false;
      if (Atomics.compareExchange(this.words, this.index, v, v + 1) === v) return this.owned();
    }
  }
  /** Take for write if free; true on success. */
  down_write_trylock(): boolean {
    return Atomics.compareExchange(this.words, this.index, 0, -1) === 0 && this.owned();
  }
  /** Just taken: the taker's tag goes to the owner word, and a hand-off is noted if another CPU took it last. Returns true. */
  private owned(): boolean {
    const acct = this.acct;
    if (acct === null) return true;
    const tag = acct.lockTag();
    let prev: number;
    if (this.concurrent) prev = Atomics.exchange(this.words, this.ownerIndex, tag); // readers take it at once
    else { prev = this.words[this.ownerIndex]!; this.words[this.ownerIndex] = tag; }
    handedOver(acct, LOCK_MMAP_SEM, prev, tag);
    return true;
  }
  down_read(): void {
    if (simulatedLocks.clock) this.simulatedReadWait(simulatedLocks.clock());
    if (this.down_read_trylock()) return;
    const t0 = performance.now();
    for (let i = 0; waitStep(i); i++) if (this.down_read_trylock()) { contended(LOCK_MMAP_SEM, t0); return; }
    throw new DeadlockError(`down_read(${this.name}) while it is held for write`);
  }
  down_write(): void {
    this.down_write_locked();
    if (simulatedLocks.clock) this.writeStart = simulatedLocks.clock();
  }
  /** Take for write, waiting (host time) while it is held. */
  private down_write_locked(): void {
    if (this.down_write_trylock()) return;
    const t0 = performance.now();
    for (let i = 0; waitStep(i); i++) if (this.down_write_trylock()) { contended(LOCK_MMAP_SEM, t0); return; }
    throw new DeadlockError(`down_write(${this.name}) while it is held`);
  }
  /** A reader at simulated time `now` inside one of the recent write holds waits until it ends. */
  private simulatedReadWait(now: number): void {
    const h = this.holds;
    for (let i = 0; i < h.length; i += 2) {
      if (now >= h[i]! && now < h[i + 1]!) { simulatedLocks.wait?.(LOCK_MMAP_SEM, h[i + 1]! - now); return; }
    }
  }
  /** Remember the write hold ending now (joined to the last one when they touch); keeps the last SIM_HOLDS. */
  private simulatedWriteHold(end: number): void {
    const from = this.writeStart, h = this.holds;
    this.writeStart = -1;
    if (from < 0 || end <= from) return;
    const n = h.length;
    if (n && from >= h[n - 2]! && from <= h[n - 1]!) { h[n - 1] = Math.max(h[n - 1]!, end); return; }
    h.push(from, end);
    if (h.length > 2 * SIM_HOLDS) h.splice(0, 2);
  }
  up_read(): void {
    if (!this.concurrent && this.words[this.index] === 1) { this.words[this.index] = 0; return; } // the only reader
    if (Atomics.compareExchange(this.words, this.index, 1, 0) === 1) return; // the only reader: one CAS
    const v = Atomics.load(this.words, this.index);
    if (v <= 0) throw new Error(`up_read(${this.name}) without a reader holding it`);
    Atomics.sub(this.words, this.index, 1);
  }
  up_write(): void {
    if (Atomics.compareExchange(this.words, this.index, -1, 0) !== -1) throw new Error(`up_write(${this.name}) without a writer holding it`);
    if (simulatedLocks.clock) this.simulatedWriteHold(simulatedLocks.clock());
  }
  /** 0 free, n readers, -1 writer. */
  get state(): number {
    return Atomics.load(this.words, this.index);
  }
  get write_locked(): boolean { return this.state < 0; }
}
