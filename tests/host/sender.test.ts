// The Electron IPC sender check: only the app window's top frame, on the app's own origin (or
// the dev server it loaded), may call the host.
import { describe, it, expect } from 'vitest';
import { isTrustedSender, APP_ORIGIN } from '../../src-main/host/sender';

const app = { frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true, webContentsId: 1 };

describe('IPC sender check', () => {
  it('accepts the app page in the app window', () => {
    expect(isTrustedSender(app, 1)).toBe(true);
    expect(isTrustedSender({ ...app, frameUrl: 'http://localhost:5173/index.html' }, 1, 'http://localhost:5173/')).toBe(true);
  });

  it('refuses other windows, subframes, other origins, and any sender before the window exists', () => {
    expect(isTrustedSender({ ...app, webContentsId: 2 }, 1)).toBe(false);
    expect(isTrustedSender({ ...app, isMainFrame: false }, 1)).toBe(false);
    expect(isTrustedSender(app, null)).toBe(false);
    for (const frameUrl of ['https://evil.example/', 'file:///etc/passwd', 'app://other/index.html', 'http://localhost:5173/', '', 'not a url', 'app://mmu-lab.evil/x']) {
      expect(isTrustedSender({ ...app, frameUrl }, 1), frameUrl).toBe(false);
    }
    expect(isTrustedSender({ ...app, frameUrl: 'http://localhost:5174/' }, 1, 'http://localhost:5173/')).toBe(false);
  });
});
