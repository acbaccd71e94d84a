#!/usr/bin/env node
// The `mmu-lab` command. Registers tsx so Node can load the TypeScript sources directly, using
// this repository's tsconfig whatever the current directory is, then hands over to the CLI.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// A reader that goes away (`mmu-lab run x.ts | head`) is not an error of the run: stop quietly,
// as Unix tools do, instead of dying on an unhandled EPIPE.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import(new URL('../src-main/cli/main.ts', import.meta.url).href);
const status = await main(process.argv.slice(2));
// The engine may keep worker threads alive; the command is over, so end the process once
// stdout has taken everything written to it.
process.stdout.write('', () => process.exit(status));
