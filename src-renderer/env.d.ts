import type { PreloadApi } from '../src-main/preload-api';

declare global {
  interface Window {
    /** Exposed by src-main/preload.ts through contextBridge. */
    readonly mmuLab: PreloadApi;
  }
}
