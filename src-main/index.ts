// The Electron main process: one hardened window showing the renderer from the app:// scheme,
// the host services (src-main/host/host.ts) behind exactly the contract's IPC channels (each
// message's sender and shape checked), native dialogs, menus and shortcuts by platform
// convention, a dirty marker in the title and a confirmation before unsaved work is closed.
// Everything else lives in plain-Node services; this file stays thin.
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, session, shell, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LabHost, type Dialogs } from './host/host';
import { dispatch } from './host/dispatch';
import { HOST_EVENTS, HOST_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from './host/methods';
import { APP_ORIGIN, isTrustedSender } from './host/sender';
import { BROWSER_CSP } from './host/ws-server';
import { EXAMPLES_DIR, RENDERER_DIR } from './host/paths';
import type { MenuCommand, OpenedNotebook } from './contract';

const DEV_URL = process.env['ELECTRON_RENDERER_URL'] ?? null;
const IS_MAC = process.platform === 'darwin';

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);

let win: BrowserWindow | null = null;
let host: LabHost;
let quitConfirmed = false;

/** Serves out/renderer over app://mmu-lab/ with the CSP and isolation headers; nothing outside it. */
function serveRenderer(): void {
  const root = normalize(RENDERER_DIR);
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    const file = normalize(join(root, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    if (`${url.protocol}//${url.host}` !== APP_ORIGIN || !file.startsWith(root + sep)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', BROWSER_CSP);
    headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

/** Denies every permission request and check, and blocks requests to anything but the app. */
function lockSession(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.webRequest.onBeforeRequest((details, callback) => {
    const u = details.url;
    const ok = u.startsWith(`${APP_ORIGIN}/`) || u.startsWith('devtools:') || (DEV_URL !== null && (u.startsWith(new URL(DEV_URL).origin) || u.startsWith(new URL(DEV_URL).origin.replace(/^http/, 'ws'))));
    callback({ cancel: !ok });
  });
}

/** Hardens every webContents: no navigation away, no new windows, no <webview>. */
function lockContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url); // links in docs open in the user's browser
    return { action: 'deny' };
  });
}

/** Opens the lab's one window: context-isolated, sandboxed, no Node in the renderer. */
function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'MMU Lab',
    webPreferences: {
      preload: fileURLToPath(new URL('../preload/preload.cjs', import.meta.url)),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  w.on('close', (event) => confirmClose(event));
  w.on('closed', () => { win = null; quitConfirmed = false; });
  void w.loadURL(DEV_URL ?? `${APP_ORIGIN}/index.html`);
  return w;
}

/** Asks before closing the window over unsaved notebooks; "Close Without Saving" discards them. */
function confirmClose(event: Electron.Event): void {
  const dirty = host.dirtyNotebooks();
  if (quitConfirmed || dirty.length === 0 || !win) return;
  event.preventDefault();
  const choice = dialog.showMessageBoxSync(win, {
    type: 'warning', buttons: ['Cancel', 'Close Without Saving'], defaultId: 0, cancelId: 0,
    message: dirty.length === 1 ? `${dirty[0]!.name} has unsaved changes.` : `${dirty.length} notebooks have unsaved changes.`,
    detail: `${dirty.map((d) => d.name).join('\n')}\n\nSave them first to keep the changes.`,
  });
  if (choice !== 1) return;
  quitConfirmed = true;
  void Promise.all(dirty.map((d) => host.closeNotebook(d.id))).finally(() => win?.close());
}

/** The window title: the open notebooks, a bullet on each with unsaved changes. */
function updateTitle(): void {
  if (!win) return;
  void host.listOpen().then((open) => {
    if (!win) return;
    const names = open.map((n) => `${n.name}${n.dirty ? ' •' : ''}`);
    win.setTitle(names.length ? `${names.join(', ')} — MMU Lab` : 'MMU Lab');
    if (IS_MAC) win.setDocumentEdited(open.some((n) => n.dirty));
    void buildMenu();
  });
}

/** Native open/save dialogs for .ipynb files, attached to the window. */
const dialogs: Dialogs = {
  /** The .ipynb file the user picks, or null. */
  async open() {
    const r = await dialog.showOpenDialog(win!, { properties: ['openFile'], filters: [{ name: 'Jupyter notebooks', extensions: ['ipynb'] }] });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
  /** Where the user saves `name`, or null. */
  async save(name) {
    const r = await dialog.showSaveDialog(win!, { defaultPath: join(app.getPath('documents'), name), filters: [{ name: 'Jupyter notebooks', extensions: ['ipynb'] }] });
    return r.canceled || !r.filePath ? null : r.filePath;
  },
};

/** Registers one ipcMain handler per contract method; each checks the sender, then dispatches. */
function registerIpc(): void {
  for (const method of HOST_METHODS) {
    ipcMain.handle(ipcChannel(method), (event, ...args: unknown[]) => {
      const frame = event.senderFrame;
      const trusted = isTrustedSender({ frameUrl: frame?.url ?? '', isMainFrame: frame !== null && frame === event.sender.mainFrame, webContentsId: event.sender.id }, win?.webContents.id ?? null, DEV_URL);
      if (!trusted) return { ok: false, error: { code: 'bad-request', message: 'this sender may not call the lab' } };
      return dispatch(host, method, args);
    });
  }
  for (const event of HOST_EVENTS) host.on(event, (payload) => win?.webContents.send(IPC_EVENT_CHANNEL, { event, payload }));
}

/** Sends a menu command to the renderer. */
const send = (cmd: MenuCommand): void => void host.emit('menuCommand', cmd);

/** Runs a host action from the menu; a notebook it opened goes to the renderer, an error to a box. */
function fromMenu(action: () => Promise<OpenedNotebook | null | void>): void {
  action().then((opened) => {
    if (opened) host.emit('notebookOpened', opened);
  }).catch((e: unknown) => dialog.showErrorBox('MMU Lab', String((e as Error)?.message ?? e)));
}

/** Builds the application menu (File, Edit, Run, View, Window, Help) for this platform. */
async function buildMenu(): Promise<void> {
  const recent = await host.listRecent();
  const examples = await host.listExamples();
  const file: MenuItemConstructorOptions[] = [
    { label: 'New Notebook', accelerator: 'CmdOrCtrl+N', click: () => fromMenu(() => host.newNotebook()) },
    { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => fromMenu(() => host.openNotebookDialog()) },
    { label: 'Open Recent', submenu: recent.length
      ? [...recent.map((r) => ({ label: r.path, click: () => fromMenu(() => host.openRecent(r.path)) })), { type: 'separator' as const }, { label: 'Clear Menu', click: () => fromMenu(() => host.clearRecent().then(buildMenu)) }]
      : [{ label: 'No Recent Notebooks', enabled: false }] },
    { label: 'Examples', submenu: examples.length ? examples.map((e) => ({ label: e.title, click: () => fromMenu(() => host.openExample(e.id)) })) : [{ label: 'No Examples', enabled: false }] },
    { type: 'separator' },
    { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => send({ command: 'save' }) },
    { label: 'Save As…', accelerator: 'Shift+CmdOrCtrl+S', click: () => send({ command: 'save-as' }) },
    { type: 'separator' },
    { label: 'Close Notebook', accelerator: 'CmdOrCtrl+W', click: () => send({ command: 'close' }) },
    ...(IS_MAC ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
  ];
  // Shift+Enter belongs to the editor: shown in the menu, handled by the renderer (not registered).
  const run: MenuItemConstructorOptions[] = [
    { label: 'Run Cell', accelerator: 'Shift+Enter', registerAccelerator: false, click: () => send({ command: 'run-cell' }) },
    { label: 'Run All', accelerator: 'CmdOrCtrl+Shift+Enter', registerAccelerator: false, click: () => send({ command: 'run-all' }) },
    { label: 'Stop', accelerator: IS_MAC ? 'Cmd+.' : 'Ctrl+Shift+C', click: () => send({ command: 'stop' }) },
    { type: 'separator' },
    { label: 'Restart Machine', accelerator: 'CmdOrCtrl+Shift+0', click: () => send({ command: 'restart' }) },
  ];
  const template: MenuItemConstructorOptions[] = [
    ...(IS_MAC ? [{ role: 'appMenu' as const }] : []),
    { label: '&File', submenu: file },
    { role: 'editMenu' },
    { label: '&Run', submenu: run },
    { label: '&View', submenu: [
      { label: 'Find', accelerator: 'CmdOrCtrl+F', registerAccelerator: false, click: () => send({ command: 'find' }) },
      { label: 'Toggle Dark Theme', click: () => send({ command: 'toggle-theme' }) },
      { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' },
      ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }]),
    ] },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: `About MMU Lab ${app.getVersion()}`, click: () => void dialog.showMessageBox({ message: `MMU Lab ${app.getVersion()}`, detail: 'A lab for memory-system experiments on a simulated x86-64 machine running Linux 4.7 mm.' }) }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

/** Starts the host services, the session policy, the IPC handlers, the menu and the window. */
async function start(): Promise<void> {
  const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;
  host = new LabHost({ version, mode: 'electron', settingsDir: app.getPath('userData'), examplesDir: EXAMPLES_DIR, notebooksDir: null, dialogs, onDocumentsChanged: updateTitle });
  serveRenderer();
  lockSession();
  app.on('web-contents-created', (_e, contents) => lockContents(contents));
  registerIpc();
  await buildMenu();
  win = createWindow();
}

void app.whenReady().then(start);

app.on('activate', () => {
  if (BrowserWindow.getAllWindows().length === 0 && host) win = createWindow();
});

app.on('window-all-closed', () => {
  if (!IS_MAC) app.quit();
});

app.on('will-quit', () => void host?.dispose());
