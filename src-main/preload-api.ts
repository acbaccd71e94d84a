// What the preload exposes to the renderer as `window.mmuLab`: exactly the host contract.
export type { HostApi as PreloadApi } from './contract';
