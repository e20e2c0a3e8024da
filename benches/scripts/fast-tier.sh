#!/usr/bin/env bash
# Compile time of the fast tier (`-C compiler=winch`: Cranelift without
# optimisations, single-pass register allocation) against the optimizing
# tier, for our CLI and, when present, the reference Wasmtime 48 CLI (whose
# `winch` is its own baseline compiler). Local only, never in CI.
#
# Modules: the generated 3,000-function module of `cargo bench --bench core
# -- --emit-module`, and esbuild.wasm (a 11 MB Go program from the npm
# package esbuild-wasm, fetched into target/ on first use). Each line gives
# the median of RUNS `wasmtime compile` runs and the ratio to our optimizing
# tier; `first output` runs the CPython-sized esbuild module to its first
# output line is not measured here (it needs a Go host).
#
#   benches/scripts/fast-tier.sh     (env: RUNS=N, WASMTIME_REF=PATH, OURS=PATH)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
OURS=${OURS:-target/release/wasmtime}
REF=${WASMTIME_REF:-/work/ref/wasmtime_cli/wasmtime}
work=target/fast-tier
mkdir -p "$work"
[[ -x $OURS ]] || cargo build --release -q -p wasmtime-cli
gen=$work/generated.wasm
[[ -f $gen ]] || cargo bench -q --bench core -- --emit-module "$gen" > /dev/null
esb=$work/esbuild.wasm
if [[ ! -f $esb ]]; then
  (cd "$work" && npm pack -s esbuild-wasm@0.25.0 > /dev/null && tar xzf esbuild-wasm-0.25.0.tgz package/esbuild.wasm && mv package/esbuild.wasm . && rmdir package)
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_compile() { # CLI COMPILER MODULE
  for _ in $(seq "$RUNS"); do
    local s e
    s=$(date +%s%N)
    "$1" compile -C cache=n -C compiler="$2" "$3" -o "$work/out.cwasm" > /dev/null
    e=$(date +%s%N)
    echo $(( (e - s) / 1000000 ))
  done | median
}

for m in "$gen" "$esb"; do
  base=$(time_compile "$OURS" cranelift "$m")
  fast=$(time_compile "$OURS" winch "$m")
  echo "$(basename "$m"): ours cranelift ${base} ms, ours winch ${fast} ms ($(awk "BEGIN {printf \"%.1fx faster\", $base / $fast}"))"
  if [[ -x $REF ]]; then
    rb=$(time_compile "$REF" cranelift "$m")
    rf=$(time_compile "$REF" winch "$m" 2>/dev/null || echo NA)
    echo "$(basename "$m"): reference cranelift ${rb} ms, reference winch ${rf} ms; ours winch / reference winch: $(awk "BEGIN {if (\"$rf\" == \"NA\") print \"n/a\"; else printf \"%.2f\", $fast / $rf}")"
  fi
done
