/**
 * Appends an element with the given tag and text to `parent` and returns it.
 * Uses textContent only, so no string ever reaches the DOM as HTML.
 */
function add<K extends keyof HTMLElementTagNameMap>(
  parent: HTMLElement,
  tag: K,
  text: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.textContent = text;
  parent.append(el);
  return el;
}

/** Renders the start page into #app: the lab's name, version and how to run experiments. */
function render(root: HTMLElement): void {
  add(root, 'h1', 'MMU Lab');
  const version = add(root, 'p', 'Version …');
  void window.mmuLab.appInfo().then((info) => { version.textContent = `Version ${info.version}`; });
  add(
    root,
    'p',
    'A simulated x86-64 machine running a model of Linux 4.7 mm, scripted in TypeScript.',
  );
  add(root, 'h2', 'Run an experiment');
  add(root, 'pre', 'npx mmu-lab run experiments/first-fault.ts');
  add(root, 'p', 'or explore interactively with every lab function in scope:');
  add(root, 'pre', 'npx mmu-lab start');
}

const root = document.getElementById('app');
if (root) render(root);
