#!/usr/bin/env bash
# The native kernels under AddressSanitizer and UndefinedBehaviorSanitizer: builds the addon with
# -fsanitize=address,undefined,float-cast-overflow into native/build-asan/ and runs the native tests
# and fuzz cases against it (SPECNET_NATIVE_ADDON), so that an out-of-bounds read or a cast of NaN
# fails a test instead of a user's run. Node itself is not instrumented: the sanitizer runtimes are
# preloaded. Run by .ci/run after the suite; by hand: npm run test:asan (about a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/include/oneapi/dnnl/dnnl.hpp ] || [ ! -f /usr/include/kissfft/kiss_fftr.h ] || [ ! -f /usr/include/node/node_api.h ]; then
  echo "asan: needs libdnnl-dev, libkissfft-dev and Node's headers (/usr/include/node); skipped" >&2
  exit 0
fi
OUT=native/build-asan
mkdir -p "$OUT"
NAPI=$(node -p "require('node-addon-api').include_dir")
SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all"
if [ ! -f "$OUT/specnet_native.node" ] || [ -n "$(find native/src -newer "$OUT/specnet_native.node" 2>/dev/null)" ]; then
  echo "asan: building the sanitized addon"
  # one compiler process per source, two at a time
  for f in native/src/*.cc; do
    echo "$f"
  done | xargs -P 2 -I{} sh -c 'g++ -c -std=c++17 -O1 -g -fno-omit-frame-pointer '"$SAN"' -march=native -fopenmp -fexceptions -frtti -fPIC \
      -DNAPI_VERSION=8 -DNODE_ADDON_API_CPP_EXCEPTIONS -I/usr/include/node -I'"$NAPI"' -I/usr/include/oneapi/dnnl -I/usr/include/kissfft \
      {} -o '"$OUT"'/$(basename {} .cc).o'
  g++ -shared $SAN -fopenmp "$OUT"/*.o -o "$OUT/specnet_native.node" -ldnnl -lkissfft-float -lmvec
fi
npm run --silent build
PRELOAD="$(g++ -print-file-name=libasan.so) $(g++ -print-file-name=libubsan.so)"
echo "asan: running the native tests and fuzz cases on the sanitized addon"
LD_PRELOAD="$PRELOAD" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  SPECNET_NATIVE_ADDON="$PWD/$OUT/specnet_native.node" SPECNET_REQUIRE_NATIVE=1 SPECNET_FUZZ_RUNS="${SPECNET_FUZZ_RUNS:-400}" \
  node --test --test-reporter=spec dist/test/fuzz/native.fuzz.test.js dist/test/backend/native.test.js dist/test/security/hostile_input.test.js
