// The lab's declaration file (src-engine/lab-api.d.ts) as text: what scripts are type-checked
// against (cli/typecheck.ts) and what the desktop app's editor loads into Monaco's TypeScript
// worker (addExtraLib), so both see the same names, types and hover docs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the file may be: in the sources (src-main/ beside src-engine/), or copied next to a built module. */
const CANDIDATES = ['../src-engine/lab-api.d.ts', './lab-api.d.ts'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));

/** The declaration file's path: the first candidate that exists (the sources' path if none does). */
export const LAB_DECLARATIONS_PATH = CANDIDATES.find((p) => existsSync(p)) ?? CANDIDATES[0]!;

let text: string | null = null;

/**
 * The text of the lab's declaration file: one self-contained global .d.ts (no imports or
 * exports), read once. Throws (ENOENT) if a build left the file behind: a bundled host must copy
 * src-engine/lab-api.d.ts next to the module that contains this function.
 */
export function labDeclarations(): string {
  text ??= readFileSync(LAB_DECLARATIONS_PATH, 'utf8');
  return text;
}
