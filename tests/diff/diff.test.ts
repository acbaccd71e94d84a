/**
 * Differential test: the scenarios of scenarios.ts run on the host kernel
 * (tests/diff/native/scenario.c, reading /proc/self/pagemap) and in the lab
 * (through createLab), compared page by page on what /proc/PID/pagemap shows:
 * present (bit 63), exclusively mapped (bit 56), file-or-shared-anon (bit 61),
 * which pages share a frame (within one snap, any process, any region, with
 * the zero page as a named frame), and whether a page kept its frame since its
 * process's previous snap (COW reuse vs copy).
 *
 * The host kernel is 6.18 (see shared/baselines/RESULTS.md); the lab models
 * 4.7. Only what both kernels agree on is compared.
 *
 * DIFFERENCES between 4.7 and the host kernel, and how each is kept out:
 *
 * 1. Fault-around. A read fault on a file mapping maps neighbouring page-cache
 *    pages. 4.7: do_fault_around, fault_around_bytes = 64 KiB, window from
 *    max(addr & ~0xffff, vm_start), 16 ptes, clipped to the pte table, the vma
 *    and EOF, through filemap_map_pages. 6.18: the same default size but a
 *    folio-based filemap_map_pages (a large folio maps its whole range), the
 *    mmap_miss heuristic, userfaultfd switching it off, per-VMA-lock retries.
 *    The two may map different neighbours. Kept out by the model in
 *    compare.ts: after a read fault on a file region every other still-empty
 *    page of that region is "maybe" until it is touched or zapped explicitly;
 *    its present/file/frame facts are not compared, and neither is the
 *    exclusive bit of any page-cache page of the same file index (its mapcount
 *    counts the uncertain pte). Both sides put every mapping on a 2 MiB
 *    boundary so the window is at least in the same place; the left-out pages
 *    are reported as information (scenario g is built to show this).
 *    Write faults never fault around on either kernel.
 * 2. THP, huge zero page, large folios. The lab models no THP. scenario.c
 *    gives every mapping MADV_NOHUGEPAGE and uses at most 16 pages; tmpfs
 *    large folios depend on the host's shmem_enabled. If any native page is
 *    part of a compound page (kpageflags COMPOUND_HEAD/TAIL/THP) the test fails
 *    instead of comparing 4 KiB semantics against a huge mapping.
 * 3. The zero page. Both kernels map the shared zero page on a read fault of
 *    anonymous private memory, with a special pte, so pagemap shows it present,
 *    not exclusive and not file (vm_normal_page is NULL). Each side learns its
 *    own zero pfn the same way (read a never-written anonymous page) and the
 *    partition names it. Not exercised: the huge zero page (THP),
 *    mm_forbids_zeropage, userfaultfd's missing mode, kpagecount of the zero
 *    page, and 6.x's zero-page accounting.
 * 4. The exclusive bit (PM_MMAP_EXCLUSIVE). 4.7: page && page_mapcount == 1.
 *    6.18 (CONFIG_PAGE_MAPCOUNT=y): folio_precise_page_mapcount == 1: the same
 *    for 4 KiB pages. It is not PageAnonExclusive (6.x only), and it is an
 *    estimate for large folios under CONFIG_NO_PAGE_MAPCOUNT; KSM pages would
 *    differ too. No scenario has large folios (2.) or KSM (nothing is
 *    MADV_MERGEABLE). The lab side computes the 4.7 rule from page_mapcount.
 * 5. COW reuse. 4.7's do_wp_page reuses an anonymous page when its mapcount
 *    (plus swap count) is <= 1, whatever its refcount (a gup pin does not
 *    stop it). 6.x reuses a PageAnonExclusive page, or else one whose
 *    refcount is 1 after draining the *local* LRU cache
 *    (wp_can_reuse_anon_folio). They part when a page is mapped once but
 *    holds other references: gup/vmsplice/O_DIRECT pins, the swap cache, KSM,
 *    or another CPU's LRU cache. Scenarios avoid all of them: no pins, no
 *    swap, and scenario.c pins itself (and so its children) to one CPU. Then
 *    both kernels reuse and copy the same pages, and "kept its frame since the
 *    previous snap" is compared (b: parent pages 4-5 after the child copied
 *    them, page 8 after the child exited; c: child pages 6-7 after the parent
 *    unmapped them).
 * 6. fork. Both copy ptes only for vmas with an anon_vma (or PFNMAP, MIXEDMAP,
 *    hugetlb), so shared mappings and never-written private ones start empty
 *    in the child (e, f). 6.x also copies a pinned anonymous page at fork
 *    (folio_maybe_dma_pinned) and copies uffd-wp vmas: nothing here is
 *    pinned or registered with userfaultfd.
 * 7. Bits not compared: soft-dirty (55; the host has no CONFIG_MEM_SOFT_DIRTY),
 *    uffd-wp (57) and guard regions (58) (not in 4.7), swapped (62; no swap on
 *    the host, swap off in the lab).
 * 8. Raw pfns, addresses, page tables. The allocators differ, so pfns are
 *    never compared across systems: only the partition within one snap, and
 *    "kept its frame" within one process; a page zapped between two snaps
 *    is left out of "kept" because the host may hand it the same freed frame
 *    by chance. Mapping addresses differ (ASLR vs MAP_FIXED in the lab) and
 *    are not compared. Recent 6.x kernels may free empty pte tables on MADV_DONTNEED
 *    (CONFIG_PT_RECLAIM), 4.7 never does: invisible in pagemap, not compared.
 * 9. Without CAP_SYS_ADMIN the host shows pfns as 0. Then only present,
 *    exclusive and file are compared (no partition, no zero page, no "kept"),
 *    and the test says so. CI runs as root.
 *
 * If gcc is missing or /proc/self/pagemap cannot be read, the native side
 * fails with a message saying so. MMU_LAB_SKIP_NATIVE=1 skips the native side
 * entirely; the lab side then still runs every scenario and checks it against
 * the model of compare.ts and check_invariants().
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NativeOutput, compareRun, model, parseNative, slotName } from './compare';
import { type Scenario, type ScenarioRun, SCENARIOS, renderScript, runInLab } from './scenarios';

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'native', 'scenario.c');
const SKIP_NATIVE = process.env.MMU_LAB_SKIP_NATIVE === '1';
const HOW_TO_SKIP = 'set MMU_LAB_SKIP_NATIVE=1 to run the lab side only';

/** Compile scenario.c into dir; the binary's path, or an Error saying why not. */
function buildNative(dir: string): string {
  const bin = join(dir, 'scenario');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-o', bin, SOURCE], { encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`the differential test needs gcc to build ${SOURCE}, and gcc is not on PATH (${HOW_TO_SKIP})`);
  }
  if (r.error) throw new Error(`could not run gcc: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`gcc failed to build ${SOURCE}:\n${r.stderr}`);
  return bin;
}

/** Run the native binary; its stdout, or an Error saying why not. */
function runNative(bin: string, args: string[]): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`could not run ${bin}: ${r.error.message}`);
  if (r.status === 2) {
    throw new Error(`the host's /proc/self/pagemap cannot be read, so there is nothing to compare against `
      + `(${HOW_TO_SKIP}):\n${r.stderr}`);
  }
  if (r.status !== 0) throw new Error(`native scenario run failed (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  return r.stdout;
}

/** Predictions of compare.ts's model that a run must meet on every page the
 * model is sure about: a mapped page is present, only page-cache pages carry
 * the file bit, and (with pfns) exactly the zero-state pages are the zero page. */
function againstModel(s: Scenario, run: ScenarioRun, pfns: boolean): string[] {
  const facts = model(s);
  const out: string[] = [];
  for (const p of run.pages) {
    const k = slotName(p);
    const f = facts.get(k);
    if (!f) {
      out.push(`${k}: not in the model`);
      continue;
    }
    if (!f.known) continue;
    const mapped = f.state === 'zero' || f.state === 'anon' || f.state === 'pc';
    if (p.present !== (mapped ? 1 : 0)) out.push(`${k}: present=${p.present}, model says ${f.state}`);
    if (p.present && p.file !== (f.state === 'pc' ? 1 : 0)) out.push(`${k}: file=${p.file}, model says ${f.state}`);
    if (pfns && p.present && p.zero !== (f.state === 'zero' ? 1 : 0)) out.push(`${k}: zero=${p.zero}, model says ${f.state}`);
  }
  return out;
}

describe('differential test: the lab against the host kernel', () => {
  let dir: string | null = null;
  let native: NativeOutput | null = null;
  let listed = '';

  beforeAll(() => {
    if (SKIP_NATIVE) {
      console.warn('MMU_LAB_SKIP_NATIVE=1: the native side is not run; the lab is checked against the model only');
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'mmu-lab-diff-'));
    const bin = buildNative(dir);
    listed = runNative(bin, ['--list']);
    native = parseNative(runNative(bin, []));
    const m = native.meta;
    if (!m.pfn_visible) {
      console.warn(`host ${m.kernel}: pfns read as 0 (euid ${m.euid}, no CAP_SYS_ADMIN): comparing present, `
        + 'exclusive and file bits only; no frame partition, zero page or frame keeping');
    }
  });

  afterAll(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(SKIP_NATIVE)('scenario.c runs exactly the scenarios of scenarios.ts', () => {
    const c = listed.trim().split('\n').map((l) => JSON.parse(l) as { name: string; script: string });
    expect(c.map((x) => [x.name, x.script])).toEqual(SCENARIOS.map((s) => [s.name, renderScript(s)]));
  });

  it.skipIf(SKIP_NATIVE)('the host runs the scenarios with 4 KiB pages only and a known zero page', () => {
    const n = native as NativeOutput;
    const large = [...n.scenarios].flatMap(([name, sc]) => sc.large.map((k) => `${name}: ${k}`));
    expect(large, `native pages backed by THP / large folios (thp: ${n.meta.thp_enabled}; `
      + `shmem: ${n.meta.shmem_enabled}); the 4.7 model has none`).toEqual([]);
    if (n.meta.pfn_visible) expect(n.meta.zero_pfn_kpageflags, 'kpageflags disagree on the zero pfn').not.toBe(false);
  });

  it.skipIf(SKIP_NATIVE)('the host kernel does what the model of compare.ts expects', () => {
    const n = native as NativeOutput;
    const out = SCENARIOS.flatMap((s) => {
      const sc = n.scenarios.get(s.name);
      if (!sc) return [`${s.name}: not run natively`];
      return againstModel(s, sc.run, n.meta.pfn_visible).map((d) => `${s.name}: ${d}`);
    });
    expect(out).toEqual([]);
  });

  for (const s of SCENARIOS) {
    it(`${s.name}: the lab agrees with the host kernel`, () => {
      const lab = runInLab(s);
      expect(lab.invariants, 'check_invariants() after the scenario').toEqual([]);
      if (native === null) {
        expect(againstModel(s, lab, true), 'lab against the model').toEqual([]);
        return;
      }
      const sc = native.scenarios.get(s.name);
      expect(sc, `native run of ${s.name}`).toBeDefined();
      const c = compareRun(s, (sc as { run: ScenarioRun }).run, lab, native.meta.pfn_visible);
      const k = c.counts;
      console.log(`${s.name}: compared ${k.present} present, ${k.file} file, ${k.exclusive} exclusive, `
        + `${k.frame} frame, ${k.kept} kept; ${k.excluded} pages left out (fault-around), `
        + `${k.excludedAgree} of them present alike anyway`
        + (c.info.length ? `\n  ${c.info.join('\n  ')}` : ''));
      expect(c.diffs, `${s.name}: lab vs host kernel\n  ${s.about}`).toEqual([]);
    });
  }
});
