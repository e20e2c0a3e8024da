#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (release build, seeded RNG).
#   ci/fuzz.sh [SECONDS_PER_TARGET] [SEED]
# Defaults: 60 seconds, seed from the clock (printed, so a failure can be
# re-run). Reproducers go to fuzz/artifacts/. Exits non-zero on any
# divergence or panic.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
seed="${2:-$(date +%s)}"
cargo build --quiet --release -p wasmtime-fuzz
status=0
for target in instantiate differential api_ops component; do
  echo "== $target: ${secs}s, seed $seed"
  ./target/release/wasmtime-fuzz "$target" --time "${secs}s" --seed "$seed" \
    --artifacts fuzz/artifacts || status=1
done
exit "$status"
