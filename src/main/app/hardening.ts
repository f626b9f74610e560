import { session, type WebContents } from 'electron';
import { APP_ORIGIN, isTrustedUrl } from '../../shared/security.js';
import { requestAllowed, type ShellPolicy } from './shell-policy.js';

/**
 * Nothing leaves the machine and nothing else loads: requests to anything but the app origin (and the
 * developer tools, where the policy has them) are cancelled, every permission (camera, notifications,
 * ...) is refused.
 */
export function hardenSession(policy: ShellPolicy): void {
  const s = session.defaultSession;
  s.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !requestAllowed(details.url, policy) });
  });
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
}

/**
 * The window stays on the app: no navigation, no new windows, no webviews; and no developer tools where
 * the policy has none (webPreferences.devTools already refuses them; this closes any that still open).
 */
export function hardenContents(contents: WebContents, policy: ShellPolicy): void {
  if (!policy.devTools) contents.on('devtools-opened', () => contents.closeDevTools());
  contents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url, APP_ORIGIN)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
