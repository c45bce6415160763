#!/usr/bin/env bash
# Install what the tests need, then run them: Debian's Chromium (browser tests) and HAProxy (the class
# deployment's config check), the Python packages, ruff, and the whole pytest suite (unit, contract, AppTest
# and real-browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v haproxy >/dev/null || missing="$missing haproxy"
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q && $SUDO apt-get install -y -q $missing
fi
python -m pip install -q -r requirements-dev.txt
python -m ruff check .
python -m pytest -q "$@"
