#!/usr/bin/env bash
# Headless Chromium and its WebDriver for the docs browser test (pytests/test_docs_site.py).
# Idempotent: does nothing when both are on PATH; otherwise installs the Debian packages (needs root).
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "chromium/chromedriver missing and not root: install the Debian packages 'chromium' and" \
        "'chromium-driver' (the browser test skips without them, and fails when CI=true)" >&2
    exit 0
fi
echo "==> installing chromium and chromium-driver (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
echo "    installed: $(command -v chromium) $(command -v chromedriver)"
