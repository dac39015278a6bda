#!/usr/bin/env bash
# System packages the browser tests need (Debian's chromium; Playwright never downloads a browser).
# Installs only when missing and only as root; otherwise the browser tests say why they skip.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian chromium for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
else
  echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)" >&2
fi
