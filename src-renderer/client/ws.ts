// HostApi over one WebSocket (browser mode), speaking the wire protocol at the end of
// src-main/contract.ts: requests carry a counter id and get exactly one response; events arrive
// any time and go to every listener of their name. The renderer cannot tell it from the preload.
import type {
  HostApi, HostEventName, HostEventPayloads, HostMethod, WireMessage, WireRequest,
} from '../../src-main/contract';

/** The part of the browser's WebSocket this client uses (a test can hand in its own). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

/** Connection states the UI shows (a lost connection loses no document: it lives in the page). */
export type ConnectionState = 'connecting' | 'open' | 'closed';

export interface WsClient {
  api: HostApi;
  state(): ConnectionState;
  onState(cb: (s: ConnectionState) => void): () => void;
  close(): void;
}

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }

const OPEN = 1;

/** The WebSocket URL of the host that served `pageUrl`: same origin, path /ws, the page's token. */
export function wireUrl(pageUrl: string): string {
  const page = new URL(pageUrl);
  const token = page.searchParams.get('token');
  if (!token) throw new Error('unavailable: this page was opened without its ?token=…; use the URL `npm run serve` printed');
  const ws = new URL('/ws', page);
  ws.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  ws.search = '';
  ws.searchParams.set('token', token);
  return ws.toString();
}

/** An Error whose message is `<code>: <text>` as the contract promises, from a wire error. */
function hostError(code: string, message: string): Error {
  return new Error(message.startsWith(`${code}:`) ? message : `${code}: ${message}`);
}

/** `onCellOutput` → 'cellOutput'; null for a name that is not an event subscription. */
export function eventNameOf(prop: string): HostEventName | null {
  const m = /^on([A-Z]\w*)$/.exec(prop);
  return m ? ((m[1]![0]!.toLowerCase() + m[1]!.slice(1)) as HostEventName) : null;
}

/**
 * A HostApi over `socket`. Requests made before the socket opens wait for it; when it closes,
 * every pending request rejects with `unavailable: …` and later requests reject at once.
 */
export function createWsClient(socket: SocketLike): WsClient {
  let nextId = 1;
  let state: ConnectionState = socket.readyState === OPEN ? 'open' : 'connecting';
  const pending = new Map<number, Pending>();
  const queued: string[] = [];
  const listeners = new Map<HostEventName, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: ConnectionState) => void>();

  /** Moves to state s and tells the listeners. */
  const setState = (s: ConnectionState): void => {
    state = s;
    for (const cb of stateListeners) cb(s);
  };

  socket.onopen = () => {
    for (const frame of queued.splice(0)) socket.send(frame);
    setState('open');
  };
  socket.onclose = () => {
    setState('closed');
    for (const p of pending.values()) p.reject(hostError('unavailable', 'the connection to the host was lost; restart `npm run serve` and reload'));
    pending.clear();
  };
  socket.onerror = () => {
    // The close event follows and does the work.
  };
  socket.onmessage = (ev) => receive(String(ev.data));

  /** Dispatches one frame from the host; frames that are not the protocol's are ignored. */
  function receive(text: string): void {
    let msg: WireMessage;
    try {
      msg = JSON.parse(text) as WireMessage;
    } catch {
      return;
    }
    if (msg.kind === 'response') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(hostError(msg.error.code, msg.error.message));
    } else if (msg.kind === 'event') {
      for (const cb of listeners.get(msg.event) ?? []) cb(msg.payload);
    }
  }

  /** Sends one request and resolves with the host's value. */
  function request(method: HostMethod, args: unknown[]): Promise<unknown> {
    if (state === 'closed') return Promise.reject(hostError('unavailable', 'the connection to the host is closed; reload the page'));
    const id = nextId++;
    const frame = JSON.stringify({ kind: 'request', id, method, args } as WireRequest);
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (state === 'open') socket.send(frame);
      else queued.push(frame);
    });
  }

  /** Adds a listener of event `name`; returns its remover. */
  function subscribe(name: HostEventName, cb: (p: unknown) => void): () => void {
    const set = listeners.get(name) ?? new Set();
    listeners.set(name, set);
    set.add(cb);
    return () => void set.delete(cb);
  }

  const api = new Proxy({} as HostApi, {
    get(_target, prop) {
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      const event = eventNameOf(prop);
      if (event) return (cb: (p: HostEventPayloads[HostEventName]) => void) => subscribe(event, cb as (p: unknown) => void);
      return (...args: unknown[]) => request(prop as HostMethod, args);
    },
  });

  return {
    api,
    state: () => state,
    onState(cb) {
      stateListeners.add(cb);
      return () => void stateListeners.delete(cb);
    },
    close: () => socket.close(1000, 'closed by the page'),
  };
}
