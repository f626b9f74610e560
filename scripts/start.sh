#!/usr/bin/env bash
# Starts FacePheno: the desktop app where the Electron binary is installed, else the same screens and
# Service in the browser through `facepheno serve` (127.0.0.1 only, behind a random token).
set -euo pipefail
cd "$(dirname "$0")/.."

if node -e "require('node:fs').accessSync(require('electron'))" 2>/dev/null; then
  exec npx electron-vite preview
fi
echo "start: no Electron binary on this machine; open the address below in a browser instead." >&2
exec node bin/facepheno.js serve "$@"
