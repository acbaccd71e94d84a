// Type-checking notebook cells against the lab's types, with the session's persistent scope:
// the cells run before (in run order) come first, so their declarations are known, and only
// the diagnostics inside the cells being checked are reported, relative to each cell.
// One checker per session keeps the lab's parsed declaration files between checks, so a check
// after the first costs the user's cells, not the engine's thousands of lines.
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import type { CellDiagnostic, CellRequest } from '../contract';

const LAB_TS = fileURLToPath(new URL('../../src-engine/lab.ts', import.meta.url));
const CELLS_FILE = '/mmu-lab/cells.ts';
const GLOBALS_FILE = '/mmu-lab/lab-globals.d.ts';

/** Redeclaring a name an earlier cell declared is how notebooks work: these codes are not errors here. */
const REDECLARATION = new Set([2451, 2300, 2393, 2323]);

const OPTIONS: ts.CompilerOptions = {
  strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true,
};

/** The declaration file that makes each lab name a global of the type it has in the lab. */
function globalsDeclaration(names: readonly string[]): string {
  const decls = names.map((n) => `  const ${n}: Lab[${JSON.stringify(n)}];`).join('\n');
  return `import type { Lab } from ${JSON.stringify(LAB_TS.replace(/\.ts$/, ''))};\ndeclare global {\n${decls}\n}\nexport {};\n`;
}

/** Parsed lib and engine files, shared by every checker in the process (SourceFiles are immutable). */
const sharedFiles = new Map<string, ts.SourceFile>();

/** A type checker for cells; reuse one per session. */
export class CellTypechecker {
  private readonly files = sharedFiles;
  private old: ts.Program | undefined;
  private readonly globals: string;

  /** A checker for scripts whose globals are the lab names `names`. */
  constructor(names: readonly string[]) {
    this.globals = globalsDeclaration(names);
  }

  /** A compiler host whose real files are parsed once and kept; the cells file is `text`. */
  private host(text: string): ts.CompilerHost {
    const host = ts.createCompilerHost(OPTIONS, true);
    const virtual = new Map([[CELLS_FILE, text], [GLOBALS_FILE, this.globals]]);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, onError, create) => {
      const v = virtual.get(name);
      if (v !== undefined) return name === CELLS_FILE ? ts.createSourceFile(name, v, lang) : this.cached(name, () => ts.createSourceFile(name, v, lang));
      return this.cached(name, () => read(name, lang, onError, create));
    };
    const exists = host.fileExists.bind(host);
    host.fileExists = (name) => virtual.has(name) || exists(name);
    const readFile = host.readFile.bind(host);
    host.readFile = (name) => virtual.get(name) ?? readFile(name);
    return host;
  }

  /** The kept SourceFile of `name`, parsed by `make` the first time. */
  private cached(name: string, make: () => ts.SourceFile | undefined): ts.SourceFile | undefined {
    let sf = this.files.get(name);
    if (!sf) {
      sf = make();
      if (sf) this.files.set(name, sf);
    }
    return sf;
  }

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
    const program = ts.createProgram({ rootNames: [CELLS_FILE, GLOBALS_FILE], options: OPTIONS, host: this.host(text), oldProgram: this.old });
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
