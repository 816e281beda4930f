#!/usr/bin/env bash
# Builds HA Playground (installs the build tools on first run, ~20 min) and serves the built site
# on http://127.0.0.1:8080/ — exactly the static files a host would publish (no live-reload
# script: `trunk serve` injects one, so it is not used here).
#   bash scripts/serve.sh            # http://127.0.0.1:8080/
#   PORT=9000 bash scripts/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ha_setup_build

port="${PORT:-8080}"
ha_log "trunk build --release (a minute or two the first time)"
trunk build --release
exec node scripts/serve-dist.mjs "$port"
