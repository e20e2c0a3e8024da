#!/usr/bin/env bash
# Async calls, ours against Wasmtime 48 from crates.io, in one process
# (benches/api-vs-48, a workspace of its own that CI never builds): a
# no-op `call_async`, one suspend/resume round trip through an async host
# function, and `instantiate_async` with the pooling allocator. Local only.
#
# Builds in release mode into $CARGO_TARGET_DIR (default /work/tgt-bench,
# away from the main targets), then runs the binary RUNS times. Each run
# prints, per case, the median and the fastest of its interleaved rounds
# for both sides and their ratio ours / reference (below 1: ours is
# faster); the script then prints the median over the runs of each column.
#
#   benches/scripts/async-vs-48.sh   (env: RUNS=N, ITERS=N, ROUNDS=N, FILTER=case)
set -euo pipefail
cd "$(dirname "$0")/../api-vs-48"
RUNS=${RUNS:-5}
ITERS=${ITERS:-50000}
ROUNDS=${ROUNDS:-21}
FILTER=${FILTER:-}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/tgt-bench}
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/api-vs-48"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$RUNS"); do
  "$bin" "$ITERS" "$ROUNDS" "$FILTER" | tail -n +2
done > "$out"
printf '%-18s %10s %10s %7s %10s %10s %7s\n' case "ours ns" "ref ns" ratio "ours min" "ref min" "ratio"
for case in $(awk '{print $1}' "$out" | sort -u); do
  row=$case
  for col in 2 3 4 5 6 7; do
    v=$(awk -v c="$case" -v k="$col" '$1 == c {print $k}' "$out" | sort -g |
      awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    row="$row $v"
  done
  echo "$row" | awk '{printf "%-18s %10s %10s %7s %10s %10s %7s\n", $1, $2, $3, $4, $5, $6, $7}'
done
