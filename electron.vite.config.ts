import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

/** Writes the lab's declaration file beside the built host (src-main/lab-declarations.ts looks for it there). */
function labDeclarationsAsset(): Plugin {
  return {
    name: 'mmu-lab-declarations',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'lab-api.d.ts', source: readFileSync(resolve('src-engine/lab-api.d.ts'), 'utf8') });
    },
  };
}

// Explicit inputs for the fixed layout (see shared/TOOLCHAIN.md): main and preload live in
// src-main/, the renderer's root is src-renderer/. Sandboxed preloads must be CommonJS.
// The renderer is one build for both hosts: Electron loads out/renderer/index.html from disk and
// browser mode (`npm run serve`) serves the same directory, so asset paths are relative.
export default defineConfig({
  main: {
    plugins: [labDeclarationsAsset()],
    build: {
      // Worker threads are entries of their own, found beside the code that starts them
      // (new URL('./kernel-worker.js', import.meta.url)): so every entry and chunk is written
      // flat into out/main/, never into a subfolder.
      rolldownOptions: {
        input: {
          index: resolve('src-main/index.ts'),
          'kernel-worker': resolve('src-main/runner/kernel-worker.ts'),
          'typecheck-worker': resolve('src-main/runner/typecheck-worker.ts'),
          cpu_worker: resolve('src-engine/smp/cpu_worker.ts'),
          pattern_worker: resolve('src-engine/workload/pattern_worker.ts'),
        },
        output: { entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
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
    base: './',
    plugins: [vue()],
    // Monaco's editor and TypeScript workers are bundled as same-origin module workers
    // (`?worker` imports), so the CSP can say `worker-src 'self'` instead of allowing blob:.
    worker: { format: 'es' },
    build: {
      minify: true,
      chunkSizeWarningLimit: 8000,
      rolldownOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
  },
});
