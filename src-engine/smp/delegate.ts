// vm_operations written by the experiment (a driver's fault handler, say) are functions on the
// script's thread. A CPU worker that faults on such a vma asks that thread to run the callback
// through a shared mailbox, and waits (handling IPIs) for the answer; the script's thread serves
// requests while it waits for the workers and while it waits for a lock.
import type { Machine } from '../machine';
import type { vm_area_struct, vm_fault, vm_operations_struct } from '../mm/mm_types';

const R_STATE = 0; // 0 idle, 1 request posted, 3 being served, 2 answered
const R_OP = 1;
const R_SLOT = 2;
const R_FLAGS = 3;
const R_RET = 4;
const R_WORDS = 8;
const F_ADDRESS = 0, F_PGOFF = 1, F_PAGE = 2, F_WORDS = 4;
const ERR_BYTES = 1024;

export const OP_FAULT = 1;
export const OP_PAGE_MKWRITE = 2;
export const OP_PFN_MKWRITE = 3;

/** Which script callbacks a vma has, as bits stored in the vma slab beside its ops kind. */
export const SCRIPT_OPS_BITS: Record<'fault' | 'page_mkwrite' | 'pfn_mkwrite', number> = { fault: 1, page_mkwrite: 2, pfn_mkwrite: 4 };

/** One worker's request mailbox (shared memory). */
export interface DelegateBuffers { words: SharedArrayBuffer; nums: SharedArrayBuffer; err: SharedArrayBuffer }

export class DelegateMailbox {
  readonly w: Int32Array;
  readonly f: Float64Array;
  readonly err: Uint8Array;
  constructor(buffers?: DelegateBuffers) {
    this.w = new Int32Array(buffers?.words ?? new SharedArrayBuffer(R_WORDS * 4));
    this.f = new Float64Array(buffers?.nums ?? new SharedArrayBuffer(F_WORDS * 8));
    this.err = new Uint8Array(buffers?.err ?? new SharedArrayBuffer(ERR_BYTES));
  }
  get buffers(): DelegateBuffers {
    return { words: this.w.buffer as SharedArrayBuffer, nums: this.f.buffer as SharedArrayBuffer, err: this.err.buffer as SharedArrayBuffer };
  }
}

/**
 * On a worker: ops for a vma whose callbacks live on the script's thread. Each present callback
 * forwards to it through `box` and `wake`s the host; `poll` runs while waiting (the CPU's IPI handler).
 */
export function delegating_vm_ops(bits: number, box: DelegateMailbox, poll: () => void, wake: () => void): vm_operations_struct {
  const call = (op: number) => (vma: vm_area_struct, vmf: vm_fault): number => {
    box.f[F_ADDRESS] = vmf.address;
    box.f[F_PGOFF] = vmf.pgoff;
    box.f[F_PAGE] = typeof vmf.page === 'number' ? vmf.page : -1;
    box.w[R_OP] = op;
    box.w[R_SLOT] = vma.slot;
    box.w[R_FLAGS] = vmf.flags;
    Atomics.store(box.w, R_STATE, 1);
    wake();
    for (let i = 0; Atomics.load(box.w, R_STATE) !== 2; i++) {
      poll();
      if (i > 256) Atomics.wait(box.w, R_STATE, 1, 0.2);
    }
    Atomics.store(box.w, R_STATE, 0);
    const n = new DataView(box.err.buffer).getUint32(0);
    if (n) throw new Error(`the script's ${op === OP_FAULT ? 'fault' : 'mkwrite'} handler failed: ${new TextDecoder().decode(box.err.slice(4, 4 + n))}`);
    if (box.f[F_PAGE]! >= 0) vmf.page = box.f[F_PAGE]!;
    return box.w[R_RET]!;
  };
  const ops: vm_operations_struct = { name: 'script vm_ops (run on the script thread)' };
  if (bits & SCRIPT_OPS_BITS.fault) ops.fault = call(OP_FAULT);
  if (bits & SCRIPT_OPS_BITS.page_mkwrite) ops.page_mkwrite = call(OP_PAGE_MKWRITE);
  if (bits & SCRIPT_OPS_BITS.pfn_mkwrite) ops.pfn_mkwrite = call(OP_PFN_MKWRITE);
  return ops;
}

/**
 * On the script's thread: answer a worker's pending request, if any, by running the vma's own
 * callback as CPU `cpu` (re-entrant: a request already being served is not served again). A callback that throws is reported back to the worker (and rethrown
 * here when the run ends, through `failures`). Returns whether a request was served.
 */
export function serve_request(m: Machine, cpu: number, box: DelegateMailbox, failures: unknown[]): boolean {
  if (Atomics.load(box.w, R_STATE) !== 1) return false;
  // Taken before the callback runs: a callback that waits for a lock serves requests meanwhile
  // (lockWaits.poll), and must not be handed this same request again.
  Atomics.store(box.w, R_STATE, 3);
  const vma = m.vmaBySlot.get(box.w[R_SLOT]!);
  const op = box.w[R_OP]!;
  const fn = !vma ? undefined : op === OP_FAULT ? vma.vm_ops?.fault : op === OP_PAGE_MKWRITE ? vma.vm_ops?.page_mkwrite : vma.vm_ops?.pfn_mkwrite;
  const pfnIn = box.f[F_PAGE]!;
  const vmf: vm_fault = { flags: box.w[R_FLAGS]!, pgoff: box.f[F_PGOFF]!, address: box.f[F_ADDRESS]!, page: pfnIn >= 0 ? m.wrapPage(pfnIn) : null };
  const saved = m.current_cpu;
  m.current_cpu = cpu;
  let message = '';
  try {
    if (!fn || !vma) throw new Error('the vma or its callback is gone');
    box.w[R_RET] = fn(vma, vmf) as number;
    box.f[F_PAGE] = vmf.page === null || vmf.page === undefined ? -1 : m.unwrapPage(vmf.page) ?? -1;
  } catch (e) {
    failures.push(e);
    message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } finally {
    m.current_cpu = saved;
  }
  const bytes = new TextEncoder().encode(message).subarray(0, ERR_BYTES - 4);
  new DataView(box.err.buffer).setUint32(0, bytes.length);
  box.err.set(bytes, 4);
  Atomics.store(box.w, R_STATE, 2);
  Atomics.notify(box.w, R_STATE);
  return true;
}
