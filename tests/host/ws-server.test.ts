// Browser mode's server: the token, Origin and Host checks on the WebSocket, the wire protocol
// (one response per request, bad shapes answered 'bad-request', malformed frames closing the
// socket, events to every page), and the static files with their security headers.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, upgradeAllowed, type RunningServer } from '../../src-main/host/ws-server';
import type { LabHost } from '../../src-main/host/host';
import type { WireMessage, WireResponse } from '../../src-main/contract';
import { tempHost } from './helpers';

/** Opens a socket with the given URL and Origin; resolves when open, rejects with the HTTP status when refused. */
function connect(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Sends one request and resolves with its response (events are collected into `events`). */
function call(ws: WebSocket, id: number, method: string, args: unknown[], events: WireMessage[] = []): Promise<WireResponse> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const m = JSON.parse(String(data)) as WireMessage;
      if (m.kind === 'response' && m.id === id) { ws.off('message', onMessage); resolve(m); } else events.push(m);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ kind: 'request', id, method, args }));
  });
}

/** GET `path` from the server with optional headers: status, headers and body. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += String(d)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    }).on('error', reject).end();
  });
}

describe('browser-mode server', () => {
  let host: LabHost;
  let server: RunningServer;
  let origin: string;
  let wsUrl: string;
  beforeAll(async () => {
    const t = tempHost();
    host = t.host;
    const staticDir = join(t.dirs.root, 'renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MMU Lab</title>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), 'export {};');
    writeFileSync(join(t.dirs.root, 'secret.txt'), 'outside the renderer');
    server = await startServer({ host, staticDir });
    origin = `http://127.0.0.1:${server.port}`;
    wsUrl = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
  });
  afterAll(async () => {
    await server.close();
    await host.dispose();
  });

  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
  });

  it('refuses a wrong or missing token, another Origin, no Origin, and a foreign Host header', async () => {
    await expect(connect(`ws://127.0.0.1:${server.port}/ws?token=${'0'.repeat(32)}`, origin)).rejects.toThrow('HTTP 403');
    await expect(connect(`ws://127.0.0.1:${server.port}/ws`, origin)).rejects.toThrow('HTTP 403');
    await expect(connect(wsUrl, 'http://evil.example')).rejects.toThrow('HTTP 403');
    await expect(connect(wsUrl, `http://127.0.0.1:${server.port + 1}`)).rejects.toThrow('HTTP 403');
    await expect(connect(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, origin)).rejects.toThrow('HTTP 403');
    const base = { url: `/ws?token=${server.token}` };
    expect(upgradeAllowed({ ...base, headers: { host: `127.0.0.1:${server.port}`, origin } }, server.port, server.token)).toBe(true);
    expect(upgradeAllowed({ ...base, headers: { host: `127.0.0.1:${server.port}` } }, server.port, server.token)).toBe(false);
    expect(upgradeAllowed({ ...base, headers: { host: `rebind.example:${server.port}`, origin: `http://rebind.example:${server.port}` } }, server.port, server.token)).toBe(false);
    expect(upgradeAllowed({ ...base, headers: { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` } }, server.port, server.token)).toBe(true);
  });

  it('answers requests, rejects bad shapes with bad-request, and sends events to every page', async () => {
    const a = await connect(wsUrl, origin);
    const b = await connect(wsUrl, origin);
    const seenByB: WireMessage[] = [];
    b.on('message', (d) => seenByB.push(JSON.parse(String(d)) as WireMessage));
    try {
      expect(await call(a, 1, 'appInfo', [])).toMatchObject({ kind: 'response', id: 1, ok: true, value: { mode: 'browser' } });
      expect(await call(a, 2, 'runCell', ['nb1'])).toMatchObject({ id: 2, ok: false, error: { code: 'bad-request' } });
      expect(await call(a, 3, 'dispose', [])).toMatchObject({ id: 3, ok: false, error: { code: 'bad-request' } });
      const opened = await call(a, 4, 'newNotebook', []);
      const id = (opened as { value: { id: string } }).value.id;
      const events: WireMessage[] = [];
      const ran = await call(a, 5, 'runCell', [id, { cellId: 'c', source: 'print("over the wire")' }], events);
      expect(ran).toMatchObject({ ok: true, value: { status: 'ok' } });
      expect(events).toContainEqual({ kind: 'event', event: 'cellOutput', payload: { notebookId: id, cellId: 'c', output: { output_type: 'stream', name: 'stdout', text: 'over the wire\n' } } });
      await expect.poll(() => seenByB.some((m) => m.kind === 'event' && m.event === 'cellOutput')).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  }, 30_000);

  it('closes the socket (1008) on a frame that is not JSON or has no numeric id', async () => {
    for (const frame of ['not json', JSON.stringify({ kind: 'request', method: 'appInfo', args: [] })]) {
      const ws = await connect(wsUrl, origin);
      const code = await new Promise<number>((resolve) => {
        ws.once('close', (c) => resolve(c));
        ws.send(frame);
      });
      expect(code).toBe(1008);
    }
  });

  it('serves the renderer with COOP, COEP and a strict CSP, and nothing outside its folder', async () => {
    const page = await get(server.port, '/?token=x');
    expect(page.status).toBe(200);
    expect(page.body).toContain('MMU Lab');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-eval/);
    expect((await get(server.port, '/assets/app.js')).headers['content-type']).toMatch(/^text\/javascript/);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/%00']) {
      const r = await get(server.port, path);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain('outside the renderer');
    }
  });
});
