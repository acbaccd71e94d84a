import { contextBridge } from 'electron';
import { version } from '../package.json';
import type { PreloadApi } from './preload-api';

const api: PreloadApi = { version };

// The renderer sees only this frozen object: no ipcRenderer, no Node.
contextBridge.exposeInMainWorld('mmuLab', api);
