// Type-checking an experiment script against the lab's API before it runs: every lab global is
// declared with the engine's own types, so a wrong argument or a typo is reported (with the
// script's line and column) and nothing runs.
import ts from 'typescript';
import { fileURLToPath } from 'node:url';

const LAB_TS = fileURLToPath(new URL('../../src-engine/lab.ts', import.meta.url));
const GLOBALS_FILE = '/mmu-lab/lab-globals.d.ts';

/** The declaration file that makes each lab name a global of the type it has in the lab. */
function globalsDeclaration(names: readonly string[]): string {
  const decls = names.map((n) => `  const ${n}: Lab[${JSON.stringify(n)}];`).join('\n');
  return `import type { Lab } from ${JSON.stringify(LAB_TS.replace(/\.ts$/, ''))};\ndeclare global {\n${decls}\n}\nexport {};\n`;
}

const OPTIONS: ts.CompilerOptions = {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true,
};

/**
 * The type errors of `source` (reported as `filename`) against the lab globals `names`, as
 * "file:line:col: error TSnnnn: message" lines; [] when it type-checks. The script is checked as
 * a module (so top-level await is allowed) without Node's or the DOM's globals.
 */
export function typecheckScript(source: string, filename: string, names: readonly string[]): string[] {
  const scriptFile = '/mmu-lab/script.ts';
  const virtual = new Map([[scriptFile, `${source}\nexport {};\n`], [GLOBALS_FILE, globalsDeclaration(names)]]);
  const host = ts.createCompilerHost(OPTIONS, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const text = virtual.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, lang) : getSourceFile(name, lang, onError, create);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => virtual.get(name) ?? readFile(name);
  const program = ts.createProgram([scriptFile, GLOBALS_FILE], OPTIONS, host);
  const sf = program.getSourceFile(scriptFile)!;
  const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  return diags.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.start === undefined) return `${filename}: error TS${d.code}: ${msg}`;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
    return `${filename}:${line + 1}:${character + 1}: error TS${d.code}: ${msg}`;
  });
}
