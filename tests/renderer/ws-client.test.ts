// The browser-mode client speaks the wire protocol of src-main/contract.ts over a socket: ids,
// one response per request, errors as `<code>: <text>`, events to their listeners, and a lost
// connection failing every pending call instead of hanging it.
import { describe, expect, it } from 'vitest';
import { createWsClient, eventNameOf, wireUrl, type SocketLike } from '../../src-renderer/client/ws';

/** A socket that records what the client sends and lets the test play the host. */
class ScriptedSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(data: string): void { this.sent.push(JSON.parse(data) as Record<string, unknown>); }
  close(): void { this.readyState = 3; this.onclose?.({} as CloseEvent); }
  open(): void { this.readyState = 1; this.onopen?.({} as Event); }
  receive(msg: unknown): void { this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent); }
}

describe('wireUrl', () => {
  it('keeps the origin and the token, on /ws', () => {
    expect(wireUrl('http://127.0.0.1:8123/?token=abc123')).toBe('ws://127.0.0.1:8123/ws?token=abc123');
    expect(wireUrl('https://h:1/index.html?x=1&token=t%2F')).toBe('wss://h:1/ws?token=t%2F');
  });

  it('refuses a page opened without a token, saying what to do', () => {
    expect(() => wireUrl('http://127.0.0.1:8123/')).toThrow(/unavailable: .*token/);
  });
});

describe('createWsClient', () => {
  it('queues requests until the socket opens, then resolves each by its id', async () => {
    const s = new ScriptedSocket();
    const { api } = createWsClient(s);
    const a = api.listExamples();
    const b = api.dmesg('nb1');
    expect(s.sent).toEqual([]);
    s.open();
    expect(s.sent).toEqual([
      { kind: 'request', id: 1, method: 'listExamples', args: [] },
      { kind: 'request', id: 2, method: 'dmesg', args: ['nb1'] },
    ]);
    s.receive({ kind: 'response', id: 2, ok: true, value: ['line'] });
    s.receive({ kind: 'response', id: 1, ok: true, value: [] });
    await expect(b).resolves.toEqual(['line']);
    await expect(a).resolves.toEqual([]);
  });

  it('rejects with `<code>: <message>`', async () => {
    const s = new ScriptedSocket();
    s.open();
    const { api } = createWsClient(s);
    const p = api.openRecent('/nope.ipynb');
    s.receive({ kind: 'response', id: 1, ok: false, error: { code: 'not-found', message: 'no recent file /nope.ipynb' } });
    await expect(p).rejects.toThrow('not-found: no recent file /nope.ipynb');
    const q = api.stop('x');
    s.receive({ kind: 'response', id: 2, ok: false, error: { code: 'busy', message: 'busy: a cell is running' } });
    await expect(q).rejects.toThrow(/^busy: a cell is running$/);
  });

  it('delivers events to their listeners until unsubscribed', () => {
    const s = new ScriptedSocket();
    s.open();
    const { api } = createWsClient(s);
    const got: unknown[] = [];
    const off = api.onCellOutput((e) => got.push(e.output));
    api.onKernelStatus(() => got.push('status'));
    const out = { output_type: 'stream', name: 'stdout', text: 'hi\n' };
    s.receive({ kind: 'event', event: 'cellOutput', payload: { notebookId: 'n', cellId: 'c', output: out } });
    s.receive({ kind: 'event', event: 'kernelStatus', payload: { notebookId: 'n', state: 'idle', cellId: null, progress: null } });
    off();
    s.receive({ kind: 'event', event: 'cellOutput', payload: { notebookId: 'n', cellId: 'c', output: out } });
    expect(got).toEqual([out, 'status']);
  });

  it('fails pending and later calls when the connection is lost, and reports the state', async () => {
    const s = new ScriptedSocket();
    s.open();
    const client = createWsClient(s);
    const states: string[] = [];
    client.onState((st) => states.push(st));
    const p = client.api.runCell('n', { cellId: 'c', source: 'for(;;){}' });
    s.close();
    await expect(p).rejects.toThrow(/^unavailable: /);
    await expect(client.api.appInfo()).rejects.toThrow(/^unavailable: /);
    expect(states).toEqual(['closed']);
    expect(client.state()).toBe('closed');
  });

  it('ignores frames that are not the protocol', () => {
    const s = new ScriptedSocket();
    s.open();
    createWsClient(s);
    expect(() => s.onmessage?.({ data: 'not json' } as MessageEvent)).not.toThrow();
    expect(() => s.receive({ kind: 'response', id: 99, ok: true, value: 1 })).not.toThrow();
  });

  it('maps subscription names to wire event names', () => {
    expect(eventNameOf('onCellOutput')).toBe('cellOutput');
    expect(eventNameOf('onMachineReset')).toBe('machineReset');
    expect(eventNameOf('openRecent')).toBeNull();
  });
});
