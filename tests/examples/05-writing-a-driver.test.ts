// experiments/05-writing-a-driver.ipynb, run headless as the CLI runs it: the three drivers' ptes,
// follow_pfn on each, access_remote_vm through generic_access_phys, and the driver mistakes.
import { describe, it, expect } from 'vitest';
import { runNotebook, line } from './run-notebook-b';
import { tableRows, simulatedOutputs, examplePath } from './run-notebook-a';
import { loadNotebook } from '../../src-main/notebook/store';

const NB = '05-writing-a-driver.ipynb';

describe('experiments/05-writing-a-driver.ipynb', () => {
  it('maps MMIO as special pfn ptes, driver pages as normal ptes, and follow_pfn finds the pfn maps only, as stored', async () => {
    const run = await runNotebook(NB);
    expect(run.errors).toEqual([]);
    expect(run.status).toBe(0);
    const flags = new Map(tableRows(run.nb, 'driver-03').map((r) => [r['device'], r['vm_flags']]));
    expect(flags.get('mmio-bar')).toBe('VM_SHARED|VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP');
    expect(flags.get('ring')).toBe('VM_SHARED|VM_MIXEDMAP');
    // After the touch, every page of every device has its pte.
    const rows = tableRows(run.nb, 'driver-07', 'The ptes after the touch');
    expect(rows).toHaveLength(12);
    for (let i = 0; i < 4; i++) {
      expect(rows[i]).toEqual({ device: 'mmio-bar', page: i, 'pte present': true, pfn: `0x${(0xc0000 + i).toString(16)}`, special: true, 'pte flags': 'P|RW|US|PCD|A|SPECIAL' });
      expect(rows[4 + i]).toMatchObject({ device: 'ring', page: i, 'pte present': true, special: false }); // vm_insert_page: an ordinary pte to a RAM page
      expect(Number(rows[4 + i]!['pfn'])).toBeLessThan(0xc0000);
      expect(rows[8 + i]).toEqual({ device: 'lazy-pfn', page: i, 'pte present': true, pfn: `0x${(0xc0010 + i).toString(16)}`, special: true, 'pte flags': 'P|RW|US|A|SPECIAL' });
    }
    const before = tableRows(run.nb, 'driver-05', 'The ptes right after mmap');
    expect(before.filter((r) => r['device'] === 'lazy-pfn')).toEqual([0, 1, 2, 3].map((page) => ({ device: 'lazy-pfn', page, 'pte present': false, pfn: null, special: null, 'pte flags': null }))); // nothing before the touch
    expect(line(run, /^ring page 0: page_count (\d) .*page_mapcount (\d); MM_FILEPAGES (\d)/).slice(1)).toEqual(['2', '1', '4']);
    expect(line(run, /^reading every page of each device: (.*) \(types/)[1]).toBe('mmio-bar 0 faults, ring 0 faults, lazy-pfn 4 faults');
    expect(run.charts[0]!.series.map((s) => s.y[0])).toEqual([0, 0, 4]);
    expect(tableRows(run.nb, 'driver-07', 'follow_pfn')).toEqual([{ device: 'mmio-bar', 'follow_pfn returns': 0, pfn: '0xc0001' },
      { device: 'ring', 'follow_pfn returns': -22, pfn: null }, { device: 'lazy-pfn', 'follow_pfn returns': 0, pfn: '0xc0011' }]);
    const remote = line(run, /^lazy-pfn: remote write moved (\d+) bytes; remote read of 12 bytes moved (\d+): \[(.*)\]$/);
    expect(remote.slice(1)).toEqual(['4', '12', '0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0xde 0xad 0xbe 0xef']);
    expect(line(run, /^lazy-pfn, untouched page: access_remote_vm read moved (\d+) bytes; \/proc\/pid\/mem says (-?\d+)/).slice(1)).toEqual(['0', '-5']);
    expect(line(run, /^invariants: (.*)$/)[1]).toBe('[]');
    const mistakes = tableRows(run.nb, 'driver-11');
    expect(mistakes.map((r) => r['#'])).toEqual([1, 2, 3, 4, 5]);
    expect(mistakes.map((r) => r['tainted'])).toEqual([false, false, true, true, false]);
    expect(mistakes[0]!['outcome']).toBe('mmap returned -22');
    expect(mistakes[1]!['outcome']).toMatch(/^TypeError: remap_pfn_range: addr .* not page aligned/);
    expect(mistakes[2]!['outcome']).toMatch(/^KernelBug: vm_insert_page: .*BUG_ON\(vma->vm_flags & VM_PFNMAP\)$/);
    expect(mistakes[3]!['outcome']).toMatch(/^KernelBug: vm_insert_pfn_prot: .*BUG_ON.*VM_PFNMAP\|VM_MIXEDMAP/);
    expect(mistakes[4]!['outcome']).toBe('mmap returned -22');

    expect(simulatedOutputs(run.nb), `stored outputs are stale: run npx mmu-lab run experiments/${NB}`)
      .toEqual(simulatedOutputs(loadNotebook(examplePath(NB))));
  });

  it('with the mappings read-only, a remote write through generic_access_phys moves nothing', async () => {
    const run = await runNotebook(NB, ['-p', 'map_read_only=true', '--no-typecheck']);
    expect(run.status).toBe(0);
    expect(line(run, /^lazy-pfn: remote write moved (\d+) bytes/)[1]).toBe('0');
  });
});
