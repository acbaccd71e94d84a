/// <reference types="vite/client" />
import type { HostApi } from '../src-main/contract';

declare global {
  interface Window {
    /** The host contract, exposed by src-main/preload.ts in Electron; absent in a browser. */
    readonly mmuLab?: HostApi;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
