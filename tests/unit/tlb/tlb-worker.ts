// A CPU worker for shared.test.ts: attaches to the TLB buffer it is handed, owns it (the only
// writer), makes 10 cyclic passes over `pages` pages and reports the L1 hits it saw.
import { parentPort, workerData } from 'node:worker_threads';
import { TlbHierarchy } from '../../../src-engine/arch/x86/mm/tlb_hw';
import { access } from './helpers';

const { buffer, pages } = workerData as { buffer: SharedArrayBuffer; pages: number };
const t = TlbHierarchy.attach(buffer);
for (let pass = 0; pass < 10; pass++) for (let i = 0; i < pages; i++) access(t, 0x4_0000 + i);
parentPort!.postMessage({ hits: t.stats().l1_hits });
