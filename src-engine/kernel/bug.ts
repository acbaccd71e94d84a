// Kernel failure modes as the lab models them. Modelled outcomes (errno, VM_FAULT_*) are
// return values; a broken kernel invariant is a KernelBug; a user access the kernel would kill
// is a SIGSEGV/SIGBUS error. Bugs in the lab itself are ordinary exceptions.

/** Thrown by BUG()/BUG_ON(): the kernel oopsed in `func`. Changes made before it stay. */
export class KernelBug extends Error {
  constructor(readonly func: string, readonly condition: string) {
    super(`${func}: kernel BUG: ${condition}`);
    this.name = 'KernelBug';
  }
}

/** A user access killed by the kernel: name is 'SIGSEGV', 'SIGBUS' or 'SIGKILL' (OOM), address the faulting one. */
export class UserSignal extends Error {
  constructor(readonly name: 'SIGSEGV' | 'SIGBUS' | 'SIGKILL', readonly address: number, why: string) {
    super(`${name} at 0x${address.toString(16)}: ${why}`);
  }
}

/** The kernel log and taint state of one machine. */
export class KernelLog {
  readonly lines: string[] = [];
  taint = 0;
  /** Append one line to dmesg. */
  printk(line: string): void {
    this.lines.push(line);
    if (this.lines.length > 10000) this.lines.splice(0, this.lines.length - 10000);
  }
  get tainted(): boolean {
    return this.taint !== 0;
  }
}

export const TAINT_BAD_PAGE = 1 << 5;
export const TAINT_DIE = 1 << 7;
export const TAINT_WARN = 1 << 9;

/** BUG_ON: if `cond`, log the oops, taint the machine and throw KernelBug(func). */
export function BUG_ON(log: KernelLog, cond: boolean, func: string, what: string): void {
  if (!cond) return;
  log.printk(`kernel BUG in ${func}: ${what}`);
  log.printk('invalid opcode: 0000 [#1] SMP');
  log.taint |= TAINT_DIE;
  throw new KernelBug(func, what);
}

/** WARN_ON: if `cond`, log a WARNING line and taint; the caller carries on. Returns cond. */
export function WARN_ON(log: KernelLog, cond: boolean, func: string, what: string): boolean {
  if (!cond) return false;
  log.printk(`WARNING: ${func}: ${what}`);
  log.taint |= TAINT_WARN;
  return true;
}
