#!/usr/bin/env bash
# Installs FacePheno's dependencies, compiles it and builds the face models. Works offline from the
# npm registry alone: the Electron binary and onnxruntime's CUDA libraries are optional downloads.
set -euo pipefail
cd "$(dirname "$0")/.."

# onnxruntime-node ships its CPU runtime in the package; its installer would only fetch CUDA libraries.
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
# The Electron binary is fetched separately below, so that a machine without it still installs.
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci

npm run build
# The app's main, preload and renderer bundles (out/): the renderer is also what `facepheno serve` serves.
npm run build:app
npm run models

if [ "${FACEPHENO_SKIP_ELECTRON:-0}" != 1 ]; then
  node node_modules/electron/install.js >/dev/null 2>&1 \
    || echo "install: the Electron binary could not be downloaded; the app will run in a browser instead (facepheno serve)." >&2
fi
