#!/usr/bin/env bash
# Runs every test: native Rust tests, the engine's wasm build, the release site build and the
# browser tests in headless Chromium. Installs missing tools first (see scripts/setup.sh).
#   bash scripts/test.sh
#   HA_SKIP_BROWSER=1 bash scripts/test.sh   # quick local run: skip Chromium and the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ha_setup_build
if [[ "${HA_SKIP_BROWSER:-0}" != 1 ]]; then
  ha_setup_browser
fi

ha_log "cargo test --workspace"
cargo test --workspace

ha_log "cargo build -p engine --target wasm32-unknown-unknown"
cargo build -p engine --target wasm32-unknown-unknown

ha_log "trunk build --release"
trunk build --release

if [[ "${HA_SKIP_BROWSER:-0}" == 1 ]]; then
  ha_log "HA_SKIP_BROWSER=1: browser tests skipped"
else
  ha_log "browser tests (node --test tests/browser/*.test.mjs)"
  node --test tests/browser/*.test.mjs
fi

ha_log "all tests passed"
