import { describe, expect, it } from 'vitest';
import { parseArgs, parseConfigValue, UsageError } from '../../src-main/cli/args';

describe('parseConfigValue', () => {
  it.each([
    ['64', 64],
    ['0x1000', 4096],
    ['-1', -1],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['true', true],
    ['false', false],
    ['WB', 'WB'],
    ['', ''],
    ['Infinity', 'Infinity'],
    ['TRUE', 'TRUE'],
  ])('%j -> %j', (text, value) => {
    expect(parseConfigValue(text)).toBe(value);
  });
});

describe('parseArgs', () => {
  it('asks for help with no arguments, help, -h or --help anywhere', () => {
    expect(parseArgs([])).toEqual({ kind: 'help' });
    expect(parseArgs(['help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['run', 'x.ts', '-h'])).toEqual({ kind: 'help' });
  });

  it('parses run with a script and repeated --config in both spellings', () => {
    expect(
      parseArgs(['run', 'exp.ts', '--config', 'ram_mb=64', '--config=cpus=2', '--config', 'debug_vm=true']),
    ).toEqual({ kind: 'run', script: 'exp.ts', config: { ram_mb: 64, cpus: 2, debug_vm: true }, params: {}, output: null });
  });

  it('parses a notebook run with -p parameters and -o, and refuses them for scripts', () => {
    expect(parseArgs(['run', 'n.ipynb', '-p', 'pages=64', '--param', 'name=x', '-o', 'out.ipynb'])).toEqual({
      kind: 'run', script: 'n.ipynb', config: {}, params: { pages: 64, name: 'x' }, output: 'out.ipynb',
    });
    expect(() => parseArgs(['run', 'exp.ts', '-p', 'pages=64'])).toThrow(UsageError);
    expect(() => parseArgs(['run', 'n.ipynb', '-o'])).toThrow(UsageError);
  });

  it('reads a -p value that starts with [ or { as JSON, and names the parameter when it is not', () => {
    expect(parseArgs(['run', 'n.ipynb', '-p', 'sizes=[8, 64]', '-p', 'opts={"a":1}'])).toMatchObject({ params: { sizes: [8, 64], opts: { a: 1 } } });
    expect(() => parseArgs(['run', 'n.ipynb', '-p', 'sizes=[8,'])).toThrow(/-p sizes: '\[8,' is not valid JSON/);
    expect(() => parseArgs(['run', 'n.ipynb', '--config', 'sizes=[8]'])).not.toThrow(); // config values stay text
  });

  it('lets --config come before the script and keeps "=" inside values', () => {
    expect(parseArgs(['run', '--config', 'name=a=b', 'exp.ts'])).toEqual({
      kind: 'run',
      script: 'exp.ts',
      config: { name: 'a=b' },
      params: {},
      output: null,
    });
  });

  it('parses start with a config', () => {
    expect(parseArgs(['start', '--config', 'seed=7'])).toEqual({ kind: 'start', config: { seed: 7 } });
  });

  it.each([
    [['bogus']],
    [['run']],
    [['run', 'a.ts', 'b.ts']],
    [['run', 'a.ts', '--config']],
    [['run', 'a.ts', '--config', 'novalue']],
    [['run', 'a.ts', '--config', '=5']],
    [['run', 'a.ts', '--config', 'cpus=1', '--config', 'cpus=2']],
    [['run', 'a.ts', '--verbose']],
    [['start', 'a.ts']],
  ])('rejects %j with a UsageError', (argv) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
});

describe('progressBar', () => {
  it('draws the share of cells started, in place', async () => {
    const { progressBar } = await import('../../src-main/cli/main');
    expect(progressBar(0, 4, 8)).toBe('\r[--------] cell 1/4');
    expect(progressBar(2, 4, 8)).toBe('\r[####----] cell 3/4');
  });
});
