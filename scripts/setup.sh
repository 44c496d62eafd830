#!/usr/bin/env bash
# One-time set-up on Debian/Ubuntu, safe to run again: installs the Debian
# packages specnet uses (when missing and when we may), the npm dependencies,
# and builds the TypeScript. Used by the README's commands and by CI.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: oneDNN and KissFFT (the native backend's kernels), Fashion-MNIST for the example job,
# and Chromium for the dashboard's browser test.
DEB_PACKAGES=(libdnnl-dev libkissfft-dev dataset-fashion-mnist chromium)

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for p in "${DEB_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
fi
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages yourself: ${missing[*]}" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

# The native backend (optional: without it specnet runs on the reference backend).
if [ -f /usr/include/oneapi/dnnl/dnnl.hpp ] && [ -f /usr/include/kissfft/kiss_fftr.h ]; then
  if [ ! -f native/build/Release/specnet_native.node ] || [ -n "$(find native/src native/binding.gyp -newer native/build/Release/specnet_native.node 2>/dev/null)" ]; then
    echo "setup: building the native oneDNN backend"
    bash scripts/build-native.sh || echo "setup: the native build failed; specnet will use the reference backend" >&2
  fi
else
  echo "setup: oneDNN or KissFFT not installed (libdnnl-dev, libkissfft-dev); specnet will use the reference backend" >&2
fi
