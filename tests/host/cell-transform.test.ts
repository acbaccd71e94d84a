// The cell rewrite: top-level declarations are published (destructuring included, consts
// read-only, types and `declare` skipped), loop bodies get a Stop check, no line is added, and
// positions map back to the user's columns.
import { describe, it, expect } from 'vitest';
import { transformCell, SCOPE_FN, TICK_FN } from '../../src-main/kernel/cell-transform';

describe('cell rewrite', () => {
  it('publishes every top-level name once, with a setter only for let and var', () => {
    const src = 'const { a, b: [c, , d] } = f();\nlet e = 1, g = 2;\nfunction h() {}\nclass K {}\ninterface I { x: number }\ntype T = number;\ndeclare const z: number;\nenum E { A }';
    const out = transformCell(src).source;
    const published = [...out.matchAll(new RegExp(`${SCOPE_FN}\\("(\\w+)", \\(\\) => \\w+(, \\(v\\))?`, 'g'))].map((m) => `${m[1]}${m[2] ? '=' : ''}`);
    expect(published).toEqual(['a', 'c', 'd', 'e=', 'g=', 'h', 'K', 'E']);
    expect(out.split('\n')).toHaveLength(src.split('\n').length);
  });

  it('puts a Stop check in every loop body, braced or not, and maps columns back past it', () => {
    const src = 'for (;;) x++;\nwhile (a) { b(); }\ndo y(); while (z);\nfor (const q of r) for (const s in q) t(s);';
    const t = transformCell(src);
    expect(t.source.split(`${TICK_FN}();`)).toHaveLength(6);
    const line4 = t.source.split('\n')[3]!;
    const col = line4.indexOf('t(s)') + 1;
    expect(t.toOriginal(4, col)).toEqual({ line: 4, column: src.split('\n')[3]!.indexOf('t(s)') + 1 });
    expect(t.toOriginal(2, t.source.split('\n')[1]!.indexOf('b()') + 1)).toEqual({ line: 2, column: 13 });
  });
});
