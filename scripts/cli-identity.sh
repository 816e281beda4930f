#!/usr/bin/env bash
# Compares two builds of the CLI on every preset and on heavier runs: the guard for engine
# changes that must not change any run (speed work; README, "Benchmarks").
#
#   bash scripts/cli-identity.sh BASE_CLI NEW_CLI [OUT_DIR]
#
# Build the two binaries first, e.g. `git stash; cargo build -p cli --profile native;
# cp target/native/cli /tmp/cli-base; git stash pop; cargo build -p cli --profile native`.
# For every preset (`cli presets`) it compares `cli run` (the measurements as JSON) and
# `cli run --events 3000` (the last 3 000 event lines) at the preset's position, and the last
# 2 000 event lines 60 s into the run; then a few heavier links (Raft 11, 50 heartbeat
# workers, the load balancer at 500 req/s, the system lab at 30 s). Prints each difference
# and `diffs N` (N = 0: the builds run the same).
set -uo pipefail
base=${1:?base cli}
new=${2:?new cli}
out=${3:-$(mktemp -d)}
mkdir -p "$out"
heavy=(
  'lab=raft&v=1&seed=3&n=11&lat=10-15&loss=1&faults=2000:crash:0;5000:restart:0&t=60000'
  'lab=raft&v=1&seed=5&n=5&lat=10-15&loss=5&faults=1000:cmd:0:put:x=1;3000:partition:0.1|2.3.4;9000:heal&t=60000'
  'lab=heartbeat&v=1&seed=2&n=50&lat=10-15&loss=1&faults=3000:crash:7;6000:partition:0.1.2|3.4.5&t=60000'
  'lab=lb&v=1&seed=1&n=4&lat=10-15&loss=0&rate=500&faults=3000:crash:3;8000:restart:3&t=60000'
  'lab=lb&v=1&seed=4&n=5&lat=10-15&loss=1&strat=wrr&be=5,1,1,2,3&faults=2000:cmd:5:slow:10&t=60000'
  'lab=system&v=1&seed=1&t=60000'
  'lab=swim&v=1&seed=2&n=30&t=60000'
  'lab=replication&v=1&seed=2&t=60000'
)
links=()
while read -r _ link; do links+=("$link"); done < <("$base" presets)
diffs=0
k=0
check() {
  local name=$1
  shift
  k=$((k + 1))
  "$base" run "$@" >"$out/$k.base" 2>&1
  "$new" run "$@" >"$out/$k.new" 2>&1
  if ! cmp -s "$out/$k.base" "$out/$k.new"; then
    diffs=$((diffs + 1))
    echo "DIFF $name: $* ($out/$k.base vs $out/$k.new)"
  fi
}
for l in "${links[@]}"; do
  check json -- "$l"
  check events --events 3000 -- "$l"
  check events-60s --events 2000 --until 60000 -- "$l"
done
for l in "${heavy[@]}"; do
  check heavy-json -- "$l"
  check heavy-events --events 3000 -- "$l"
done
echo "compared $k outputs of ${#links[@]} presets and ${#heavy[@]} heavier links: diffs $diffs"
