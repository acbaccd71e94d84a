// The scripting API (shared/SCRIPTING-API.md): every global an experiment script sees, bound to
// one current machine. Kernel names and argument orders are the kernel's; arguments are checked
// at this boundary so bad input is a TypeError and never corrupts the machine.
import { Machine, FAIL_SITES, FailSite } from './machine';
import { MachineConfig } from './params';
import * as F from './include/mm_flags';
import * as T from './arch/x86/pgtable_types';
import { Args, page, pte_ptr, wrap_page } from './lab/objects';
import { check_invariants as check_machine } from './lab/invariants';
import { KernelBug } from './kernel/bug';
import type { SpinLock } from './kernel/locking';
import { mm_alloc as k_mm_alloc, dup_mm, mmput as k_mmput } from './kernel/fork';
import { do_mmap, do_munmap, find_vma as k_find_vma } from './mm/mmap';
import { do_mprotect } from './mm/mprotect';
import { do_madvise } from './mm/madvise';
import { do_mlock, do_munlock } from './mm/mlock';
import { __mm_populate, access_remote_vm as k_access_remote_vm, proc_mem_rw as k_proc_mem_rw, process_vm_readv as k_pvr } from './mm/gup';
import * as mem from './mm/memory';
import { mmu_gather, tlb_gather_mmu as k_gather, tlb_finish_mmu as k_finish, ULONG_MAX_ADDR } from './asm-generic/tlb';
import { mmu_notifier_register as k_notifier_register } from './mm/mmu_notifier';
import { alloc_pages as k_alloc_pages, __free_pages as k_free_pages, get_page as k_get_page, put_page as k_put_page,
  split_page as k_split_page, page_count as k_page_count, page_mapcount as k_page_mapcount, PageAnon as k_PageAnon, get_mm_rss, vm_normal_page } from './mm/mm';
import { PG_dirty, PG_referenced, PG_swapbacked, PG_locked, PG_mlocked, PG_uptodate } from './mm/page';
import { __GFP_COMP, __GFP_ZERO, GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from './mm/page_alloc';
import { walk_pte, read_entry, get_locked_pte } from './mm/pgtable';
import { file_write as k_file_write, file_read as k_file_read, find_get_page as k_find_get_page } from './mm/filemap';
import { do_truncate } from './mm/truncate';
import { FS_MMAP } from './fs/shmem';
import { FMODE_READ, FMODE_WRITE, file, vm_area_struct, mm_struct, MmuNotifierOps, FsType } from './mm/mm_types';
import { swap_out_page } from './mm/swap_state';
import { user_access } from './arch/x86/mm/fault';
import { MemType } from './arch/x86/pgtable_types';
import { run_workloads, stop_workers, type CpuJob, type RunOptions, type RunResult } from './smp/scheduler';
import { withSimulatedLocks } from './smp/sim_locks';
import { run_threads, type ThreadJob, type ThreadOptions, type ThreadsResult } from './smp/threads';
import { recordZap, zapThroughput, type ZapApi } from './metrics/catalog';
import { checkChart, chartSummary, CHART_MIME, type ChartSpec } from './lab/chart';
import { cycles_to_ns as k_cycles_to_ns, CPU_GHZ } from './costs';
import { checkMetric, metricSummary, METRIC_MIME } from './lab/metric';
import { checkTable, tableBundle, tableText } from './lab/table';

export interface LabOptions {
  /** Where print() lines go (default: console.log). */
  print?: (line: string) => void;
  /** Where rich outputs go, as a MIME bundle (default: their text/plain line to print). */
  display?: (bundle: Record<string, unknown>) => void;
}

const MEMTYPES: readonly MemType[] = ['WB', 'WC', 'UC-', 'UC'];

/** The errno name of a negative errno value (for messages). */
export function errnoName(e: number): string {
  const names = ['EPERM', 'ENOENT', 'EINTR', 'EIO', 'EBADF', 'EAGAIN', 'ENOMEM', 'EACCES', 'EFAULT', 'EBUSY', 'EEXIST', 'ENODEV', 'EINVAL', 'ENFILE', 'EFBIG', 'ENOSPC', 'ENOSYS'] as const;
  const hit = names.find((n) => (F as Record<string, unknown>)[n] === -e);
  return hit ? `-${hit}` : String(e);
}

/** Format one print() argument the way a console would. */
function fmt(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `Uint8Array(${v.length}) [${Array.from(v.subarray(0, 16)).join(', ')}${v.length > 16 ? ', ...' : ''}]`;
  if (v !== null && typeof v === 'object' && (v as object).toString !== Object.prototype.toString && !Array.isArray(v)) return String(v);
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Build the API object for a new lab. */
function buildApi(initial: Partial<MachineConfig> | undefined, opts: LabOptions) {
  let m = bootMachine(initial);
  const A = new Args(() => m);
  const out = opts.print ?? ((line: string) => console.log(line));

  /** A new machine whose pages cross to scripts as page objects. */
  function bootMachine(cfg: unknown): Machine {
    const mc = new Machine(cfg ?? {});
    mc.wrapPage = (pfn) => wrap_page(mc, pfn);
    mc.unwrapPage = (x) => (x instanceof page && x.m === mc ? x.pfn : typeof x === 'number' ? x : null);
    return mc;
  }
  /** The page object of a pfn that must be RAM. */
  const pageOf = (pfn: number): page => wrap_page(m, pfn);
  /** Run a system call body under mmap_sem held for write. */
  const withWrite = <R>(mm: ReturnType<Args['mm']>, body: () => R): R => {
    mm.mmap_sem.down_write();
    try { return body(); } finally { mm.mmap_sem.up_write(); }
  };
  /** User accesses need a CPU's TLB, which a worker owns while CPUs run in parallel mode. */
  const notWhileWorkersRun = (fn: string): void => {
    if (m.workersRunning) throw new TypeError(`${fn}: every CPU is running on a worker thread now; make user accesses before or after run_workloads (kernel calls such as proc_mem_rw work meanwhile)`);
  };
  /** A length argument: a non-negative integer. */
  const checkedLen = (fn: string, len: unknown): number => A.uint(fn, 'len', len);
  /**
   * Run a zapping call and record its pages, simulated cycles (of the current CPU's clock) and
   * host time under `api`, in this thread's stats slot (the script's own while workers run).
   */
  const measureZap = <R>(api: ZapApi, body: () => R): R => {
    const cpu = m.cpus[m.current_cpu]!;
    const pages0 = m.zapped, cycles0 = cpu.clock, t0 = performance.now();
    try { return body(); } finally {
      const pages = m.zapped - pages0;
      if (pages > 0) recordZap(m.statsSlot().counters, api, pages, cpu.clock - cycles0, Math.round((performance.now() - t0) * 1e6));
    }
  };

  const api = {
    // ---- constants ----
    PAGE_SIZE: T.PAGE_SIZE, PAGE_SHIFT: T.PAGE_SHIFT, PAGE_MASK: T.PAGE_MASK,
    EPERM: F.EPERM, EINTR: F.EINTR, EIO: F.EIO, ENOMEM: F.ENOMEM, EACCES: F.EACCES, EFAULT: F.EFAULT, EBUSY: F.EBUSY,
    EEXIST: F.EEXIST, EINVAL: F.EINVAL, ENOSPC: F.ENOSPC, EAGAIN: F.EAGAIN, ENOSYS: F.ENOSYS, ENODEV: F.ENODEV,
    VM_NONE: F.VM_NONE, VM_READ: F.VM_READ, VM_WRITE: F.VM_WRITE, VM_EXEC: F.VM_EXEC, VM_SHARED: F.VM_SHARED,
    VM_MAYREAD: F.VM_MAYREAD, VM_MAYWRITE: F.VM_MAYWRITE, VM_MAYEXEC: F.VM_MAYEXEC, VM_MAYSHARE: F.VM_MAYSHARE,
    VM_GROWSDOWN: F.VM_GROWSDOWN, VM_PFNMAP: F.VM_PFNMAP, VM_DENYWRITE: F.VM_DENYWRITE, VM_LOCKED: F.VM_LOCKED,
    VM_IO: F.VM_IO, VM_SEQ_READ: F.VM_SEQ_READ, VM_RAND_READ: F.VM_RAND_READ, VM_DONTCOPY: F.VM_DONTCOPY,
    VM_DONTEXPAND: F.VM_DONTEXPAND, VM_ACCOUNT: F.VM_ACCOUNT, VM_NORESERVE: F.VM_NORESERVE, VM_HUGETLB: F.VM_HUGETLB,
    VM_PAT: F.VM_PAT, VM_DONTDUMP: F.VM_DONTDUMP, VM_MIXEDMAP: F.VM_MIXEDMAP, VM_LOCKONFAULT: F.VM_LOCKONFAULT,
    VM_SOFTDIRTY: F.VM_SOFTDIRTY, VM_SPECIAL: F.VM_SPECIAL,
    PROT_NONE: F.PROT_NONE, PROT_READ: F.PROT_READ, PROT_WRITE: F.PROT_WRITE, PROT_EXEC: F.PROT_EXEC,
    MAP_SHARED: F.MAP_SHARED, MAP_PRIVATE: F.MAP_PRIVATE, MAP_FIXED: F.MAP_FIXED, MAP_ANONYMOUS: F.MAP_ANONYMOUS,
    MAP_POPULATE: F.MAP_POPULATE, MAP_GROWSDOWN: F.MAP_GROWSDOWN, MAP_LOCKED: F.MAP_LOCKED, MAP_NORESERVE: F.MAP_NORESERVE,
    MADV_NORMAL: F.MADV_NORMAL, MADV_RANDOM: F.MADV_RANDOM, MADV_SEQUENTIAL: F.MADV_SEQUENTIAL, MADV_WILLNEED: F.MADV_WILLNEED,
    MADV_DONTNEED: F.MADV_DONTNEED, MADV_FREE: F.MADV_FREE, MADV_DONTFORK: F.MADV_DONTFORK, MADV_DOFORK: F.MADV_DOFORK,
    _PAGE_PRESENT: T._PAGE_PRESENT, _PAGE_RW: T._PAGE_RW, _PAGE_USER: T._PAGE_USER, _PAGE_PWT: T._PAGE_PWT,
    _PAGE_PCD: T._PAGE_PCD, _PAGE_ACCESSED: T._PAGE_ACCESSED, _PAGE_DIRTY: T._PAGE_DIRTY, _PAGE_PSE: T._PAGE_PSE,
    _PAGE_GLOBAL: T._PAGE_GLOBAL, _PAGE_SPECIAL: T._PAGE_SPECIAL, _PAGE_PROTNONE: T._PAGE_PROTNONE,
    PAGE_NONE: T.PAGE_NONE, PAGE_SHARED: T.PAGE_SHARED, PAGE_SHARED_EXEC: T.PAGE_SHARED_EXEC, PAGE_COPY: T.PAGE_COPY,
    PAGE_COPY_EXEC: T.PAGE_COPY_EXEC, PAGE_READONLY: T.PAGE_READONLY, PAGE_READONLY_EXEC: T.PAGE_READONLY_EXEC,
    PAGE_KERNEL: T.PAGE_KERNEL, PAGE_KERNEL_IO: T.PAGE_KERNEL_IO,
    MM_FILEPAGES: F.MM_FILEPAGES, MM_ANONPAGES: F.MM_ANONPAGES, MM_SWAPENTS: F.MM_SWAPENTS, MM_SHMEMPAGES: F.MM_SHMEMPAGES,
    GFP_KERNEL, GFP_HIGHUSER_MOVABLE, __GFP_ZERO, __GFP_COMP,
    VM_FAULT_OOM: F.VM_FAULT_OOM, VM_FAULT_SIGBUS: F.VM_FAULT_SIGBUS, VM_FAULT_MAJOR: F.VM_FAULT_MAJOR,
    VM_FAULT_WRITE: F.VM_FAULT_WRITE, VM_FAULT_SIGSEGV: F.VM_FAULT_SIGSEGV, VM_FAULT_NOPAGE: F.VM_FAULT_NOPAGE,
    VM_FAULT_LOCKED: F.VM_FAULT_LOCKED, VM_FAULT_RETRY: F.VM_FAULT_RETRY, VM_FAULT_ERROR: F.VM_FAULT_ERROR,
    FAULT_FLAG_WRITE: F.FAULT_FLAG_WRITE, FAULT_FLAG_MKWRITE: F.FAULT_FLAG_MKWRITE, FAULT_FLAG_REMOTE: F.FAULT_FLAG_REMOTE,
    TASK_SIZE: T.TASK_SIZE,

    // ---- the machine ----
    /** The current machine's configuration (a copy). */
    machine_config: (): MachineConfig => ({ ...m.config }),
    /** Replace the machine with a fresh one; config keys merge over the defaults. */
    reset_machine: (config?: Partial<MachineConfig>): MachineConfig => {
      const next = bootMachine(config ?? {});
      stop_workers(m);
      m = next;
      return { ...m.config };
    },
    dmesg: (): string[] => [...m.log.lines],
    tainted: (): boolean => m.log.tainted,
    check_invariants: (): string[] => check_machine(m),
    fail_next: (site: FailSite, count = 1): void => {
      if (!FAIL_SITES.includes(site)) throw new TypeError(`fail_next: site must be one of ${FAIL_SITES.join(', ')}, got ${String(site)}`);
      A.uint('fail_next', 'count', count);
      m.failNext.set(site, count);
    },
    trace_start: (names?: string[]): void => {
      if (names !== undefined && (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))) throw new TypeError('trace_start: names must be an array of event names');
      m.trace.start(names);
    },
    trace_stop: () => m.trace.stop(),
    pfn_valid: (pfn: number): boolean => m.phys.pfn_valid(pfn),
    /** Event counters of the machine (faults by type, TLB hits and misses, simulated cycles). */
    machine_stats: () => ({ cycles: m.cycles, cpu_cycles: m.cpus.map((c) => c.clock), pgfault: m.pgfault,
      free_pages: m.alloc.nr_free, ram_pages: m.nr_ram_pages, ...m.stats.snapshot() }),

    // ---- address spaces ----
    mm_alloc: () => { const mm = k_mm_alloc(m); if (!mm) throw new RangeError('mm_alloc: out of memory for a pgd'); return mm; },
    /** fork: the child's mm_struct. A failed fork (e.g. fail_next) throws an Error named 'Errno' with .errno (-ENOMEM, -EINVAL). */
    fork: (mm: unknown): mm_struct => {
      const r = dup_mm(A.mm('fork', mm));
      if (typeof r === 'number') throw Object.assign(new Error(`fork: failed with ${r} (${errnoName(r)})`), { name: 'Errno', errno: r });
      return r;
    },
    mmput: (mm: unknown): void => k_mmput(A.mm('mmput', mm)),
    get_mm_counter: (mm: unknown, member: number): number => {
      const x = A.mm('get_mm_counter', mm);
      if (![0, 1, 2, 3].includes(member)) throw new TypeError('get_mm_counter: member must be MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS or MM_SHMEMPAGES');
      return x.get_counter(member);
    },
    get_mm_rss: (mm: unknown): number => get_mm_rss(A.mm('get_mm_rss', mm)),
    down_read: (sem: unknown): void => A.sem('down_read', sem).down_read(),
    up_read: (sem: unknown): void => A.sem('up_read', sem).up_read(),
    down_write: (sem: unknown): void => A.sem('down_write', sem).down_write(),
    up_write: (sem: unknown): void => A.sem('up_write', sem).up_write(),
    mmap: (mm: unknown, addr: number, len: number, prot: number, flags: number, f: unknown = null, pgoff = 0): number => {
      const x = A.mm('mmap', mm);
      const fl = f === null || f === undefined ? null : A.file('mmap', f);
      A.uint('mmap', 'addr', addr); A.uint('mmap', 'len', len); A.int('mmap', 'prot', prot); A.int('mmap', 'flags', flags); A.uint('mmap', 'pgoff', pgoff);
      if (!fl && !(flags & F.MAP_ANONYMOUS)) throw new TypeError('mmap: a mapping without a file needs MAP_ANONYMOUS');
      const r = withWrite(x, () => do_mmap(x, fl, addr, len, prot, flags, pgoff));
      if (r.addr >= 0 && r.populate) { x.mmap_sem.down_read(); try { __mm_populate(x, r.addr, r.populate); } finally { x.mmap_sem.up_read(); } }
      return r.addr;
    },
    munmap: (mm: unknown, addr: number, len: number): number => {
      const x = A.mm('munmap', mm); A.uint('munmap', 'addr', addr); checkedLen('munmap', len);
      return measureZap('munmap', () => withWrite(x, () => do_munmap(x, addr, len)));
    },
    mprotect: (mm: unknown, addr: number, len: number, prot: number): number => {
      const x = A.mm('mprotect', mm); A.uint('mprotect', 'addr', addr); checkedLen('mprotect', len); A.int('mprotect', 'prot', prot);
      return withWrite(x, () => do_mprotect(x, addr, len, prot));
    },
    madvise: (mm: unknown, addr: number, len: number, advice: number): number => {
      const x = A.mm('madvise', mm); A.uint('madvise', 'addr', addr); checkedLen('madvise', len); A.int('madvise', 'advice', advice);
      return advice === F.MADV_DONTNEED ? measureZap('MADV_DONTNEED', () => do_madvise(x, addr, len, advice)) : do_madvise(x, addr, len, advice);
    },
    mlock: (mm: unknown, addr: number, len: number): number => { const x = A.mm('mlock', mm); A.uint('mlock', 'addr', addr); checkedLen('mlock', len); return do_mlock(x, addr, len); },
    munlock: (mm: unknown, addr: number, len: number): number => { const x = A.mm('munlock', mm); A.uint('munlock', 'addr', addr); checkedLen('munlock', len); return do_munlock(x, addr, len); },
    proc_mem_rw: (mm: unknown, addr: number, buf: Uint8Array, len: number, write: boolean | number): number => {
      const x = A.mm('proc_mem_rw', mm); A.uint('proc_mem_rw', 'addr', addr); A.bytes('proc_mem_rw', 'buf', buf); checkedLen('proc_mem_rw', len);
      if (len > buf.length) throw new TypeError(`proc_mem_rw: len ${len} is larger than buf (${buf.length} bytes)`);
      return k_proc_mem_rw(x, addr, buf, len, A.bool('proc_mem_rw', 'write', write));
    },
    process_vm_readv: (mm: unknown, addr: number, len: number): Uint8Array | number => {
      const x = A.mm('process_vm_readv', mm); A.uint('process_vm_readv', 'addr', addr); checkedLen('process_vm_readv', len);
      return k_pvr(x, addr, len);
    },
    swap_out: (mm: unknown, addr: number): number => {
      const x = A.mm('swap_out', mm); A.uint('swap_out', 'addr', addr);
      if (!m.swap) return -F.EINVAL;
      x.mmap_sem.down_read();
      try {
        const ptep = walk_pte(x, addr);
        if (ptep < 0) return -F.EINVAL;
        const pte = read_entry(m, ptep);
        const vma = k_find_vma(x, addr);
        if (!T.pte_present(pte) || !vma || vma.vm_start > addr) return -F.EINVAL;
        const pfn = vm_normal_page(vma, addr, pte);
        if (pfn === null) return -F.EINVAL;
        return swap_out_page(m, pfn);
      } finally { x.mmap_sem.up_read(); }
    },
    is_swap_pte: (pte: unknown): boolean => { const p = A.pte('is_swap_pte', pte); return !T.pte_none(p) && !T.pte_present(p); },
    find_vma: (mm: unknown, addr: number): vm_area_struct | null => k_find_vma(A.mm('find_vma', mm), A.uint('find_vma', 'addr', addr)),
    vma_pages: (vma: unknown): number => { const v = A.vma('vma_pages', vma); return (v.vm_end - v.vm_start) / T.PAGE_SIZE; },

    // ---- files and devices ----
    file_create: (name: string, size: number, fs: FsType = 'ramfs'): file => {
      if (typeof name !== 'string' || !name) throw new TypeError('file_create: name must be a non-empty string');
      A.uint('file_create', 'size', size);
      if (!(fs in FS_MMAP)) throw new TypeError(`file_create: fs must be 'ramfs', 'tmpfs' or 'diskfs', got ${String(fs)}`);
      const ino = m.newInode(name, fs);
      ino.i_size = size;
      return m.newFile(ino, FMODE_READ | FMODE_WRITE, { mmap: FS_MMAP[fs] });
    },
    file_open: (f: unknown, mode: 'r' | 'rw'): file => {
      const x = A.file('file_open', f);
      if (mode !== 'r' && mode !== 'rw') throw new TypeError(`file_open: mode must be 'r' or 'rw', got ${String(mode)}`);
      return m.newFile(x.f_inode, mode === 'r' ? FMODE_READ : FMODE_READ | FMODE_WRITE, x.f_op);
    },
    file_write: (f: unknown, offset: number, data: Uint8Array): number => {
      const x = A.file('file_write', f); A.uint('file_write', 'offset', offset); A.bytes('file_write', 'data', data);
      if (x.f_inode.fs === 'chardev') throw new TypeError('file_write: not a regular file');
      if (!(x.f_mode & FMODE_WRITE)) return -F.EBADF;
      return k_file_write(x, offset, data);
    },
    file_read: (f: unknown, offset: number, len: number): Uint8Array => {
      const x = A.file('file_read', f); A.uint('file_read', 'offset', offset); checkedLen('file_read', len);
      if (x.f_inode.fs === 'chardev') throw new TypeError('file_read: not a regular file');
      return k_file_read(x, offset, len);
    },
    ftruncate: (f: unknown, length: number): number => {
      const x = A.file('ftruncate', f); A.int('ftruncate', 'length', length);
      if (length < 0) return -F.EINVAL;
      if (x.f_inode.fs === 'chardev') return -F.EINVAL;
      if (!(x.f_mode & FMODE_WRITE)) return -F.EINVAL;
      return do_truncate(x, length);
    },
    find_get_page: (mapping: unknown, index: number): page | null => {
      const pfn = k_find_get_page(A.mapping('find_get_page', mapping), A.uint('find_get_page', 'index', index));
      return pfn === null ? null : pageOf(pfn);
    },
    device_create: (name: string, ops: { mmap: (file: file, vma: vm_area_struct) => number; size?: number }): file => {
      if (typeof name !== 'string' || !name) throw new TypeError('device_create: name must be a non-empty string');
      if (!ops || typeof ops.mmap !== 'function') throw new TypeError('device_create: ops.mmap must be a function (file, vma) => 0 | -errno');
      const ino = m.newInode(name, 'chardev');
      ino.i_size = ops.size === undefined ? 0 : A.uint('device_create', 'size', ops.size);
      return m.newFile(ino, FMODE_READ | FMODE_WRITE, { mmap: ops.mmap });
    },
    generic_access_phys: (vma: unknown, addr: number, buf: Uint8Array, len: number, write: number | boolean): number =>
      mem.generic_access_phys(A.vma('generic_access_phys', vma), A.uint('generic_access_phys', 'addr', addr), A.bytes('generic_access_phys', 'buf', buf), checkedLen('generic_access_phys', len), write),
    mmu_notifier_register: (mm: unknown, ops: MmuNotifierOps): number => {
      const x = A.mm('mmu_notifier_register', mm);
      if (!ops || typeof ops !== 'object') throw new TypeError('mmu_notifier_register: ops must be an object of callbacks');
      for (const k of ['invalidate_range_start', 'invalidate_range_end', 'invalidate_range'] as const) {
        if (ops[k] !== undefined && typeof ops[k] !== 'function') throw new TypeError(`mmu_notifier_register: ops.${k} must be a function`);
      }
      return k_notifier_register(x, ops);
    },

    // ---- pages ----
    alloc_page: (gfp: number = GFP_KERNEL): page | null => { const p = k_alloc_pages(m, A.int('alloc_page', 'gfp', gfp), 0); return p === null ? null : pageOf(p); },
    alloc_pages: (gfp: number, order: number): page | null => {
      A.int('alloc_pages', 'gfp', gfp);
      if (A.uint('alloc_pages', 'order', order) >= 11) {
        // __alloc_pages_nodemask: WARN_ON_ONCE(!(gfp & __GFP_NOWARN)) and NULL.
        if (!m.warnedOnce.has('alloc_pages_order')) { m.warnedOnce.add('alloc_pages_order'); m.log.printk(`WARNING: __alloc_pages_nodemask: order ${order} >= MAX_ORDER`); m.log.taint |= 1 << 9; }
        return null;
      }
      const p = k_alloc_pages(m, gfp, order);
      return p === null ? null : pageOf(p);
    },
    __free_page: (p: unknown): void => k_free_pages(m, A.page('__free_page', p), 0),
    __free_pages: (p: unknown, order: number): void => k_free_pages(m, A.page('__free_pages', p), A.uint('__free_pages', 'order', order)),
    get_page: (p: unknown): void => k_get_page(m, A.page('get_page', p)),
    put_page: (p: unknown): void => k_put_page(m, A.page('put_page', p)),
    split_page: (p: unknown, order: number): void => k_split_page(m, A.page('split_page', p), A.uint('split_page', 'order', order)),
    page_to_pfn: (p: unknown): number => A.page('page_to_pfn', p),
    pfn_to_page: (pfn: number): page => {
      if (!m.phys.pfn_valid(A.uint('pfn_to_page', 'pfn', pfn))) throw new TypeError(`pfn_to_page: pfn 0x${pfn.toString(16)} has no struct page (pfn_valid is false)`);
      return pageOf(pfn);
    },
    page_count: (p: unknown): number => k_page_count(m, A.page('page_count', p)),
    page_mapcount: (p: unknown): number => k_page_mapcount(m, A.page('page_mapcount', p)),
    PageAnon: (p: unknown): boolean => k_PageAnon(m, A.page('PageAnon', p)),
    PageDirty: (p: unknown): boolean => m.mem.test(A.page('PageDirty', p), PG_dirty),
    PageReferenced: (p: unknown): boolean => m.mem.test(A.page('PageReferenced', p), PG_referenced),
    PageSwapBacked: (p: unknown): boolean => m.mem.test(A.page('PageSwapBacked', p), PG_swapbacked),
    PageLocked: (p: unknown): boolean => m.mem.test(A.page('PageLocked', p), PG_locked),
    PageMlocked: (p: unknown): boolean => m.mem.test(A.page('PageMlocked', p), PG_mlocked),
    PageUptodate: (p: unknown): boolean => m.mem.test(A.page('PageUptodate', p), PG_uptodate),
    page_read: (p: unknown, offset: number, len: number): Uint8Array => {
      const pfn = A.page('page_read', p); A.uint('page_read', 'offset', offset); checkedLen('page_read', len);
      if (offset + len > T.PAGE_SIZE) throw new TypeError('page_read: offset + len must stay inside the page (4096 bytes)');
      return m.phys.read(pfn * T.PAGE_SIZE + offset, len)!;
    },
    page_write: (p: unknown, offset: number, data: Uint8Array): void => {
      const pfn = A.page('page_write', p); A.uint('page_write', 'offset', offset); A.bytes('page_write', 'data', data);
      if (offset + data.length > T.PAGE_SIZE) throw new TypeError('page_write: offset + data.length must stay inside the page (4096 bytes)');
      m.phys.write(pfn * T.PAGE_SIZE + offset, data);
    },
    lookup_pte: (mm: unknown, addr: number): T.pte_t | null => {
      const x = A.mm('lookup_pte', mm);
      const ptep = walk_pte(x, A.uint('lookup_pte', 'addr', addr));
      return ptep < 0 ? null : read_entry(m, ptep);
    },
    pte_none: (p: unknown) => T.pte_none(A.pte('pte_none', p)),
    pte_present: (p: unknown) => T.pte_present(A.pte('pte_present', p)),
    pte_write: (p: unknown) => T.pte_write(A.pte('pte_write', p)),
    pte_dirty: (p: unknown) => T.pte_dirty(A.pte('pte_dirty', p)),
    pte_young: (p: unknown) => T.pte_young(A.pte('pte_young', p)),
    pte_special: (p: unknown) => T.pte_special(A.pte('pte_special', p)),
    pte_pfn: (p: unknown) => T.pte_pfn(A.pte('pte_pfn', p)),
    pte_flags: (p: unknown) => T.pte_flags(A.pte('pte_flags', p)),
    pte_nx: (p: unknown) => T.pte_nx(A.pte('pte_nx', p)),
    pte_val: (p: unknown) => T.pte_val(A.pte('pte_val', p)),
    pgprot_val: (p: unknown) => T.pgprot_val(A.prot('pgprot_val', p)),
    __pgprot: (bits: bigint): T.pgprot_t => {
      if (typeof bits !== 'bigint') throw new TypeError('__pgprot: bits must be a bigint (e.g. 0x8000000000000025n)');
      return T.__pgprot(bits);
    },
    pgprot_noncached: (p: unknown) => T.pgprot_noncached(A.prot('pgprot_noncached', p)),
    pgprot_writecombine: (p: unknown) => T.pgprot_writecombine(A.prot('pgprot_writecombine', p)),
    set_memtype: (pfn: number, npages: number, type: MemType): number => {
      A.uint('set_memtype', 'pfn', pfn); A.uint('set_memtype', 'npages', npages);
      if (!MEMTYPES.includes(type)) throw new TypeError(`set_memtype: type must be one of ${MEMTYPES.join(', ')}`);
      if (!m.config.pat || npages === 0) return 0;
      if (m.phys.pfn_valid(pfn)) {
        for (let i = 0; i < npages; i++) {
          const cur = m.memtypes.ramTypes.get(pfn + i);
          if (cur && cur !== type) return -F.EBUSY;
        }
        for (let i = 0; i < npages; i++) m.memtypes.ramTypes.set(pfn + i, type);
        return 0;
      }
      return m.memtypes.reserve(pfn * T.PAGE_SIZE, (pfn + npages) * T.PAGE_SIZE, type, false).err;
    },
    pte_alloc_map_lock: (mm: unknown, addr: number): { ptep: pte_ptr; ptl: SpinLock } | null => {
      const x = A.mm('pte_alloc_map_lock', mm);
      const lp = get_locked_pte(x, A.uint('pte_alloc_map_lock', 'addr', addr));
      if (!lp) return null;
      const ptep = new pte_ptr(m, lp.ptep, lp.ptl);
      return { ptep, ptl: lp.ptl };
    },
    ptep_get: (ptep: unknown): T.pte_t => read_entry(m, A.ptep('ptep_get', ptep).pa),
    pte_unmap_unlock: (ptep: unknown, ptl: unknown): void => {
      const p = A.ptep('pte_unmap_unlock', ptep);
      if (ptl !== p.lock) throw new TypeError('pte_unmap_unlock: ptl is not the lock returned with this ptep');
      if (!p.lock.locked) throw new TypeError('pte_unmap_unlock: the page-table lock is not held');
      p.lock.unlock();
    },

    // ---- the memory.c API ----
    mmu_gather,
    tlb_gather_mmu: (tlb: unknown, mm: unknown, start: number, end: number): void => {
      const t = A.tlb('tlb_gather_mmu', tlb, false);
      k_gather(t, A.mm('tlb_gather_mmu', mm), A.uint('tlb_gather_mmu', 'start', start), end === -1 ? ULONG_MAX_ADDR : A.uint('tlb_gather_mmu', 'end', end));
    },
    tlb_finish_mmu: (tlb: unknown, start: number, end: number): void => k_finish(A.tlb('tlb_finish_mmu', tlb), start, end),
    unmap_vmas: (tlb: unknown, vma: unknown, start_addr: number, end_addr: number): void => {
      const t = A.tlb('unmap_vmas', tlb), v = A.vma('unmap_vmas', vma);
      if (v.vm_mm !== t.mm) throw new TypeError('unmap_vmas: the vma belongs to another mm than the gather');
      const s = A.aligned('unmap_vmas', 'start_addr', start_addr);
      const e = end_addr === -1 ? mem.FULL_MM_END : A.aligned('unmap_vmas', 'end_addr', end_addr);
      mem.unmap_vmas(t, v, s, e);
    },
    zap_page_range: (vma: unknown, start: number, size: number, details: mem.zap_details | null = null): void =>
      measureZap('zap_page_range', () => mem.zap_page_range(A.vma('zap_page_range', vma), A.aligned('zap_page_range', 'start', start), A.aligned('zap_page_range', 'size', size), zapDetails('zap_page_range', details))),
    zap_page_range_single: (vma: unknown, address: number, size: number, details: mem.zap_details | null = null): void =>
      mem.zap_page_range_single(A.vma('zap_page_range_single', vma), A.aligned('zap_page_range_single', 'address', address), A.aligned('zap_page_range_single', 'size', size), zapDetails('zap_page_range_single', details)),
    zap_vma_ptes: (vma: unknown, address: number, size: number): number =>
      mem.zap_vma_ptes(A.vma('zap_vma_ptes', vma), A.aligned('zap_vma_ptes', 'address', address), A.aligned('zap_vma_ptes', 'size', size)),
    vm_insert_page: (vma: unknown, addr: number, p: unknown): number =>
      mem.vm_insert_page(A.vma('vm_insert_page', vma), A.aligned('vm_insert_page', 'addr', addr), A.page('vm_insert_page', p)),
    vm_insert_pfn: (vma: unknown, addr: number, pfn: number): number =>
      mem.vm_insert_pfn(A.vma('vm_insert_pfn', vma), A.aligned('vm_insert_pfn', 'addr', addr), A.uint('vm_insert_pfn', 'pfn', pfn)),
    vm_insert_pfn_prot: (vma: unknown, addr: number, pfn: number, prot: unknown): number =>
      mem.vm_insert_pfn_prot(A.vma('vm_insert_pfn_prot', vma), A.aligned('vm_insert_pfn_prot', 'addr', addr), A.uint('vm_insert_pfn_prot', 'pfn', pfn), A.prot('vm_insert_pfn_prot', prot)),
    remap_pfn_range: (vma: unknown, addr: number, pfn: number, size: number, prot: unknown): number =>
      mem.remap_pfn_range(A.vma('remap_pfn_range', vma), A.uint('remap_pfn_range', 'addr', addr), A.uint('remap_pfn_range', 'pfn', pfn), A.uint('remap_pfn_range', 'size', size), A.prot('remap_pfn_range', prot)),
    vm_iomap_memory: (vma: unknown, start: number, len: number): number =>
      mem.vm_iomap_memory(A.vma('vm_iomap_memory', vma), A.uint('vm_iomap_memory', 'start', start), A.uint('vm_iomap_memory', 'len', len)),
    unmap_mapping_range: (mapping: unknown, holebegin: number, holelen: number, even_cows: number | boolean): void =>
      measureZap('unmap_mapping_range', () => mem.unmap_mapping_range(A.mapping('unmap_mapping_range', mapping), A.uint('unmap_mapping_range', 'holebegin', holebegin), A.uint('unmap_mapping_range', 'holelen', holelen), A.bool('unmap_mapping_range', 'even_cows', even_cows))),
    do_set_pte: (vma: unknown, address: number, p: unknown, ptep: unknown, write: boolean, anon: boolean): void => {
      const v = A.vma('do_set_pte', vma), pp = A.ptep('do_set_pte', ptep);
      if (!pp.lock.locked) throw new TypeError('do_set_pte: the caller must hold the pte lock (from pte_alloc_map_lock)');
      mem.do_set_pte(v, A.aligned('do_set_pte', 'address', address), A.page('do_set_pte', p), pp.pa, A.bool('do_set_pte', 'write', write), A.bool('do_set_pte', 'anon', anon));
    },
    follow_pfn: (vma: unknown, address: number, pfn: { value: number }): number => {
      if (!pfn || typeof pfn !== 'object') throw new TypeError('follow_pfn: pfn must be an object like { value: 0 }');
      return mem.follow_pfn(A.vma('follow_pfn', vma), A.uint('follow_pfn', 'address', address), pfn);
    },
    access_remote_vm: (mm: unknown, addr: number, buf: Uint8Array, len: number, write: 0 | 1 | boolean): number => {
      const x = A.mm('access_remote_vm', mm); A.uint('access_remote_vm', 'addr', addr); A.bytes('access_remote_vm', 'buf', buf);
      if (typeof len !== 'number' || !Number.isSafeInteger(len) || len < 0) throw new TypeError(`access_remote_vm: len must be a non-negative integer (a negative len is a precondition violation), got ${String(len)}`);
      if (len > buf.length) throw new TypeError(`access_remote_vm: len ${len} is larger than buf (${buf.length} bytes)`);
      return k_access_remote_vm(x, addr, buf, len, A.bool('access_remote_vm', 'write', write) ? 1 : 0);
    },

    // ---- user-level access from a CPU ----
    user_read: (mm: unknown, addr: number, len: number, cpu = 0): Uint8Array => {
      const x = A.mm('user_read', mm); notWhileWorkersRun('user_read'); A.uint('user_read', 'addr', addr); checkedLen('user_read', len); const c = A.cpu('user_read', cpu);
      const outBuf = new Uint8Array(len);
      for (let done = 0; done < len; ) {
        const a = addr + done, n = Math.min(T.PAGE_SIZE - (a % T.PAGE_SIZE), len - done);
        const pa = user_access(m, c, x, a, false, { n: 0 });
        const bytes = m.phys.read(pa, n);
        if (bytes) outBuf.set(bytes, done); else outBuf.fill(0xff, done, done + n);
        done += n;
      }
      return outBuf;
    },
    user_write: (mm: unknown, addr: number, data: Uint8Array, cpu = 0): void => {
      const x = A.mm('user_write', mm); notWhileWorkersRun('user_write'); A.uint('user_write', 'addr', addr); A.bytes('user_write', 'data', data); const c = A.cpu('user_write', cpu);
      for (let done = 0; done < data.length; ) {
        const a = addr + done, n = Math.min(T.PAGE_SIZE - (a % T.PAGE_SIZE), data.length - done);
        const pa = user_access(m, c, x, a, true, { n: 0 });
        m.phys.write(pa, data.subarray(done, done + n));
        done += n;
      }
    },
    touch: (mm: unknown, start: number, len: number, mode: 'r' | 'w', cpu = 0): number => {
      const x = A.mm('touch', mm); notWhileWorkersRun('touch'); A.uint('touch', 'start', start); checkedLen('touch', len); const c = A.cpu('touch', cpu);
      if (mode !== 'r' && mode !== 'w') throw new TypeError(`touch: mode must be 'r' or 'w', got ${String(mode)}`);
      const faults = { n: 0 };
      const first = Math.floor(start / T.PAGE_SIZE), last = Math.ceil((start + len) / T.PAGE_SIZE);
      for (let vpn = first; vpn < last; vpn++) {
        const a = vpn === first ? start : vpn * T.PAGE_SIZE;
        user_access(m, c, x, a, mode === 'w', faults); // a write of the byte's own value: content unchanged
      }
      return faults.n;
    },

    // ---- SMP: CPUs running workloads ----
    /**
     * run_workloads(jobs, options): run each job ({ cpu, mm, workload } or { cpu, mm, pattern,
     * accesses, write_fraction?, seed? }) on its CPU under the deterministic scheduler until all
     * finish; returns per-CPU outcomes, the run's statistics and TLB hit-rate series.
     */
    run_workloads: (jobs: CpuJob[], options: RunOptions = {}): RunResult => {
      if (!Array.isArray(jobs)) throw new TypeError('run_workloads: jobs must be an array of { cpu, mm, workload }');
      for (const j of jobs) A.mm('run_workloads', j?.mm);
      return withSimulatedLocks(m, options ?? {}, (opts) => run_workloads(m, jobs, opts));
    },
    /**
     * run_threads(threads, options): loop each thread's run(i) on its CPU ({ cpu, run,
     * iterations?, think_cycles? }), interleaved by simulated time: the thread whose CPU is
     * behind runs next, and inside a call the others catch up at the kernel's preemption points
     * (gup's retry). Stops when every thread is done or options.until() is true.
     */
    run_threads: (threads: ThreadJob[], options: ThreadOptions = {}): ThreadsResult => {
      if (m.workersRunning) throw new TypeError('run_threads: CPU workers are running; call it before or after run_workloads');
      return run_threads(m, threads, options ?? {});
    },
    /** The live statistics of the machine (counters per CPU, formulas, histograms). */
    stats_snapshot: () => m.stats.snapshot(),
    /** Zap throughput per API (pages, pages per host second, simulated cycles per page) so far. */
    zap_throughput: () => zapThroughput(m.stats.snapshot()),

    // ---- output and time ----
    print: (...values: unknown[]): void => out(values.map(fmt).join(' ')),
    /** chart({ title, series: [{ name, x, y }], kind?, x_label?, y_label?, log_x?, log_y? }): a chart output. */
    chart: (spec: ChartSpec): void => {
      const c = checkChart(spec);
      const bundle = { 'text/plain': chartSummary(c), [CHART_MIME]: c };
      if (opts.display) opts.display(bundle);
      else out(chartSummary(c));
    },
    /** table(rows, options?): a table in the cell's output (data, text and escaped HTML; text in a terminal). */
    table: (rows: readonly (Record<string, unknown> | readonly unknown[])[], options: { columns?: string[]; title?: string } = {}): void => {
      const t = checkTable(rows, options);
      if (opts.display) opts.display(tableBundle(t));
      else for (const line of tableText(t).split('\n')) out(line);
    },
    /** metric(name, value, unit?): report a named result of the experiment (`mmu-lab sweep` tabulates it per run). */
    metric: (name: string, value: number, unit = ''): void => {
      const r = checkMetric(name, value, unit);
      if (opts.display) opts.display({ 'text/plain': metricSummary(r), [METRIC_MIME]: r });
      else out(metricSummary(r));
    },
    now_ns: (): number => Math.round(performance.now() * 1e6),
    /** The modelled clock in GHz (the test machine's TSC, RESULTS.md): simulated cycles per nanosecond. */
    CPU_GHZ,
    /** Simulated cycles as simulated nanoseconds at the modelled clock (CPU_GHZ); a number, not host time. */
    cycles_to_ns: (cycles: number): number => {
      if (typeof cycles !== 'number' || !Number.isFinite(cycles)) throw new TypeError(`cycles_to_ns: cycles must be a finite number, got ${String(cycles)}`);
      return k_cycles_to_ns(cycles);
    },
  };

  /** Validate a zap_details object; check_mapping must be an address_space of this machine. */
  function zapDetails(fn: string, d: unknown): mem.zap_details | null {
    if (d === null || d === undefined) return null;
    if (typeof d !== 'object') throw new TypeError(`${fn}: details must be a zap_details object or null`);
    const z = d as Record<string, unknown>;
    const known = ['check_mapping', 'first_index', 'last_index', 'ignore_dirty', 'check_swap_entries'];
    for (const k of Object.keys(z)) if (!known.includes(k)) throw new TypeError(`${fn}: unknown zap_details field '${k}'`);
    return {
      check_mapping: z.check_mapping === undefined || z.check_mapping === null ? null : A.mapping(fn, z.check_mapping),
      first_index: z.first_index === undefined ? undefined : A.uint(fn, 'first_index', z.first_index),
      last_index: z.last_index === undefined ? undefined : A.uint(fn, 'last_index', z.last_index),
      ignore_dirty: !!z.ignore_dirty,
      check_swap_entries: !!z.check_swap_entries,
    };
  }
  return { api, machine: () => m };
}

export type Lab = ReturnType<typeof buildApi>['api'];

const labMachines = new WeakMap<object, () => Machine>();

/** A new lab: the script API bound to a fresh machine built from config. */
export function createLab(config?: Partial<MachineConfig>, options: LabOptions = {}): Lab {
  const { api, machine } = buildApi(config, options);
  labMachines.set(api, machine);
  return api;
}

/** The machine currently behind a lab (for the host and tests; scripts never get it). */
export function labMachine(lab: Lab): Machine {
  const get = labMachines.get(lab);
  if (!get) throw new TypeError('labMachine: not a lab made by createLab');
  return get();
}

/** The names of every script global, in a stable order. */
export const LAB_GLOBAL_NAMES: readonly string[] = Object.freeze(Object.keys(buildApi({ ram_mb: 4, max_vmas: 16, max_mms: 1 }, {}).api));

export { KernelBug };
