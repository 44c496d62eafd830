#!/usr/bin/env bash
# Build the native oneDNN backend (native/ → native/build/Release/specnet_native.node).
# Needs g++, make, python3 and Debian's libdnnl-dev and libkissfft-dev. Node's headers come from
# /usr/include/node when present (offline machines: node-gyp would download them).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/include/oneapi/dnnl/dnnl.hpp ] || [ ! -f /usr/include/kissfft/kiss_fftr.h ]; then
  echo "build-native: needs oneDNN and KissFFT headers; install libdnnl-dev and libkissfft-dev. The reference backend still works." >&2
  exit 1
fi
NODEDIR_ARG=()
[ -f /usr/include/node/node_api.h ] && NODEDIR_ARG=(--nodedir=/usr)
npx --no-install node-gyp rebuild --directory native "${NODEDIR_ARG[@]}" -j 2 --loglevel=warn
