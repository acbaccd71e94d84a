// The lab's declaration file (src-engine/lab-api.d.ts) as text: what scripts are type-checked
// against (cli/typecheck.ts) and what the desktop app's editor loads into Monaco's TypeScript
// worker (addExtraLib), so both see the same names, types and hover docs.
import ts from 'typescript';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the file may be: in the sources (src-main/ beside src-engine/), or copied next to a built module. */
const CANDIDATES = ['../src-engine/lab-api.d.ts', './lab-api.d.ts'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));

/** The declaration file's path: the first candidate that exists (the sources' path if none does). */
export const LAB_DECLARATIONS_PATH = CANDIDATES.find((p) => existsSync(p)) ?? CANDIDATES[0]!;

let text: string | null = null;

/**
 * The text of the lab's declaration file: one self-contained global .d.ts (no imports or
 * exports), read once. Throws (ENOENT) if a build left the file behind: a bundled host must copy
 * src-engine/lab-api.d.ts next to the module that contains this function.
 */
export function labDeclarations(): string {
  text ??= readFileSync(LAB_DECLARATIONS_PATH, 'utf8');
  return text;
}

/** Where the lab's declaration file sits among a check's in-memory files. */
export const DECLARATIONS_FILE = '/mmu-lab/lab-api.d.ts';

/** How lab code is checked: strict ES2022 modules, no Node or DOM globals. */
export const CHECK_OPTIONS: ts.CompilerOptions = {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true,
};

/** Parsed files other than the code under check (the declarations, TypeScript's lib files): the same for every check. */
const parsed = new Map<string, ts.SourceFile>();

/**
 * A compiler host that serves `codeFile` (text `code`, parsed afresh) and the lab's declaration
 * file from memory, and parses every other file once per process.
 */
export function labCompilerHost(codeFile: string, code: string): ts.CompilerHost {
  const host = ts.createCompilerHost(CHECK_OPTIONS, true);
  const virtual = new Map([[codeFile, code], [DECLARATIONS_FILE, labDeclarations()]]);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    if (name === codeFile) return ts.createSourceFile(name, code, lang);
    let sf = parsed.get(name);
    if (!sf) {
      const text = virtual.get(name);
      sf = text !== undefined ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, onError, create);
      if (sf) parsed.set(name, sf);
    }
    return sf;
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => virtual.get(name) ?? readFile(name);
  return host;
}
