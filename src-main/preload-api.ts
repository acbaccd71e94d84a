// What the preload exposes to the renderer as `window.mmuLab`. It grows into the typed host
// contract (engine, notebooks, transports) in a later issue; today it carries only the version.
export interface PreloadApi {
  /** The MMU Lab version, from package.json. */
  readonly version: string;
}
