// Type-checking an experiment script against the lab's own declaration file
// (src-engine/lab-api.d.ts, the same file the editor loads): a wrong argument or a typo is
// reported with the script's line and column, and nothing runs.
import ts from 'typescript';
import { CHECK_OPTIONS, DECLARATIONS_FILE, labCompilerHost } from '../lab-declarations';

const SCRIPT_FILE = '/mmu-lab/script.ts';

/**
 * The type errors of `source` (reported as `filename`) against the lab's declaration file, as
 * "file:line:col: error TSnnnn: message" lines; [] when it type-checks. The script is checked as
 * a module (so top-level await is allowed) without Node's or the DOM's globals. `_names` (the
 * runtime's global names) is accepted for older callers and not needed: the declaration file
 * declares exactly those names (tests/unit/lab/lab-api-dts.test.ts checks it).
 */
export function typecheckScript(source: string, filename: string, _names?: readonly string[]): string[] {
  const host = labCompilerHost(SCRIPT_FILE, `${source}\nexport {};\n`);
  const program = ts.createProgram([SCRIPT_FILE, DECLARATIONS_FILE], CHECK_OPTIONS, host);
  const sf = program.getSourceFile(SCRIPT_FILE)!;
  const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
  return diags.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.start === undefined) return `${filename}: error TS${d.code}: ${msg}`;
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
    return `${filename}:${line + 1}:${character + 1}: error TS${d.code}: ${msg}`;
  });
}
