import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

// Explicit inputs for the fixed layout (see shared/TOOLCHAIN.md): main and preload live in
// src-main/, the renderer's root is src-renderer/. Sandboxed preloads must be CommonJS.
export default defineConfig({
  main: {
    build: {
      rolldownOptions: { input: { index: resolve('src-main/index.ts') } },
    },
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { preload: resolve('src-main/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    build: {
      minify: true,
      rolldownOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
  },
});
