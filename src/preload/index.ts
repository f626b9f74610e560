/**
 * Exposes the typed API as window.api and nothing else: one call function and one event subscription,
 * both over IPC channels that the shell checks by sender and validates with the contract.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { AnyEvent, Api, Reply } from '../shared/api.js';

const listeners = new Map<string, Set<(payload: unknown) => void>>();
ipcRenderer.on('facepheno:event', (_e: IpcRendererEvent, event: AnyEvent) => {
  for (const l of listeners.get(event.name) ?? []) l(event.payload);
});

const api: Api = {
  async call(name, input) {
    const reply = (await ipcRenderer.invoke('facepheno:call', name, input)) as Reply;
    if (!reply.ok) throw new Error(reply.error);
    return reply.value as never;
  },
  on(name, listener) {
    const set = listeners.get(name) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    listeners.set(name, set);
    return () => {
      set.delete(listener as (payload: unknown) => void);
    };
  },
};

contextBridge.exposeInMainWorld('api', api);
