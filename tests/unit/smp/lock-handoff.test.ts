// Lock hand-offs: a lock taken by another CPU than the one that took it last moves its cache
// line, counted as lock_handoffs.<lock> and charged cost_lock_handoff on the taking CPU. The
// SpinLock keeps its last holder's tag in its word beside the held bit, the RwSemaphore in an
// owner word beside its count.
import { describe, it, expect } from 'vitest';
import { createLab } from '../../../src-engine/lab';
import { LOCK_PTL, LOCK_MMAP_SEM, LOCK_TAG_SCRIPT, RwSemaphore, SpinLock, type LockAccounting } from '../../../src-engine/kernel/locking';

const PG = 4096;

/** A LockAccounting whose taker is `tag.now`; records the kinds of the hand-offs it is told of. */
function fakeAccounting() {
  const handoffs: number[] = [];
  const acct: LockAccounting & { now: number } = { now: 1, lockTag() { return this.now; }, lockHandoff: (kind) => { handoffs.push(kind); } };
  return { acct, handoffs };
}

describe.each([false, true])('SpinLock with accounting (concurrent %s)', (concurrent) => {
  it('counts a hand-off only when another CPU held it last; the script thread is never charged', () => {
    const { acct, handoffs } = fakeAccounting();
    const lock = new SpinLock(new Int32Array(new SharedArrayBuffer(8)), 1, LOCK_PTL, concurrent, acct);
    const takeAs = (tag: number) => { acct.now = tag; lock.lock(); expect(lock.locked).toBe(true); lock.unlock(); expect(lock.locked).toBe(false); };
    takeAs(1); // first taker: nobody held it before
    takeAs(1);
    expect(handoffs).toEqual([]);
    takeAs(2);
    takeAs(2);
    takeAs(1);
    expect(handoffs).toEqual([LOCK_PTL, LOCK_PTL]);
    takeAs(LOCK_TAG_SCRIPT); // from CPU 1 to the script's thread: no CPU to charge
    expect(handoffs).toHaveLength(2);
    takeAs(1); // back from the script's thread: the line moved again
    expect(handoffs).toHaveLength(3);
  });

  it('trylock fails while held and takes it when free, noting the hand-off; the word keeps the last holder', () => {
    const { acct, handoffs } = fakeAccounting();
    const words = new Int32Array(new SharedArrayBuffer(4));
    const lock = new SpinLock(words, 0, LOCK_PTL, concurrent, acct);
    acct.now = 3;
    lock.lock();
    acct.now = 4;
    expect(lock.trylock()).toBe(false);
    lock.unlock();
    expect(words[0]).toBe(3 << 1); // free, last held by tag 3
    expect(lock.trylock()).toBe(true);
    expect(words[0]).toBe((4 << 1) | 1);
    expect(handoffs).toEqual([LOCK_PTL]);
  });
});

describe('SpinLock without accounting', () => {
  it('keeps the plain 0 free / 1 held word', () => {
    const words = new Int32Array(new SharedArrayBuffer(4));
    const lock = new SpinLock(words, 0);
    lock.lock();
    expect(words[0]).toBe(1);
    expect(lock.trylock()).toBe(false);
    lock.unlock();
    expect(words[0]).toBe(0);
  });
});

describe.each([false, true])('RwSemaphore with accounting (concurrent %s)', (concurrent) => {
  it('notes a hand-off for each reader or writer that takes it after another CPU, and keeps the last taker', () => {
    const { acct, handoffs } = fakeAccounting();
    const words = new Int32Array(new SharedArrayBuffer(8));
    const sem = new RwSemaphore(words, 0, 'test', concurrent, acct, 1);
    acct.now = 1; sem.down_read();
    acct.now = 2; sem.down_read(); // a second reader on another CPU: the count's line moves
    expect(handoffs).toEqual([LOCK_MMAP_SEM]);
    sem.up_read(); sem.up_read();
    acct.now = 2; sem.down_write(); sem.up_write();
    expect(handoffs).toHaveLength(1);
    acct.now = 1; sem.down_write(); sem.up_write();
    expect(handoffs).toHaveLength(2);
    expect(words[1]).toBe(1);
    expect(sem.state).toBe(0);
  });
});

/** `cpus` CPUs writing 512 fresh pages of one mm between them at once (deterministic), with cost_lock_handoff `cost`. */
function twoCpusFaulting(cost: number, cpus = 2) {
  const L = createLab({ cpus, ram_mb: 64, cost_lock_handoff: cost });
  const mm = L.mm_alloc();
  const base = L.mmap(mm, 0, 1024 * PG, L.PROT_READ | L.PROT_WRITE, L.MAP_PRIVATE | L.MAP_ANONYMOUS);
  const per = 512 / cpus; // pages each CPU writes, 512 accesses (8 bytes apart) to each
  const jobs = Array.from({ length: cpus }, (_, cpu) => ({ cpu, mm, workload: { kind: 'sequential' as const, base: base + cpu * per * PG, pages: per, accesses: per * 512, write_fraction: 1, seed: cpu } }));
  return L.run_workloads(jobs, { quantum: 64 });
}

describe('lock hand-offs on a machine', () => {
  it('two CPUs faulting in one mm hand mmap_sem to each other; each hand-off costs cost_lock_handoff on the taker', () => {
    const charged = twoCpusFaulting(80), free = twoCpusFaulting(0);
    const handoffs = charged.stats.counters['lock_handoffs.mmap_sem']!;
    expect(handoffs.unit).toBe('acquisitions');
    expect(handoffs.perCpu.every((n) => n > 100)).toBe(true); // each CPU's faults alternate with the other's
    expect(free.stats.counters['lock_handoffs.mmap_sem']!.perCpu).toEqual(handoffs.perCpu); // counted at any cost
    const all = (r: typeof charged, cpu: number) => ['mmap_sem', 'ptl', 'page_table_lock'].reduce((n, l) => n + r.stats.counters[`lock_handoffs.${l}`]!.perCpu[cpu]!, 0);
    for (const cpu of [0, 1]) expect(charged.cpus[cpu]!.cycles - free.cpus[cpu]!.cycles).toBe(80 * all(charged, cpu));
  });

  it('one CPU never hands a lock off', () => {
    const r = twoCpusFaulting(80, 1);
    for (const l of ['mmap_sem', 'ptl', 'page_table_lock']) expect(r.stats.counters[`lock_handoffs.${l}`]!.value).toBe(0);
    expect(r.stats.formulas['faults_total']!.value).toBe(512);
  });
});
