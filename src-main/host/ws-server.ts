// Browser mode's transport: an HTTP server on 127.0.0.1 that serves the built renderer (with
// COOP/COEP and a strict CSP) and one WebSocket endpoint speaking the contract's wire protocol.
// As Jupyter does, a random token in the URL guards the socket; the Origin and Host headers must
// be this server's own (no other site, no DNS rebinding). Requests are validated by dispatch.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch } from './dispatch';
import type { LabHost } from './host';
import type { HostEventName, WireMessage } from '../contract';

export interface ServerOptions {
  host: LabHost;
  /** The built renderer (index.html and its assets). */
  staticDir: string;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** The access token (default: 32 random hex digits). */
  token?: string;
}

export interface RunningServer {
  port: number;
  token: string;
  /** The URL to open: http://127.0.0.1:<port>/?token=<token>. */
  url: string;
  close(): Promise<void>;
}

/** The Content-Security-Policy of every page: own scripts only, no inline script, no remote content. */
export const BROWSER_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
  "font-src 'self' data:", "connect-src 'self'", "worker-src 'self' blob:", "object-src 'none'", "base-uri 'none'",
  "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': BROWSER_CSP,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.wasm': 'application/wasm', '.map': 'application/json',
};

/** Whether two strings are equal, in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether an upgrade request may open the socket: right path, token, Host and Origin. */
export function upgradeAllowed(req: { url?: string; headers: Record<string, string | string[] | undefined> }, port: number, token: string): boolean {
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  if (url.pathname !== '/ws') return false;
  if (!sameSecret(url.searchParams.get('token') ?? '', token)) return false;
  const own = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!own.includes(String(req.headers['host'] ?? ''))) return false;
  return own.map((h) => `http://${h}`).includes(String(req.headers['origin'] ?? ''));
}

/** Serves a file of `dir` for GET `urlPath` (index.html for '/'); 404 outside it or when missing. */
async function serveStatic(dir: string, urlPath: string, res: ServerResponse): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    rel = '\0';
  }
  if (rel.endsWith('/')) rel += 'index.html';
  const root = resolve(dir);
  const file = normalize(join(root, rel));
  if (rel.includes('\0') || !file.startsWith(root + sep)) return void res.writeHead(404, SECURITY_HEADERS).end('not found');
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
    const body = await readFile(file);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': extname(file) === '.html' ? 'no-store' : 'no-cache' });
    res.end(body);
  } catch {
    const missingApp = rel === '/index.html';
    res.writeHead(missingApp ? 503 : 404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(missingApp ? `The renderer is not built (no ${join(dir, 'index.html')}): run npm run build.` : 'not found');
  }
}

/** Answers one frame of a socket: a request gets exactly one response; a malformed frame closes the socket. */
async function onFrame(host: LabHost, ws: WebSocket, data: unknown): Promise<void> {
  let msg: { kind?: unknown; id?: unknown; method?: unknown; args?: unknown };
  try {
    msg = JSON.parse(String(data)) as typeof msg;
  } catch {
    return void ws.close(1008, 'frames must be JSON');
  }
  if (!msg || typeof msg !== 'object' || typeof msg.id !== 'number' || !Number.isSafeInteger(msg.id)) return void ws.close(1008, 'a request needs a numeric id');
  const id = msg.id;
  const result = msg.kind === 'request' ? await dispatch(host, msg.method, msg.args) : { ok: false as const, error: { code: 'bad-request' as const, message: "kind must be 'request'" } };
  send(ws, result.ok ? { kind: 'response', id, ok: true, value: result.value } : { kind: 'response', id, ok: false, error: result.error });
}

/** Sends a wire message if the socket is open. */
function send(ws: WebSocket, m: WireMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
}

const EVENTS: readonly HostEventName[] = ['notebookOpened', 'menuCommand', 'kernelStatus', 'cellLifecycle', 'cellOutput', 'diagnostics', 'metrics', 'machineReset'];

/** Starts the server on 127.0.0.1 and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(16).toString('hex');
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  const unsubscribe = EVENTS.map((event) => options.host.on(event, (payload) => {
    for (const ws of sockets) send(ws, { kind: 'event', event, payload } as WireMessage);
  }));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, SECURITY_HEADERS).end();
    void serveStatic(options.staticDir, new URL(req.url ?? '/', 'http://127.0.0.1').pathname, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const port = (server.address() as { port: number }).port;
    if (!upgradeAllowed(req, port, token)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('message', (data) => void onFrame(options.host, ws, data));
      ws.on('close', () => sockets.delete(ws));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port, token, url: `http://127.0.0.1:${port}/?token=${token}`,
    close: async () => {
      for (const u of unsubscribe) u();
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
