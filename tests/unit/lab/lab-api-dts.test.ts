// The lab's declaration file (src-engine/lab-api.d.ts) and the runtime API (src-engine/lab.ts)
// must not drift apart: the same names both ways, the same types (compiled by TypeScript, one
// assertion per name), the documented constant values, and every statistic documented.
import { describe, it, expect } from 'vitest';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import { createLab, LAB_GLOBAL_NAMES } from '../../../src-engine/lab';
import { labDeclarations, LAB_DECLARATIONS_PATH } from '../../../src-main/lab-declarations';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHECK_FILE = `${ROOT}tests/unit/lab/__lab_api_check__.ts`;

/** The value names the declaration file declares at top level (functions, constants, classes). */
function declaredNames(text: string): string[] {
  const sf = ts.createSourceFile('lab-api.d.ts', text, ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) names.push(st.name!.text);
    else if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) names.push((d.name as ts.Identifier).text);
  }
  return names;
}

/**
 * Type helpers of the check program. FromDecl maps a declared type to the runtime's: the tagged
 * kernel objects (pte_t, mm_struct, ...) become the engine's classes, everything else is mapped
 * member by member. Agree<D, R> is true when declaration D and runtime R agree: for functions the
 * same number of parameters, each parameter the same type unless the runtime takes `unknown`
 * (it validates such arguments itself and throws TypeError), and the same return type; for
 * values, mutually assignable types. FieldsAgree checks the declared fields of a kernel object.
 */
const HELPERS = `
import type { Lab } from '../../../src-engine/lab';
import type * as A from '../../../src-engine/arch/x86/pgtable_types';
import type * as MT from '../../../src-engine/mm/mm_types';
import type * as O from '../../../src-engine/lab/objects';
import type * as K from '../../../src-engine/kernel/locking';
import type * as G from '../../../src-engine/asm-generic/tlb';
interface RuntimeOf {
  pte_t: A.pte_t; pgprot_t: A.pgprot_t; page: O.page; pte_ptr: O.pte_ptr; spinlock_t: K.SpinLock; rw_semaphore: K.RwSemaphore;
  mm_struct: MT.mm_struct; vm_area_struct: MT.vm_area_struct; file: MT.file; address_space: MT.address_space; anon_vma: MT.anon_vma; mmu_gather: G.mmu_gather;
}
type Mutual<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;
type FromDecl<D> =
  D extends ArrayBufferView ? D :
  D extends Set<infer E> ? Set<FromDecl<E>> :
  D extends { readonly [Symbol.toStringTag]: infer T } ? (T extends keyof RuntimeOf ? RuntimeOf[T] : D) :
  D extends abstract new (...a: infer P) => infer I ? new (...a: FromDeclArgs<P>) => FromDecl<I> :
  D extends (...a: infer P) => infer R ? (...a: FromDeclArgs<P>) => FromDecl<R> :
  D extends readonly unknown[] ? { [K in keyof D]: FromDecl<D[K]> } :
  D extends object ? { [K in keyof D]: FromDecl<D[K]> } : D;
type FromDeclArgs<P> = { [K in keyof P]: FromDecl<P[K]> };
type AllTrue<T> = [T] extends [true] ? true : false;
type EachAgrees<M extends readonly unknown[], R extends readonly unknown[]> =
  R extends readonly [infer R0, ...infer RR]
    ? (M extends readonly [infer M0, ...infer MR] ? ((unknown extends R0 ? true : Mutual<M0, R0>) extends true ? EachAgrees<MR, RR> : false) : false)
  : R extends readonly [] ? true
  : unknown extends R[number] ? true : Mutual<M[number], R[number]>;
type ParamsAgree<MP extends readonly unknown[], RP extends readonly unknown[]> =
  Mutual<MP['length'], RP['length']> extends true ? EachAgrees<Required<MP>, Required<RP>> : false;
type Agree<D, R> =
  [R] extends [abstract new (...a: infer RP) => infer RI]
    ? ([D] extends [abstract new (...a: infer DP) => infer DI] ? (Mutual<DP['length'], RP['length']> extends true ? Mutual<FromDecl<DI>, RI> : false) : false)
  : [R] extends [(...a: infer RP) => infer RR]
    ? ([FromDecl<D>] extends [(...a: infer MP) => infer MR] ? (ParamsAgree<MP, RP> extends true ? Mutual<MR, RR> : false) : false)
  : Mutual<FromDecl<D>, R>;
type FieldsAgree<D, R> = AllTrue<{ [K in Exclude<keyof D, typeof Symbol.toStringTag>]: K extends keyof R ? Mutual<FromDecl<D[K]>, R[K]> : false }[Exclude<keyof D, typeof Symbol.toStringTag>]>;
type Check<T extends true> = T;
`;

/** Kernel objects whose declared fields must exist at run time with the same types. */
const OBJECTS: Array<[string, string]> = [['mm_struct', 'MT.mm_struct'], ['vm_area_struct', 'MT.vm_area_struct'], ['file', 'MT.file'],
  ['address_space', 'MT.address_space'], ['anon_vma', 'MT.anon_vma'], ['page', 'O.page'], ['mmu_gather', 'G.mmu_gather']];

/** The check program: HELPERS, then one assertion per API name and per kernel object, each on its own line. */
function checkSource(names: readonly string[]): { text: string; lineOf: Map<number, string> } {
  const lines = HELPERS.split('\n');
  const lineOf = new Map<number, string>();
  for (const n of names) { lineOf.set(lines.length, n); lines.push(`type _${n} = Check<Agree<typeof ${n}, Lab['${n}']>>;`); }
  for (const [d, r] of OBJECTS) { lineOf.set(lines.length, `fields of ${d}`); lines.push(`type _fields_${d} = Check<FieldsAgree<${d}, ${r}>>;`); }
  lineOf.set(lines.length, 'control'); lines.push('type _control = Check<Agree<(a: number) => void, (a: string) => void> extends false ? true : false>;');
  return { text: lines.join('\n'), lineOf };
}

let lastProgram: ts.Program | undefined;

/** Compile the declarations (text) with the check program; the names whose assertion failed, and any other error. */
function typeDisagreements(declarations: string, names: readonly string[]): string[] {
  const { text, lineOf } = checkSource(names);
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2023.d.ts'], types: ['node'], skipLibCheck: true };
  const host = ts.createCompilerHost(options, true);
  const virtual = new Map([[CHECK_FILE, text], [LAB_DECLARATIONS_PATH, declarations]]);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const t = virtual.get(name);
    return t !== undefined ? ts.createSourceFile(name, t, lang) : getSourceFile(name, lang, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const program = ts.createProgram([LAB_DECLARATIONS_PATH, CHECK_FILE], options, host, lastProgram); // reuses the engine's parsed files
  lastProgram = program;
  const out: string[] = [];
  for (const file of [CHECK_FILE, LAB_DECLARATIONS_PATH]) {
    const sf = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? -1 : sf.getLineAndCharacterOfPosition(d.start).line;
      out.push(file === CHECK_FILE && lineOf.has(line) ? lineOf.get(line)! : `${file}:${line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
    }
  }
  return out;
}

describe('the lab declaration file', () => {
  const text = labDeclarations();
  const declared = declaredNames(text);

  it('declares exactly the names the runtime API has, once each', () => {
    expect(declared.filter((n) => !LAB_GLOBAL_NAMES.includes(n)), 'declared but not in the runtime API').toEqual([]);
    expect(LAB_GLOBAL_NAMES.filter((n) => !declared.includes(n)), 'in the runtime API but not declared').toEqual([]);
    expect(new Set(declared).size).toBe(declared.length);
  });

  it('agrees with the runtime API on every type, and the check catches a disagreement', () => {
    expect(typeDisagreements(text, LAB_GLOBAL_NAMES)).toEqual([]);
    const broken = text
      .replace('declare function munmap(mm: mm_struct, addr: number, len: number): number;', 'declare function munmap(mm: mm_struct, addr: number): number;')
      .replace('declare function find_vma(mm: mm_struct, addr: number): vm_area_struct | null;', 'declare function find_vma(mm: mm_struct, addr: number): vm_area_struct;')
      .replace('declare function touch(mm: mm_struct, start: number, len: number, mode: \'r\' | \'w\', cpu?: number): number;', 'declare function touch(mm: mm_struct, start: number, len: number, mode: string, cpu?: number): number;')
      .replace('  readonly map_count: number;', '  readonly map_count: string;')
      .replace('  accesses: number;\n  /** Seed of the stream', '  accesses: string;\n  /** Seed of the stream');
    expect(broken).not.toBe(text);
    expect(typeDisagreements(broken, LAB_GLOBAL_NAMES).sort()).toEqual(['fields of mm_struct', 'find_vma', 'munmap', 'run_workloads', 'touch']);
  }, 60_000);

  it('gives every constant the value the runtime has, at the start of its doc comment', () => {
    const lab = createLab({ ram_mb: 4, max_vmas: 16, max_mms: 1 }) as unknown as Record<string, unknown>;
    const documented = [...text.matchAll(/\/\*\* (\w+) = (-?(?:0x[0-9a-f]+|\d+(?:\.\d+)?)): [^]*?\*\/\ndeclare const (\w+): (number|pgprot_t);/g)];
    const constants = declared.filter((n) => typeof lab[n] !== 'function');
    expect(documented.map((m) => m[3]).sort()).toEqual([...constants].sort());
    for (const [, name, value, decl, type] of documented) {
      expect(name, `${decl}'s doc names another constant`).toBe(decl);
      if (value!.includes('.')) { expect(lab[name!], name).toBe(Number(value)); continue; } // a fraction: compared as a number
      const actual = type === 'number' ? BigInt(lab[name!] as number) : (lab['pgprot_val'] as (p: unknown) => bigint)(lab[name!]);
      expect(actual, name).toBe(value!.startsWith('-') ? -BigInt(value!.slice(1)) : BigInt(value!));
    }
  });

  it('documents every statistic family and key with its unit', () => {
    const lab = createLab({ ram_mb: 4, max_vmas: 16, max_mms: 1 });
    const snap = lab.stats_snapshot();
    const doc = text.slice(text.indexOf('interface StatsSnapshot') - 2000, text.indexOf('interface StatsSnapshot'));
    for (const kind of ['counters', 'formulas', 'histograms'] as const) {
      for (const [name, s] of Object.entries(snap[kind])) {
        const [family, key] = name.split('.');
        expect(doc, `${kind} ${name}`).toMatch(new RegExp(`\`${family}${key ? '\\.[A-Z]' : ''}\`[^[]*\\[${s.unit.replace('/', '\\/')}\\]`));
        if (key) expect(doc, `${kind} ${name}`).toContain(key);
      }
    }
  });

  it('gives every global, and every field of the kernel objects, hover documentation (as the editor shows it)', () => {
    const script = `${declared.map((n) => `${n};`).join('\n')}\ndeclare const o: { mm: mm_struct; vma: vm_area_struct; f: file; p: page };\no.mm.map_count; o.vma.vm_flags; o.f.f_mapping; o.p.mapping;\nexport {};\n`;
    const files = new Map([['/lab-api.d.ts', text], ['/script.ts', script]]);
    const service = ts.createLanguageService({
      getCompilationSettings: () => ({ strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [] }),
      getScriptFileNames: () => [...files.keys()],
      getScriptVersion: () => '1',
      getScriptSnapshot: (name) => { const t = files.get(name) ?? ts.sys.readFile(name); return t === undefined ? undefined : ts.ScriptSnapshot.fromString(t); },
      getCurrentDirectory: () => '/',
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (name) => files.has(name) || ts.sys.fileExists(name),
      readFile: (name) => files.get(name) ?? ts.sys.readFile(name),
    });
    /** The documentation the editor would show when hovering the identifier that ends right before `at` in the script. */
    const hover = (at: number): string => ts.displayPartsToString(service.getQuickInfoAtPosition('/script.ts', at - 1)?.documentation ?? []);
    let pos = 0;
    const undocumented: string[] = [];
    for (const n of declared) {
      pos = script.indexOf(`${n};`, pos) + n.length;
      if (hover(pos).length < 10) undocumented.push(n);
    }
    for (const field of ['map_count', 'vm_flags', 'f_mapping', 'mapping;']) if (hover(script.lastIndexOf(field) + field.replace(';', '').length).length < 10) undocumented.push(field);
    expect(undocumented).toEqual([]);
    const zap = hover(script.indexOf('zap_page_range;') + 'zap_page_range'.length);
    for (const point of ['mmap_sem', 'tlb', 'freed', 'page tables stay', 'notifier', 'mm/memory.c:zap_page_range']) expect(zap.toLowerCase()).toContain(point);
  }, 60_000);

  it('is one self-contained global file: no import, no export, no reference', () => {
    const sf = ts.createSourceFile('lab-api.d.ts', text, ts.ScriptTarget.ES2022, true);
    expect(sf.statements.filter((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s))).toEqual([]);
    expect(sf.referencedFiles.length + sf.typeReferenceDirectives.length).toBe(0);
    expect(ts.isExternalModule(sf)).toBe(false);
  });
});
