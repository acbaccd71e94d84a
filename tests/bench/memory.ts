// Section 6: host memory of a big machine. Builds a machine of `cpus` CPUs and `ram_mb` MiB,
// writes successive amounts of anonymous memory in one process, running a short chase on every
// CPU after each step so every TLB is in use, and records process.memoryUsage() at each point.
// run.ts calls this in a fresh child process, so the RSS is the machine's and Node's only.
import { createLab } from '../../src-engine/lab';
import { chase } from './translate';
import { PAGE } from './labkit';

export interface MemoryPoint {
  touched_mb: number;
  rss_bytes: number;
  heap_used_bytes: number;
  /** ArrayBuffers and SharedArrayBuffers (allocated size, not only the resident part). */
  array_buffers_bytes: number;
}

export interface MemoryResult {
  cpus: number;
  ram_mb: number;
  /** RSS of the process before the machine was built. */
  baseline_rss_bytes: number;
  points: MemoryPoint[];
}

/** The memory figures of this process now, labelled with `touched_mb`. */
function sample(touched_mb: number): MemoryPoint {
  const u = process.memoryUsage();
  return { touched_mb, rss_bytes: u.rss, heap_used_bytes: u.heapUsed, array_buffers_bytes: u.arrayBuffers };
}

/** Section 6 (in this process): RSS after writing each of `touch_mb` (ascending) MiB. */
export function measureMemory(cfg: { cpus: number; ram_mb: number; touch_mb: readonly number[] }): MemoryResult {
  const baseline = process.memoryUsage().rss;
  const lab = createLab({ cpus: cfg.cpus, ram_mb: cfg.ram_mb });
  const mm = lab.mm_alloc();
  const top = Math.max(...cfg.touch_mb);
  const addr = lab.mmap(mm, 0, top * 2 ** 20, lab.PROT_READ | lab.PROT_WRITE, lab.MAP_PRIVATE | lab.MAP_ANONYMOUS);
  if (addr < 0) throw new Error(`measureMemory: mmap of ${top} MiB failed with ${addr}`);
  const points: MemoryPoint[] = [];
  let done = 0;
  for (const mb of cfg.touch_mb) {
    lab.touch(mm, addr + done * 2 ** 20, (mb - done) * 2 ** 20, 'w');
    done = mb;
    const pages = (mb * 2 ** 20) / PAGE;
    lab.run_workloads(Array.from({ length: cfg.cpus }, (_, cpu) => ({ cpu, mm, workload: chase(addr, pages, 4096, cpu + 1) })));
    points.push(sample(mb));
  }
  return { cpus: cfg.cpus, ram_mb: cfg.ram_mb, baseline_rss_bytes: baseline, points };
}
