// Command-line parsing for `mmu-lab`. Pure functions: no I/O, no process access.

/** A machine-config value as typed on the command line, after parsing. */
export type ConfigValue = number | boolean | string;
/** A notebook parameter's value: a config value, or a JSON array or object (`-p sizes=[1,2,4]`). */
export type ParamValue = ConfigValue | unknown[] | { [key: string]: unknown };

/** What the user asked `mmu-lab` to do. */
export type Command =
  | { kind: 'run'; script: string; config: Record<string, ConfigValue>; params: Record<string, ParamValue>; output: string | null; json?: boolean; typecheck?: false }
  | { kind: 'start'; config: Record<string, ConfigValue> }
  | { kind: 'export'; notebook: string; output: string | null }
  | { kind: 'sweep'; notebook: string; axes: SweepAxisArg[]; config: Record<string, ConfigValue>; output: string | null; jobs: number | null; typecheck?: false }
  | { kind: 'help' };

/** One `-p name=v1,v2,...` of a sweep: a name and the values it takes, in the order given. */
export interface SweepAxisArg { name: string; values: ConfigValue[] }

/** A command line that cannot be understood; `message` is meant for the user. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage:
  mmu-lab run <script.ts> [--config key=value ...]   run an experiment script on a fresh machine
  mmu-lab run <notebook.ipynb> [-p name=value ...] [-o out.ipynb] [--config key=value ...]
                                                     run every cell, write the notebook with its outputs
                                                     (charts as data and image/png; in place unless -o);
                                                     -p overrides a parameter (a value starting with [ or {
                                                     is JSON: -p sizes=[8,64,512]);
                                                     --json prints a machine-readable summary instead of print() lines
  mmu-lab start [--config key=value ...]             start the lab (an interactive session)
  mmu-lab export <notebook.ipynb> --html [-o out.html]
                                                     one self-contained HTML report, charts drawn
  mmu-lab sweep <notebook.ipynb> -p name=v1,v2,... [-p ...] [-o outdir] [--jobs N] [--config key=value ...]
                                                     run the notebook once per combination of the values
                                                     (the cross product), in parallel on N workers (default:
                                                     the number of CPUs), each on a fresh machine; -p names a
                                                     notebook parameter or a machine setting (cpus,
                                                     tlb_l1_entries, seed, ...); values as for run -p.
                                                     Writes outdir/run-NNN.ipynb, results.csv, results.json
                                                     (every run's metric() values and machine statistics)
                                                     and summary.ipynb (charts and the table); outdir
                                                     defaults to <notebook>-sweep/. Exits 1 if a run failed.
  mmu-lab --help                                     show this help

--config sets a machine parameter (repeatable), e.g. --config ram_mb=64 --config cpus=2.
Numbers (42, 0x1000) and booleans (true, false) are parsed; anything else stays a string.
A script is type-checked against the lab's API first (--no-typecheck skips it); a type error
is reported and nothing runs. Its print() output goes to stdout; on an error it exits with status 1.
Set MMU_LAB_STACK=1 to add the JavaScript stack to an error report.`;

/**
 * Turns a config value's text into a number when it is a finite number literal (decimal, hex,
 * exponent), into a boolean for exactly 'true'/'false', and leaves every other text a string.
 */
export function parseConfigValue(text: string): ConfigValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (trimmed !== '' && Number.isFinite(n)) return n;
  return text;
}

/**
 * A `-p` value: JSON when it starts with `[` or `{` (UsageError naming the parameter if it is not
 * valid JSON), otherwise as a config value.
 */
export function parseParameterValue(name: string, text: string): ParamValue {
  if (!/^\s*[[{]/.test(text)) return parseConfigValue(text);
  try {
    return JSON.parse(text) as unknown[] | { [key: string]: unknown };
  } catch (err) {
    throw new UsageError(`-p ${name}: '${text}' is not valid JSON (${(err as Error).message})`);
  }
}

/**
 * Parses one `key=value` setting of option `flag` into `into`, the value read by `parse`.
 * Throws UsageError when the `=` or the key is missing, or the key was already given.
 */
function addSetting<V>(into: Record<string, V>, setting: string, flag: string, parse: (key: string, text: string) => V): void {
  const eq = setting.indexOf('=');
  const key = eq < 0 ? '' : setting.slice(0, eq).trim();
  if (key === '') throw new UsageError(`${flag} expects key=value, got '${setting}'`);
  if (Object.hasOwn(into, key)) throw new UsageError(`${flag} ${key} is given twice`);
  into[key] = parse(key, setting.slice(eq + 1));
}

/** Parses one `--config key=value` setting into `config` (see addSetting). */
const addConfigSetting = (config: Record<string, ConfigValue>, setting: string): void =>
  addSetting(config, setting, '--config', (_key, text) => parseConfigValue(text));

/**
 * Parses the arguments after `mmu-lab` (process.argv.slice(2)) into a Command.
 * Accepts `--config k=v` and `--config=k=v` anywhere after the command word; `-h`/`--help`
 * anywhere wins. Throws UsageError for an unknown command or option, a missing or extra
 * script path, or a malformed setting.
 */
export function parseArgs(argv: readonly string[]): Command {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  const [command, ...rest] = argv;
  if (command === 'help') return { kind: 'help' };
  if (command === 'export') return parseExport(rest);
  if (command === 'sweep') return parseSweep(rest);
  if (command !== 'run' && command !== 'start') {
    throw new UsageError(`unknown command '${command}'`);
  }
  const config: Record<string, ConfigValue> = {};
  const params: Record<string, ParamValue> = {};
  let output: string | null = null;
  let json = false;
  let typecheck = true;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--no-typecheck') {
      typecheck = false;
    } else if (arg === '--json') {
      json = true;
    } else if (arg === '-p' || arg === '--param') {
      const setting = rest[++i];
      if (setting === undefined) throw new UsageError(`${arg} expects name=value`);
      addSetting(params, setting, arg, parseParameterValue);
    } else if (arg === '-o' || arg === '--output') {
      output = rest[++i] ?? null;
      if (output === null) throw new UsageError(`${arg} expects a file path`);
    } else if (arg === '--config') {
      const setting = rest[++i];
      if (setting === undefined) throw new UsageError('--config expects key=value');
      addConfigSetting(config, setting);
    } else if (arg.startsWith('--config=')) {
      addConfigSetting(config, arg.slice('--config='.length));
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      positional.push(arg);
    }
  }
  if (command === 'start') {
    if (positional.length > 0) throw new UsageError(`'start' takes no arguments`);
    return { kind: 'start', config };
  }
  if (positional.length !== 1) throw new UsageError(`'run' expects exactly one script path`);
  const notebook = positional[0]!.endsWith('.ipynb');
  if (!notebook && (output !== null || Object.keys(params).length)) throw new UsageError('-p and -o apply to notebooks (.ipynb) only');
  if (json && !notebook) throw new UsageError('--json applies to notebooks (.ipynb) only');
  const run: Command = { kind: 'run', script: positional[0]!, config, params, output };
  if (json) run.json = true;
  if (!typecheck) run.typecheck = false;
  return run;
}

/** `export <notebook.ipynb> --html [-o out.html]`. Throws UsageError for anything else. */
function parseExport(rest: readonly string[]): Command {
  let html = false, output: string | null = null;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--html') html = true;
    else if (arg === '-o' || arg === '--output') {
      output = rest[++i] ?? null;
      if (output === null) throw new UsageError(`${arg} expects a file path`);
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else positional.push(arg);
  }
  if (!html) throw new UsageError("'export' needs --html (the one format it writes)");
  if (positional.length !== 1 || !positional[0]!.endsWith('.ipynb')) throw new UsageError("'export' expects one notebook (.ipynb)");
  return { kind: 'export', notebook: positional[0]!, output };
}

/** `name=v1,v2,...` as a sweep axis; UsageError for a missing name or an empty value. */
function sweepAxis(setting: string): SweepAxisArg {
  const eq = setting.indexOf('=');
  const name = eq < 0 ? '' : setting.slice(0, eq).trim();
  const texts = eq < 0 ? [] : setting.slice(eq + 1).split(',');
  if (name === '' || texts.some((t) => t.trim() === '')) throw new UsageError(`-p expects name=value1,value2,... (no empty value), got '${setting}'`);
  return { name, values: texts.map(parseConfigValue) };
}

/**
 * `sweep <notebook.ipynb> -p name=v1,v2 ... [-o outdir] [--jobs N] [--config k=v ...]
 * [--no-typecheck]`. Throws UsageError for anything else, a name swept twice or also fixed by
 * --config, a sweep without -p, or a --jobs that is not a positive integer.
 */
function parseSweep(rest: readonly string[]): Command {
  const axes: SweepAxisArg[] = [];
  const config: Record<string, ConfigValue> = {};
  let output: string | null = null, jobs: number | null = null, typecheck = true;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${arg} expects a value`);
      return v;
    };
    if (arg === '-p' || arg === '--param') {
      const axis = sweepAxis(value());
      if (axes.some((a) => a.name === axis.name)) throw new UsageError(`-p ${axis.name} is given twice`);
      axes.push(axis);
    } else if (arg === '-o' || arg === '--output') output = value();
    else if (arg === '-j' || arg === '--jobs') {
      const text = value();
      jobs = Number(text);
      if (!/^\d+$/.test(text) || jobs < 1) throw new UsageError(`--jobs expects a positive integer, got '${text}'`);
    } else if (arg === '--config') addConfigSetting(config, value());
    else if (arg.startsWith('--config=')) addConfigSetting(config, arg.slice('--config='.length));
    else if (arg === '--no-typecheck') typecheck = false;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}'`);
    else positional.push(arg);
  }
  if (positional.length !== 1 || !positional[0]!.endsWith('.ipynb')) throw new UsageError("'sweep' expects one notebook (.ipynb)");
  if (!axes.length) throw new UsageError("'sweep' needs at least one -p name=value1,value2,...");
  const both = axes.find((a) => Object.hasOwn(config, a.name));
  if (both) throw new UsageError(`${both.name} is both swept (-p) and fixed (--config)`);
  const sweep: Command = { kind: 'sweep', notebook: positional[0]!, axes, config, output, jobs };
  if (!typecheck) sweep.typecheck = false;
  return sweep;
}
