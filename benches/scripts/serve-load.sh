#!/usr/bin/env bash
# `wasmtime serve` throughput: the same wasi:http/proxy component served by
# our CLI and by the reference, each loaded with wrk on loopback for a fixed
# time; prints requests/s of both and their ratio, and the error count.
#
# Usage: benches/scripts/serve-load.sh COMPONENT.wasm [SECONDS] [CONNECTIONS]
#   REF=path/to/reference/wasmtime (default: /work/ref/wasmtime_cli/wasmtime)
#   OURS=path/to/our/wasmtime (default: build target/release/wasmtime)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
component="$1"
secs="${2:-10}"
conns="${3:-4}"
ref="${REF:-/work/ref/wasmtime_cli/wasmtime}"
if [ -z "${OURS:-}" ]; then
  cargo build --quiet --release -p wasmtime-cli --manifest-path "$root/Cargo.toml"
fi
ours="${OURS:-$root/target/release/wasmtime}"

run() { # NAME BINARY PORT
  "$2" serve --addr "127.0.0.1:$3" -S cli "$component" >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1200); do  # up to 2 minutes: the component compiles first
    curl -s -o /dev/null "http://127.0.0.1:$3/" && break
    sleep 0.1
  done
  local out
  out="$(wrk -t2 -c"$conns" -d"${secs}s" "http://127.0.0.1:$3/")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  local rps errors
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out")"
  echo "$1: $rps req/s ${errors:-(no errors)}" >&2
  echo "$rps"
}
a="$(run ours "$ours" 18081)"
b="$(run wasmtime-48 "$ref" 18082)"
awk -v a="$a" -v b="$b" 'BEGIN { printf "ours/wasmtime-48 throughput: %.2fx\n", a / b }'
