// Type-checking notebook cells against the lab's types, with the session's persistent scope:
// the cells run before (in run order) come first, so their declarations are known, and only
// the diagnostics inside the cells being checked are reported, relative to each cell.
// One checker per session keeps the lab's parsed declaration files between checks, so a check
// after the first costs the user's cells, not the engine's thousands of lines.
import ts from 'typescript';
import type { CellDiagnostic, CellRequest } from '../contract';
import { CHECK_OPTIONS, DECLARATIONS_FILE, labCompilerHost } from '../lab-declarations';

const CELLS_FILE = '/mmu-lab/cells.ts';

/** Redeclaring a name an earlier cell declared is how notebooks work: these codes are not errors here. */
const REDECLARATION = new Set([2451, 2300, 2393, 2323]);

/** A type checker for cells against the lab's declaration file; reuse one per session (it keeps its last program). */
export class CellTypechecker {
  private old: ts.Program | undefined;

  /**
   * Diagnostics of `cells` (checked together, in order) after the `prior` cells' sources.
   * Returns only errors inside `cells`, each relative to its own cell; [] when they type-check.
   */
  check(prior: readonly string[], cells: readonly CellRequest[]): CellDiagnostic[] {
    let text = '';
    let line = 0;
    for (const p of prior) { text += `${p}\n;\n`; line += lineCount(p) + 1; }
    const ranges: { cellId: string; first: number; last: number }[] = [];
    for (const c of cells) {
      ranges.push({ cellId: c.cellId, first: line, last: line + lineCount(c.source) - 1 });
      text += `${c.source}\n;\n`;
      line += lineCount(c.source) + 1;
    }
    text += 'export {};\n';
    const program = ts.createProgram({ rootNames: [CELLS_FILE, DECLARATIONS_FILE], options: CHECK_OPTIONS, host: labCompilerHost(CELLS_FILE, text), oldProgram: this.old });
    this.old = program;
    const sf = program.getSourceFile(CELLS_FILE)!;
    const diags = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    const out: CellDiagnostic[] = [];
    for (const d of diags) {
      if (d.start === undefined || REDECLARATION.has(d.code)) continue;
      const s = sf.getLineAndCharacterOfPosition(d.start);
      const e = sf.getLineAndCharacterOfPosition(d.start + (d.length ?? 0));
      const r = ranges.find((x) => s.line >= x.first && s.line <= x.last);
      if (!r) continue;
      out.push({
        cellId: r.cellId, line: s.line - r.first + 1, column: s.character + 1,
        endLine: Math.min(e.line, r.last) - r.first + 1, endColumn: e.character + 1,
        code: d.code, message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        severity: d.category === ts.DiagnosticCategory.Warning ? 'warning' : 'error',
      });
    }
    return out;
  }
}

/** Lines in `text` (a text without a newline has one). */
function lineCount(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
