#!/usr/bin/env bash
# Host-to-wasm call through the C API, ours against Wasmtime 48's own
# libwasmtime (the `_libwasmtime.so` bundled in the `wasmtime==48.0.0`
# Python wheel, fetched with pip into target/ on first use). Local only,
# never in CI.
#
# benches/c-api/call.c is built once against our headers (the ABI is
# Wasmtime 48's) and run against each library in turn, ROUNDS times
# interleaved; each run prints the best per-call time of its cases. The
# script prints, per case, the median over the runs for each library and
# the ratio ours / reference (below 1 is faster).
#
#   benches/scripts/c-api-call.sh      (env: RUNS=N, ITERS=N, PROFILE=release|debug,
#                                       CARGO_TARGET_DIR for the library's build)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
ITERS=${ITERS:-1000000}
PROFILE=${PROFILE:-release}
work=target/c-api-bench
mkdir -p "$work/ours" "$work/ref"
if [ "$PROFILE" = release ]; then
  cargo build --release --quiet -p wasmtime-c-api
else
  cargo build --quiet -p wasmtime-c-api
fi
cp "${CARGO_TARGET_DIR:-target}/$PROFILE/libwasmtime.so" "$work/ours/libwasmtime.so"
if [ ! -f "$work/ref/libwasmtime.so" ]; then
  pip download --quiet --no-deps wasmtime==48.0.0 -d "$work/wheel"
  python3 -m zipfile -e "$work"/wheel/wasmtime-48.0.0-*.whl "$work/wheel/pkg"
  cp "$work/wheel/pkg/wasmtime/linux-x86_64/_libwasmtime.so" "$work/ref/libwasmtime.so"
fi
gcc -O2 -std=c11 -D_POSIX_C_SOURCE=199309L -Icrates/c-api/include benches/c-api/call.c \
  -o "$work/call" -L"$work/ours" -lwasmtime
for run in $(seq "$RUNS"); do
  for lib in ours ref; do
    LD_LIBRARY_PATH="$work/$lib" "$work/call" "$ITERS" 3 2> /dev/null | sed "s/^/$lib /"
  done
done > "$work/results.txt"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-14s %12s %12s %8s\n' case "ours ns" "ref ns" ratio
for case in $(awk '{print $2}' "$work/results.txt" | sort -u); do
  o=$(awk -v c="$case" '$1 == "ours" && $2 == c {print $3}' "$work/results.txt" | median)
  r=$(awk -v c="$case" '$1 == "ref" && $2 == c {print $3}' "$work/results.txt" | median)
  printf '%-14s %12s %12s %8s\n' "$case" "$o" "$r" "$(awk -v o="$o" -v r="$r" 'BEGIN {printf "%.2fx", o / r}')"
done
