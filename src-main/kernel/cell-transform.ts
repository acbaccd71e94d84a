// Rewriting a notebook cell's TypeScript before it is compiled, so that cells behave like a
// notebook's: (1) every top-level declaration (const/let/var, function, class, enum) is
// published to the session's scope as a live binding, so later cells see and assign it; (2)
// every loop body starts with a check of the Stop flag, so a runaway loop stops at a safe point
// and the machine survives. Insertions never add lines: error lines stay the user's, and
// toOriginal() maps columns back.
import ts from 'typescript';

/** The names the rewritten code calls (passed to the cell as parameters). */
export const SCOPE_FN = '__mmu_lab_scope';
export const TICK_FN = '__mmu_lab_tick';

/** A cell rewritten, with the map from its positions back to the user's. */
export interface TransformedCell {
  source: string;
  /** (line, column) in `source`, both 1-based → the same in the user's text. */
  toOriginal(line: number, column: number): { line: number; column: number };
}

interface Insertion { at: number; text: string }

/** Identifiers bound by a declaration name (destructuring patterns included). */
function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((el) => (ts.isOmittedExpression(el) ? [] : boundNames(el.name)));
}

/** The publish call for `names` (setters only for let/var: a const stays read-only). */
function publish(names: readonly string[], writable: boolean): string {
  return names.map((n) => `${SCOPE_FN}(${JSON.stringify(n)}, () => ${n}${writable ? `, (v) => { ${n} = v; }` : ''});`).join(' ');
}

/** The insertions publishing the top-level declarations of `sf`. */
function scopeInsertions(sf: ts.SourceFile): Insertion[] {
  const out: Insertion[] = [];
  for (const st of sf.statements) {
    if (ts.canHaveModifiers(st) && ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) continue;
    let names: string[] = [];
    let writable = false;
    if (ts.isVariableStatement(st)) {
      names = st.declarationList.declarations.flatMap((d) => boundNames(d.name));
      writable = (st.declarationList.flags & ts.NodeFlags.Const) === 0;
    } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name) {
      names = [st.name.text];
    } else if (ts.isEnumDeclaration(st) && !st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ConstKeyword)) {
      names = [st.name.text];
    }
    if (names.length) out.push({ at: st.end, text: ` ;${publish(names, writable)}` });
  }
  return out;
}

/** The insertions that put a Stop check at the start of every loop body in `sf`. */
function tickInsertions(sf: ts.SourceFile): Insertion[] {
  const out: Insertion[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIterationStatement(node, false)) {
      const body = node.statement;
      if (ts.isBlock(body)) out.push({ at: body.getStart(sf) + 1, text: `${TICK_FN}();` });
      else out.push({ at: body.getStart(sf), text: `{${TICK_FN}();` }, { at: body.end, text: '}' });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Offsets of the first character of each line of `text`. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/**
 * Rewrites a cell's source (see the file comment). Syntax errors are left for the compiler to
 * report: the rewrite then only adds what it can find.
 */
export function transformCell(source: string): TransformedCell {
  const sf = ts.createSourceFile('cell.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const ins = [...scopeInsertions(sf), ...tickInsertions(sf)].sort((a, b) => a.at - b.at);
  let out = '';
  let last = 0;
  const placed: { at: number; length: number }[] = []; // offsets in the output
  for (const i of ins) {
    out += source.slice(last, i.at);
    placed.push({ at: out.length, length: i.text.length });
    out += i.text;
    last = i.at;
  }
  out += source.slice(last);
  const outStarts = lineStarts(out);
  const srcStarts = lineStarts(source);
  return {
    source: out,
    toOriginal(line, column) {
      let off = (outStarts[line - 1] ?? 0) + column - 1;
      let shift = 0;
      for (const p of placed) {
        if (p.at + p.length <= off) shift += p.length;
        else if (p.at <= off) { shift += off - p.at; break; }
      }
      off -= shift;
      let l = 0;
      while (l + 1 < srcStarts.length && srcStarts[l + 1]! <= off) l++;
      return { line: l + 1, column: off - srcStarts[l]! + 1 };
    },
  };
}
