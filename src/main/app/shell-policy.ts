import { APP_ORIGIN, isTrustedUrl } from '../../shared/security.js';

/**
 * What the Electron shell allows, by whether it runs packed (an installed FacePheno) or from the source
 * tree. Pure, so the rules are tested without Electron; index.ts and hardening.ts apply them.
 */
export interface ShellPolicy {
  /** The developer tools: in a packed build they would open the renderer (and its patient data) to anyone. */
  devTools: boolean;
  /**
   * The application menu: Electron's default (with Toggle Developer Tools and Reload) from the source tree;
   * packed, none on Windows and Linux, and on macOS only the app, edit and window menus (the edit menu is
   * what makes Cmd+C and Cmd+V work in text fields there).
   */
  menu: 'default' | null | readonly { role: 'appMenu' | 'editMenu' | 'windowMenu' }[];
}

export function shellPolicy(isPackaged: boolean, platform: NodeJS.Platform): ShellPolicy {
  if (!isPackaged) return { devTools: true, menu: 'default' };
  return {
    devTools: false,
    menu: platform === 'darwin' ? [{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }] : null,
  };
}

/** Whether the session lets a request through: the app origin, and devtools:// only where they may open. */
export function requestAllowed(url: string, policy: ShellPolicy): boolean {
  return isTrustedUrl(url, APP_ORIGIN) || (policy.devTools && url.startsWith('devtools://'));
}
