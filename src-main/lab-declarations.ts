// The lab's declaration file (src-engine/lab-api.d.ts) as text: what scripts are type-checked
// against (cli/typecheck.ts) and what the desktop app's editor loads into Monaco's TypeScript
// worker (addExtraLib), so both see the same names, types and hover docs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the declaration file is, in the sources. */
export const LAB_DECLARATIONS_PATH = fileURLToPath(new URL('../src-engine/lab-api.d.ts', import.meta.url));

let text: string | null = null;

/** The text of the lab's declaration file: one self-contained global .d.ts (no imports or exports). Read once. */
export function labDeclarations(): string {
  text ??= readFileSync(LAB_DECLARATIONS_PATH, 'utf8');
  return text;
}
