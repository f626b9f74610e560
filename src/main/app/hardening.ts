import { session, type WebContents } from 'electron';
import { APP_ORIGIN, isTrustedUrl } from '../../shared/security.js';

/**
 * Nothing leaves the machine and nothing else loads: requests to anything but the app origin are
 * cancelled, every permission (camera, notifications, ...) is refused.
 */
export function hardenSession(): void {
  const s = session.defaultSession;
  s.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isTrustedUrl(details.url, APP_ORIGIN) && !details.url.startsWith('devtools://') });
  });
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
}

/** The window stays on the app: no navigation, no new windows, no webviews. */
export function hardenContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url, APP_ORIGIN)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
