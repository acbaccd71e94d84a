// Which IPC senders the Electron main process answers: only the top frame of the app's own
// window, showing the app's own page (app://mmu-lab/..., or the dev server's origin when
// electron-vite serves it). Kept free of Electron so it is tested under Node.

/** What main knows about the sender of an IPC message. */
export interface SenderInfo {
  /** The sending frame's URL ('' when the frame is gone). */
  frameUrl: string;
  /** Whether the sending frame is its page's top frame. */
  isMainFrame: boolean;
  /** The sender's webContents id. */
  webContentsId: number;
}

/** The app's page origin in production (the privileged custom scheme). */
export const APP_ORIGIN = 'app://mmu-lab';

/** Scheme and host of a URL as "scheme://host" (custom schemes have no WHATWG origin), or null. */
function schemeHost(url: string): string | null {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/**
 * Whether to answer `sender`: the top frame of window `trustedWebContentsId`, on the app's origin
 * or `devOrigin` (the electron-vite dev server, only when it is what the window loaded).
 */
export function isTrustedSender(sender: SenderInfo, trustedWebContentsId: number | null, devOrigin: string | null = null): boolean {
  if (trustedWebContentsId === null || sender.webContentsId !== trustedWebContentsId || !sender.isMainFrame) return false;
  const origin = schemeHost(sender.frameUrl);
  return origin !== null && (origin === APP_ORIGIN || (devOrigin !== null && origin === schemeHost(devOrigin)));
}
