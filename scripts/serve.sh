#!/usr/bin/env bash
# Builds and serves HA Playground locally (installs the build tools on first run, ~20 min).
#   bash scripts/serve.sh            # http://127.0.0.1:8080/
#   PORT=9000 bash scripts/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ha_setup_build

port="${PORT:-8080}"
ha_log "serving on http://127.0.0.1:$port/ (first build takes a minute or two; Ctrl-C to stop)"
exec trunk serve --release --address 127.0.0.1 --port "$port"
