#!/usr/bin/env bash
# Installs (only when missing) everything needed to BUILD HA Playground, and puts it on PATH:
#   - the wasm32-unknown-unknown Rust target
#   - trunk 0.21.14                       (cargo install, ~10 min the first time)
#   - wasm-bindgen-cli = the wasm-bindgen version in Cargo.lock (cargo install, ~7 min the first time)
#   - node_modules from package-lock.json (npm ci): wasm-opt (npm binaryen@132), esbuild (minifies the
#     wasm-bindgen glue in a release build: scripts/post-build.mjs) and playwright-core
#
#   bash scripts/setup.sh              # build tools only
#   bash scripts/setup.sh --browser    # also Chromium for the browser tests (apt-get, needs root or sudo)
#
# Other scripts `source` this file and call `ha_setup_build` (and `ha_setup_browser`); those scripts
# set `-euo pipefail` themselves. Safe to run again: every step is skipped when already done.

HA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HA_TRUNK_VERSION="0.21.14"
HA_WASM_BINDGEN_FALLBACK="0.2.130"
HA_BINARYEN_MAJOR="132"
# Chromium used by the browser tests; override for machines with Chrome elsewhere.
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
# Trunk otherwise asks crates.io for a newer version on every run.
export TRUNK_SKIP_VERSION_CHECK=true

ha_log() { printf '==> %s\n' "$*" >&2; }

# Prepends a directory to PATH once.
ha_path_prepend() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) export PATH="$1:$PATH" ;;
  esac
}

# The version of the `wasm-bindgen` crate pinned in Cargo.lock (the CLI must match it exactly).
ha_wasm_bindgen_version() {
  local v=""
  if [[ -f "$HA_ROOT/Cargo.lock" ]]; then
    v="$(awk '
      /^\[\[package\]\]/ { in_wb = 0 }
      /^name = "wasm-bindgen"$/ { in_wb = 1; next }
      in_wb && /^version = / { gsub(/"/, "", $3); print $3; exit }
    ' "$HA_ROOT/Cargo.lock")"
  fi
  echo "${v:-$HA_WASM_BINDGEN_FALLBACK}"
}

# Runs apt-get as root (directly or through sudo).
ha_apt_get() {
  if [[ "$(id -u)" == 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get "$@"
  elif command -v sudo >/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else
    ha_log "need root (or sudo) to run: apt-get $*"
    return 1
  fi
}

ha_setup_build() {
  ha_path_prepend "$HOME/.cargo/bin"
  ha_path_prepend "$HA_ROOT/node_modules/.bin" # first: npm's wasm-opt beats an old Debian one

  local tool
  for tool in cargo rustup node npm; do
    if ! command -v "$tool" >/dev/null; then
      ha_log "missing '$tool': install Rust (https://rustup.rs) and Node.js >= 20 first"
      return 1
    fi
  done

  # (Outputs are captured before grep so that `pipefail` cannot turn an early grep exit into a miss.)
  local targets
  targets="$(rustup target list --installed)"
  if ! grep -qx wasm32-unknown-unknown <<<"$targets"; then
    ha_log "adding Rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi

  if [[ "$(trunk --version 2>/dev/null || true)" != "trunk $HA_TRUNK_VERSION" ]]; then
    ha_log "installing trunk $HA_TRUNK_VERSION (cargo install, ~10 min)"
    # --locked: without it a newer cssparser breaks lightningcss.
    cargo install trunk --version "=$HA_TRUNK_VERSION" --locked
  fi

  local wbg
  wbg="$(ha_wasm_bindgen_version)"
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wbg" ]]; then
    ha_log "installing wasm-bindgen-cli $wbg (cargo install, ~7 min)"
    # No --locked: its lock file names a crate version the registry mirror lacks.
    cargo install wasm-bindgen-cli --version "=$wbg"
  fi

  # npm ci when node_modules is missing or was installed from another package-lock.json.
  local stamp="$HA_ROOT/node_modules/.ha-package-lock.sha256" want
  want="$(sha256sum "$HA_ROOT/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$HA_ROOT/node_modules/.package-lock.json" || "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
    ha_log "installing node modules (npm ci)"
    (cd "$HA_ROOT" && npm ci --no-audit --no-fund)
    echo "$want" >"$stamp"
  fi

  local wasm_opt_version
  wasm_opt_version="$(wasm-opt --version 2>/dev/null || true)"
  if [[ "$wasm_opt_version" != *"version $HA_BINARYEN_MAJOR "* ]]; then
    ha_log "wasm-opt on PATH is not binaryen $HA_BINARYEN_MAJOR: $(command -v wasm-opt || echo none)"
    return 1
  fi

  # GitHub Actions: keep these on PATH for later steps too.
  if [[ -n "${GITHUB_PATH:-}" ]]; then
    printf '%s\n' "$HOME/.cargo/bin" "$HA_ROOT/node_modules/.bin" >>"$GITHUB_PATH"
  fi

  ha_log "build tools ready: $(trunk --version), $(wasm-bindgen --version), ${wasm_opt_version%% (*}"
}

# Chromium + chromedriver for the browser tests (Debian/Ubuntu), only when missing.
ha_setup_browser() {
  if [[ ! -x "$CHROMIUM_PATH" ]]; then
    ha_log "installing chromium and chromium-driver (apt-get)"
    ha_apt_get update
    ha_apt_get install -y chromium chromium-driver
  fi
  # A CJK font: the Chinese pages (lang=zh) in screenshots and browser tests.
  if command -v fc-list >/dev/null && [[ -z "$(fc-list :lang=zh 2>/dev/null)" ]]; then
    ha_log "installing fonts-noto-cjk (apt-get)"
    ha_apt_get install -y fonts-noto-cjk || ha_log "fonts-noto-cjk not installed: Chinese text may show as boxes"
  fi
  ha_log "browser ready: $("$CHROMIUM_PATH" --version 2>/dev/null || echo "$CHROMIUM_PATH")"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
  cd "$HA_ROOT"
  ha_setup_build
  if [[ "${1:-}" == "--browser" ]]; then
    ha_setup_browser
  fi
fi
