// The script thread's side of delegated vm_ops: serve_request runs a worker's posted request
// once, even when the callback itself serves requests meanwhile (as it does while it waits for
// a lock a worker holds: lockWaits.poll serves the mailboxes).
import { describe, it, expect } from 'vitest';
import { createLab, labMachine } from '../../../src-engine/lab';
import { DelegateMailbox, OP_FAULT, serve_request } from '../../../src-engine/smp/delegate';

const PG = 4096;

describe('serve_request', () => {
  it('answers a posted fault once, even if the callback polls the mailboxes while it runs', () => {
    const L = createLab({ ram_mb: 16, cpus: 2 });
    const m = labMachine(L);
    const box = new DelegateMailbox();
    const failures: unknown[] = [];
    const page = L.alloc_page(L.__GFP_ZERO)!;
    let calls = 0, innerServed: boolean | null = null;
    const dev = L.device_create('dev', { mmap: (_f, vma) => {
      vma.vm_flags |= L.VM_MIXEDMAP;
      vma.vm_ops = { fault: (_v, vmf) => {
        calls++;
        innerServed = serve_request(m, 1, box, failures); // what a lock wait's poll would do
        L.get_page(page);
        vmf.page = page;
        return 0;
      } };
      return 0;
    } });
    const mm = L.mm_alloc();
    const base = L.mmap(mm, 0, PG, L.PROT_READ, L.MAP_SHARED, dev, 0);
    const vma = L.find_vma(mm, base)!;
    // Post the request as a worker's delegating_vm_ops does.
    box.f[0] = base; box.f[1] = 0; box.f[2] = -1;
    box.w[1] = OP_FAULT; box.w[2] = vma.slot; box.w[3] = 0;
    Atomics.store(box.w, 0, 1);
    expect(serve_request(m, 1, box, failures)).toBe(true);
    expect(calls).toBe(1);
    expect(innerServed).toBe(false);
    expect(Atomics.load(box.w, 0)).toBe(2); // answered
    expect(box.w[4]).toBe(0);
    expect(box.f[2]).toBe(L.page_to_pfn(page));
    expect(failures).toEqual([]);
    expect(serve_request(m, 1, box, failures)).toBe(false); // nothing pending any more
  });
});
