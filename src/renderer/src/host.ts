/** The Electron preload provides window.api and a native open dialog; in a browser neither exists. */
export const hasFileDialog = window.api !== undefined;
