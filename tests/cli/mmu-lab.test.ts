// The real `mmu-lab` command, spawned as a user would run it, on the real engine.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin/mmu-lab.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'mmu-lab-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/mmu-lab.mjs ...args` in `cwd` with `input` on stdin; resolves when it exits. */
function mmuLab(args: string[], { cwd = root, input = '' } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, MMU_LAB_STACK: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Writes `source` to a new script file in the scratch directory; returns its name there. */
function script(name: string, source: string): string {
  writeFileSync(join(scratch, name), source);
  return name;
}

describe('mmu-lab --help and bad command lines', () => {
  it('prints usage and exits 0', async () => {
    const r = await mmuLab(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('mmu-lab run <script.ts>');
  });

  it('exits 2 with a message on an unknown command', async () => {
    const r = await mmuLab(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });

  it('exits 1 when the script file does not exist', async () => {
    const r = await mmuLab(['run', 'no-such-script.ts'], { cwd: scratch });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot read script 'no-such-script.ts'");
  });
});

describe('mmu-lab run', () => {
  it('ships the README example as experiments/first-fault.ts', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = readFileSync(join(root, 'experiments/first-fault.ts'), 'utf8');
    expect(file.replace(/^\/\/.*\n/gm, '')).toBe(example);
  });

  it('runs the README example and prints its output', async () => {
    const r = await mmuLab(['run', 'experiments/first-fault.ts']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'before: no page table yet',
      'touch: 4 faults',
      'after: present=true write=true dirty=true',
      'MM_ANONPAGES: 4',
    ]);
  });

  it('builds the machine from --config, from any directory', async () => {
    const name = script(
      'config.ts',
      'const c = machine_config();\nprint(`ram_mb=${c.ram_mb} cpus=${c.cpus} debug_vm=${c.debug_vm}`);',
    );
    const r = await mmuLab(['run', name, '--config', 'ram_mb=64', '--config', 'cpus=2', '--config=debug_vm=true'], {
      cwd: scratch,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ram_mb=64 cpus=2 debug_vm=true\n');
    expect(r.status).toBe(0);
  });

  it('exits 1 on a syntax error, naming the place', async () => {
    const r = await mmuLab(['run', script('syntax.ts', 'print(1);\nconst = 5;\n')], { cwd: scratch });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^syntax\.ts:2:7: error: /);
  });

  it('exits 1 on an import, saying that the API is global', async () => {
    const r = await mmuLab(['run', script('import.ts', "import { readFileSync } from 'node:fs';\nprint(readFileSync);\n")], {
      cwd: scratch,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("import.ts:1:30: error: scripts cannot import modules ('node:fs')");
  });

  it('exits 1 on a thrown Error, after the output printed before it', async () => {
    const src = 'print("before");\nfunction fail(n: number): never {\n  throw new Error(`failed at ${n}`);\n}\nfail(3);\n';
    const r = await mmuLab(['run', script('throw.ts', src)], { cwd: scratch });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/^throw\.ts:3:9: Error: failed at 3\n/);
  });

  it('exits 1 on a KernelBug, with the last dmesg lines', async () => {
    const src = [
      'const mm = mm_alloc();',
      'const addr = mmap(mm, 0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);',
      'vm_insert_pfn(find_vma(mm, addr)!, addr, 0);',
    ].join('\n');
    const r = await mmuLab(['run', script('bug.ts', src)], { cwd: scratch });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bug\.ts:3:1: KernelBug: vm_insert_pfn_prot: /);
    expect(r.stderr).toMatch(/last dmesg lines:|dmesg is empty/);
  });

  it('exits 1 on a SIGSEGV, with the fault address', async () => {
    const r = await mmuLab(['run', script('segv.ts', "const mm = mm_alloc();\ntouch(mm, 0x10000, 1, 'r');\n")], {
      cwd: scratch,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^segv\.ts:2:1: SIGSEGV: /);
    expect(r.stderr).toContain('fault address: 0x10000');
  });
});

describe('mmu-lab start', () => {
  it('starts a session with the lab in scope and ends at end of input', async () => {
    const r = await mmuLab(['start'], { input: 'print(PAGE_SIZE)\nconst n: number = PAGE_SIZE * 2\nprint(n)\n' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('MMU Lab');
    expect(r.stdout).toContain('4096\n');
    expect(r.stdout).toContain('8192\n');
  });
});
