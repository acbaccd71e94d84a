// `mmu-lab start`: an interactive session (node:repl) with every lab global in scope.
import repl, { type REPLEval } from 'node:repl';
import type { Readable, Writable } from 'node:stream';
import { transformSync } from 'esbuild';

/** Where the session reads and writes, and what it greets the user with. */
export interface ReplOptions {
  readonly input: Readable;
  readonly output: Writable;
  readonly banner: string;
  /** Whether `output` is a terminal (colours, line editing); default false. */
  readonly terminal?: boolean;
}

/** What the REPL should evaluate for one input: JavaScript, or a request for more lines. */
export type Translation = { js: string } | { incomplete: true };

/**
 * Translates REPL input to JavaScript: plain JavaScript comes back unchanged (the REPL keeps its
 * own handling of it), TypeScript comes back with its types removed, input that ends early
 * (an open brace) is `incomplete`, and anything else that does not parse comes back unchanged
 * for the REPL to report.
 */
export function translate(code: string): Translation {
  let ts: string;
  try {
    ts = transformSync(code, { loader: 'ts' }).code;
  } catch (err) {
    const errors = (err as { errors?: { text: string }[] }).errors ?? [];
    return errors.some((e) => /end of file/i.test(e.text)) ? { incomplete: true } : { js: code };
  }
  try {
    return { js: transformSync(code, { loader: 'js' }).code === ts ? code : ts };
  } catch {
    return { js: ts };
  }
}

/**
 * Starts a REPL over `options.input`/`output` whose context holds `lab[name]` for every name,
 * after writing the banner. Resolves when the session ends (.exit, Ctrl+D, end of input).
 */
export function startRepl(lab: object, names: readonly string[], options: ReplOptions): Promise<void> {
  options.output.write(options.banner + '\n');
  const server = repl.start({
    prompt: 'mmu-lab> ',
    input: options.input,
    output: options.output,
    terminal: options.terminal ?? false,
    useGlobal: false,
  });
  const defaultEval: REPLEval = server.eval;
  const tsEval: REPLEval = function (this: repl.REPLServer, code, context, file, cb) {
    const t = translate(code);
    if ('incomplete' in t) cb(new repl.Recoverable(new SyntaxError('unexpected end of input')), undefined);
    else defaultEval.call(this, t.js, context, file, cb);
  };
  Object.assign(server, { eval: tsEval });
  for (const name of names) {
    Object.defineProperty(server.context, name, {
      value: (lab as Record<string, unknown>)[name],
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return new Promise((resolve) => server.on('exit', resolve));
}
