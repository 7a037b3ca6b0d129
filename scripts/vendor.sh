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
