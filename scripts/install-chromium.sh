#!/usr/bin/env bash
# Installs Chromium from Debian's packages when it is missing: the finance console's end-to-end
# test (test/console.e2e.spec.ts) drives it with playwright-core, whose own browser download is
# not reachable from every machine. CHROMIUM_PATH points the test at another binary.
set -euo pipefail
if command -v chromium >/dev/null; then
  exit 0
fi
sudo=()
if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
echo "[chromium] installing Debian's chromium package"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq chromium >/dev/null
chromium --version
