// The interactive session in-process, against a stand-in lab (tests/cli/mmu-lab.test.ts runs
// the real `mmu-lab start`).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startRepl, translate } from '../../src-main/cli/repl';

/** Feeds `lines` to a REPL over a stand-in lab; returns everything it wrote. */
async function session(lines: string[]): Promise<string> {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const printed: string[] = [];
  const lab = { PAGE_SIZE: 4096, print: (...v: unknown[]) => void printed.push(v.join(' ')) };
  const done = startRepl(lab, Object.keys(lab), { input, output, banner: 'hello lab' });
  input.end(lines.join('\n') + '\n');
  await done;
  return text + printed.map((l) => `\nprinted: ${l}`).join('');
}

describe('translate', () => {
  it('leaves plain JavaScript untouched', () => {
    for (const js of ['{ a: 1 }', 'const x = 1', 'await f()', 'x\n  .y']) expect(translate(js)).toEqual({ js });
  });

  it('removes TypeScript annotations', () => {
    expect(translate('const n: number = 1')).toEqual({ js: 'const n = 1;\n' });
  });

  it('asks for more lines when the input ends early, in JavaScript or TypeScript', () => {
    expect(translate('function f() {\n')).toEqual({ incomplete: true });
    expect(translate('function f(a: number) {\n')).toEqual({ incomplete: true });
  });

  it('passes other invalid input through for the REPL to report', () => {
    expect(translate('let a b')).toEqual({ js: 'let a b' });
  });
});

describe('startRepl', () => {
  it('greets, exposes every lab global, accepts TypeScript and top-level await', async () => {
    const text = await session([
      'PAGE_SIZE * 2',
      'const n: number = PAGE_SIZE + 1',
      'n',
      'await Promise.resolve(PAGE_SIZE - 1)',
      'print("hi", n)',
      'function f(a: number) {',
      '  return a * 3',
      '}',
      'f(5)',
    ]);
    expect(text.startsWith('hello lab\n')).toBe(true);
    expect(text).toContain('mmu-lab> ');
    for (const value of ['8192', '4097', '4095', '15', 'printed: hi 4097']) expect(text).toContain(value);
  });
});
