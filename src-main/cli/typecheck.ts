// Type-checking an experiment script against the lab's own declaration file
// (src-engine/lab-api.d.ts, the same file the editor loads): a wrong argument or a typo is
// reported with the script's line and column, and nothing runs.
import ts from 'typescript';
import { labDeclarations } from '../lab-declarations';

const DECLARATIONS_FILE = '/mmu-lab/lab-api.d.ts';
const SCRIPT_FILE = '/mmu-lab/script.ts';

const OPTIONS: ts.CompilerOptions = {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true,
};

/** Parsed files other than the script (the declarations, TypeScript's lib files): the same for every check. */
const parsed = new Map<string, ts.SourceFile>();

/** A compiler host that serves the script and the declarations from memory and caches every other parsed file. */
function compilerHost(script: string): ts.CompilerHost {
  const host = ts.createCompilerHost(OPTIONS, true);
  const virtual = new Map([[SCRIPT_FILE, script], [DECLARATIONS_FILE, labDeclarations()]]);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    if (name === SCRIPT_FILE) return ts.createSourceFile(name, script, lang);
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

/**
 * The type errors of `source` (reported as `filename`) against the lab's declaration file, as
 * "file:line:col: error TSnnnn: message" lines; [] when it type-checks. The script is checked as
 * a module (so top-level await is allowed) without Node's or the DOM's globals. `_names` (the
 * runtime's global names) is accepted for older callers and not needed: the declaration file
 * declares exactly those names (tests/unit/lab/lab-api-dts.test.ts checks it).
 */
export function typecheckScript(source: string, filename: string, _names?: readonly string[]): string[] {
  const host = compilerHost(`${source}\nexport {};\n`);
  const program = ts.createProgram([SCRIPT_FILE, DECLARATIONS_FILE], OPTIONS, host);
  const sf = program.getSourceFile(SCRIPT_FILE)!;
  const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  return diags.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.start === undefined) return `${filename}: error TS${d.code}: ${msg}`;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
    return `${filename}:${line + 1}:${character + 1}: error TS${d.code}: ${msg}`;
  });
}
