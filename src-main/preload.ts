// The preload (CommonJS, sandboxed): exposes exactly the host contract (src-main/contract.ts) as
// `window.mmuLab` through contextBridge. Each method is one ipcRenderer.invoke on its own
// channel; the renderer never gets ipcRenderer or anything of Node.
import { contextBridge, ipcRenderer } from 'electron';
import { HOST_EVENTS, HOST_METHODS, IPC_EVENT_CHANNEL, ipcChannel, subscriptionName } from './host/methods';
import type { PreloadApi } from './preload-api';

type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

const listeners = new Map<string, Set<(payload: unknown) => void>>(HOST_EVENTS.map((e) => [e, new Set()]));

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, message: { event: string; payload: unknown }) => {
  for (const cb of listeners.get(message?.event) ?? []) {
    try {
      cb(message.payload);
    } catch (e) {
      console.error(`mmu-lab: a listener of ${message.event} failed`, e);
    }
  }
});

const api: Record<string, unknown> = {};
for (const method of HOST_METHODS) {
  api[method] = async (...args: unknown[]): Promise<unknown> => {
    const reply = (await ipcRenderer.invoke(ipcChannel(method), ...args)) as Reply;
    if (reply.ok) return reply.value;
    throw new Error(`${reply.error.code}: ${reply.error.message}`);
  };
}
for (const event of HOST_EVENTS) {
  api[subscriptionName(event)] = (cb: unknown): (() => void) => {
    if (typeof cb !== 'function') throw new TypeError(`${subscriptionName(event)} needs a function`);
    const set = listeners.get(event)!;
    const fn = cb as (payload: unknown) => void;
    set.add(fn);
    return () => void set.delete(fn);
  };
}

contextBridge.exposeInMainWorld('mmuLab', Object.freeze(api as unknown as PreloadApi));
