// The headless script runner: compiles an experiment script (TypeScript that uses only the lab's
// globals) and runs it against a lab, turning every failure into a report for the user.
//
// runCompiled runs in THIS process (the REPL and in-process tests use it): it is no sandbox.
// `mmu-lab run` compiles here and runs the body in src-main/runner/sandbox.ts (SES in a worker),
// with the same parameter-passing shape (cheap calls, see ARCHITECTURE.md).
import { build, transform, type Message, type Plugin } from 'esbuild';
import { SourceMap } from 'node:module';

/** A script compiled to a function body, with the map back to the user's TypeScript. */
export interface CompiledScript {
  readonly filename: string;
  readonly source: string;
  /** JavaScript that is valid as the body of an async function. */
  readonly body: string;
  readonly map: SourceMap;
}

/** A script that could not be compiled; `report` names the file, line and column. */
export class ScriptCompileError extends Error {
  override name = 'ScriptCompileError';
  constructor(readonly report: string) {
    super(report);
  }
}

/** How a script run ended. `report` is the multi-line text for stderr. */
export type ScriptOutcome = { ok: true } | { ok: false; report: string };

/** The prefix put before the compiled code on its first line: strict mode, and a block so that
 *  a script's own top-level declarations may shadow lab globals. */
const BODY_PREFIX = '"use strict";{';

/** The AsyncFunction constructor: like Function, but the body may use `await` at top level. */
const AsyncFunction = (async () => {}).constructor as new (...args: string[]) => (
  ...args: unknown[]
) => Promise<unknown>;

/** The line V8 gives, in stack traces, to the first line of a Function-constructor body. */
const BODY_FIRST_LINE = measureBodyFirstLine();

/** Returns the line V8 reports for the first line of a Function-constructor body. */
function measureBodyFirstLine(): number {
  const stack = String(new Function('a', 'return new Error().stack')());
  const line = /<anonymous>:(\d+):\d+/.exec(stack)?.[1];
  return line === undefined ? 3 : Number(line);
}

/** An esbuild plugin that fails every import, export-from and require() with a clear message. */
const rejectModules: Plugin = {
  name: 'mmu-lab-reject-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => ({
      errors: [
        {
          text: `scripts cannot import modules ('${args.path}'): every lab function and constant is already a global`,
        },
      ],
    }));
  },
};

/** Formats a source line as `    12 | text`, with a caret under 1-based `column` when given. */
export function quoteLine(lineNo: number, text: string, column?: number): string[] {
  const gutter = `    ${lineNo} | `;
  const quoted = [gutter + text.trimEnd()];
  if (column !== undefined && column >= 1) quoted.push(' '.repeat(gutter.length + column - 1) + '^');
  return quoted;
}

/** Formats esbuild messages as `file:line:col: error: text`, each with its quoted source line. */
function formatMessages(filename: string, messages: readonly Message[]): string {
  return messages
    .flatMap((m) => {
      const loc = m.location;
      if (!loc) return [`${filename}: error: ${m.text}`];
      return [
        `${filename}:${loc.line}:${loc.column + 1}: error: ${m.text}`,
        ...quoteLine(loc.line, loc.lineText, loc.column + 1),
      ];
    })
    .join('\n');
}

/** esbuild options shared by both passes: TypeScript in, ES2022 out, imports kept verbatim so
 *  an unused `import x from 'y'` is still seen (and rejected) rather than silently dropped. */
const TS_OPTIONS = {
  target: 'es2022',
  tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
} as const;

/** Returns a ScriptCompileError when `err` is an esbuild failure located in the script itself,
 *  undefined for anything else (a bad option, a crash: bugs of the lab, not of the script). */
function asCompileError(err: unknown, filename: string): ScriptCompileError | undefined {
  const errors = (err as { errors?: Message[] }).errors;
  if (!errors?.length || errors.some((m) => m.location?.file !== filename)) return undefined;
  return new ScriptCompileError(formatMessages(filename, errors));
}

/**
 * Fails with ScriptCompileError when `source` has a syntax error, imports or requires any module,
 * or exports a name. Bundles in memory only to see every module reference; emits nothing.
 */
async function checkScript(source: string, filename: string): Promise<void> {
  const result = await build({
    ...TS_OPTIONS,
    stdin: { contents: source, loader: 'ts', sourcefile: filename },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    metafile: true,
    logLevel: 'silent',
    plugins: [rejectModules],
  }).catch((err: unknown) => {
    throw asCompileError(err, filename) ?? err;
  });
  const exported = Object.values(result.metafile.outputs).flatMap((o) => o.exports);
  if (exported.length > 0) {
    throw new ScriptCompileError(
      `${filename}: error: scripts cannot export (${exported.join(', ')}): a script is run, not imported`,
    );
  }
}

/**
 * Compiles the TypeScript `source` (reported as `filename`) to an async-function body.
 * Throws ScriptCompileError on a syntax error, an import/require of any module, or an export;
 * never runs any of the script.
 */
export async function compileScript(source: string, filename: string): Promise<CompiledScript> {
  await checkScript(source, filename);
  const { code, map } = await transform(source, {
    ...TS_OPTIONS,
    loader: 'ts',
    format: 'esm',
    sourcefile: filename,
    sourcemap: 'external',
    sourcesContent: false,
  });
  return {
    filename,
    source,
    body: BODY_PREFIX + code + '\n}',
    map: new SourceMap(JSON.parse(map)),
  };
}

/**
 * Runs a compiled script as `async function (...names) { body }` applied to the lab's values
 * for `names`, in order. Resolves when the script (including its top-level awaits) finishes;
 * rejects with whatever the script threw. Throws TypeError if `lab` lacks one of `names`.
 */
export async function runCompiled(
  script: CompiledScript,
  lab: object,
  names: readonly string[],
): Promise<void> {
  const values = names.map((name) => {
    if (!(name in lab)) throw new TypeError(`the lab has no global '${name}'`);
    return (lab as Record<string, unknown>)[name];
  });
  const fn = new AsyncFunction(...names, script.body);
  // Kernel call chains run deep; keep enough frames that the script's own frame (the error's
  // location) stays on the stack.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(limit, 200);
  try {
    await fn(...values);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A position in the user's script, 1-based. */
export interface ScriptPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Maps the innermost frame of the script on `err`'s stack back to the user's TypeScript.
 * Returns undefined when `err` has no stack or no frame of the script is on it.
 */
export function scriptPosition(script: CompiledScript, err: unknown): ScriptPosition | undefined {
  const stack = err instanceof Error ? String(err.stack) : '';
  const m = /<anonymous>:(\d+):(\d+)/.exec(stack);
  if (!m) return undefined;
  const line = Number(m[1]) - BODY_FIRST_LINE + 1;
  const column = Number(m[2]) - (line === 1 ? BODY_PREFIX.length : 0);
  const origin = script.map.findOrigin(line, column);
  if (!('lineNumber' in origin)) return undefined;
  return { line: origin.lineNumber, column: origin.columnNumber };
}

/** Returns the last `n` lines of the lab's dmesg, or [] when the lab cannot give them. */
function dmesgTail(lab: object, n: number): string[] {
  const dmesg = (lab as { dmesg?: unknown }).dmesg;
  if (typeof dmesg !== 'function') return [];
  try {
    const lines: unknown = dmesg.call(lab);
    return Array.isArray(lines) ? lines.slice(-n).map(String) : [];
  } catch {
    return [];
  }
}

/**
 * Describes a failed run for stderr: where in the user's script it happened (when known), the
 * error's name and message, the source line, a SIGSEGV/SIGBUS address, and for a KernelBug the
 * last 10 dmesg lines. With `fullStack`, appends the JavaScript stack.
 */
export function describeFailure(
  script: CompiledScript,
  lab: object,
  err: unknown,
  fullStack = false,
): string {
  const name = err instanceof Error ? err.name : 'thrown value';
  const message = err instanceof Error ? err.message : String(err);
  const pos = scriptPosition(script, err);
  const where = pos ? `${script.filename}:${pos.line}:${pos.column}` : script.filename;
  const lines = [`${where}: ${name}: ${message}`];
  const sourceLine = pos && script.source.split('\n')[pos.line - 1];
  if (pos && sourceLine !== undefined) lines.push(...quoteLine(pos.line, sourceLine, pos.column));
  const address = (err as { address?: unknown } | null)?.address;
  if ((name === 'SIGSEGV' || name === 'SIGBUS') && typeof address === 'number') {
    lines.push(`fault address: 0x${address.toString(16)}`);
  }
  if (name === 'KernelBug') {
    const tail = dmesgTail(lab, 10);
    lines.push(tail.length ? 'last dmesg lines:' : 'dmesg is empty');
    lines.push(...tail.map((l) => `    ${l}`));
  }
  if (fullStack && err instanceof Error && err.stack) lines.push(err.stack);
  return lines.join('\n');
}

/** A lab ready to run a script: the object holding its globals, and their names in order. */
export interface LoadedLab {
  readonly lab: object;
  readonly names: readonly string[];
}

/**
 * Compiles `source`, then creates a lab with `openLab` (only if it compiled) and runs the script
 * on it. Never throws for the script's own faults: a compile error, a lab that cannot be created,
 * or anything the script throws becomes `{ ok: false, report }`.
 */
export async function executeScript(
  source: string,
  filename: string,
  openLab: () => LoadedLab | Promise<LoadedLab>,
  options: { fullStack?: boolean } = {},
): Promise<ScriptOutcome> {
  let script: CompiledScript;
  try {
    script = await compileScript(source, filename);
  } catch (err) {
    if (err instanceof ScriptCompileError) return { ok: false, report: err.report };
    throw err;
  }
  let loaded: LoadedLab;
  try {
    loaded = await openLab();
  } catch (err) {
    return { ok: false, report: `mmu-lab: cannot create the machine: ${String((err as Error)?.message ?? err)}` };
  }
  try {
    await runCompiled(script, loaded.lab, loaded.names);
    return { ok: true };
  } catch (err) {
    return { ok: false, report: describeFailure(script, loaded.lab, err, options.fullStack) };
  }
}
