// ESLint flat config: typescript-eslint's recommended rules (not type-aware, to stay fast) and
// the LAYER RULE of shared/ARCHITECTURE.md, enforced here rather than by hope:
//   src-engine    imports nothing from src-main, src-renderer, electron, vue, pinia or the DOM;
//                 only its *worker*.ts files may import worker_threads.
//   src-renderer  imports no electron, no Node builtin, and src-engine and src-main only as
//                 `import type` (the host contract's types); its components (.vue) reach the
//                 host only through stores, never by importing the client.
//   src-main      imports nothing from src-renderer.
// tests/lint/layers.test.ts proves that each restriction fires.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

/** An import the layer rule forbids: a regex over the import's source text, and why. */
const SRC_MAIN = { regex: '(^|/)src-main(/|$)', message: 'src-main is the host; lower layers cannot import it.' };
const SRC_RENDERER = { regex: '(^|/)src-renderer(/|$)', message: 'src-renderer is the UI; nothing imports it.' };
const UI_PACKAGES = {
  regex: '^(electron|vue|pinia|monaco-editor|chart\\.js|jsdom|happy-dom|@electron|@vue|@vueuse)(/|$)',
  message: 'src-engine is plain TypeScript: no Electron, Vue, Pinia or DOM packages.',
};
const WORKER_THREADS = {
  regex: '^(node:)?worker_threads$',
  message: 'only src-engine worker entry points (files named *worker*.ts) may import worker_threads.',
};
const ELECTRON = { regex: '^(electron|@electron)(/|$)', message: 'the renderer reaches the host only through the preload API.' };
const NODE_BUILTINS = {
  regex: `^(node:|(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/|$))`,
  message: 'the renderer runs in a sandboxed browser page: no Node builtins.',
};
const SRC_MAIN_RUNTIME = {
  regex: '(^|/)src-main(/|$)',
  message: 'the renderer may only `import type` from src-main (the contract); it reaches the host through src-renderer/client.',
  allowTypeImports: true,
};
const HOST_CLIENT = {
  regex: '(^|/)client(/index)?$',
  message: 'components reach the host through store actions (shared/ARCHITECTURE.md: IPC only inside store actions).',
};
const SRC_ENGINE_RUNTIME = {
  regex: '(^|/)src-engine(/|$)',
  message: 'the renderer may only `import type` from src-engine; it talks to the engine through the host client.',
  allowTypeImports: true,
};

/**
 * Returns the rules that forbid `restrictions` in static imports, `export ... from`,
 * `import x = require()` and dynamic `import('...')` with a literal source.
 */
function forbidImports(...restrictions) {
  return {
    'no-restricted-imports': ['error', { patterns: restrictions.map((r) => ({ ...r })) }],
    'no-restricted-syntax': [
      'error',
      ...restrictions
        .filter((r) => !r.allowTypeImports)
        .map((r) => ({
          // esquery regex literals cannot contain '/', so spell it \x2F.
          selector: `ImportExpression[source.value=/${r.regex.replaceAll('/', '\\x2F')}/]`,
          message: r.message,
        })),
    ],
  };
}

const ENGINE = [SRC_MAIN, SRC_RENDERER, UI_PACKAGES];

export default defineConfig(
  { ignores: ['out/', 'dist/', 'coverage/', 'test-results/', 'playwright-report/', 'bench-results/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  // .vue single-file components: Vue's essential rules (v-html is flagged: the renderer shows
  // only sanitized HTML, see src-renderer/lib/markdown.ts), <script lang="ts"> parsed by
  // typescript-eslint, browser globals.
  pluginVue.configs['flat/essential'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
      globals: globals.browser,
    },
    rules: { 'vue/no-v-html': 'error' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src-engine/**/*.ts'],
    rules: {
      ...forbidImports(...ENGINE, WORKER_THREADS),
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'sessionStorage'],
    },
  },
  {
    files: ['src-engine/**/*worker*.ts'],
    rules: forbidImports(...ENGINE),
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    rules: forbidImports(ELECTRON, NODE_BUILTINS, SRC_ENGINE_RUNTIME, SRC_MAIN_RUNTIME),
  },
  {
    files: ['src-renderer/**/*.vue'],
    rules: forbidImports(ELECTRON, NODE_BUILTINS, SRC_ENGINE_RUNTIME, SRC_MAIN_RUNTIME, HOST_CLIENT),
  },
  {
    files: ['src-main/**/*.ts'],
    rules: forbidImports(SRC_RENDERER),
  },
  {
    files: ['tests/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'test', 'suite', 'bench'].map((object) => ({
          object,
          property: 'only',
          message: '.only would silently skip the rest of the suite; remove it before committing.',
        })),
      ],
    },
  },
);
