// experiments/05-writing-a-driver.ipynb, run headless as the CLI runs it: the three drivers' ptes,
// follow_pfn on each, access_remote_vm through generic_access_phys, and the driver mistakes.
import { describe, it, expect } from 'vitest';
import { runNotebook, line } from './run-notebook-b';

const NB = '05-writing-a-driver.ipynb';

describe('experiments/05-writing-a-driver.ipynb', () => {
  it('maps MMIO as special pfn ptes, driver pages as normal ptes, and follow_pfn finds the pfn maps only', async () => {
    const run = await runNotebook(NB);
    expect(run.errors).toEqual([]);
    expect(run.status).toBe(0);
    expect(line(run, /^mmio-bar +mapped at .*vm_flags: (.*)$/)[1]).toBe('VM_SHARED|VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP');
    expect(line(run, /^ring +mapped at .*vm_flags: (.*)$/)[1]).toBe('VM_SHARED|VM_MIXEDMAP');
    // After the touch (the second table), every page of every device has its pte.
    const rows = run.lines.filter((l) => /^(mmio-bar|ring|lazy-pfn) +\d/.test(l)).slice(12).map((l) => l.split(/ +/));
    expect(rows).toHaveLength(12);
    for (let i = 0; i < 4; i++) {
      expect(rows[i]).toEqual(['mmio-bar', String(i), `0x${(0xc0000 + i).toString(16)}`, 'true', 'P|RW|US|PCD|A|SPECIAL']);
      expect(rows[4 + i]![3]).toBe('false'); // vm_insert_page: an ordinary pte to a RAM page
      expect(Number(rows[4 + i]![2])).toBeLessThan(0xc0000);
      expect(rows[8 + i]).toEqual(['lazy-pfn', String(i), `0x${(0xc0010 + i).toString(16)}`, 'true', 'P|RW|US|A|SPECIAL']);
    }
    expect(run.lines.filter((l) => /^lazy-pfn +\d +\(none\)$/.test(l))).toHaveLength(4); // nothing before the touch
    expect(line(run, /^ring page 0: page_count (\d) .*page_mapcount (\d); MM_FILEPAGES (\d)/).slice(1)).toEqual(['2', '1', '4']);
    expect(line(run, /^reading every page of each device: (.*) \(types/)[1]).toBe('mmio-bar 0 faults, ring 0 faults, lazy-pfn 4 faults');
    expect(run.charts[0]!.series.map((s) => s.y[0])).toEqual([0, 0, 4]);
    expect(line(run, /^ +mmio-bar +follow_pfn -> (.*)$/)[1]).toBe('0, pfn 0xc0001');
    expect(line(run, /^ +ring +follow_pfn -> (.*)$/)[1]).toBe('-22 (-EINVAL)');
    expect(line(run, /^ +lazy-pfn +follow_pfn -> (.*)$/)[1]).toBe('0, pfn 0xc0011');
    const remote = line(run, /^lazy-pfn: remote write moved (\d+) bytes; remote read of 12 bytes moved (\d+): \[(.*)\]$/);
    expect(remote.slice(1)).toEqual(['4', '12', '0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0xde 0xad 0xbe 0xef']);
    expect(line(run, /^lazy-pfn, untouched page: access_remote_vm read moved (\d+) bytes; \/proc\/pid\/mem says (-?\d+)/).slice(1)).toEqual(['0', '-5']);
    expect(line(run, /^invariants: (.*)$/)[1]).toBe('[]');
    const outcomes = run.lines.filter((l) => l.startsWith('    -> '));
    expect(outcomes[0]).toMatch(/mmap returned -22; tainted: false/);
    expect(outcomes[1]).toMatch(/TypeError: remap_pfn_range: addr .* not page aligned/);
    expect(outcomes[2]).toMatch(/KernelBug: vm_insert_page: .*BUG_ON\(vma->vm_flags & VM_PFNMAP\); tainted: true/);
    expect(outcomes[3]).toMatch(/KernelBug: vm_insert_pfn_prot: .*BUG_ON.*VM_PFNMAP\|VM_MIXEDMAP.*; tainted: true/);
    expect(outcomes[4]).toMatch(/mmap returned -22; tainted: false/);
  });

  it('with the mappings read-only, a remote write through generic_access_phys moves nothing', async () => {
    const run = await runNotebook(NB, ['-p', 'map_read_only=true', '--no-typecheck']);
    expect(run.status).toBe(0);
    expect(line(run, /^lazy-pfn: remote write moved (\d+) bytes/)[1]).toBe('0');
  });
});
