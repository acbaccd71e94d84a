// How the lab starts a worker thread from either layout it runs in: from the TypeScript sources
// (tests, the CLI, `npm run serve`: through tsx) or from the built .js beside the module.

/**
 * A JavaScript expression (for a worker started with `eval: true`) whose value is the promise of
 * loading worker `name` (e.g. 'cpu_worker'), a file beside the module whose URL is `moduleUrl`:
 * `name.ts` through tsx when that module runs from sources, else the built `name.js`.
 */
export function workerLoadExpression(name: string, moduleUrl: string): string {
  const fromSources = /\.ts($|\?)/.test(moduleUrl); // tsx may add a ?query to the URL
  const target = new URL(fromSources ? `./${name}.ts` : `./${name}.js`, moduleUrl).href;
  return fromSources
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => m.tsImport(${JSON.stringify(target)}, ${JSON.stringify(target)}))`
    : `import(${JSON.stringify(target)})`;
}
