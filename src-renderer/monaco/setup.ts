// Monaco for code cells: its workers bundled by Vite as same-origin module workers (so the CSP's
// worker-src 'self' suffices), TypeScript configured like the lab's own type-check
// (src-main/cli/typecheck.ts: strict, ES2022, no DOM or Node globals) and the lab's declarations
// added as an extra lib, which gives completion, signature help, hover docs and squiggles.
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';

export { monaco };

/** Diagnostics that do not apply to notebook cells (top-level await is allowed in a cell). */
const IGNORED_DIAGNOSTICS = [1375, 1378];

let configured = false;
let labLibs: monaco.IDisposable[] = [];

/** Installs the worker factory and the TypeScript options, once per page. */
export function setupMonaco(): void {
  if (configured) return;
  configured = true;
  self.MonacoEnvironment = {
    getWorker(_id: string, label: string): Worker {
      return label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker();
    },
  };
  const ts = monaco.typescript;
  ts.typescriptDefaults.setCompilerOptions({
    strict: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    lib: ['es2022'],
    noEmit: true,
    allowNonTsExtensions: true,
  });
  ts.typescriptDefaults.setDiagnosticsOptions({
    noSemanticValidation: false,
    noSyntaxValidation: false,
    diagnosticCodesToIgnore: IGNORED_DIAGNOSTICS,
  });
  ts.typescriptDefaults.setEagerModelSync(true);
}

/** Replaces the lab's declaration files (from the host) that every code cell is checked against. */
export function setLabDeclarations(files: readonly { path: string; text: string }[]): void {
  setupMonaco();
  for (const d of labLibs) d.dispose();
  labLibs = files.map((f) => monaco.typescript.typescriptDefaults.addExtraLib(f.text, f.path));
}

/** The model URI of a code cell: cells are scripts, so they share one global scope as at run time. */
export function cellUri(cellId: string): monaco.Uri {
  return monaco.Uri.parse(`file:///notebook/cell-${cellId}.ts`);
}
