// `mmu-lab`: the headless entry point (bin/mmu-lab.mjs loads this file through tsx).
import { readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { parseArgs, USAGE, UsageError, type ConfigValue, type ParamValue } from './args';
import { startRepl } from './repl';
import { compileScript, ScriptCompileError, quoteLine, type LoadedLab } from './run-script';

/** The streams and environment a command runs against (the real process by default). */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stdin/stdout are a terminal (the REPL then edits lines and colours output). */
  readonly terminal: boolean;
}

/** Returns the MMU Lab version from package.json. */
async function labVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  return String((pkg as { version?: unknown }).version);
}

/**
 * Creates a fresh lab with `config` merged over the machine defaults, its print() writing one
 * line at a time to `stdout`. Loads the engine only now, so `--help` never needs it.
 * Throws whatever createLab throws for an invalid config.
 */
async function loadLab(config: Record<string, ConfigValue>, stdout: Writable): Promise<LoadedLab> {
  const { createLab, LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
  const print = (line: string): void => void stdout.write(line + '\n');
  const lab = createLab(config as Parameters<typeof createLab>[0], { print });
  return { lab, names: LAB_GLOBAL_NAMES };
}

/** Runs the script at `path` on a fresh lab. Returns the exit status: 0 ok, 1 on any failure. */
async function runCommand(path: string, config: Record<string, ConfigValue>, io: CliIo, typecheck = true): Promise<number> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (err) {
    io.stderr.write(`mmu-lab: cannot read script '${path}': ${(err as Error).message}\n`);
    return 1;
  }
  let script;
  try {
    script = await compileScript(source, path); // syntax and import errors first: esbuild's messages are the clearer
  } catch (err) {
    if (!(err instanceof ScriptCompileError)) throw err;
    io.stderr.write(err.report + '\n');
    return 1;
  }
  const { LAB_GLOBAL_NAMES, createLab } = await import('../../src-engine/lab');
  if (typecheck) {
    const { typecheckScript } = await import('./typecheck');
    const errors = typecheckScript(source, path, LAB_GLOBAL_NAMES);
    if (errors.length) {
      io.stderr.write(`${errors.join('\n')}\n${path}: ${errors.length} type error(s); nothing was run (--no-typecheck runs it anyway)\n`);
      return 1;
    }
  }
  try {
    createLab(config as Parameters<typeof createLab>[0], { print: () => {} }).reset_machine({ ram_mb: 4, cpus: 1 }); // a bad config is reported here, clearly
  } catch (err) {
    io.stderr.write(`mmu-lab: cannot create the machine: ${(err as Error).message}\n`);
    return 1;
  }
  const { runSandboxed, describeSandboxFailure } = await import('../runner/sandbox');
  const timeoutMs = Number(io.env['MMU_LAB_TIMEOUT_MS'] ?? 600_000);
  const outcome = await runSandboxed({ body: script.body, names: LAB_GLOBAL_NAMES, config, timeoutMs }, {
    print: (line) => void io.stdout.write(line + '\n'),
    display: (bundle) => void io.stdout.write(String(bundle['text/plain'] ?? '') + '\n'),
  });
  if (outcome.ok) return 0;
  io.stderr.write(describeSandboxFailure(script, outcome, quoteLine) + '\n');
  return 1;
}

/**
 * Runs every cell of the notebook at `path` on a fresh machine (its metadata's machine config,
 * then --config over it), with -p parameters injected, and writes it with its outputs to
 * `output` (or back to `path`). Exit status 0, or 1 naming the failing cell.
 */
async function runNotebookCommand(path: string, config: Record<string, ConfigValue>, params: Record<string, ParamValue>,
  output: string | null, io: CliIo, json = false, typecheck = true): Promise<number> {
  const { loadNotebook, saveNotebook } = await import('../notebook/store');
  const { injectParameters, notebookMachine } = await import('../notebook/notebook');
  const { executeNotebook } = await import('../notebook/execute');
  let nb, machine;
  try {
    nb = injectParameters(loadNotebook(path), params);
    machine = { ...notebookMachine(nb), ...config } as Record<string, ConfigValue>;
  } catch (err) {
    io.stderr.write(`mmu-lab: cannot open notebook '${path}': ${(err as Error).message}\n`);
    return 1;
  }
  try {
    (await import('./machine-config')).checkMachineConfig(machine);
  } catch (err) {
    io.stderr.write(`mmu-lab: cannot create the machine: ${(err as Error).message}\n`);
    return 1;
  }
  let outcome;
  const bar = Boolean((io.stderr as { isTTY?: boolean }).isTTY) && !json; // a progress bar only on a terminal
  try {
    outcome = await executeNotebook(nb, async (print, display) => {
      const { createLab, LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
      return { lab: createLab(machine as Parameters<typeof createLab>[0], { print, display }), names: LAB_GLOBAL_NAMES };
    }, path, json ? undefined : (line) => { if (bar) io.stderr.write('\r\x1b[K'); io.stdout.write(line + '\n'); },
    typecheck ? await notebookTypechecker(path) : undefined,
    await notebookSandbox(machine, Number(io.env['MMU_LAB_TIMEOUT_MS'] ?? 600_000)),
    bar ? (done, total) => void io.stderr.write(progressBar(done, total)) : undefined);
    if (bar) io.stderr.write('\r\x1b[K');
  } catch (err) {
    io.stderr.write(`mmu-lab: cannot create the machine: ${(err as Error).message}\n`);
    return 1;
  }
  saveNotebook(output ?? path, nb);
  if (json) io.stdout.write(JSON.stringify(notebookSummary(nb, outcome, output ?? path)) + '\n');
  if (outcome.ok) return 0;
  io.stderr.write(`${path}: cell ${outcome.cell + 1} failed:\n${outcome.report}\n`);
  return 1;
}

/** A one-line progress bar for a terminal: `[#####-----] cell 3/8`, redrawn in place. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total ? Math.round((done / total) * width) : width;
  return `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] cell ${done + 1}/${total}`;
}

/** Runs a notebook's compiled cells in the sandbox on a machine of `config`. */
async function notebookSandbox(config: Record<string, ConfigValue>, timeoutMs: number) {
  const { runSandboxed } = await import('../runner/sandbox');
  const { LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
  return (body: string, marker: string, hooks: Parameters<typeof runSandboxed>[1]) =>
    runSandboxed({ body, names: [...LAB_GLOBAL_NAMES, marker], marker, config, timeoutMs }, hooks);
}

/** Write the notebook at `path` as one HTML report (to `output`, or beside it as .html). */
async function exportCommand(path: string, output: string | null, io: CliIo): Promise<number> {
  const { loadNotebook, writeFileAtomic } = await import('../notebook/store');
  const { notebookHtml } = await import('../notebook/export-html');
  let nb;
  try {
    nb = loadNotebook(path);
  } catch (err) {
    io.stderr.write(`mmu-lab: cannot open notebook '${path}': ${(err as Error).message}\n`);
    return 1;
  }
  const out = output ?? path.replace(/\.ipynb$/, '.html');
  const title = path.split('/').pop()!.replace(/\.ipynb$/, '');
  writeFileAtomic(out, notebookHtml(nb, title));
  io.stdout.write(`wrote ${out}\n`);
  return 0;
}

/** A type checker for a notebook's joined source (the lab's globals declared). */
async function notebookTypechecker(path: string): Promise<(source: string) => string[]> {
  const { typecheckScript } = await import('./typecheck');
  const { LAB_GLOBAL_NAMES } = await import('../../src-engine/lab');
  return (source) => typecheckScript(source.replaceAll(/__mmu_lab_cell__\(\d+\);/g, ''), path, LAB_GLOBAL_NAMES);
}

/** The --json summary of a notebook run: outcome, file written, and every code cell's outputs. */
function notebookSummary(nb: { cells: { cell_type: string; execution_count?: number | null; outputs?: unknown[] }[] }, outcome: { ok: boolean; cell?: number; report?: string }, written: string) {
  return {
    ok: outcome.ok,
    written,
    failed_cell: outcome.ok ? null : (outcome.cell ?? null),
    error: outcome.ok ? null : (outcome.report ?? null),
    cells: nb.cells.map((c, index) => ({ index, type: c.cell_type, execution_count: c.execution_count ?? null, outputs: c.outputs ?? [] })),
  };
}

/** Describes the current machine in one line, from the lab's machine_config(), or ''. */
function describeMachine(lab: object): string {
  const machineConfig = (lab as { machine_config?: unknown }).machine_config;
  if (typeof machineConfig !== 'function') return '';
  const config = machineConfig.call(lab) as Record<string, unknown>;
  return Object.entries(config)
    .filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** Builds the REPL's greeting for a lab on `machine` (a one-line description). */
function banner(version: string, machine: string): string {
  return [
    `MMU Lab ${version}: a simulated x86-64 machine running a model of Linux 4.7 mm.`,
    machine && `machine: ${machine}`,
    'Every scripting-API function and constant is in scope; TypeScript annotations are accepted.',
    '  const mm = mm_alloc()',
    '  const a = mmap(mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)',
    "  touch(mm, a, 4 * PAGE_SIZE, 'w'); pte_pfn(lookup_pte(mm, a))",
    'reset_machine() gives a fresh machine; .help lists REPL commands; .exit or Ctrl+D quits.',
    'Run a script file headless with: npx mmu-lab run <script.ts>',
  ]
    .filter((line) => line !== '')
    .join('\n');
}

/** Starts the interactive lab. Returns 0 when the user leaves, 1 if the machine can't start. */
async function startCommand(config: Record<string, ConfigValue>, io: CliIo): Promise<number> {
  let loaded: LoadedLab;
  try {
    loaded = await loadLab(config, io.stdout);
  } catch (err) {
    io.stderr.write(`mmu-lab: cannot create the machine: ${(err as Error).message}\n`);
    return 1;
  }
  await startRepl(loaded.lab, loaded.names, {
    input: io.stdin,
    output: io.stdout,
    terminal: io.terminal,
    banner: banner(await labVersion(), describeMachine(loaded.lab)),
  });
  return 0;
}

/**
 * Runs the `mmu-lab` command line `argv` (without node and the script path) against `io`.
 * Returns the exit status: 0 success, 1 a failed script or machine, 2 a bad command line.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`mmu-lab: ${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  switch (command.kind) {
    case 'help':
      io.stdout.write(USAGE + '\n');
      return 0;
    case 'run':
      return command.script.endsWith('.ipynb')
        ? runNotebookCommand(command.script, command.config, command.params, command.output, io, command.json === true, command.typecheck !== false)
        : runCommand(command.script, command.config, io, command.typecheck !== false);
    case 'start':
      return startCommand(command.config, io);
    case 'export':
      return exportCommand(command.notebook, command.output, io);
    case 'sweep':
      return (await import('./sweep')).sweepCommand(command, io);
  }
}

/** Returns the CliIo of this process. */
function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  };
}
