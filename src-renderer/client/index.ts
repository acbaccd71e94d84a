// THE one client of the host (shared/ARCHITECTURE.md): in Electron the preload's `window.mmuLab`,
// in a browser a WebSocket to the host that served the page. Stores reach the host only through
// useHost(); nothing else in the renderer talks to it.
import type { HostApi } from '../../src-main/contract';
import { createWsClient, wireUrl, type ConnectionState } from './ws';

export type { ConnectionState };

let host: HostApi | null = null;
let connection: { state(): ConnectionState; onState(cb: (s: ConnectionState) => void): () => void } | null = null;

/** True when the preload exposed a host API in this page (Electron). */
function preloadHost(): HostApi | null {
  const g = globalThis as { mmuLab?: Partial<HostApi> };
  return g.mmuLab && typeof g.mmuLab.appInfo === 'function' ? (g.mmuLab as HostApi) : null;
}

/**
 * The host API for this page, created on first use: the preload's global when present, else a
 * WebSocket client for the page's own origin and ?token. Throws `unavailable: …` when neither.
 */
export function useHost(): HostApi {
  if (host) return host;
  const fromPreload = preloadHost();
  if (fromPreload) {
    host = fromPreload;
    connection = { state: () => 'open', onState: () => () => {} };
    return host;
  }
  const client = createWsClient(new WebSocket(wireUrl(globalThis.location.href)));
  host = client.api;
  connection = client;
  return host;
}

/** The state of the connection to the host ('open' always in Electron) and its changes. */
export function hostConnection(): { state(): ConnectionState; onState(cb: (s: ConnectionState) => void): () => void } {
  useHost();
  return connection!;
}

/** Uses `api` as the host from now on (tests give a fake host; the app never calls this). */
export function setHost(api: HostApi | null): void {
  host = api;
  connection = api ? { state: () => 'open', onState: () => () => {} } : null;
}
