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

/** The folder of the cells' model URIs. */
const CELL_DIR = '/notebook/';

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
  ts.typescriptDefaults.setDiagnosticsOptions(DIAGNOSTICS);
  ts.typescriptDefaults.setEagerModelSync(true);
  monaco.editor.onDidCreateModel((model) => {
    if (!isCellModel(model)) return;
    scheduleRecheck();
    model.onDidChangeContent(scheduleRecheck);
  });
  monaco.editor.onWillDisposeModel((model) => { if (isCellModel(model)) scheduleRecheck(); });
}

const DIAGNOSTICS = { noSemanticValidation: false, noSyntaxValidation: false, diagnosticCodesToIgnore: IGNORED_DIAGNOSTICS };

/** How long the cells must stay unchanged before they are all checked again, in ms. */
export const RECHECK_DELAY_MS = 400;
let recheck: ReturnType<typeof setTimeout> | undefined;

/**
 * Checks every cell again once the cells stop changing. Cells share one global scope, so a
 * cell's errors depend on the others' declarations, but Monaco re-checks only the model that
 * changed: a cell checked before an earlier cell's model existed (a notebook being opened) kept
 * "Cannot find name" squiggles for names that cell declares. Setting the (same) diagnostics
 * options is Monaco's way to re-check every model.
 */
function scheduleRecheck(): void {
  clearTimeout(recheck);
  recheck = setTimeout(() => monaco.typescript.typescriptDefaults.setDiagnosticsOptions(DIAGNOSTICS), RECHECK_DELAY_MS);
}

/** Whether `model` is a code cell's (see cellUri). */
const isCellModel = (model: monaco.editor.ITextModel): boolean => model.uri.path.startsWith(CELL_DIR);

/** Replaces the lab's declaration files (from the host) that every code cell is checked against. */
export function setLabDeclarations(files: readonly { path: string; text: string }[]): void {
  setupMonaco();
  for (const d of labLibs) d.dispose();
  labLibs = files.map((f) => monaco.typescript.typescriptDefaults.addExtraLib(f.text, f.path));
}

/** The model URI of a code cell: cells are scripts, so they share one global scope as at run time. */
export function cellUri(cellId: string): monaco.Uri {
  return monaco.Uri.parse(`file://${CELL_DIR}cell-${cellId}.ts`);
}
