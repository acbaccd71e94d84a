// The lab's TypeScript declarations for the editor (Monaco): the engine's own types emitted as
// .d.ts files from src-engine (declaration emit of src-engine/lab.ts and what it imports), plus
// one file that makes every lab name a global of its type, as scripts see them.
// Until the lab has a self-contained declaration file of its own, this is the best text there is.
import ts from 'typescript';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabDeclarations } from '../contract';

const ENGINE_DIR = fileURLToPath(new URL('../../src-engine/', import.meta.url));
const LAB_TS = `${ENGINE_DIR}lab.ts`;
const ROOT = 'file:///mmu-lab/';

/** The globals file: each lab name declared with the type it has on the lab object. */
function globalsFile(names: readonly string[]): string {
  const decls = names.map((n) => `  const ${n}: Lab[${JSON.stringify(n)}];`).join('\n');
  return `import type { Lab } from './src-engine/lab';\ndeclare global {\n${decls}\n}\nexport {};\n`;
}

/**
 * Emits the declaration files of src-engine/lab.ts and its imports (in memory) and returns them
 * under file:///mmu-lab/src-engine/..., with the globals file. Takes a few seconds: cache it.
 */
export function buildLabDeclarations(names: readonly string[]): LabDeclarations {
  const options: ts.CompilerOptions = {
    declaration: true, emitDeclarationOnly: true, noEmit: false, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true, strict: true,
    rootDir: dirname(ENGINE_DIR), noCheck: true,
  };
  const files: { path: string; text: string }[] = [];
  const program = ts.createProgram([LAB_TS], options);
  program.emit(undefined, (fileName, text) => {
    const rel = relative(dirname(ENGINE_DIR), fileName).split('\\').join('/');
    if (rel.startsWith('src-engine/')) files.push({ path: `${ROOT}${rel}`, text });
  });
  files.sort((a, b) => a.path.localeCompare(b.path));
  files.push({ path: `${ROOT}lab-globals.d.ts`, text: globalsFile(names) });
  return { files, source: 'generated' };
}
