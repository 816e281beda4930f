#!/usr/bin/env bash
# Release build, then page weight (raw + gzip -9 of dist's .wasm/.js/.css) and frame pacing of a
# running lab in headless Chromium, printed as markdown tables for docs/perf.md.
#   bash scripts/perf.sh                           # ?lab=heartbeat&n=50
#   bash scripts/perf.sh 'lab=heartbeat&n=20'      # another query
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ha_setup_build
ha_setup_browser

ha_log "trunk build --release"
trunk build --release

node tests/perf/frames.mjs "$@"
