#!/usr/bin/env bash
# Refreshes the vendored front-end files from the npm registry at pinned versions.
# Run by hand when upgrading; the results are committed under static/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

PICO_VERSION=2.1.1
(cd "$tmp" && npm pack "@picocss/pico@$PICO_VERSION" --silent >/dev/null && tar xzf picocss-pico-*.tgz)
mkdir -p static/vendor/pico
cp "$tmp/package/css/pico.min.css" "$tmp/package/LICENSE.md" static/vendor/pico/
echo "$PICO_VERSION" > static/vendor/pico/VERSION

# axe-core: accessibility checks injected by the browser tests only; never served to users.
AXE_VERSION=4.14.1
(cd "$tmp" && rm -rf package && npm pack "axe-core@$AXE_VERSION" --silent >/dev/null && tar xzf axe-core-*.tgz)
mkdir -p static/vendor/axe-core
cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" static/vendor/axe-core/
echo "$AXE_VERSION" > static/vendor/axe-core/VERSION

# MediaPipe selfie segmentation: background blur on the video room page. The
# package carries its model (.tflite), graph (.binarypb), wasm and loader; the
# page points the loader at this folder with `locateFile`, so nothing comes
# from a CDN. The package declares Apache-2.0 but ships no licence file, so
# the licence text comes from Debian's copy of it.
MEDIAPIPE_SELFIE_VERSION=0.1.1675465747
(cd "$tmp" && rm -rf package && npm pack "@mediapipe/selfie_segmentation@$MEDIAPIPE_SELFIE_VERSION" --silent >/dev/null \
  && tar xzf mediapipe-selfie_segmentation-*.tgz)
mp=static/vendor/mediapipe-selfie-segmentation
rm -rf "$mp" && mkdir -p "$mp"
install -m 644 "$tmp"/package/selfie_segmentation.js "$tmp"/package/selfie_segmentation.binarypb \
  "$tmp"/package/selfie_segmentation.tflite "$tmp"/package/selfie_segmentation_landscape.tflite \
  "$tmp"/package/selfie_segmentation_solution_simd_wasm_bin.js "$tmp"/package/selfie_segmentation_solution_simd_wasm_bin.wasm \
  "$tmp"/package/selfie_segmentation_solution_wasm_bin.js "$tmp"/package/selfie_segmentation_solution_wasm_bin.wasm \
  "$tmp"/package/selfie_segmentation_solution_simd_wasm_bin.data "$tmp"/package/package.json "$mp"/
install -m 644 /usr/share/common-licenses/Apache-2.0 "$mp"/LICENSE
echo "$MEDIAPIPE_SELFIE_VERSION" > "$mp"/VERSION
